// Frames read back for the on-screen craft tests: an ASS document (and optional extra filters)
// burned by real ffmpeg/libass onto a generated background, the chosen frames returned as RGB,
// and the pixel and OCR checks those tests make on them.
import { execFile, execFileSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { OUTPUT_FPS } from '../../functions/media/chunks.ts';
import { selectFrames } from './video-frames.ts';

const run = promisify(execFile);

export interface Rgb {
  width: number;
  height: number;
  data: Buffer;
}

export interface BurnOptions {
  width: number;
  height: number;
  /** Frame indices to return, in the rendered stream (0-based). */
  frames: number[];
  /** An ffmpeg lavfi source at the frame's size and 30 fps (default: a mid-grey field). */
  background?: string;
  /** Where the stream starts in the whole video (frames): frames carry that time for libass, as a chunk's do. */
  startFrame?: number;
  /** A graph fragment after the ASS burn-in from label `from` to label `to` (e.g. a watermark overlay), with its extra inputs. */
  after?: (from: string, to: string) => string;
  inputs?: string[];
  /** Where to write the .ass (ffmpeg runs there). */
  dir: string;
}

/** Burns `ass` onto the background and returns the requested frames as RGB24. */
export function burn(ass: string, o: BurnOptions): Rgb[] {
  writeFileSync(join(o.dir, 'look.ass'), ass);
  const burned = burnedStream(o, 0, 'look.ass');
  const select = selectFrames(o.frames);
  const graph = o.after ? `${burned}[a];${o.after('a', 'b')};[b]${select},format=rgb24[out]` : `${burned},${select},format=rgb24[out]`;
  const out = execFileSync('ffmpeg', ['-v', 'error', ...backgroundInput(o), ...(o.inputs ?? []), '-filter_complex', graph, '-map', '[out]', '-fps_mode', 'passthrough', '-f', 'rawvideo', '-'], {
    cwd: o.dir,
    maxBuffer: 512 * 1024 * 1024,
  });
  return splitFrames(out, o, 'the document');
}

/** One document of `burnMany`: what `burn` takes, without the extra filters. */
export type BurnJob = Omit<BurnOptions, 'after' | 'inputs' | 'dir'> & { ass: string };

/**
 * Several documents burned by one ffmpeg, each on its own background exactly as `burn` draws one:
 * one process start instead of one per document, for tests that compare documents side by side.
 * Per job, its requested frames as RGB24.
 */
export function burnMany(jobs: BurnJob[], dir: string): Rgb[][] {
  jobs.forEach((o, k) => writeFileSync(join(dir, `look-${k}.ass`), o.ass));
  const graph = jobs.map((o, k) => `${burnedStream(o, k, `look-${k}.ass`)},${selectFrames(o.frames)},format=rgb24[out${k}]`).join(';');
  const outputs = jobs.flatMap((_, k) => ['-map', `[out${k}]`, '-fps_mode', 'passthrough', '-f', 'rawvideo', `burn-${k}.raw`]);
  execFileSync('ffmpeg', ['-v', 'error', '-y', ...jobs.flatMap(backgroundInput), '-filter_complex', graph, ...outputs], { cwd: dir });
  return jobs.map((o, k) => {
    const file = join(dir, `burn-${k}.raw`);
    const out = readFileSync(file);
    rmSync(file, { force: true });
    return splitFrames(out, o, `document ${k}`);
  });
}

type Burned = Pick<BurnOptions, 'width' | 'height' | 'frames' | 'background' | 'startFrame'>;

/** The background as a lavfi input, long enough for the last frame asked for. */
function backgroundInput(o: Burned): string[] {
  const bg = o.background ?? `color=c=0x707070:s=${o.width}x${o.height}:r=${OUTPUT_FPS}`;
  return ['-f', 'lavfi', '-t', String((Math.max(...o.frames) + 2) / OUTPUT_FPS), '-i', bg];
}

/** Input `k` with the document burned in, its frames carrying their time in the whole video for libass. */
function burnedStream(o: Burned, k: number, assFile: string): string {
  const shift = o.startFrame ? `setpts=PTS-STARTPTS+${o.startFrame}/${OUTPUT_FPS}/TB,` : '';
  const unshift = o.startFrame ? ',setpts=PTS-STARTPTS' : '';
  return `[${k}:v]${shift}ass=filename=${assFile}${unshift}`;
}

function splitFrames(out: Buffer, o: Burned, what: string): Rgb[] {
  const size = o.width * o.height * 3;
  assert(out.length === size * o.frames.length, `ffmpeg returned ${out.length / size} frames for ${what}, asked for ${o.frames.length}`);
  return o.frames.map((_, i) => ({ width: o.width, height: o.height, data: out.subarray(i * size, (i + 1) * size) }));
}

function assert(ok: boolean, message: string): asserts ok {
  if (!ok) throw new Error(message);
}

export type Pixel = (r: number, g: number, b: number) => boolean;

/** Near a colour `#RRGGBB`, each channel within `tolerance`. */
export const near =
  (hex: string, tolerance = 40): Pixel =>
  (r, g, b) => {
    const v = Number.parseInt(hex.slice(1), 16);
    return Math.abs(r - (v >> 16)) <= tolerance && Math.abs(g - ((v >> 8) & 255)) <= tolerance && Math.abs(b - (v & 255)) <= tolerance;
  };

export interface Box {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

export function pixel(f: Rgb, x: number, y: number): [number, number, number] {
  const i = (y * f.width + x) * 3;
  return [f.data[i]!, f.data[i + 1]!, f.data[i + 2]!];
}

/** How many pixels inside `box` (whole frame by default) pass `test`. */
export function count(f: Rgb, test: Pixel, box: Box = { x0: 0, y0: 0, x1: f.width, y1: f.height }): number {
  let n = 0;
  for (let y = box.y0; y < box.y1; y++) for (let x = box.x0; x < box.x1; x++) if (test(...pixel(f, x, y))) n++;
  return n;
}

/** The bounding box of the pixels passing `test`, or null. */
export function bounds(f: Rgb, test: Pixel, box: Box = { x0: 0, y0: 0, x1: f.width, y1: f.height }): Box | null {
  let b: Box | null = null;
  for (let y = box.y0; y < box.y1; y++)
    for (let x = box.x0; x < box.x1; x++) {
      if (!test(...pixel(f, x, y))) continue;
      b = b ? { x0: Math.min(b.x0, x), y0: Math.min(b.y0, y), x1: Math.max(b.x1, x + 1), y1: Math.max(b.y1, y + 1) } : { x0: x, y0: y, x1: x + 1, y1: y + 1 };
    }
  return b;
}

/** Writes a frame as PNG (to look at it, or for OCR). */
export function savePng(f: Rgb, path: string): string {
  execFileSync('ffmpeg', ['-v', 'error', '-y', '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-s', `${f.width}x${f.height}`, '-i', '-', '-frames:v', '1', path], { input: f.data });
  return path;
}

/**
 * The text tesseract reads in a frame (or in `box` of it): the crop is turned to black text on
 * white by keeping the pixels that pass `ink` (the drawn letters' colour), and scaled up, which is
 * what tesseract reads best.
 */
export async function ocr(f: Rgb, o: { dir: string; lang: string; ink: Pixel; box?: Box; psm?: number }): Promise<string> {
  const box = o.box ?? { x0: 0, y0: 0, x1: f.width, y1: f.height };
  const w = box.x1 - box.x0;
  const h = box.y1 - box.y0;
  const mono = Buffer.alloc(w * h);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) mono[y * w + x] = o.ink(...pixel(f, box.x0 + x, box.y0 + y)) ? 0 : 255;
  const name = join(o.dir, `ocr-${o.lang}-${++ocrRuns}`);
  writeFileSync(`${name}.gray`, mono);
  // Awaited, never sync: a test that holds the event loop for seconds lets an idle keep-alive
  // connection to its service expire unseen, and its next request fails ("other side closed").
  try {
    await run('ffmpeg', ['-v', 'error', '-y', '-f', 'rawvideo', '-pix_fmt', 'gray', '-s', `${w}x${h}`, '-i', `${name}.gray`, '-vf', 'scale=iw*2:ih*2:flags=bicubic,pad=iw+40:ih+40:20:20:white', '-frames:v', '1', `${name}.png`]);
    const { stdout } = await run('tesseract', [`${name}.png`, 'stdout', '-l', o.lang, '--psm', String(o.psm ?? 6)], { encoding: 'utf8' });
    return stdout.trim();
  } finally {
    for (const f of [`${name}.gray`, `${name}.png`]) rmSync(f, { force: true });
  }
}
let ocrRuns = 0;

/** Letters and digits only, upper-cased: OCR output compared without punctuation or spacing noise. */
export const letters = (s: string) => s.toUpperCase().replace(/[^\p{L}\p{N}]/gu, '');
