// What a media file contains, from ffprobe: duration, display size (after rotation), frame rate,
// streams; and the gate outside media passes before anything decodes it (limits.ts).
import { open, stat } from 'node:fs/promises';
import type { ImageFormat, MediaInfo, StillFormat } from '../domain/media.ts';
import { CancelledError, TaskError } from '../errors.ts';
import { stage } from '../lib/stage-timings.ts';
import { CONTAINER_NAMES, DEFAULT_MEDIA_LIMITS, limitProblem, stillLimitProblem } from './limits.ts';
import { runFfprobe } from './run.ts';
import type { MediaTools } from './tools.ts';

interface ProbeStream {
  index?: number;
  codec_type?: string;
  codec_name?: string;
  width?: number;
  height?: number;
  avg_frame_rate?: string;
  r_frame_rate?: string;
  duration?: string;
  tags?: Record<string, string>;
  side_data_list?: { rotation?: number | string }[];
  disposition?: { attached_pic?: number };
}

interface ProbePacket {
  stream_index?: number;
  pts_time?: string;
  flags?: string;
}

interface ProbeOutput {
  streams?: ProbeStream[];
  /** A still's one frame: the decoder reports its EXIF orientation there, as a display matrix. */
  frames?: { side_data_list?: { rotation?: number | string }[] }[];
  format?: { duration?: string; format_name?: string; start_time?: string };
  packets?: ProbePacket[];
}

/**
 * What ffprobe (run under the input guard) says `path` holds. A file the guard refuses (a
 * playlist, a codec or frame size outside the allowlists) is an `unsupported_media` TaskError,
 * one ffprobe cannot read an `unreadable_media` one; both permanent, and their messages say why
 * without ffprobe's output (it names paths in the task dir), which is in `detail`, for the logs.
 */
export async function probeMedia(tools: MediaTools, path: string, signal?: AbortSignal, still?: ImageFormat): Promise<MediaInfo> {
  // A still's orientation (EXIF) is only known once its frame is decoded: under the guard, once.
  const frames = still ? ['-show_frames', '-read_intervals', '%+#1'] : [];
  const out = await runProbe(tools, path, frames, { signal, still });
  const { size } = await stat(path);
  return parseProbe(out, size, still !== undefined);
}

/** ffprobe's JSON of the format and every stream, and of `extra` entries; refusals as probeMedia describes them. */
async function runProbe(
  tools: MediaTools,
  path: string,
  extra: string[],
  o: { signal?: AbortSignal | undefined; still?: ImageFormat | undefined; maxStdoutBytes?: number },
): Promise<ProbeOutput> {
  let out: { stdout: string; stderr: string };
  try {
    out = await runFfprobe(tools, ['-show_format', '-show_streams', ...extra, '-of', 'json=compact=1', path], {
      ...(o.signal ? { signal: o.signal } : {}),
      ...(o.still ? { still: o.still } : {}),
      ...(o.maxStdoutBytes ? { maxStdoutBytes: o.maxStdoutBytes } : {}),
      errorCode: 'unreadable_media',
    });
  } catch (err) {
    if (err instanceof CancelledError) throw err;
    const detail = err instanceof TaskError ? err.detail : undefined;
    const refusal = refusalOf(detail ?? '');
    throw new TaskError(refusal.code, refusal.message, { cause: err, ...(detail ? { detail } : {}) });
  }
  // A frame over the pixel cap: ffprobe still succeeds, with the stream's size zeroed.
  const refusal = refusalOf(out.stderr);
  if (refusal.code === 'unsupported_media') throw new TaskError(refusal.code, refusal.message, { detail: out.stderr });
  return JSON.parse(out.stdout) as ProbeOutput;
}

/**
 * The still format a file's first bytes announce (JPEG's SOI marker, PNG's signature, a RIFF
 * WEBP header), or null: photos are told from videos by their bytes, not their names.
 */
export async function sniffStill(path: string): Promise<StillFormat | null> {
  const fh = await open(path, 'r');
  try {
    const head = Buffer.alloc(12);
    const { bytesRead } = await fh.read(head, 0, 12, 0);
    return stillFormatOf(head.subarray(0, bytesRead));
  } finally {
    await fh.close();
  }
}

