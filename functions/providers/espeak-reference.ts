// A reading of the script whose every word boundary is known to the sample: the reference the
// offline aligner warps onto a recording. espeak-ng reports no word timings, so each sentence is
// read with espeak-ng's word gap (-g): its words come out separated by a second of digital
// silence, which is found again in its output and cut out, leaving the words back to back with
// their boundaries at the cuts. A zero-width space after each word keeps espeak-ng from reading
// two words as one ("of the" is a single entry of its English dictionary, said without a gap);
// the words are otherwise read as in running speech, weak forms and intonation included.
//
// A word that espeak-ng reads as several ("well-known", "U.S.", "12,000", a run of Chinese
// characters) puts gaps of its own inside it. Such a sentence is read again with an SSML break
// after every word instead, which finds the words exactly but reads each as if alone ("a" as
// "ay"), and failing that, its words share its sound by spoken weight.
import { mapLimit } from '../lib/concurrency.ts';
import { runEspeak } from './espeak-voices.ts';
import { int16Of, parseWav, type Wav } from '../media/wav.ts';
import { TaskError } from '../errors.ts';
import { spokenWeight } from '../domain/text.ts';
import type { ReferenceWord } from '../alignment/align.ts';

/** espeak-ng's word gap (-g, in 10 ms units at its default rate): longer than any pause it makes itself. */
const WORD_GAP_S = 0.5;
/** A silence this long holds at least one gap. */
const MIN_GAP_RUN_S = 0.35;
/** The most a clause's own pause (a comma at espeak-ng's default rate) adds to the gap after its word. */
const CLAUSE_PAUSE_S = 0.4;
/** espeak-ng's silence is digital zero; its quietest sounds are far above this. */
const SILENCE_LEVEL = 8;

/** A word followed by punctuation that makes a reader pause. */
const PAUSING = /[,;:.!?…，、；：。！？]["'”’)\]»]*$/u;

export interface ReferenceReading {
  samples: Int16Array;
  sampleRate: number;
  /** Each word's sound in `samples`, in order. */
  words: ReferenceWord[];
  /** How the words were found: in running speech, each alone, or spread by weight. */
  how: 'gaps' | 'breaks' | 'weight';
}

export interface ReferenceOptions {
  espeakPath: string;
  /** espeak-ng's -v argument. */
  voice: string;
  signal: AbortSignal;
  concurrency?: number;
}

/**
 * Each sentence (its caption words) read by espeak-ng, with the words' sound spans, passed
 * through `keep` as soon as it is read (so a caller that keeps less than the samples does not
 * hold every sentence's audio at once).
 */
export async function readReference<T = ReferenceReading>(
  sentences: string[][],
  opts: ReferenceOptions,
  keep: (reading: ReferenceReading) => T = (r) => r as T,
): Promise<T[]> {
  const stop = new AbortController();
  const signal = AbortSignal.any([opts.signal, stop.signal]);
  const say = async (args: string[], input: string) =>
    parseReferenceWav(await runEspeak(opts.espeakPath, ['-v', opts.voice, ...args, '-z', '-b', '1', '--stdout', '--stdin'], { input, signal }));
  try {
    return await mapLimit(sentences, opts.concurrency ?? 2, async (words) => {
      const running = cutAtGaps(await say(['-g', String(Math.round(WORD_GAP_S * 100))], gappedText(words)), words, 'gaps');
      if (running.how !== 'weight') return keep(running);
      return keep(cutAtGaps(await say(['-m'], breakMarkup(words)), words, 'breaks'));
    });
  } catch (err) {
    // One failed sentence stops the others at once.
    stop.abort();
    if (opts.signal.aborted) throw opts.signal.reason;
    throw err;
  }
}

/** The words with a zero-width space after each, so that espeak-ng says each one on its own. */
export function gappedText(words: string[]): string {
  // espeak-ng reads [[...]] as phoneme codes; the script is plain text.
  return words.map((w) => w.replaceAll('[[', '[ [')).join('\u200b ');
}

/** SSML saying the words with a WORD_GAP_S break after each but the last. */
export function breakMarkup(words: string[]): string {
  // espeak-ng reads [[...]] as phoneme codes even in SSML; the script is plain text.
  const say = words.map((w) => escapeXml(w.replaceAll('[[', '[ [')));
  return `<speak>${say.join(` <break time="${Math.round(WORD_GAP_S * 1000)}ms"/> `)}</speak>`;
}

function escapeXml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!);
}

