// Frames of a rendered video as small RGB pictures, read by ffmpeg in a child process the test
// awaits. Never execFileSync in a test that talks to a service: a blocked event loop lets an idle
// keep-alive connection to the service expire unseen, and the next request goes out on a socket
// the service has already closed ("fetch failed", at once, only on a busy machine).
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

export type Rgb = [number, number, number];

/** The frame shown at `atS`, scaled to `width`x`height` (by ffmpeg's default or the given flags), as rgb24 bytes. */
export async function frameAt(path: string, atS: number, width: number, height: number, scaleFlags?: string): Promise<Buffer> {
  const scale = `scale=${width}:${height}${scaleFlags ? `:flags=${scaleFlags}` : ''}`;
  const args = ['-v', 'error', '-ss', String(atS), '-i', path, '-frames:v', '1', '-vf', scale, '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-'];
  const { stdout } = await run('ffmpeg', args, { encoding: 'buffer', maxBuffer: width * height * 3 + 1024 });
  return stdout;
}

/**
 * Every frame at `fps` (the frame shown at 0, 1/fps, 2/fps, …), scaled to `width`x`height`, in
 * one decode of the file: cheaper than a seek and a decoder start per frame.
 */
export async function framesAt(path: string, fps: number, width: number, height: number): Promise<Buffer[]> {
  const args = ['-v', 'error', '-i', path, '-vf', `fps=${fps},scale=${width}:${height}`, '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-'];
  const { stdout } = await run('ffmpeg', args, { encoding: 'buffer', maxBuffer: 1 << 26 });
  const size = width * height * 3;
  return Array.from({ length: Math.floor(stdout.length / size) }, (_, i) => stdout.subarray(i * size, (i + 1) * size));
}

/**
 * The frames numbered `numbers` (0-based, in stream order) as rgb24 at `width`x`height`, one per
 * number asked for, in one decode of the file: the video's own size, or scaled to that size with
 * `scaleFlags`.
 */
export async function framesNumbered(path: string, numbers: number[], width: number, height: number, scaleFlags?: string): Promise<Buffer[]> {
  const wanted = [...new Set(numbers)].sort((a, b) => a - b);
  const select = selectFrames(wanted);
  const vf = scaleFlags ? `${select},scale=${width}:${height}:flags=${scaleFlags}` : select;
  const args = ['-v', 'error', '-i', path, '-vf', vf, '-fps_mode', 'passthrough', '-frames:v', String(wanted.length), '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-'];
  const { stdout } = await run('ffmpeg', args, { encoding: 'buffer', maxBuffer: 1 << 29 });
  const size = width * height * 3;
  if (stdout.length !== size * wanted.length) throw new Error(`${path}: ffmpeg returned ${stdout.length / size} frames of ${width}x${height}, asked for ${wanted.join(', ')}`);
  return numbers.map((n) => {
    const i = wanted.indexOf(n);
    return stdout.subarray(i * size, (i + 1) * size);
  });
}

/** The filter that keeps the frames numbered `numbers` (0-based, in stream order). */
export function selectFrames(numbers: number[]): string {
  return `select='${numbers.map((n) => `eq(n\\,${n})`).join('+')}'`;
}

/** How many frames a video has, every one decoded, and its container's duration. */
export async function countFrames(path: string): Promise<{ frames: number; durationS: number }> {
  const args = ['-v', 'error', '-count_frames', '-select_streams', 'v:0', '-show_entries', 'stream=nb_read_frames:format=duration', '-of', 'json', path];
  const { stdout } = await run('ffprobe', args, { encoding: 'utf8' });
  const j = JSON.parse(stdout) as { streams: { nb_read_frames: string }[]; format: { duration: string } };
  return { frames: Number(j.streams[0]!.nb_read_frames), durationS: Number(j.format.duration) };
}

/** Mean colour of an rgb24 picture (or a part of one), 0..255 per channel. */
export function meanRgb(rgb: Buffer): Rgb {
  const sum = [0, 0, 0];
  for (let i = 0; i < rgb.length; i++) sum[i % 3]! += rgb[i]!;
  const n = rgb.length / 3;
  return [Math.round(sum[0]! / n), Math.round(sum[1]! / n), Math.round(sum[2]! / n)];
}
