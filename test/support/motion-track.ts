// Measuring motion the way reference/motion.md did: a picture of small Gaussian dots goes through a
// filter chain, every output frame is read back as raw grey, each dot's intensity-weighted centroid
// is found to a fraction of a pixel, and the dots' spread (the scale) and mean (the centre) are
// followed frame by frame. A smooth zoom grows evenly: its second difference stays near zero and it
// never turns back. Shared by the motion tests and bench/motion.ts.
import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';

export interface Dot {
  x: number;
  y: number;
}

/**
 * Dots on a dark grey, as an 8-bit PGM image (ffmpeg reads it as a still). σ in pixels. The
 * background sits above black so that a resampler's undershoot around a dot is kept, not clipped:
 * clipped lobes would pull the centroids by a phase-dependent few hundredths of a pixel.
 */
export async function writeDotsImage(path: string, width: number, height: number, dots: Dot[], sigma = 4, background = 48): Promise<string> {
  const px = new Uint8Array(width * height).fill(background);
  const r = Math.ceil(sigma * 4);
  for (const d of dots) {
    for (let y = Math.max(0, Math.floor(d.y - r)); y <= Math.min(height - 1, Math.ceil(d.y + r)); y++) {
      for (let x = Math.max(0, Math.floor(d.x - r)); x <= Math.min(width - 1, Math.ceil(d.x + r)); x++) {
        const v = 180 * Math.exp(-((x - d.x) ** 2 + (y - d.y) ** 2) / (2 * sigma * sigma));
        px[y * width + x] = Math.min(255, px[y * width + x]! + Math.round(v));
      }
    }
  }
  await writeFile(path, Buffer.concat([Buffer.from(`P5\n${width} ${height}\n255\n`), px]));
  return path;
}

/** Four dots around the centre (a quarter of the frame out) and one on it. */
export function crossDots(width: number, height: number): Dot[] {
  const cx = width / 2;
  const cy = height / 2;
  return [
    { x: cx - width / 4, y: cy },
    { x: cx + width / 4, y: cy },
    { x: cx, y: cy - height / 4 },
    { x: cx, y: cy + height / 4 },
    { x: cx, y: cy },
  ];
}

/**
 * Runs ffmpeg with `args` (which must end by writing raw grey frames of width×height to stdout:
 * `-f rawvideo -pix_fmt gray -`) and hands each frame to `onFrame` as it arrives, so a long
 * 1080p run never holds more than a frame.
 */
export function readGreyFrames(ffmpeg: string, args: string[], width: number, height: number, onFrame: (frame: Uint8Array, index: number) => void): Promise<number> {
  const size = width * height;
  return new Promise((resolve, reject) => {
    const p = spawn(ffmpeg, ['-v', 'error', '-nostdin', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let buf: Buffer = Buffer.alloc(0);
    let n = 0;
    let err = '';
    p.stderr.on('data', (d: Buffer) => (err += d.toString()));
    p.stdout.on('data', (d: Buffer) => {
      buf = buf.length ? Buffer.concat([buf, d]) : d;
      while (buf.length >= size) {
        onFrame(buf.subarray(0, size), n++);
        buf = buf.subarray(size);
      }
    });
    p.on('error', reject);
    p.on('close', (code) => {
      if (code !== 0) reject(new Error(`ffmpeg exited ${code}: ${err.slice(-2000)}`));
      else if (buf.length !== 0) reject(new Error(`ffmpeg wrote ${buf.length} bytes past the last whole frame`));
      else resolve(n);
    });
  });
}

/**
 * Intensity-weighted centroid of the light around (x, y) within radius r, above the window's
 * darkest value: sub-pixel, and indifferent to a flat background's level.
 */
export function centroid(frame: Uint8Array, width: number, height: number, at: Dot, r: number): Dot | null {
  const x0 = Math.max(0, Math.floor(at.x - r));
  const x1 = Math.min(width - 1, Math.ceil(at.x + r));
  const y0 = Math.max(0, Math.floor(at.y - r));
  const y1 = Math.min(height - 1, Math.ceil(at.y + r));
  let floor = 255;
  for (let y = y0; y <= y1; y++) for (let x = x0; x <= x1; x++) floor = Math.min(floor, frame[y * width + x]!);
  let sw = 0;
  let sx = 0;
  let sy = 0;
  for (let y = y0; y <= y1; y++) {
    for (let x = x0; x <= x1; x++) {
      const w = frame[y * width + x]! - floor;
      sw += w;
      sx += w * x;
      sy += w * y;
    }
  }
  return sw > 0 ? { x: sx / sw, y: sy / sw } : null;
}

/**
 * Follows dots from their first-frame positions: each frame's search starts where the dot was in
 * the frame before (dots move a pixel or two a frame at most). Returns per frame the position of
 * each dot; throws when a dot is lost (it left the frame or the window).
 */
export class DotTracker {
  readonly track: Dot[][] = [];
  readonly width: number;
  readonly height: number;
  readonly radius: number;
  #last: Dot[];
  constructor(width: number, height: number, start: Dot[], radius = 14) {
    this.width = width;
    this.height = height;
    this.radius = radius;
    this.#last = start;
  }

  add(frame: Uint8Array): void {
    // Twice: the second pass centres the window on the dot, so its tail is weighed evenly.
    const found = this.#last.map((d) => {
      const c = centroid(frame, this.width, this.height, d, this.radius);
      return c && centroid(frame, this.width, this.height, c, this.radius);
    });
    const lost = found.findIndex((d) => d === null);
    if (lost >= 0) throw new Error(`dot ${lost} lost in frame ${this.track.length}`);
    this.#last = found as Dot[];
    this.track.push(this.#last);
  }
}

export interface Smoothness {
  /** RMS of the series' second difference: 0 for a perfectly even motion. */
  jitterRms: number;
  /** Largest |second difference|. */
  worstStep: number;
  /** Times the first difference changes sign (beyond `tolerance`): 0 for a motion that never turns back. */
  reversals: number;
}

/** How evenly a series (a scale, a position) moves from frame to frame. */
export function smoothness(series: number[], tolerance = 0.02): Smoothness {
  const d1 = series.slice(1).map((v, i) => v - series[i]!);
  const d2 = d1.slice(1).map((v, i) => v - d1[i]!);
  const jitterRms = d2.length ? Math.sqrt(d2.reduce((a, v) => a + v * v, 0) / d2.length) : 0;
  const worstStep = d2.reduce((a, v) => Math.max(a, Math.abs(v)), 0);
  let reversals = 0;
  let sign = 0;
  for (const v of d1) {
    if (Math.abs(v) <= tolerance) continue;
    const s = Math.sign(v);
    if (sign !== 0 && s !== sign) reversals++;
    sign = s;
  }
  return { jitterRms, worstStep, reversals };
}

export interface CrossMotion {
  /** Distance between the left and right dots, frame by frame (pixels). */
  scaleX: number[];
  /** Distance between the top and bottom dots. */
  scaleY: number[];
  /** Mean position of the four outer dots. */
  centreX: number[];
  centreY: number[];
}

/** The scale and centre series of a crossDots track. */
export function crossMotion(track: Dot[][]): CrossMotion {
  return {
    scaleX: track.map((d) => d[1]!.x - d[0]!.x),
    scaleY: track.map((d) => d[3]!.y - d[2]!.y),
    centreX: track.map((d) => (d[0]!.x + d[1]!.x + d[2]!.x + d[3]!.x) / 4),
    centreY: track.map((d) => (d[0]!.y + d[1]!.y + d[2]!.y + d[3]!.y) / 4),
  };
}
