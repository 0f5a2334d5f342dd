// What the local footage sources share: which files count as video, probing one as footage (a
// video, or a photo told by its bytes), and the words of a query that file names are matched against.
import { CancelledError, TaskError } from '../errors.ts';
import { STILL_SHOT_S, type MediaInfo, type SourceClip, type StillFormat } from '../domain/media.ts';
import { probeInput, probeStill, sniffStill } from '../media/probe.ts';
import type { MediaTools } from '../media/tools.ts';

export const VIDEO_EXTENSIONS = ['.mp4', '.m4v', '.mov', '.webm', '.mkv', '.avi', '.mpg', '.mpeg', '.ts'] as const;

/**
 * Probes a file as footage through the probe gate: its MediaInfo, or why it cannot be used (a
 * limit it breaks, or that it is not a video). Cancellation is rethrown.
 */
export async function probeVideo(tools: MediaTools, path: string, signal: AbortSignal): Promise<MediaInfo | Refusal> {
  return gate(() => probeInput(tools, path, 'video', signal), 'a video', signal);
}

/** A probed file of footage: a video, or a photo of the still format its first bytes announce. */
export interface Footage {
  info: MediaInfo;
  still: StillFormat | null;
}

/**
 * Probes a file as footage: a photo (JPEG, PNG, WebP by its first bytes) through the still gate,
 * anything else as a video. Cancellation is rethrown.
 */
export async function probeFootage(tools: MediaTools, path: string, signal: AbortSignal): Promise<Footage | Refusal> {
  const still = await sniffStill(path).catch(() => null);
  if (!still) {
    const info = await probeVideo(tools, path, signal);
    return 'reason' in info ? info : { info, still: null };
  }
  const info = await gate(() => probeStill(tools, path, still, signal), 'an image', signal);
  return 'reason' in info ? info : { info, still };
}

async function gate(probe: () => Promise<MediaInfo>, what: string, signal: AbortSignal): Promise<MediaInfo | Refusal> {
  try {
    return await probe();
  } catch (err) {
    if (err instanceof CancelledError || signal.aborted) throw signal.aborted ? signal.reason : err;
    const detail = err instanceof TaskError && err.detail ? { detail: err.detail } : {};
    if (err instanceof TaskError && err.code === 'unreadable_media') return { reason: `not ${what} ffmpeg can read`, outsideLimits: false, ...detail };
    if (err instanceof TaskError && err.code === 'unsupported_media') return { reason: err.message, outsideLimits: true, ...detail };
    throw err;
  }
}

/** Why a file is not usable footage; `outsideLimits` when it is media the gate refused (limits.ts). */
export interface Refusal {
  reason: string;
  outsideLimits: boolean;
  /** What ffprobe said, for the logs. */
  detail?: string;
}

export function fileClip(path: string, info: MediaInfo, still?: StillFormat | null): SourceClip {
  if (still) return { kind: 'file', path, durationS: STILL_SHOT_S, width: info.width, height: info.height, credit: null, still };
  return { kind: 'file', path, durationS: info.durationS, width: info.width, height: info.height, credit: null, ...(info.keyframesS ? { keyframesS: info.keyframesS } : {}) };
}

const STOP_WORDS = new Set(['the', 'and', 'for', 'with', 'from', 'into', 'this', 'that', 'are', 'was', 'its', 'our', 'your', 'video', 'clip', 'footage']);

/** Words of a query or a file path worth matching: lower case, plural s dropped, filler words out. */
export function queryWords(s: string): string[] {
  return s
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .map((w) => (w.length > 3 && w.endsWith('s') ? w.slice(0, -1) : w))
    .filter((w) => w.length >= 3 && !STOP_WORDS.has(w));
}
