// What a video's render holds in its worker's scratch dir at most, estimated before anything is
// rendered, and the check that refuses at submit a video that cannot fit TASK_SCRATCH_BYTES. Pure.
//
// Outputs are joined one after the other and each is handed over (uploaded) and freed before the
// next (media/render.ts), and the join reads each chunk through a pipe and removes it once read:
// at any moment a render holds the soundtrack and one output's video (as chunks, or as its MP4
// growing while the chunks still to come wait), plus the chunk being read and the one fetched
// ahead of it. So the need is that of the largest output, not the sum of the outputs.
import type { Frame } from '../domain/media.ts';
import { MAX_CHUNK_S } from './chunks.ts';

/**
 * The measured bit rate this estimate starts from: 6.1 Mbit/s at 1080x1920, 4.0 at 720x1280,
 * x264 `veryfast` CRF 23 (BENCHMARKS.md, renderer settings experiment). Between them the rate
 * grows as pixels^0.52 (log(6.1/4.0) / log(2.25)); the same power carries it to other frames.
 */
const MEASURED = { bitsPerS: 6.1e6, pixels: 1080 * 1920, power: 0.52 } as const;
/** Footage busier than the benchmark's (rain, crowds, grain) costs more bits at the same CRF. */
const HEADROOM = 1.25;
/**
 * Bit rate of a preset over veryfast's at the same CRF, the larger of 720p and 1080p in the
 * same experiment; ultrafast was measured at CRF 28 only (2.9× at 720p), carried to CRF 23 by
 * the CRF rule below. Slower presets than veryfast make smaller files: veryfast's figure bounds them.
 */
const PRESET_FACTORS: Record<string, number> = { ultrafast: 2.9 * 2 ** (5 / 6), superfast: 1.64 };
/** The soundtrack's AAC (render-args.ts DEFAULT_ENCODE audioBitrate), in the m4a and again in the MP4. */
const AUDIO_BITS_PER_S = 160_000;
/** Sidecars, thumbnail, filter scripts, chunk captions, the concat list: a little, whatever the length. */
const SMALL_FILES_BYTES = 1024 * 1024;
/** MPEG-TS chunks carry packet and PES headers over the MP4's stream: a few percent. */
const TS_OVERHEAD = 1.06;

export interface EncodeBound {
  preset: string;
  crf: number;
}

/** Bytes per second of video this frame is estimated to take at most at `encode`'s preset and CRF. */
export function videoBytesPerS(frame: Frame, encode: EncodeBound): number {
  const pixels = frame.width * frame.height;
  // x264's rule of thumb, checked against the experiment (superfast CRF 25 over CRF 23: 0.82, rule 0.79): 6 CRF steps halve the rate.
  const crf = 2 ** ((23 - encode.crf) / 6);
  const bits = MEASURED.bitsPerS * (pixels / MEASURED.pixels) ** MEASURED.power * HEADROOM * (PRESET_FACTORS[encode.preset] ?? 1) * crf;
  return bits / 8;
}

/** The most a render of `durationS` with these output frames holds in its scratch dir at once, in bytes. */
export function scratchNeedBytes(o: { durationS: number; frames: readonly Frame[]; encode: EncodeBound }): number {
  const d = Math.max(0, o.durationS);
  const perOutput = (f: Frame) => videoBytesPerS(f, o.encode) * (d * TS_OVERHEAD + 2 * Math.min(d, MAX_CHUNK_S));
  const video = Math.max(0, ...o.frames.map(perOutput));
  return Math.ceil(video + 2 * (AUDIO_BITS_PER_S / 8) * d + SMALL_FILES_BYTES);
}

/** The longest narration whose render fits `limitBytes` with these output frames, in whole seconds (0: none does). */
export function longestFittingS(o: { limitBytes: number; frames: readonly Frame[]; encode: EncodeBound }): number {
  const fits = (s: number) => scratchNeedBytes({ durationS: s, frames: o.frames, encode: o.encode }) <= o.limitBytes;
  if (!fits(1)) return 0;
  let [lo, hi] = [1, 2];
  while (fits(hi)) [lo, hi] = [hi, hi * 2];
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (fits(mid)) lo = mid;
    else hi = mid;
  }
  return lo;
}

/**
 * The shortest a narration of `spokenChars` characters can be: faster than any voice speaks it
 * (espeak-ng at its default rate and ElevenLabs at speed 1.0 say about 15 characters a second,
 * ElevenLabs' speed 1.2 about 18). What is refused on this length cannot fit however it is voiced.
 */
export const FASTEST_CHARS_PER_S = 20;

export interface ScratchRefusal {
  /** The request field to change. */
  path: string;
  message: string;
  needBytes: number;
  longestS: number;
}

const mib = (bytes: number) => `${Math.ceil(bytes / (1024 * 1024))} MiB`;

/**
 * Whether a video of at least `durationS` (the storyboard's narration, or the shortest the script
 * can be spoken in, capped by max_duration_s) can never be rendered within `limitBytes`
 * (TASK_SCRATCH_BYTES): null when it may fit, else what to tell the client, naming the limit,
 * the longest narration that fits and what to change.
 */
export function scratchRefusal(o: {
  durationS: number;
  frames: readonly Frame[];
  encode: EncodeBound;
  limitBytes: number;
  /**
   * Where the length comes from: the shortest a script can be spoken in (at submit), a
   * storyboard's narration, or the narration the worker has just made of the script.
   */
  from: 'script' | 'storyboard' | 'narration';
}): ScratchRefusal | null {
  const needBytes = scratchNeedBytes(o);
  if (needBytes <= o.limitBytes) return null;
  const longestS = longestFittingS(o);
  const largest = [...o.frames].sort((a, b) => b.width * b.height - a.width * a.height)[0];
  const size = largest ? ` at ${largest.width}x${largest.height}` : '';
  const what = o.from === 'script' ? `its script takes at least ${Math.round(o.durationS)} s to speak` : `its narration is ${Math.round(o.durationS)} s`;
  // 720p is a fix only for a video that has a larger output.
  const smaller = largest && Math.min(largest.width, largest.height) > 720 ? ', or choose 720p' : '';
  const fix = o.from === 'storyboard' ? `make a storyboard of a shorter script${smaller}` : `shorten the script (or set max_duration_s to at most ${longestS})${smaller}`;
  return {
    path: o.from === 'storyboard' ? 'storyboard_id' : 'script_text',
    message:
      `this video would need about ${mib(needBytes)} of the worker's scratch space and TASK_SCRATCH_BYTES allows ${mib(o.limitBytes)}: ` +
      `${what}, and at most ${longestS} s fit${size} (outputs are rendered one at a time, so the largest counts); ${fix}, or ask the operator to raise TASK_SCRATCH_BYTES`,
    needBytes,
    longestS,
  };
}
