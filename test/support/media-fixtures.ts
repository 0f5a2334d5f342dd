// Tiny real media for tests, generated with ffmpeg (test code may start ffmpeg directly).
import { execFile } from 'node:child_process';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { cachedFixture, ffmpegKey, withOutput } from './fixture-cache.ts';

const FFMPEG = process.env.FFMPEG_PATH || 'ffmpeg';

/**
 * `path`, made by one ffmpeg run of `args` (all inputs synthetic, `path` the output) once per test
 * run and copied for every other ask (fixture-cache.ts).
 */
export function generate(args: string[], path: string): Promise<string> {
  return cachedFixture(ffmpegKey(FFMPEG, args, path), path, (tmp) => ffmpeg(withOutput(args, path, tmp)));
}

/** One run of ffmpeg making a fixture (quiet, overwriting), its stderr in the error when it fails. */
export function ffmpeg(args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    // No timeout: a fixture takes what a busy machine makes it take (the runner's per-test timeout is the hang guard).
    execFile(FFMPEG, ['-hide_banner', '-loglevel', 'error', '-nostdin', '-y', ...args], (err, _o, stderr) => {
      if (err) reject(new Error(`fixture ffmpeg failed: ${err.message}\n${stderr}`));
      else resolve();
    });
  });
}

export type Pattern = 'testsrc2' | 'mandelbrot' | 'smptebars' | 'color';

export interface VideoFixture {
  width: number;
  height: number;
  durationS: number;
  /** Default 25, deliberately not the renderer's 30. */
  fps?: number;
  /** Display rotation in degrees clockwise stored as metadata (the pixels stay as generated). */
  rotate?: 0 | 90 | 180 | 270;
  /** Real picture detail by default (testsrc2); `color` is flat, for pixel-diff tests. */
  pattern?: Pattern;
  /** Flat colour for pattern `color` (ffmpeg colour name or 0xRRGGBB). */
  color?: string;
  /** Add a sine audio track. */
  audio?: boolean;
  /** Drop frames irregularly so timestamps are variable-frame-rate. */
  vfr?: boolean;
  /** Container/codec: mp4 (H.264, default), webm (VP9), mov (H.264). */
  format?: 'mp4' | 'webm' | 'mov';
}

function source(o: VideoFixture): string {
  const size = `${o.width}x${o.height}`;
  const fps = o.fps ?? 25;
  const d = o.durationS;
  switch (o.pattern ?? 'testsrc2') {
    case 'mandelbrot':
      return `mandelbrot=size=${size}:rate=${fps},trim=duration=${d}`;
    case 'smptebars':
      return `smptebars=size=${size}:rate=${fps}:duration=${d}`;
    case 'color':
      return `color=c=${o.color ?? 'navy'}:size=${size}:rate=${fps}:duration=${d}`;
    default:
      return `testsrc2=size=${size}:rate=${fps}:duration=${d}`;
  }
}

/** A short video with picture detail; H.264 yuv420p unless `format` says otherwise. */
export async function makeVideo(path: string, o: VideoFixture): Promise<string> {
  const args = ['-f', 'lavfi', '-i', source(o)];
  if (o.audio) args.push('-f', 'lavfi', '-i', `sine=frequency=330:sample_rate=44100:duration=${o.durationS}`);
  const vf: string[] = [];
  // Keep 2 of every 3 frames in a stuttering pattern: timestamps become irregular.
  if (o.vfr) vf.push("select='not(eq(mod(n\\,3)\\,1))'");
  vf.push('format=yuv420p');
  args.push('-vf', vf.join(','));
  if (o.vfr) args.push('-fps_mode', 'vfr');
  const format = o.format ?? 'mp4';
  if (format === 'webm') args.push('-c:v', 'libvpx-vp9', '-deadline', 'realtime', '-cpu-used', '8', '-b:v', '300k');
  else args.push('-c:v', 'libx264', '-preset', 'ultrafast', '-crf', '30');
  if (o.audio) args.push('-c:a', format === 'webm' ? 'libopus' : 'aac', '-b:a', '64k', '-shortest');
  args.push(path);
  if (!o.rotate) return generate(args, path);
  // ffmpeg 5.1 only turns the `rotate` tag into a display matrix when stream-copying, so encode
  // first; both runs make one cached fixture.
  return cachedFixture([...ffmpegKey(FFMPEG, args, path), 'rotate', o.rotate], path, async (tmp) => {
    const plain = `${tmp}.plain.${format}`;
    try {
      await ffmpeg(withOutput(args, path, plain));
      await ffmpeg(['-i', plain, '-map', '0', '-c', 'copy', '-metadata:s:v:0', `rotate=${o.rotate}`, tmp]);
    } finally {
      await rm(plain, { force: true });
    }
  });
}

