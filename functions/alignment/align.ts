// Forced alignment by example: a reference reading of the text whose word boundaries are known
// (a synthetic voice) is warped onto the recording, and each word's boundaries are carried
// across. Pure: spectra in, times out.
//
// Silence is handled before the warp, because a pause is where two readings differ most: the
// recording's pauses are cut down to a few frames (so a long pause costs no more than a short
// one, and never drags a word into it), the reference has a pause slot after every word, and
// both keep a map back to real time (warp-frames.ts has the costs). Afterwards no word keeps a
// pause inside it, and a word that a pause precedes starts where the sound after it starts.
//
// The reference is read at the frequency warp that suits the recording's voice best (a woman's
// formants sit higher than espeak-ng's man's), and with the recording's noise floor added, so a
// quiet consonant sounds alike in both.
//
// Each sentence is then checked on its own: its reading in the recording must be about as long
// as the reference's (at the recording's overall pace), and its frames must match about as well
// as speech that says the same thing does. The first sentence that fails is named.
import { fastWarp } from './dtw.ts';
import { cepstraOfMel, DIM, featureVectors, frameAt, frameTime, meanMel, MEL_FILTERS, melEnergies, standardise, WARPS, type Spectra } from './features.ts';
import { findPauses, soundFrames, soundThreshold, type FrameRun } from './pauses.ts';
import { frameDistance, halveFrames, SLOT_MARKED, SLOT_PLAIN, unrelatedDistance, type WarpFrames } from './warp-frames.ts';

/** 120 ms of silence is a pause; shorter silences are the closures of stop consonants. */
export const MIN_PAUSE_FRAMES = 12;
/** A pause of the recording stands for this many frames in the warp. */
const PAUSE_KEEP = 3;
/** Below this a frame of the (synthetic) reference is silence: its quietest consonants are far above. */
const REFERENCE_SILENCE_DB = -75;
const WARP_RADIUS = 12;
const STEP_PENALTY = 0.05;
/** Halvings of both sequences before each frequency warp's fit is judged: 40 ms frames. */
const JUDGE_HALVINGS = 2;
/** Sound between a pause and the next word's carried onset, up to this long, is that word's beginning. */
const SNAP_S = 0.2;
/**
 * A sentence read in less than this share of its expected time (at the recording's overall
 * pace) is not in the recording; in more than MAX_PACE_SHARE, something else is said with it.
 */
const MIN_PACE_SHARE = 0.5;
const MAX_PACE_SHARE = 2;
/**
 * How much closer a sentence's reference must fit its stretch of the recording than the same
 * reference read backwards does (same sounds, same length, wrong order): across the voices of
 * bench/alignment.ts a sentence that is said fits at 0.25 to 0.86 of the backwards cost, one
 * that is not at 0.89 to 0.96.
 */
const MAX_LIKENESS = 0.88;
/** Sentences shorter than this many sounding reference frames are too short to judge that way. */
const MIN_CHECKED_FRAMES = 20;

export interface ReferenceWord {
  /** The word's sound in its sentence's reference audio, seconds. */
  startS: number;
  endS: number;
  /** Whether punctuation after it makes a reader pause (a comma, a full stop). */
  pauseAfter: boolean;
}

export interface ReferenceSentence {
  /** Spectra of the sentence's reference audio. */
  spectra: Spectra;
  words: ReferenceWord[];
}

export interface AlignedWord {
  /** Seconds in the recording. */
  start: number;
  end: number;
}

export interface SentenceFit {
  /** Its reading's length against the reference's at the recording's overall pace (1 = as expected). */
  paceShare: number;
  /**
   * Cost of its path against the cost of its reference read backwards on the same stretch of the
   * recording (lower is closer; about 1 when the recording says something else; 0 when too short to judge).
   */
  likeness: number;
}

export interface AlignmentResult {
  /** One per reference word, in order. */
  words: AlignedWord[];
  sentences: SentenceFit[];
  /** The reference's frequency warp that fitted best. */
  warp: number;
  /** The first sentence the recording does not say (0-based), or null when it says them all. */
  failure: { sentence: number; reason: 'missing' | 'mismatch' } | null;
}

interface Recording extends WarpFrames {
  /** Original frame of each kept frame. */
  frameOf: Int32Array;
  /** The pause a kept frame stands for (index into pauses), or -1. */
  pauseOf: Int32Array;
  pauses: FrameRun[];
  frames: number;
  /** Mean mel energies over its silent frames (its noise floor) and over its sound. */
  noise: Float64Array;
  level: Float64Array;
}

