// The options every ffmpeg and ffprobe run gets for each input it opens, added in one place
// (media/run.ts) so no argument builder can forget them. Pure.
//
// How it composes with the argument builders (render-args.ts, loudness, chunks): a builder
// writes each input plainly, `[...input options, '-i', path]`, and never sets these options
// itself. runFfmpeg passes the builder's array through guardFfmpegArgs, which inserts the guard
// right before every `-i`:
//   -protocol_whitelist file,pipe    local files (and pipes) only: no http, tcp, data, subfile…
//   -format_whitelist <demuxers>     INPUT_DEMUXERS: no hls, concat or image sequences, which
//                                    open further files by name
//   -codec_whitelist <decoders>      INPUT_DECODERS
//   -max_pixels <n>                  the decoder refuses a frame over MEDIA_MAX_PIXELS, even one
//                                    the container header lied about
// Inputs whose format the builder forces with `-f` are the builder's own, not a downloaded
// file's: `-f lavfi` (generated backgrounds; movie/amovie sources, which read files, are
// refused) passes unguarded, `-f concat` (our own list of our own files, e.g. chunks) and the
// INPUT_DEMUXERS get the guard with their format added; any other forced format is a bug and
// throws. A literal "-i" in the array is always the input flag, never an option's value.
// A photo (or a logo) is opened with its image demuxer forced (`-f jpeg_pipe`, `-f svg_pipe`, …):
// it gets a guard of its own, that demuxer and its decoder only and the still pixel cap, so image
// formats never open for any other input, and a video never opens as an image.
import type { ImageFormat } from '../domain/media.ts';
import { DEFAULT_MEDIA_LIMITS, IMAGE_FORMATS, INPUT_DECODERS, INPUT_DEMUXERS, type MediaLimits } from './limits.ts';

/** Local files, and pipes for inputs read from stdin. */
export const INPUT_PROTOCOLS = 'file,pipe';

/** Formats a builder may force with `-f` (besides INPUT_DEMUXERS) and still get the guard. */
const FORCED_GUARDED = ['concat'];
const GUARD_OPTIONS = ['-protocol_whitelist', '-format_whitelist', '-codec_whitelist', '-max_pixels'];

/**
 * Decoders check `max_pixels` against the stride-aligned width (up to 64 bytes wider), so a frame
 * the probe gate accepts at exactly MEDIA_MAX_SIDE must still fit.
 */
export function decoderMaxPixels(limits: MediaLimits): number {
  return limits.maxPixels + 64 * limits.maxSide;
}

/** The decoder cap of a still image, with the same room for stride alignment. */
export function stillMaxPixels(limits: MediaLimits): number {
  return limits.maxStillPixels + 64 * limits.maxStillSide;
}

/**
 * ffmpeg's -max_alloc: no single allocation above this. A backstop behind max_pixels: one frame
 * within the limits in the widest pixel format (16-bit RGBA, 8 bytes a pixel), at least 128 MiB.
 * (A still is decoded in its own format, 4 bytes a pixel at most for 8-bit RGBA.)
 */
export function maxAllocBytes(limits: MediaLimits): number {
  return Math.max(128 * 1024 * 1024, 8 * decoderMaxPixels(limits), 4 * stillMaxPixels(limits));
}

/** The options for one guarded input; `forced` is the format a builder forced, if any. */
export function inputGuard(limits: MediaLimits, forced?: string): string[] {
  const still = stillOf(forced);
  if (still) {
    return [
      '-protocol_whitelist', INPUT_PROTOCOLS,
      '-format_whitelist', IMAGE_FORMATS[still].demuxer,
      '-codec_whitelist', IMAGE_FORMATS[still].decoders.join(','),
      '-max_pixels', String(stillMaxPixels(limits)),
    ];
  }
  const formats = forced && !(INPUT_DEMUXERS as readonly string[]).includes(forced) ? [forced, ...INPUT_DEMUXERS] : INPUT_DEMUXERS;
  return [
    '-protocol_whitelist', INPUT_PROTOCOLS,
    '-format_whitelist', formats.join(','),
    '-codec_whitelist', INPUT_DECODERS.join(','),
    '-max_pixels', String(decoderMaxPixels(limits)),
  ];
}

/** A builder's ffmpeg arguments with the guard inserted before every input. */
export function guardFfmpegArgs(args: readonly string[], limits: MediaLimits = DEFAULT_MEDIA_LIMITS): string[] {
  const out: string[] = [];
  let groupStart = 0;
  for (let i = 0; i < args.length; i++) {
    if (args[i] !== '-i') continue;
    const input = args[i + 1];
    if (input === undefined) throw new Error('ffmpeg arguments end with -i and no input');
    const group = args.slice(groupStart, i);
    const preset = group.find((a) => GUARD_OPTIONS.includes(a));
    if (preset) throw new Error(`an argument builder set ${preset} itself; media/input-guard.ts adds it to every input`);
    const forced = forcedFormat(group);
    out.push(...group);
    if (forced === 'lavfi') {
      // A lavfi graph is ours (generated backgrounds); only movie/amovie sources read files.
      if (/(^|[;,[\]\s])a?movie\s*=/.test(input)) throw new Error('a lavfi input may not use the movie or amovie source (it reads files)');
    } else {
      if (forced !== undefined && !FORCED_GUARDED.includes(forced) && !(INPUT_DEMUXERS as readonly string[]).includes(forced) && !stillOf(forced)) {
        throw new Error(`input format "${forced}" is not allowed; add it to media/limits.ts or media/input-guard.ts if it must be`);
      }
      out.push(...inputGuard(limits, forced));
    }
    out.push('-i', input);
    i++;
    groupStart = i + 1;
  }
  out.push(...args.slice(groupStart));
  return out;
}

/**
 * ffprobe opens one input: the guard goes first, with no forced format; a still image (`still`)
 * is opened by its own demuxer, forced, under the still guard.
 */
export function guardFfprobeArgs(args: readonly string[], limits: MediaLimits = DEFAULT_MEDIA_LIMITS, still?: ImageFormat): string[] {
  const preset = args.find((a) => GUARD_OPTIONS.includes(a) || a === '-f');
  if (preset) throw new Error(`ffprobe arguments may not set ${preset}; media/input-guard.ts adds the guard`);
  if (still) return ['-f', IMAGE_FORMATS[still].demuxer, ...inputGuard(limits, IMAGE_FORMATS[still].demuxer), ...args];
  return [...inputGuard(limits), ...args];
}

/** The still format whose demuxer `forced` is, if it is one. */
function stillOf(forced: string | undefined): ImageFormat | null {
  if (!forced) return null;
  return (Object.keys(IMAGE_FORMATS) as ImageFormat[]).find((f) => IMAGE_FORMATS[f].demuxer === forced) ?? null;
}

/** Global options both tools get: the allocation backstop. */
export function globalGuard(limits: MediaLimits = DEFAULT_MEDIA_LIMITS): string[] {
  return ['-max_alloc', String(maxAllocBytes(limits))];
}

function forcedFormat(group: string[]): string | undefined {
  let forced: string | undefined;
  for (let j = 0; j < group.length - 1; j++) if (group[j] === '-f') forced = group[j + 1];
  return forced;
}
