// The frames the time warp compares, and what a pairing of two frames costs. The reference (a
// synthetic reading, its words back to back) has a pause slot after every word; the recording
// has its pauses cut down to a few frames each. The costs put every pause of the recording into
// a slot, between two words, and never inside one.
import { DIM } from './features.ts';

export interface WarpFrames {
  length: number;
  /** length × DIM standardised feature vectors, row after row. */
  vectors: Float32Array;
  /** Frames with no sound (digital silence in the reference; below the sound threshold in a recording). */
  silent: Uint8Array;
  /** The recording's: frames that stand for a pause (a silence of at least 120 ms). */
  pause?: Uint8Array;
  /**
   * The reference's: pause slots, where the recording may pause or not, one after every word:
   * SLOT_MARKED after punctuation (and at a sentence's end), SLOT_PLAIN elsewhere.
   */
  slot?: Uint8Array;
}

export const SLOT_PLAIN = 1;
export const SLOT_MARKED = 2;

/** A silent frame against a sounding one: about as unlike as two unrelated speech frames. */
const SILENCE_SOUND = 1.4;
/**
 * A pause slot against sound: about what a matched frame costs, so a path gains nothing by
 * putting speech in a slot (and loses little where the recording does not pause).
 */
const SLOT_SOUND = 1;
/**
 * A frame of one of the recording's pauses against reference speech. A real pause (120 ms of
 * silence) is never inside a word, so this is dear.
 */
const PAUSE_SPEECH = 4;
/**
 * A pause frame in a slot that no punctuation marks. People pause at commas and full stops far
 * more often than elsewhere, so a pause takes the punctuation's slot when both are in reach.
 */
const PAUSE_PLAIN_SLOT = 0.3;

/** The cost of pairing frame i of the reference `a` with frame j of the recording `b`. */
export function frameDistance(a: WarpFrames, i: number, b: WarpFrames, j: number): number {
  const soundB = !b.silent[j];
  const slot = a.slot?.[i];
  if (slot) return soundB ? SLOT_SOUND : slot === SLOT_PLAIN && b.pause?.[j] ? PAUSE_PLAIN_SLOT : 0;
  if (b.pause?.[j]) return PAUSE_SPEECH;
  const soundA = !a.silent[i];
  if (!soundA && !soundB) return 0;
  if (!soundA || !soundB) return SILENCE_SOUND;
  let sum = 0;
  const oa = i * DIM;
  const ob = j * DIM;
  for (let c = 0; c < DIM; c++) {
    const d = a.vectors[oa + c]! - b.vectors[ob + c]!;
    sum += d * d;
  }
  return Math.sqrt(sum / DIM);
}

/**
 * Frames 2k and 2k+1 merged, for the coarser passes of the warp: vectors averaged over the
 * sounding ones; silent only if both are; a slot or a pause if either is (so that already the
 * coarse path puts each of the recording's pauses between two words).
 */
export function halveFrames(f: WarpFrames): WarpFrames {
  const length = Math.ceil(f.length / 2);
  const vectors = new Float32Array(length * DIM);
  const silent = new Uint8Array(length);
  for (let k = 0; k < length; k++) {
    const a = 2 * k;
    const b = Math.min(f.length - 1, a + 1);
    const useA = !f.silent[a] || f.silent[b];
    const useB = !f.silent[b] || f.silent[a];
    const n = (useA ? 1 : 0) + (useB ? 1 : 0);
    for (let c = 0; c < DIM; c++) {
      vectors[k * DIM + c] = ((useA ? f.vectors[a * DIM + c]! : 0) + (useB ? f.vectors[b * DIM + c]! : 0)) / n;
    }
    silent[k] = f.silent[a]! & f.silent[b]!;
  }
  const either = (flags: Uint8Array) => Uint8Array.from({ length }, (_, k) => Math.max(flags[2 * k]!, flags[Math.min(f.length - 1, 2 * k + 1)]!));
  return { length, vectors, silent, ...(f.slot ? { slot: either(f.slot) } : {}), ...(f.pause ? { pause: either(f.pause) } : {}) };
}

/** Mean cost of pairing sounding frames of the two sequences at random: what "unrelated" costs. */
export function unrelatedDistance(a: WarpFrames, b: WarpFrames): number {
  const sa = sounding(a);
  const sb = sounding(b);
  if (sa.length === 0 || sb.length === 0) return SILENCE_SOUND;
  // A fixed linear congruential sequence: the same inputs always give the same answer.
  let seed = 12345;
  const next = (n: number) => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return (seed >>> 8) % n;
  };
  let sum = 0;
  const samples = 4000;
  for (let k = 0; k < samples; k++) sum += frameDistance(a, sa[next(sa.length)]!, b, sb[next(sb.length)]!);
  return sum / samples;
}

function sounding(f: WarpFrames): number[] {
  const out: number[] = [];
  for (let k = 0; k < f.length; k++) if (!f.silent[k] && !f.slot?.[k]) out.push(k);
  return out;
}
