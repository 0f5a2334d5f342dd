// What a media file contains, from ffprobe: duration, display size (after rotation), frame rate, streams.
import { stat } from 'node:fs/promises';
import { CancelledError, TaskError } from '../errors.ts';
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
  sizeBytes: number;
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

export async function probeMedia(tools: MediaTools, path: string, signal?: AbortSignal): Promise<MediaInfo> {
  let json: string;
  try {
    json = await runFfprobe(tools, ['-show_format', '-show_streams', '-of', 'json', path], {
      ...(signal ? { signal } : {}),
      errorCode: 'unreadable_media',
    });
  } catch (err) {
    if (err instanceof CancelledError) throw err;
    throw new TaskError('unreadable_media', `not a media file ffmpeg can read: ${(err as Error).message}`, { cause: err });
  }
  const { size } = await stat(path);
  return parseProbe(JSON.parse(json) as ProbeOutput, size);
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