/** Pure part of sniffStill, exported for tests. */
export function stillFormatOf(head: Buffer): StillFormat | null {
  if (head.length >= 3 && head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff) return 'jpeg';
  if (head.length >= 8 && head.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return 'png';
  if (head.length >= 12 && head.toString('latin1', 0, 4) === 'RIFF' && head.toString('latin1', 8, 12) === 'WEBP') return 'webp';
  return null;
}

/** The image format a logo's first bytes announce: a photo's (stillFormatOf), or SVG by its markup; null for anything else. */
export async function sniffLogo(path: string): Promise<ImageFormat | null> {
  const fh = await open(path, 'r');
  try {
    const head = Buffer.alloc(1024);
    const { bytesRead } = await fh.read(head, 0, head.length, 0);
    return logoFormatOf(head.subarray(0, bytesRead));
  } finally {
    await fh.close();
  }
}

/** Pure part of sniffLogo, exported for tests: SVG is XML (maybe after a declaration, comments or a doctype) whose root is `<svg`. */
export function logoFormatOf(head: Buffer): ImageFormat | null {
  const still = stillFormatOf(head);
  if (still) return still;
  const text = head.toString('utf8').replace(/^\ufeff/, '');
  const prolog = /^\s*(<\?xml[^>]*\?>\s*)?(<!--[\s\S]*?-->\s*|<!DOCTYPE\s+svg[^>]*>\s*)*<svg[\s>]/i;
  return prolog.test(text) ? 'svg' : null;
}

/**
 * The probe gate for a photo: ffprobe under the still guard (its demuxer and decoder only, the
 * still pixel cap), then the still limits. An `unsupported_media` TaskError names the limit a
 * file breaks; an `unreadable_media` one says it is not an image ffmpeg can read.
 */
export async function probeStill(tools: MediaTools, path: string, format: ImageFormat, signal?: AbortSignal): Promise<MediaInfo> {
  const info = await stage('probe', () => probeMedia(tools, path, signal, format));
  const problem = stillLimitProblem(info, tools.limits ?? DEFAULT_MEDIA_LIMITS, format);
  if (problem) throw new TaskError('unsupported_media', problem);
  return info;
}

/** The packet list of a footage probe: about 70 bytes a packet, so half an hour at 240 fps with sound fits. */
const FOOTAGE_PROBE_MAX_BYTES = 48 * 1024 * 1024;

/**
 * The probe gate for media from outside, before any decode: what the file holds, then the limits
 * of `use` (footage needs an accepted video stream, music an accepted audio stream). A file
 * outside them is an `unsupported_media` TaskError whose message names the limit. Footage is
 * probed with its packet list in the same ffprobe run, for its keyframes (`keyframesS`): one
 * process per clip instead of two (each ffmpeg or ffprobe start costs about 0.05 CPU s, most of
 * it loading Debian's build and its ~200 libraries).
 */
export async function probeInput(tools: MediaTools, path: string, use: 'video' | 'audio', signal?: AbortSignal): Promise<MediaInfo> {
  const info = await stage('probe', () => (use === 'video' ? probeFootage(tools, path, signal) : probeMedia(tools, path, signal)));
  const problem = limitProblem(info, tools.limits ?? DEFAULT_MEDIA_LIMITS, use);
  if (problem) throw new TaskError('unsupported_media', problem);
  return info;
}

async function probeFootage(tools: MediaTools, path: string, signal?: AbortSignal): Promise<MediaInfo> {
  let out: ProbeOutput;
  try {
    out = await runProbe(tools, path, ['-show_entries', 'packet=stream_index,pts_time,flags'], { signal, maxStdoutBytes: FOOTAGE_PROBE_MAX_BYTES });
  } catch (err) {
    if (err instanceof CancelledError || signal?.aborted) throw err;
    // Its packet list may be what failed (longer than any footage should be): the plain probe says what is wrong, if anything.
    return { ...(await probeMedia(tools, path, signal)), keyframesS: null };
  }
  const { size } = await stat(path);
  const info = parseProbe(out, size);
  const video = (out.streams ?? []).find((st) => st.codec_type === 'video' && !st.disposition?.attached_pic);
  return { ...info, keyframesS: video?.index === undefined ? null : keyframesOf(out, video.index) };
}

/**
 * When the first video stream's keyframes are, in seconds from the file's start as an input `-ss`
 * counts them, from the container's index: ffprobe lists the packets and their flags, and
 * decodes nothing (a few ms for a minute of footage). A piece that starts on one decodes no frame
 * it does not show (timeline.ts). Null when the index cannot be listed; cancellation is rethrown.
 * (probeInput finds them for footage in its own run; this is for files already on disk.)
 */
export async function probeKeyframes(tools: MediaTools, path: string, signal?: AbortSignal): Promise<number[] | null> {
  try {
    const { stdout } = await runFfprobe(tools, ['-select_streams', 'v:0', '-show_entries', 'packet=stream_index,pts_time,flags:format=start_time', '-of', 'json=compact=1', path], {
      ...(signal ? { signal } : {}),
      maxStdoutBytes: FOOTAGE_PROBE_MAX_BYTES,
    });
    const out = JSON.parse(stdout) as ProbeOutput;
    const index = out.packets?.[0]?.stream_index;
    return index === undefined ? null : keyframesOf(out, index);
  } catch (err) {
    if (err instanceof CancelledError || signal?.aborted) throw signal?.aborted ? signal.reason : err;
    return null;
  }
}

/**
 * The keyframe times of stream `index` among ffprobe's packets (`K` first in a keyframe's flags;
 * packets without a time skipped), counted from the format's start time, ascending; null when
 * there are none. Exported for tests.
 */
export function keyframesOf(out: ProbeOutput, index: number): number[] | null {
  const start = Number(out.format?.start_time);
  const from = Number.isFinite(start) ? start : 0;
  const keys = new Set<number>();
  for (const p of out.packets ?? []) {
    const t = Number(p.pts_time);
    if (p.stream_index !== index || !p.flags?.startsWith('K') || p.pts_time === undefined || !Number.isFinite(t)) continue;
    keys.add(Math.max(0, Math.round((t - from) * 1e6) / 1e6));
  }
  return keys.size ? [...keys].sort((a, b) => a - b) : null;
}


/** Why ffprobe refused a file, in words for the client, from its stderr. Exported for tests. */
export function refusalOf(stderr: string): { code: 'unsupported_media' | 'unreadable_media'; message: string } {
  const unsupported = (message: string) => ({ code: 'unsupported_media' as const, message });
  const format = /\[([\w,]+) @ [^\]]*\] Format not on whitelist/.exec(stderr)?.[1];
  if (format) return unsupported(`its container format (${format}) is not accepted; send ${CONTAINER_NAMES}`);
  const codec = /Codec \(([\w-]+)\) not on whitelist/.exec(stderr)?.[1];
  if (codec) return unsupported(`it uses the ${codec} codec, which is not accepted`);
  const size = /Picture size (\d+)x(\d+) exceeds specified max pixel count/.exec(stderr);
  if (size) return unsupported(`its frame is ${size[1]}x${size[2]}, more pixels than accepted`);
  return { code: 'unreadable_media', message: 'not a media file ffmpeg can read' };
}

