// What two recordings of the same words have in common, frame by frame: mel-frequency cepstral
// coefficients (the shape of the spectrum's envelope, which carries the vowels and consonants
// and little of the voice's pitch or loudness) every 10 ms, plus each frame's loudness for
// telling speech from pauses. Computed the same way at any sample rate (the filters are laid out
// in Hz, up to 7.6 kHz), so espeak-ng's 22.05 kHz and a 16 kHz recording are comparable.
import { PowerSpectrum } from './fft.ts';

/** Frame step and length: the usual speech analysis frame. */
export const HOP_S = 0.01;
export const WINDOW_S = 0.025;
/**
 * Coefficients kept: c0..c12. c0 is the frame's overall level; standardised over the speech, its
 * rise and fall (vowels loud, consonants quiet) tells syllables apart between two voices.
 */
export const CEPSTRA = 13;
export const MEL_FILTERS = 26;
const LOW_HZ = 60;
const HIGH_HZ = 7600;
const PRE_EMPHASIS = 0.97;
/** Below any real frame's power: digital silence gets a finite logarithm. */
const POWER_FLOOR = 1e-10;

export interface SpeechFeatures {
  frames: number;
  /** frames × CEPSTRA coefficients, row after row. */
  cepstra: Float32Array;
  /** Each frame's loudness, dB relative to full scale (digital silence is -100). */
  energyDb: Float32Array;
}

/**
 * A recording's short-time spectra as the mel filters read them, at each frequency warp asked
 * for (the spectra themselves are not kept: 26 values a frame per warp instead of hundreds).
 */
export interface Spectra {
  frames: number;
  energyDb: Float32Array;
  /** Per warp: frames × MEL_FILTERS energies (linear), row after row. */
  mel: Map<number, Float32Array>;
}

/** The time a frame stands for (its centre), in seconds from the start of the audio. */
export const frameTime = (frame: number): number => frame * HOP_S + WINDOW_S / 2;
/** The frame whose centre is nearest to `seconds`. */
export const frameAt = (seconds: number): number => Math.max(0, Math.round((seconds - WINDOW_S / 2) / HOP_S));

/**
 * Frequency warps a reference may be read at: a factor above 1 moves its formants up, as a
 * shorter vocal tract does (a woman's or child's voice against espeak-ng's man's).
 */
export const WARPS = [0.88, 0.94, 1, 1.07, 1.14, 1.22];

const mel = (hz: number) => 2595 * Math.log10(1 + hz / 700);
const hzOf = (m: number) => 700 * (10 ** (m / 2595) - 1);

function fftSizeFor(sampleRate: number): number {
  let size = 1;
  while (size < Math.round(WINDOW_S * sampleRate)) size <<= 1;
  return size;
}

const windows = new Map<number, { window: Float64Array; fft: PowerSpectrum }>();

function windowFor(sampleRate: number) {
  let w = windows.get(sampleRate);
  if (!w) {
    const length = Math.round(WINDOW_S * sampleRate);
    const window = new Float64Array(length);
    for (let i = 0; i < length; i++) window[i] = 0.54 - 0.46 * Math.cos((2 * Math.PI * i) / (length - 1));
    w = { window, fft: new PowerSpectrum(fftSizeFor(sampleRate)) };
    windows.set(sampleRate, w);
  }
  return w;
}

/**
 * Mel energies of mono 16-bit samples at each of `warps`: one frame per HOP_S, the last ones
 * padded with silence.
 */