function parseReferenceWav(buf: Buffer): Wav {
  try {
    const wav = parseWav(buf);
    if (wav.format.channels !== 1) throw new Error(`${wav.format.channels} channels`);
    return wav;
  } catch (err) {
    throw new TaskError('speech_failed', `espeak-ng wrote no usable audio: ${(err as Error).message}`, { cause: err });
  }
}

/**
 * The words' sound back to back, each word's span where its sound is. Silences of at least
 * MIN_GAP_RUN_S are gaps (one per WORD_GAP_S, so a word espeak-ng says nothing for, like a lone
 * dash, shows up as a double gap and gets no sound of its own). If the gaps found do not add up
 * to the words, the sentence's sound is shared among the words by spoken weight (`how` says so).
 */
export function cutAtGaps(wav: Wav, words: string[], how: 'gaps' | 'breaks'): ReferenceReading {
  const rate = wav.format.sampleRate;
  const all = int16Of(wav.pcm);
  const runs = silences(all, Math.round(MIN_GAP_RUN_S * rate));
  // A run holds one gap, plus one per further WORD_GAP_S beyond what a clause pause adds.
  const gapsIn = (r: { from: number; to: number }) => Math.floor(((r.to - r.from) / rate - CLAUSE_PAUSE_S) / WORD_GAP_S) + 1;
  const breaksIn = (r: { from: number; to: number }) => Math.max(1, gapsIn(r));
  const inner = runs.filter((r) => r.from > 0 && r.to < all.length);
  const lead = runs.find((r) => r.from === 0);
  const leadBreaks = lead ? Math.max(0, gapsIn(lead)) : 0;
  const total = leadBreaks + inner.reduce((n, r) => n + breaksIn(r), 0);

  // The sound between the breaks, in order: [from, to) sample ranges.
  const soundStart = lead ? lead.to : 0;
  const trail = runs.find((r) => r.to === all.length && r.from > 0);
  const soundEnd = trail ? trail.from : all.length;
  const pieces: { from: number; to: number; word: number }[] = [];
  let word = leadBreaks;
  let at = soundStart;
  for (const r of inner) {
    pieces.push({ from: at, to: r.from, word });
    word += breaksIn(r);
    at = r.to;
  }
  pieces.push({ from: at, to: soundEnd, word });

  if (total !== words.length - 1 || soundEnd <= soundStart) return spreadByWeight(all, rate, soundStart, soundEnd, words);

  const out = new Int16Array(pieces.reduce((n, p) => n + p.to - p.from, 0));
  const spans: { start: number; end: number }[] = words.map(() => ({ start: -1, end: -1 }));
  let o = 0;
  for (const p of pieces) {
    out.set(all.subarray(p.from, p.to), o);
    spans[p.word] = { start: o, end: o + p.to - p.from };
    o += p.to - p.from;
  }
  // A word without sound sits where the next word's sound starts.
  let next = o;
  for (let w = words.length - 1; w >= 0; w--) {
    if (spans[w]!.start < 0) spans[w] = { start: next, end: next };
    next = spans[w]!.start;
  }
  return {
    samples: out,
    sampleRate: rate,
    words: words.map((w, k) => ({ startS: spans[k]!.start / rate, endS: spans[k]!.end / rate, pauseAfter: PAUSING.test(w) })),
    how,
  };
}

function spreadByWeight(all: Int16Array, rate: number, from: number, to: number, words: string[]): ReferenceReading {
  const samples = all.slice(from, Math.max(from, to));
  const weights = words.map(spokenWeight);
  const total = weights.reduce((a, b) => a + b, 0);
  let acc = 0;
  const spans = weights.map((w) => {
    const startS = (acc / total) * (samples.length / rate);
    acc += w;
    return { startS, endS: (acc / total) * (samples.length / rate) };
  });
  return { samples, sampleRate: rate, words: words.map((w, k) => ({ ...spans[k]!, pauseAfter: PAUSING.test(w) })), how: 'weight' };
}

/** Runs of digital silence at least `minSamples` long (and any at the very start or end). */
function silences(samples: Int16Array, minSamples: number): { from: number; to: number }[] {
  const runs: { from: number; to: number }[] = [];
  let start = -1;
  for (let k = 0; k <= samples.length; k++) {
    const quiet = k < samples.length && Math.abs(samples[k]!) <= SILENCE_LEVEL;
    if (quiet) {
      if (start < 0) start = k;
    } else if (start >= 0) {
      if (k - start >= minSamples || start === 0 || k === samples.length) runs.push({ from: start, to: k });
      start = -1;
    }
  }
  return runs;
}