interface Reference extends WarpFrames {
  /** Per word: its first and last kept frame. */
  wordFrames: Int32Array;
  /** Per sentence: its first and last kept frame. */
  sentenceFrames: Int32Array;
  warp: number;
}

/** The recording with its leading and trailing silence dropped and every pause cut to PAUSE_KEEP frames. */
export function prepareRecording(spectra: Spectra): Recording {
  const { energyDb, frames } = spectra;
  const sound = soundFrames(energyDb, soundThreshold(energyDb));
  const mel = melEnergies(spectra);
  const vectors = featureVectors(cepstraOfMel(mel, energyDb));
  standardise(vectors, sound);
  const pauses = findPauses(sound, { minPauseFrames: MIN_PAUSE_FRAMES });
  const keep: number[] = [];
  const pauseOf: number[] = [];
  let p = 0;
  for (let j = 0; j < frames; j++) {
    while (p < pauses.length && pauses[p]!.to <= j) p++;
    const pause = pauses[p];
    if (pause && pause.from <= j) {
      const edge = pause.from === 0 || pause.to === frames;
      if (!edge && j - pause.from < PAUSE_KEEP) {
        keep.push(j);
        pauseOf.push(p);
      }
      continue;
    }
    keep.push(j);
    pauseOf.push(-1);
  }
  const kept = new Float32Array(keep.length * DIM);
  keep.forEach((f, k) => kept.set(vectors.subarray(f * DIM, (f + 1) * DIM), k * DIM));
  return {
    length: keep.length,
    vectors: kept,
    silent: Uint8Array.from(keep, (f, k) => (pauseOf[k]! >= 0 || !sound[f] ? 1 : 0)),
    pause: Uint8Array.from(pauseOf, (q) => (q >= 0 ? 1 : 0)),
    frameOf: Int32Array.from(keep),
    pauseOf: Int32Array.from(pauseOf),
    pauses,
    frames,
    noise: meanMel(mel, (j) => !sound[j]),
    level: meanMel(mel, (j) => sound[j] === 1),
  };
}

/**
 * The reference sentences one after another at frequency warp `warp`, each cut to its words'
 * frames, with a pause slot after every word. The recording's noise floor is added to the
 * reference's spectra (scaled by their speech levels, filter by filter) before the cepstra.
 */
export function prepareReference(sentences: ReferenceSentence[], warp: number, rec: Pick<Recording, 'noise' | 'level'>): Reference {
  const read = sentences.map((s) => {
    const mel = melEnergies(s.spectra, warp);
    // Its silence is digital, and its quietest consonants (an English "th") are still sound.
    const sound = soundFrames(s.spectra.energyDb, REFERENCE_SILENCE_DB, 1);
    return { s, mel, sound };
  });
  const level = speechLevel(read);
  const floor = rec.noise.map((n, f) => (rec.level[f]! > 0 ? (n * level[f]!) / rec.level[f]! : 0));

  const rows: { vectors: Float32Array; frame: number; silent: boolean; slot: number }[] = [];
  const wordFrames: number[] = [];
  const sentenceFrames: number[] = [];
  for (const { s, mel, sound } of read) {
    const vectors = featureVectors(cepstraOfMel(mel, s.spectra.energyDb, floor));
    const first = rows.length;
    s.words.forEach((w, k) => {
      const from = rows.length;
      const a = Math.min(frameAt(w.startS), s.spectra.frames - 1);
      const b = Math.max(a, Math.min(frameAt(w.endS), s.spectra.frames - 1));
      for (let f = a; f <= b; f++) rows.push({ vectors, frame: f, silent: !sound[f], slot: 0 });
      wordFrames.push(from, rows.length - 1);
      rows.push({ vectors, frame: b, silent: true, slot: w.pauseAfter || k === s.words.length - 1 ? SLOT_MARKED : SLOT_PLAIN });
    });
    sentenceFrames.push(first, rows.length - 1);
  }
  const vectors = new Float32Array(rows.length * DIM);
  rows.forEach((r, k) => vectors.set(r.vectors.subarray(r.frame * DIM, (r.frame + 1) * DIM), k * DIM));
  standardise(vectors, Uint8Array.from(rows, (r) => (r.silent ? 0 : 1)));
  return {
    length: rows.length,
    vectors,
    silent: Uint8Array.from(rows, (r) => (r.silent ? 1 : 0)),
    slot: Uint8Array.from(rows, (r) => r.slot),
    wordFrames: Int32Array.from(wordFrames),
    sentenceFrames: Int32Array.from(sentenceFrames),
    warp,
  };
}

