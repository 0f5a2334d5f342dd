// Narration recordings whose every word's true onset is known, made by a voice other than the one
// the offline aligner reads the text with: espeak-ng with another voice, rate and pitch, or
// flite (another synthesiser altogether). Pauses of chosen lengths go between words and
// sentences, and optional noise under everything, so the recording is read like a person's.
//
// How the true times are known:
// - espeak-ng: each sentence is spoken with a long word gap after every word, so its words come
//   out separated by digital silence; those gaps are found and replaced by the pauses we choose.
//   A word's sound is then exactly where we put it.
// - flite: `-psdur` prints every phone's end time; each word's phones (from flite saying the word
//   alone) are matched to that list in order, so each word starts where its first phone does.
//   The sentence is cut at the chosen word boundaries and pauses are inserted there.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { seededRandom, type Random } from '../../functions/lib/seeded-random.ts';
import { parseWav, wavHeader } from '../../functions/media/wav.ts';

export interface TrueWord {
  text: string;
  /** Seconds in the recording. */
  start: number;
  end: number;
}

export interface TimedRecording {
  samples: Int16Array;
  sampleRate: number;
  words: TrueWord[];
  /** Per sentence, the number of words it ends after (exclusive end index). */
  sentenceEnds: number[];
}

export interface PausePlan {
  /** Silence before the first word and after the last, seconds. */
  leadS?: [number, number];
  tailS?: [number, number];
  /** Between sentences. */
  sentenceS?: [number, number];
  /** After a word that ends in , ; : */
  clauseS?: [number, number];
  /** Between other words, with this chance (else none). */
  wordS?: [number, number];
  wordChance?: number;
  seed?: number;
}

const DEFAULT_PAUSES: Required<PausePlan> = {
  leadS: [0.2, 0.8],
  tailS: [0.3, 1],
  sentenceS: [0.25, 1.2],
  clauseS: [0.1, 0.45],
  wordS: [0.05, 0.5],
  wordChance: 0.2,
  seed: 1,
};

