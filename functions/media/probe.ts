// What a media file contains, from ffprobe: duration, display size (after rotation), frame rate,
// streams; and the gate outside media passes before anything decodes it (limits.ts).
import { stat } from 'node:fs/promises';
import { CancelledError, TaskError } from '../errors.ts';
import { CONTAINER_NAMES, DEFAULT_MEDIA_LIMITS, limitProblem } from './limits.ts';
import { runFfprobe } from './run.ts';
import type { MediaTools } from './tools.ts';

export interface MediaInfo {
  durationS: number;
  /** Display size: width and height swapped when rotation is ±90°. 0 when there is no video. */
  width: number;
  height: number;
  /** Degrees clockwise the player turns the picture: 0, 90, 180 or 270. */
  rotation: number;
  /** Average frame rate; 0 when unknown or no video. */
  fps: number;
  hasVideo: boolean;
  hasAudio: boolean;
  videoCodec: string | null;
  audioCodec: string | null;
  /** Every stream, cover art and data tracks included. */
  streamCount: number;
  sizeBytes: number;
  /**
   * Footage only (probeInput as video): when the keyframes are, seconds from the start as `-ss`
   * counts, ascending; null when the container's index could not be listed.
   */
  keyframesS?: number[] | null;
}

interface ProbeStream {
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

interface ProbeOutput {
  streams?: ProbeStream[];
  format?: { duration?: string; format_name?: string };
}

/**
 * What ffprobe (run under the input guard) says `path` holds. A file the guard refuses (a
 * playlist, a codec or frame size outside the allowlists) is an `unsupported_media` TaskError,
 * one ffprobe cannot read an `unreadable_media` one; both permanent, and their messages say why
 * without ffprobe's output (it names paths in the task dir), which is in `detail`, for the logs.
 */
export async function probeMedia(tools: MediaTools, path: string, signal?: AbortSignal): Promise<MediaInfo> {
  let out: { stdout: string; stderr: string };
  try {
    out = await runFfprobe(tools, ['-show_format', '-show_streams', '-of', 'json', path], {
      ...(signal ? { signal } : {}),
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
  const { size } = await stat(path);
  return parseProbe(JSON.parse(out.stdout) as ProbeOutput, size);
}

/**
 * The probe gate for media from outside, before any decode: probeMedia, then the limits of
 * `use` (footage needs an accepted video stream, music an accepted audio stream). A file outside
 * them is an `unsupported_media` TaskError whose message names the limit.
 */
export async function probeInput(tools: MediaTools, path: string, use: 'video' | 'audio', signal?: AbortSignal): Promise<MediaInfo> {
  const info = await probeMedia(tools, path, signal);
  const problem = limitProblem(info, tools.limits ?? DEFAULT_MEDIA_LIMITS, use);
  if (problem) throw new TaskError('unsupported_media', problem);
  return use === 'video' ? { ...info, keyframesS: await probeKeyframes(tools, path, signal) } : info;
}

/**
 * When the first video stream's keyframes are, in seconds from the file's start as an input `-ss`
 * counts them, from the container's index: ffprobe lists the packets and their flags, and
 * decodes nothing (a few ms for a minute of footage). A piece that starts on one decodes no frame
 * it does not show (timeline.ts). Null when the index cannot be listed (the timeline then places
 * pieces without it); cancellation is rethrown.
 */
export async function probeKeyframes(tools: MediaTools, path: string, signal?: AbortSignal): Promise<number[] | null> {
  try {
    const { stdout } = await runFfprobe(tools, ['-select_streams', 'v:0', '-show_entries', 'packet=pts_time,flags:format=start_time', '-of', 'csv=p=0', path], {
      ...(signal ? { signal } : {}),
    });
    return parseKeyframes(stdout);
  } catch (err) {
    if (err instanceof CancelledError || signal?.aborted) throw signal?.aborted ? signal.reason : err;
    return null;
  }
}

/**
 * Pure part of probeKeyframes: `pts_time,flags` lines of the packets (`K` first in the flags of a
 * keyframe; N/A for a packet without a time) and the format's `start_time` line, which the times
 * are counted from. Exported for tests.
 */
export function parseKeyframes(csv: string): number[] | null {
  let start = 0;
  const keys: number[] = [];
  for (const line of csv.split('\n')) {
    const [time, flags] = line.trim().split(',');
    const t = Number(time);
    if (!time || !Number.isFinite(t)) continue;
    if (flags === undefined) start = t;
    else if (flags.startsWith('K')) keys.push(t);
  }
  if (keys.length === 0) return null;
  const out = [...new Set(keys.map((k) => Math.max(0, Math.round((k - start) * 1e6) / 1e6)))].sort((a, b) => a - b);
  return out;
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

/** Pure part of probeMedia, exported for tests. */
export function parseProbe(out: ProbeOutput, sizeBytes: number): MediaInfo {
  const streams = out.streams ?? [];
  // Cover art in MP3/M4A shows up as a one-frame video stream; it is not footage.
  const video = streams.find((s) => s.codec_type === 'video' && !s.disposition?.attached_pic);
  const audio = streams.find((s) => s.codec_type === 'audio');
  if (!video && !audio) throw new TaskError('unreadable_media', 'the file has neither a video nor an audio stream');

  const durations = [out.format?.duration, video?.duration, audio?.duration]
    .map((d) => Number(d))
    .filter((d) => Number.isFinite(d) && d > 0);
  const durationS = durations[0] ?? 0;
  if (durationS <= 0) throw new TaskError('unreadable_media', 'the file has no measurable duration');

  const rotation = video ? rotationOf(video) : 0;
  const sideways = rotation === 90 || rotation === 270;
  const w = video?.width ?? 0;
  const h = video?.height ?? 0;
  if (video && (w <= 0 || h <= 0)) throw new TaskError('unreadable_media', 'the video stream has no frame size');

  return {
    durationS,
    width: sideways ? h : w,
    height: sideways ? w : h,
    rotation,
    fps: video ? (rate(video.avg_frame_rate) || rate(video.r_frame_rate)) : 0,
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