/** Mean mel energies over the sounding frames of all the sentences. */
function speechLevel(read: { mel: Float32Array; sound: Uint8Array }[]): Float64Array {
  const sum = new Float64Array(MEL_FILTERS);
  let n = 0;
  for (const { mel, sound } of read) {
    for (let j = 0; j < sound.length; j++) {
      if (!sound[j]) continue;
      n++;
      for (let f = 0; f < MEL_FILTERS; f++) sum[f]! += mel[j * MEL_FILTERS + f]!;
    }
  }
  return sum.map((v) => v / Math.max(1, n));
}

/**
 * Where each reference word falls in the recording. `sentences` holds the reference of each
 * sentence in order; the result has one entry per word of all of them, and names the first
 * sentence the recording does not say, if any.
 */
export function alignToReference(recording: Spectra, sentences: ReferenceSentence[]): AlignmentResult {
  const rec = prepareRecording(recording);
  if (rec.length === 0 || sentences.every((s) => s.words.length === 0)) {
    return { words: [], sentences: [], warp: 1, failure: { sentence: 0, reason: 'missing' } };
  }
  const ref = referenceAtBestWarp(rec, sentences);
  const path = fastWarp<WarpFrames>(ref, rec, { distance: frameDistance, halve: halveFrames, radius: WARP_RADIUS, stepPenalty: STEP_PENALTY });
  // For each reference frame, the first and last recording frame matched to it.
  const first = new Int32Array(ref.length).fill(-1);
  const last = new Int32Array(ref.length);
  for (let k = 0; k < path.i.length; k++) {
    const i = path.i[k]!;
    if (first[i] === -1) first[i] = path.j[k]!;
    last[i] = path.j[k]!;
  }

  const words: AlignedWord[] = [];
  for (let w = 0; w < ref.wordFrames.length / 2; w++) {
    const start = onsetTime(rec, first[ref.wordFrames[2 * w]!]!);
    const end = Math.max(start, endTime(rec, last[ref.wordFrames[2 * w + 1]!]!));
    words.push({ start, end });
  }
  snapToPauses(words, rec);
  // Words in order and apart: a word ends no later than the next one starts.
  for (let w = 1; w < words.length; w++) {
    const prev = words[w - 1]!;
    const cur = words[w]!;
    if (cur.start < prev.start) cur.start = prev.start;
    if (cur.end < cur.start) cur.end = cur.start;
    if (prev.end > cur.start) prev.end = cur.start;
  }

  const fits = sentenceFits(ref, rec, first, last, sentences.length);
  const bad = fits.findIndex((f) => f.paceShare < MIN_PACE_SHARE || f.paceShare > MAX_PACE_SHARE || f.likeness > MAX_LIKENESS);
  const failure = bad < 0 ? null : { sentence: bad, reason: fits[bad]!.paceShare < MIN_PACE_SHARE ? ('missing' as const) : ('mismatch' as const) };
  return { words, sentences: fits, warp: ref.warp, failure };
}

/**
 * The reference read at the frequency warp that fits the recording best (vocal tract length
 * normalisation): each warp's reference is warped onto the recording at 40 ms resolution, and
 * the one whose path costs least (against what unrelated frames cost at that warp) wins.
 */
function referenceAtBestWarp(rec: Recording, sentences: ReferenceSentence[]): Reference {
  let best: { ref: Reference; score: number } | null = null;
  for (const warp of WARPS) {
    const ref = prepareReference(sentences, warp, rec);
    let a: WarpFrames = ref;
    let b: WarpFrames = rec;
    for (let h = 0; h < JUDGE_HALVINGS; h++) {
      a = halveFrames(a);
      b = halveFrames(b);
    }
    const path = fastWarp(a, b, { distance: frameDistance, halve: halveFrames, radius: WARP_RADIUS, stepPenalty: STEP_PENALTY });
    let sum = 0;
    let n = 0;
    for (let k = 0; k < path.i.length; k++) {
      if (a.silent[path.i[k]!] && b.silent[path.j[k]!]) continue;
      sum += path.cost[k]!;
      n++;
    }
    const score = n > 0 ? sum / n / unrelatedDistance(a, b) : Infinity;
    if (!best || score < best.score) best = { ref, score };
  }
  return best!.ref;
}

