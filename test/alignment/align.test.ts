// The aligner on synthetic speech: each "word" is a chord of its own, so where one word ends and
// the next starts is exact in both the reference and the recording. The recording says the words
// at other speeds, with pauses between some of them, silence around, and noise under everything.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { alignToReference, type ReferenceSentence } from '../../functions/alignment/align.ts';
import { spectraOf, WARPS } from '../../functions/alignment/features.ts';
import { seededRandom, type Random } from '../../functions/lib/seeded-random.ts';

const CHORDS = [
  [300, 2300],
  [700, 1100],
  [450, 1800],
  [900, 2700],
  [350, 950],
  [600, 3100],
  [800, 1500],
  [250, 2000],
  [1000, 2500],
  [550, 1300],
];

function chord(out: number[], sampleRate: number, word: number, seconds: number, amp = 0.25): void {
  const [a, b] = CHORDS[word]!;
  const n = Math.round(seconds * sampleRate);
  for (let k = 0; k < n; k++) {
    // A short fade in and out, as a voiced sound has.
    const env = Math.min(1, k / (0.01 * sampleRate), (n - k) / (0.01 * sampleRate));
    out.push(env * amp * (Math.sin((2 * Math.PI * a! * k) / sampleRate) + 0.5 * Math.sin((2 * Math.PI * b! * k) / sampleRate)) * 32767 * 0.6);
  }
}

const DURATIONS = [0.22, 0.3, 0.18, 0.35, 0.26, 0.2, 0.32, 0.24, 0.28, 0.19];

/** A reference sentence: the words back to back at 22.05 kHz, each its own chord. */
function reference(words: number[]): ReferenceSentence {
  const rate = 22050;
  const samples: number[] = [];
  const spans = words.map((w, k) => {
    const startS = samples.length / rate;
    chord(samples, rate, w, DURATIONS[w]!);
    return { startS, endS: samples.length / rate, pauseAfter: k === words.length - 1 };
  });
  return { spectra: spectraOf(Int16Array.from(samples, Math.round), rate, WARPS), words: spans };
}

interface Said {
  samples: Int16Array;
  onsets: number[];
  ends: number[];
  /** Indices of the words a pause comes before. */
  afterPause: number[];
}

/** The sentences said at 16 kHz: each word at 70–140 % of its length, pauses between some words and all sentences, noise under it all. */
function recording(sentences: number[][], random: Random, opts: { pauseChance?: number; noise?: number } = {}): Said {
  const rate = 16000;
  const out: number[] = [];
  const onsets: number[] = [];
  const ends: number[] = [];
  const afterPause: number[] = [];
  const silence = (s: number) => {
    for (let k = 0; k < Math.round(s * rate); k++) out.push(0);
  };
  silence(0.4 + random() * 0.4);
  sentences.forEach((words, si) => {
    words.forEach((w, k) => {
      onsets.push(out.length / rate);
      chord(out, rate, w, DURATIONS[w]! * (0.7 + 0.7 * random()));
      ends.push(out.length / rate);
      if (k < words.length - 1 && random() < (opts.pauseChance ?? 0.3)) {
        silence(0.15 + 0.4 * random());
        afterPause.push(onsets.length);
      }
    });
    if (si < sentences.length - 1) {
      silence(0.3 + 0.6 * random());
      afterPause.push(onsets.length);
    }
  });
  silence(0.6);
  const noise = opts.noise ?? 0.002;
  const samples = Int16Array.from(out, (x) => {
    const g = Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
    return Math.max(-32768, Math.min(32767, Math.round(x + g * noise * 32767)));
  });
  return { samples, onsets, ends, afterPause };
}

const TEXT = [
  [0, 1, 2, 3, 4],
  [5, 6, 7, 8],
  [9, 2, 6, 0, 3, 1],
];

describe('alignment of a recording to a reference reading', () => {
  it('finds every onset within 30 ms, words after a pause where the sound after it starts', () => {
    const random = seededRandom(11);
    const said = recording(TEXT, random);
    const result = alignToReference(spectraOf(said.samples, 16000), TEXT.map(reference));
    assert.equal(result.failure, null);
    assert.equal(result.words.length, said.onsets.length);
    result.words.forEach((w, k) => {
      assert.ok(Math.abs(w.start - said.onsets[k]!) <= 0.03, `word ${k}: ${w.start.toFixed(3)} for ${said.onsets[k]!.toFixed(3)}`);
      assert.ok(w.end >= w.start && w.end <= (result.words[k + 1]?.start ?? Infinity));
    });
    // A word that follows a pause ends before it: no caption sits on the silence.
    assert.ok(said.afterPause.length >= 3);
    for (const k of said.afterPause) assert.ok(result.words[k - 1]!.end <= said.ends[k - 1]! + 0.03, `word ${k - 1} runs into the pause`);
    for (const f of result.sentences) assert.ok(f.paceShare > 0.6 && f.paceShare < 1.6 && f.likeness < 0.88, JSON.stringify(f));
  });

  it('is not dragged by long silences before, between and after the words', () => {
    const random = seededRandom(5);
    const said = recording(TEXT, random, { pauseChance: 0.8 });
    const padded = new Int16Array(said.samples.length + 3 * 16000);
    padded.set(said.samples, 2 * 16000);
    const result = alignToReference(spectraOf(padded, 16000), TEXT.map(reference));
    result.words.forEach((w, k) => assert.ok(Math.abs(w.start - 2 - said.onsets[k]!) <= 0.03, `word ${k}: ${w.start - 2} for ${said.onsets[k]}`));
  });

  it('names a sentence the recording says otherwise', () => {
    const said = recording([TEXT[0]!, [3, 9, 1, 5], TEXT[2]!], seededRandom(2));
    const result = alignToReference(spectraOf(said.samples, 16000), TEXT.map(reference));
    assert.deepEqual(result.failure, { sentence: 1, reason: 'mismatch' });
  });

  it('names a sentence the recording leaves out', () => {
    const said = recording([TEXT[0]!, TEXT[2]!], seededRandom(4));
    const result = alignToReference(spectraOf(said.samples, 16000), TEXT.map(reference));
    assert.equal(result.failure?.sentence, 1);
  });

  it('fails on a recording with no sound', () => {
    const result = alignToReference(spectraOf(new Int16Array(16000), 16000), TEXT.map(reference));
    assert.deepEqual(result.failure, { sentence: 0, reason: 'missing' });
  });
});