/** A sine tone (music stand-in); wav unless the path ends in .mp3 / .m4a. */
export async function makeTone(path: string, durationS: number, frequency = 440): Promise<string> {
  return generate(['-f', 'lavfi', '-i', `sine=frequency=${frequency}:sample_rate=44100:duration=${durationS}`, '-ac', '2', path], path);
}

/**
 * Narration stand-in with speech-like loudness dynamics: bursts of band-limited noise mixed with a
 * voiced tone, separated by short pauses, so loudness and ducking behave as with a real voice.
 * Mono 24 kHz wav, like a TTS engine writes.
 */
export async function makeSpeechLikeWav(path: string, durationS: number): Promise<string> {
  const graph =
    `anoisesrc=color=pink:sample_rate=24000:amplitude=0.4:duration=${durationS}[n];` +
    `sine=frequency=180:sample_rate=24000:duration=${durationS}[t];` +
    `[n][t]amix=inputs=2:normalize=0,bandpass=f=1000:width_type=h:w=1800,` +
    // Syllable-rate envelope (4 Hz) with a pause every ~1.2 s.
    `volume='0.25+0.75*gt(sin(2*PI*4*t),0)*gt(mod(t,1.2),0.2)':eval=frame,` +
    `aformat=sample_fmts=s16:channel_layouts=mono`;
  return generate(['-filter_complex', graph, '-t', String(durationS), '-ar', '24000', path], path);
}

/** A file that is not media at all (for unreadable_media paths). */
export async function makeGarbage(path: string): Promise<string> {
  await writeFile(path, Buffer.from('this is not a video file\n'.repeat(50)));
  return path;
}

export interface ImageFixture {
  width: number;
  height: number;
  format: 'jpeg' | 'png' | 'webp';
  /** testsrc2 (detail, colour bars) by default; `color` is flat; `split` is red on the left half, blue on the right. */
  pattern?: 'testsrc2' | 'color' | 'split';
  color?: string;
  /** EXIF orientation 6: the pixels are stored turned, a viewer turns them 90° clockwise. */
  exifRotate90?: boolean;
}

/** A real still image (a photo), one frame of the pattern encoded as JPEG, PNG or WebP. */
export async function makeImage(path: string, o: ImageFixture): Promise<string> {
  const half = `s=${o.width / 2}x${o.height}`;
  const src =
    o.pattern === 'color' ? `color=c=${o.color ?? 'teal'}:s=${o.width}x${o.height}`
    : o.pattern === 'split' ? `color=c=red:${half}[l];color=c=blue:${half}[r];[l][r]hstack`
    : `testsrc2=s=${o.width}x${o.height}`;
  const codec = { jpeg: ['-c:v', 'mjpeg', '-q:v', '3', '-pix_fmt', 'yuvj420p'], png: ['-c:v', 'png'], webp: ['-c:v', 'libwebp', '-quality', '80'] }[o.format];
  await generate(['-filter_complex', src, '-frames:v', '1', ...codec, '-f', 'image2', '-update', '1', path], path);
  if (o.exifRotate90) {
    if (o.format !== 'jpeg') throw new Error('exifRotate90 is for JPEG fixtures');
    const jpg = await readFile(path);
    // An APP1 Exif segment with one IFD entry: Orientation (0x0112) = 6.
    const tiff = Buffer.from([0x49, 0x49, 0x2a, 0, 8, 0, 0, 0, 1, 0, 0x12, 0x01, 3, 0, 1, 0, 0, 0, 6, 0, 0, 0, 0, 0, 0, 0]);
    const app1 = Buffer.concat([Buffer.from('Exif\0\0', 'latin1'), tiff]);
    const head = Buffer.from([0xff, 0xe1, (app1.length + 2) >> 8, (app1.length + 2) & 255]);
    await writeFile(path, Buffer.concat([jpg.subarray(0, 2), head, app1, jpg.subarray(2)]));
  }
  return path;
}