function sentenceFits(ref: Reference, rec: Recording, first: Int32Array, last: Int32Array, count: number): SentenceFit[] {
  const sounding = (f: WarpFrames, from: number, to: number) => {
    let n = 0;
    for (let k = from; k <= to; k++) if (!f.silent[k]) n++;
    return n;
  };
  const pace = Math.max(1, sounding(rec, 0, rec.length - 1)) / Math.max(1, sounding(ref, 0, ref.length - 1));
  return Array.from({ length: count }, (_, si) => {
    const a = ref.sentenceFrames[2 * si]!;
    const b = ref.sentenceFrames[2 * si + 1]!;
    const said = sounding(ref, a, b);
    const [c, d] = [first[a]!, last[b]!];
    return {
      paceShare: said > 0 ? sounding(rec, c, d) / (said * pace) : 1,
      likeness: said >= MIN_CHECKED_FRAMES ? speechCost(ref, a, b, rec, c, d, false) / speechCost(ref, a, b, rec, c, d, true) : 0,
    };
  });
}

/** Frames from..to of a sequence, in order or backwards. */
function slice(f: WarpFrames, from: number, to: number, reverse: boolean): WarpFrames {
  const n = to - from + 1;
  const idx = (k: number) => (reverse ? to - k : from + k);
  const vectors = new Float32Array(n * DIM);
  for (let k = 0; k < n; k++) vectors.set(f.vectors.subarray(idx(k) * DIM, (idx(k) + 1) * DIM), k * DIM);
  return {
    length: n,
    vectors,
    silent: Uint8Array.from({ length: n }, (_, k) => f.silent[idx(k)]!),
    ...(f.slot ? { slot: Uint8Array.from({ length: n }, (_, k) => f.slot![idx(k)]!) } : {}),
    ...(f.pause ? { pause: Uint8Array.from({ length: n }, (_, k) => f.pause![idx(k)]!) } : {}),
  };
}

/**
 * Mean cost of the sounding frames on the path of reference frames a..b (read backwards if
 * `reverse`) warped onto recording frames c..d.
 */
function speechCost(ref: WarpFrames, a: number, b: number, rec: WarpFrames, c: number, d: number, reverse: boolean): number {
  const x = slice(ref, a, b, reverse);
  const y = slice(rec, c, d, false);
  const path = fastWarp(x, y, { distance: frameDistance, halve: halveFrames, radius: WARP_RADIUS, stepPenalty: STEP_PENALTY });
  let sum = 0;
  let n = 0;
  for (let k = 0; k < path.i.length; k++) {
    if (x.silent[path.i[k]!] || y.silent[path.j[k]!]) continue;
    sum += path.cost[k]!;
    n++;
  }
  return n ? sum / n : 0;
}

/** A word starting on a kept frame of a pause starts where the pause ends. */
function onsetTime(rec: Recording, k: number): number {
  const p = rec.pauseOf[k]!;
  return frameTime(p >= 0 ? rec.pauses[p]!.to : rec.frameOf[k]!);
}

/** A word ending on a kept frame of a pause ends where the pause begins. */
function endTime(rec: Recording, k: number): number {
  const p = rec.pauseOf[k]!;
  return frameTime(p >= 0 ? rec.pauses[p]!.from - 1 : rec.frameOf[k]!);
}

/**
 * No word has a pause inside it, and no sound right after a pause is left to nobody: for each
 * pause between two words' onsets, the earlier word ends where the pause begins, and the later
 * one, if its carried onset lies a little after the pause, starts where the pause ends. (A word
 * whose first sound is soft, a "b" under room noise, is otherwise placed after that sound.)
 */
function snapToPauses(words: AlignedWord[], rec: Recording): void {
  let w = 0;
  for (const p of rec.pauses) {
    if (p.from === 0 || p.to >= rec.frames) continue;
    const from = frameTime(p.from);
    const to = frameTime(p.to);
    while (w + 1 < words.length && words[w + 1]!.start < from) w++;
    const before = words[w]!;
    const after = words[w + 1];
    if (!after || before.start >= from) continue;
    if (before.end > from) before.end = Math.max(before.start, frameTime(p.from - 1));
    if (after.start > to && after.start - to <= SNAP_S) after.start = to;
  }
}