function run(bin: string, args: string[], input?: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = execFile(bin, args, { encoding: 'buffer', maxBuffer: 256 * 1024 * 1024, timeout: 120_000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${bin} ${args.join(' ')} failed: ${err.message}\n${stderr.toString()}`));
      else resolve(stdout);
    });
    if (input !== undefined) child.stdin?.end(input);
  });
}

function samplesOf(buf: Buffer): { samples: Int16Array; sampleRate: number } {
  const wav = parseWav(buf);
  if (wav.format.channels !== 1) throw new Error('expected mono speech');
  const samples = new Int16Array(wav.pcm.length >> 1);
  for (let k = 0; k < samples.length; k++) samples[k] = wav.pcm.readInt16LE(2 * k);
  return { samples, sampleRate: wav.format.sampleRate };
}

/** One sentence's words, each with its sound as [from, to) samples of `samples`. */
interface SpokenSentence {
  samples: Int16Array;
  sampleRate: number;
  words: { text: string; from: number; to: number }[];
}

/** Runs of |x| ≤ level at least `min` samples long, inside the sound (not at its edges). */
function silentRuns(samples: Int16Array, min: number, level = 8): { from: number; to: number }[] {
  const runs: { from: number; to: number }[] = [];
  let start = -1;
  let heard = false;
  for (let k = 0; k < samples.length; k++) {
    if (Math.abs(samples[k]!) <= level) {
      if (start < 0) start = k;
    } else {
      if (start >= 0 && heard && k - start >= min) runs.push({ from: start, to: k });
      start = -1;
      heard = true;
    }
  }
  return runs;
}

export interface EspeakVoiceOptions {
  /** -v, e.g. `en-us+klatt3`, `ar+f2`. */
  voice: string;
  /** Words per minute (-s). */
  rate?: number;
  /** 0..99 (-p). */
  pitch?: number;
  espeakPath?: string;
}

/**
 * A sentence said by espeak-ng with its word gap (-g) after every word (and a zero-width space,
 * without which it joins some word pairs such as "of the"), cut apart at the gaps.
 */
async function espeakSentence(sentence: string, o: EspeakVoiceOptions): Promise<SpokenSentence> {
  const words = sentence.split(/\s+/).filter(Boolean);
  const rate = o.rate ?? 175;
  const args = ['-v', o.voice, '-s', String(rate), '-p', String(o.pitch ?? 50), '-g', '100', '-z', '-b', '1', '--stdout', '--stdin'];
  const { samples, sampleRate } = samplesOf(await run(o.espeakPath ?? 'espeak-ng', args, words.join('\u200b ')));
  // The gap is 100 units of 10 ms at espeak-ng's default rate (175), shorter when it speaks faster.
  const runs = silentRuns(samples, Math.round(0.6 * (175 / rate) * sampleRate));
  if (runs.length !== words.length - 1) {
    throw new Error(`espeak-ng (${o.voice}) made ${runs.length + 1} words of ${words.length} in "${sentence}"; pick words it says as one word each`);
  }
  const first = samples.findIndex((x) => Math.abs(x) > 8);
  let last = samples.length - 1;
  while (last > 0 && Math.abs(samples[last]!) <= 8) last--;
  const bounds = [first, ...runs.flatMap((r) => [r.from, r.to]), last + 1];
  return { samples, sampleRate, words: words.map((text, k) => ({ text, from: bounds[2 * k]!, to: bounds[2 * k + 1]! })) };
}

export interface FliteVoiceOptions {
  /** flite -voice: slt, rms, awb, kal16. */
  voice: string;
  flitePath?: string;
}

const phoneCache = new Map<string, string[]>();

async function flitePhones(word: string, o: FliteVoiceOptions): Promise<string[]> {
  const key = `${o.voice}|${word}`;
  let phones = phoneCache.get(key);
  if (!phones) {
    const out = (await run(o.flitePath ?? 'flite', ['-voice', o.voice, '-t', word, '-ps', '-o', 'none'])).toString('utf8');
    phones = out.trim().split(/\s+/).filter((p) => p && p !== 'pau');
    phoneCache.set(key, phones);
  }
  return phones;
}

/** A sentence said by flite, its words found in flite's own phone timings. */
async function fliteSentence(sentence: string, o: FliteVoiceOptions): Promise<SpokenSentence> {
  const words = sentence.split(/\s+/).filter(Boolean);
  const path = join(tmpdir(), `flite-${randomBytes(6).toString('hex')}.wav`);
  try {
    const out = (await run(o.flitePath ?? 'flite', ['-voice', o.voice, '-t', sentence, '-psdur', '-o', path])).toString('utf8');
    const segs = [...out.matchAll(/(\S+):([\d.]+)/g)].map((m) => ({ phone: m[1]!, end: Number(m[2]) }));
    const { samples, sampleRate } = samplesOf(await readFile(path));
    const spoken = segs.map((s, k) => ({ ...s, start: k > 0 ? segs[k - 1]!.end : 0 })).filter((s) => s.phone !== 'pau');
    // flite's post-lexical rules change a word's vowels in context ("the" before a vowel is
    // "dh iy"), never how many phones it has: words take their phone counts in order, and most
    // phones must still be the ones the word has alone.
    const out2: SpokenSentence['words'] = [];
    let at = 0;
    let same = 0;
    for (const text of words) {
      const phones = await flitePhones(text.replace(/[^\p{L}\p{N}']/gu, ''), o);
      const mine = spoken.slice(at, at + phones.length);
      if (phones.length === 0 || mine.length < phones.length) throw new Error(`flite (${o.voice}) said fewer phones than the words of "${sentence}" have`);
      same += phones.filter((p, k) => p === mine[k]!.phone).length;
      at += phones.length;
      out2.push({ text, from: Math.round(mine[0]!.start * sampleRate), to: Math.round(mine.at(-1)!.end * sampleRate) });
    }
    if (at !== spoken.length || same < 0.9 * at) throw new Error(`flite (${o.voice}) said "${sentence}" otherwise than its words alone; pick other words`);
    return { samples, sampleRate, words: out2 };
  } finally {
    await rm(path, { force: true });
  }
}

/**
 * The sentences said one by one and laid out with the planned pauses. Between two words with no
 * pause planned, espeak-ng's words are joined directly (no gap) and flite's keep their natural join.
 */
async function layOut(sentences: SpokenSentence[], plan: PausePlan, joined: boolean): Promise<TimedRecording> {
  const p = { ...DEFAULT_PAUSES, ...plan };
  const random = seededRandom(p.seed);
  const pick = ([a, b]: [number, number]) => a + (b - a) * random();
  const sampleRate = sentences[0]!.sampleRate;
  const parts: Int16Array[] = [];
  let length = 0;
  const push = (a: Int16Array) => {
    parts.push(a);
    length += a.length;
  };
  const silence = (s: number) => push(new Int16Array(Math.round(s * sampleRate)));
  const words: TrueWord[] = [];
  const sentenceEnds: number[] = [];
  silence(pick(p.leadS));
  sentences.forEach((s, si) => {
    if (s.sampleRate !== sampleRate) throw new Error('sentences at different sample rates');
    s.words.forEach((w, k) => {
      const last = k === s.words.length - 1;
      // flite's words follow each other without silence: what lies between two words' phones
      // (nothing, or flite's own pause) stays with the earlier word unless a pause goes there.
      const to = last || joined ? w.to : s.words[k + 1]!.from;
      const start = length / sampleRate;
      push(s.samples.subarray(w.from, to));
      words.push({ text: w.text, start, end: start + (w.to - w.from) / sampleRate });
      if (last) return;
      if (/[,;:]$/.test(w.text)) silence(pick(p.clauseS));
      else if (random() < p.wordChance) silence(pick(p.wordS));
    });
    sentenceEnds.push(words.length);
    silence(si === sentences.length - 1 ? pick(p.tailS) : pick(p.sentenceS));
  });
  const samples = new Int16Array(length);
  let o = 0;
  for (const a of parts) {
    samples.set(a, o);
    o += a.length;
  }
  return { samples, sampleRate, words, sentenceEnds };
}

export async function espeakRecording(sentences: string[], voice: EspeakVoiceOptions, plan: PausePlan = {}): Promise<TimedRecording> {
  const spoken = [];
  for (const s of sentences) spoken.push(await espeakSentence(s, voice));
  return layOut(spoken, plan, true);
}

export async function fliteRecording(sentences: string[], voice: FliteVoiceOptions, plan: PausePlan = {}): Promise<TimedRecording> {
  const spoken = [];
  for (const s of sentences) spoken.push(await fliteSentence(s, voice));
  return layOut(spoken, plan, false);
}

/** Gaussian noise at `dbfs` (RMS, dB below full scale) added to the whole recording, as a room and a microphone add. */
export function withNoise(rec: TimedRecording, dbfs: number, random: Random = seededRandom(7)): TimedRecording {
  const sigma = 32768 * 10 ** (dbfs / 20);
  const samples = new Int16Array(rec.samples.length);
  for (let k = 0; k < samples.length; k++) {
    const g = Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
    samples[k] = Math.max(-32768, Math.min(32767, Math.round(rec.samples[k]! + g * sigma)));
  }
  return { ...rec, samples };
}

export async function writeRecording(path: string, rec: TimedRecording): Promise<void> {
  const pcm = Buffer.from(rec.samples.buffer, rec.samples.byteOffset, rec.samples.byteLength);
  await writeFile(path, Buffer.concat([wavHeader({ sampleRate: rec.sampleRate, channels: 1, bitsPerSample: 16 }, pcm.length), pcm]));
}