/** Pure part of probeMedia, exported for tests. A still image has no duration (durationS is 0). */
export function parseProbe(out: ProbeOutput, sizeBytes: number, still = false): MediaInfo {
  const streams = out.streams ?? [];
  // Cover art in MP3/M4A shows up as a one-frame video stream; it is not footage.
  const video = streams.find((s) => s.codec_type === 'video' && !s.disposition?.attached_pic);
  const audio = streams.find((s) => s.codec_type === 'audio');
  if (!video && !audio) throw new TaskError('unreadable_media', 'the file has neither a video nor an audio stream');

  const durations = [out.format?.duration, video?.duration, audio?.duration]
    .map((d) => Number(d))
    .filter((d) => Number.isFinite(d) && d > 0);
  const durationS = still ? 0 : (durations[0] ?? 0);
  if (durationS <= 0 && !still) throw new TaskError('unreadable_media', 'the file has no measurable duration');

  // ffmpeg turns a still upright by its frame's display matrix when it decodes it.
  const rotation = video ? rotationOf(still ? { side_data_list: out.frames?.[0]?.side_data_list ?? [] } : video) : 0;
  const sideways = rotation === 90 || rotation === 270;
  const w = video?.width ?? 0;
  const h = video?.height ?? 0;
  if (video && (w <= 0 || h <= 0)) throw new TaskError('unreadable_media', 'the video stream has no frame size');

  return {
    durationS,
    width: sideways ? h : w,
    height: sideways ? w : h,
    rotation,
    fps: video && !still ? (rate(video.avg_frame_rate) || rate(video.r_frame_rate)) : 0,
    hasVideo: Boolean(video),
    hasAudio: Boolean(audio),
    videoCodec: video?.codec_name ?? null,
    audioCodec: audio?.codec_name ?? null,
    streamCount: streams.length,
    sizeBytes,
  };
}

/** Display-matrix side data (ffmpeg ≥ 5) or the legacy `rotate` tag, normalised to 0/90/180/270 clockwise. */
function rotationOf(s: ProbeStream): number {
  let deg: number | null = null;
  for (const sd of s.side_data_list ?? []) {
    if (sd.rotation !== undefined && Number.isFinite(Number(sd.rotation))) {
      // The display matrix rotation is counter-clockwise; the tag is clockwise.
      deg = -Number(sd.rotation);
      break;
    }
  }
  if (deg === null && s.tags?.rotate !== undefined) deg = Number(s.tags.rotate);
  if (deg === null || !Number.isFinite(deg)) return 0;
  const r = ((Math.round(deg / 90) * 90) % 360 + 360) % 360;
  return r;
}

function rate(r: string | undefined): number {
  if (!r) return 0;
  const [n, d] = r.split('/').map(Number);
  if (n === undefined || !Number.isFinite(n)) return 0;
  if (d === undefined) return n;
  return d > 0 && Number.isFinite(d) ? n / d : 0;
}