export function spectraOf(samples: Int16Array, sampleRate: number, warps: readonly number[] = [1]): Spectra {
  const { window, fft } = windowFor(sampleRate);
  const banks = warps.map((w) => filterBank(sampleRate, fft.size, w));
  const hop = HOP_S * sampleRate;
  const frames = Math.max(0, Math.ceil(samples.length / hop));
  const mel = warps.map(() => new Float32Array(frames * MEL_FILTERS));
  const energyDb = new Float32Array(frames);
  const frame = new Float64Array(window.length);
  const spectrum = new Float64Array(fft.size / 2 + 1);
  for (let j = 0; j < frames; j++) {
    const start = Math.round(j * hop);
    let sumSq = 0;
    let prev = start > 0 && start - 1 < samples.length ? samples[start - 1]! / 32768 : 0;
    for (let i = 0; i < window.length; i++) {
      const x = start + i < samples.length ? samples[start + i]! / 32768 : 0;
      sumSq += x * x;
      frame[i] = (x - PRE_EMPHASIS * prev) * window[i]!;
      prev = x;
    }
    energyDb[j] = Math.max(-100, 10 * Math.log10(sumSq / window.length + POWER_FLOOR));
    fft.compute(frame, spectrum);
    banks.forEach((bank, w) => {
      const out = mel[w]!;
      for (let f = 0; f < MEL_FILTERS; f++) {
        const { from, weights } = bank.filters[f]!;
        let e = 0;
        for (let b = 0; b < weights.length; b++) e += weights[b]! * spectrum[from + b]!;
        out[j * MEL_FILTERS + f] = e;
      }
    });
  }
  return { frames, energyDb, mel: new Map(warps.map((w, k) => [w, mel[k]!])) };
}

interface FilterBank {
  /** Per filter: first bin and its weights. */
  filters: { from: number; weights: Float64Array }[];
}

const banks = new Map<string, FilterBank>();

/** Triangular filters evenly spaced in mel from LOW_HZ to HIGH_HZ, read at frequencies divided by `warp`. */
function filterBank(sampleRate: number, fftSize: number, warp: number): FilterBank {
  const key = `${sampleRate}|${fftSize}|${warp}`;
  let bank = banks.get(key);
  if (bank) return bank;
  const high = Math.min(HIGH_HZ, (sampleRate / 2) * warp);
  const edges: number[] = [];
  for (let k = 0; k < MEL_FILTERS + 2; k++) edges.push(hzOf(mel(LOW_HZ) + ((mel(high) - mel(LOW_HZ)) * k) / (MEL_FILTERS + 1)) / warp);
  const binHz = sampleRate / fftSize;
  const filters = [];
  for (let f = 0; f < MEL_FILTERS; f++) {
    const [lo, mid, hi] = [edges[f]!, edges[f + 1]!, edges[f + 2]!];
    const from = Math.max(0, Math.ceil(lo / binHz));
    const to = Math.min(fftSize / 2, Math.floor(hi / binHz));
    const weights = new Float64Array(Math.max(0, to - from + 1));
    for (let b = from; b <= to; b++) {
      const f0 = b * binHz;
      weights[b - from] = f0 <= mid ? (f0 - lo) / (mid - lo) : (hi - f0) / (hi - mid);
    }
    filters.push({ from, weights });
  }
  bank = { filters };
  banks.set(key, bank);
  return bank;
}

/** Energy in each mel filter (frames × MEL_FILTERS, linear), the frequencies read at `warp`. */
export function melEnergies(spectra: Spectra, warp = 1): Float32Array {
  const mel = spectra.mel.get(warp);
  if (!mel) throw new Error(`these spectra were not read at warp ${warp}`);
  return mel;
}

/**
 * Each filter's mean energy over the frames `pick` accepts (linear): a recording's noise floor
 * over its silent frames, or its speech level over its sounding ones.
 */
export function meanMel(mel: Float32Array, pick: (frame: number) => boolean): Float64Array {
  const mean = new Float64Array(MEL_FILTERS);
  let n = 0;
  for (let j = 0; j < mel.length / MEL_FILTERS; j++) {
    if (!pick(j)) continue;
    n++;
    for (let f = 0; f < MEL_FILTERS; f++) mean[f]! += mel[j * MEL_FILTERS + f]!;
  }
  if (n > 0) for (let f = 0; f < MEL_FILTERS; f++) mean[f]! /= n;
  return mean;
}

/**
 * Mel cepstra of mel energies, with `floor` (per filter, linear) added first: a clean reference
 * given the noise floor of the recording it is compared with hears its quiet sounds the way the
 * recording does.
 */
export function cepstraOfMel(mel: Float32Array, energyDb: Float32Array, floor?: Float64Array): SpeechFeatures {
  const frames = mel.length / MEL_FILTERS;
  const dct = dctRows();
  const cepstra = new Float32Array(frames * CEPSTRA);
  const logMel = new Float64Array(MEL_FILTERS);
  for (let j = 0; j < frames; j++) {
    for (let f = 0; f < MEL_FILTERS; f++) logMel[f] = Math.log(mel[j * MEL_FILTERS + f]! + (floor?.[f] ?? 0) + POWER_FLOOR);
    for (let c = 0; c < CEPSTRA; c++) {
      let s = 0;
      for (let f = 0; f < MEL_FILTERS; f++) s += dct[c * MEL_FILTERS + f]! * logMel[f]!;
      cepstra[j * CEPSTRA + c] = s;
    }
  }
  return { frames, cepstra, energyDb };
}

/** Mel cepstra of each frame of `spectra`, its frequencies read at `warp`. */
export function cepstraOf(spectra: Spectra, warp = 1, floor?: Float64Array): SpeechFeatures {
  return cepstraOfMel(melEnergies(spectra, warp), spectra.energyDb, floor);
}

let dctTable: Float64Array | null = null;

/** DCT-II rows 0..CEPSTRA-1 of MEL_FILTERS log energies. */
function dctRows(): Float64Array {
  if (!dctTable) {
    dctTable = new Float64Array(CEPSTRA * MEL_FILTERS);
    for (let c = 0; c < CEPSTRA; c++) {
      for (let f = 0; f < MEL_FILTERS; f++) dctTable[c * MEL_FILTERS + f] = Math.cos((Math.PI * c * (f + 0.5)) / MEL_FILTERS);
    }
  }
  return dctTable;
}

/** Features of mono 16-bit samples at no warp. */
export function speechFeatures(samples: Int16Array, sampleRate: number, warp = 1): SpeechFeatures {
  return cepstraOf(spectraOf(samples, sampleRate), warp);
}

/** Values per frame that the warp compares: the cepstra, and how fast each is changing. */
export const DIM = 2 * CEPSTRA;
/** How much the rates of change count against the cepstra themselves. */
const DELTA_WEIGHT = 0.5;

/**
 * What the warp compares, frame by frame (frames × DIM): each cepstral coefficient, then its
 * slope over ±2 frames (how sounds move into each other). Standardise them before comparing.
 */
export function featureVectors(features: SpeechFeatures): Float32Array {
  const { frames, cepstra } = features;
  const out = new Float32Array(frames * DIM);
  for (let j = 0; j < frames; j++) out.set(cepstra.subarray(j * CEPSTRA, (j + 1) * CEPSTRA), j * DIM);
  for (let j = 0; j < frames; j++) {
    for (let c = 0; c < CEPSTRA; c++) {
      const at = (k: number) => cepstra[Math.min(frames - 1, Math.max(0, k)) * CEPSTRA + c]!;
      out[j * DIM + CEPSTRA + c] = (at(j + 1) - at(j - 1) + 2 * (at(j + 2) - at(j - 2))) / 10;
    }
  }
  return out;
}

/**
 * Feature vectors (in place) shifted and scaled to zero mean and unit variance over the frames
 * marked `speech`, slopes then weighted by DELTA_WEIGHT: what stays is what was said, not the
 * microphone or the voice's timbre.
 */
export function standardise(v: Float32Array, speech: Uint8Array): void {
  const frames = v.length / DIM;
  const mean = new Float64Array(DIM);
  const sq = new Float64Array(DIM);
  let n = 0;
  for (let j = 0; j < frames; j++) {
    if (!speech[j]) continue;
    n++;
    for (let c = 0; c < DIM; c++) {
      const x = v[j * DIM + c]!;
      mean[c]! += x;
      sq[c]! += x * x;
    }
  }
  if (n === 0) return;
  for (let c = 0; c < DIM; c++) {
    const m = mean[c]! / n;
    const scale = (c < CEPSTRA ? 1 : DELTA_WEIGHT) / Math.sqrt(Math.max(1e-9, sq[c]! / n - m * m));
    for (let j = 0; j < frames; j++) v[j * DIM + c] = (v[j * DIM + c]! - m) * scale;
  }
}
