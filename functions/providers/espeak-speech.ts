// Offline narration with espeak-ng. The CLI reports no word timings, so each sentence is
// synthesised on its own: sentence boundaries are then exact, and words are placed inside their
// sentence by spoken weight. Sentence WAVs are trimmed of silence and joined with a short pause.
import { spawn } from 'node:child_process';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { TaskError } from '../errors.ts';
import { mapLimit } from '../net/download.ts';
import type { Narration, SpeechProvider, SpeechRequest, WordTiming } from './ports.ts';
import { normaliseScript, splitSentences, splitWords, spokenWeight } from './text.ts';
import { durationOf, parseWav, silence, silentRuns, trimSilence, wavHeader, type Wav } from './wav.ts';

export interface EspeakOptions {
  /** ESPEAK_PATH: a binary name on PATH or an absolute path. */
  espeakPath: string;
  /** Sentences synthesised at once; espeak-ng is single-threaded and quick to start. */
  concurrency?: number;
}

/** espeak-ng's default speaking rate, in words per minute. */
const DEFAULT_WPM = 175;
const DEFAULT_VOICE = 'en-us';
/** Silence kept around each sentence's sound so plosives are not clipped. */
const EDGE_MARGIN_S = 0.02;
const LEAD_IN_S = 0.1;
/** Between sentences, at speed 1; espeak-ng's own sentence pause is about this long. */
const SENTENCE_PAUSE_S = 0.3;
/** Shortest silence taken for a clause pause at speed 1: commas give 150+ ms, stop consonants under 70. */
const CLAUSE_PAUSE_MIN_S = 0.09;
const TAIL_S = 0.3;
const SENTENCE_TIMEOUT_MS = 60_000;

export class EspeakSpeech implements SpeechProvider {
  readonly name = 'espeak-ng';
  readonly #path: string;
  readonly #concurrency: number;

  constructor(opts: EspeakOptions) {
    this.#path = opts.espeakPath;
    this.#concurrency = opts.concurrency ?? 2;
  }

  async synthesize(req: SpeechRequest, dir: string, signal: AbortSignal): Promise<Narration> {
    const text = normaliseScript(req.text);
    const sentences = splitSentences(text, req.language);
    if (sentences.length === 0) throw new TaskError('empty_script', 'script_text: there is nothing to speak; send some words');
    const voice = resolveVoice(await voicesOf(this.#path, signal), req);
    const speed = req.speed ?? 1;
    const args = ['-v', voice, '-s', String(Math.round(DEFAULT_WPM * speed)), '-b', '1', '-z', '--stdout', '--stdin'];

    // One failed sentence stops the others at once rather than letting them run to the end.
    const stop = new AbortController();
    const both = AbortSignal.any([signal, stop.signal]);
    let wavs: Wav[];
    try {
      wavs = await mapLimit(sentences, this.#concurrency, async (sentence) => {
        // espeak-ng reads [[...]] as phoneme codes; the script is plain text, so break the brackets up.
        const plain = sentence.replaceAll('[[', '[ [');
        const wav = parseEspeakWav(await runEspeak(this.#path, args, plain, both));
        return trimSilence(wav, { marginS: EDGE_MARGIN_S });
      });
    } catch (err) {
      stop.abort();
      if (signal.aborted) throw signal.reason;
      throw err;
    }

    const format = wavs[0]!.format;
    const pauseS = SENTENCE_PAUSE_S / speed;
    const parts: Buffer[] = [silence(format, LEAD_IN_S)];
    const spans: SentenceSpan[] = [];
    let t = LEAD_IN_S;
    wavs.forEach((wav, i) => {
      if (wav.format.sampleRate !== format.sampleRate || wav.format.channels !== format.channels) {
        throw new TaskError('speech_failed', 'espeak-ng wrote sentences in different audio formats');
      }
      const d = durationOf(format, wav.pcm.length);
      const pauses = silentRuns(wav, { minS: CLAUSE_PAUSE_MIN_S / speed }).map((p) => ({ startS: t + p.startS, endS: t + p.endS }));
      spans.push({ startS: t + Math.min(EDGE_MARGIN_S, d / 2), endS: t + Math.max(d - EDGE_MARGIN_S, d / 2), pauses });
      parts.push(wav.pcm);
      t += d;
      const gap = silence(format, i < wavs.length - 1 ? pauseS : TAIL_S);
      parts.push(gap);
      t += durationOf(format, gap.length);
    });

    const audioPath = join(dir, 'narration.wav');
    const dataBytes = parts.reduce((n, p) => n + p.length, 0);
    await writeParts(audioPath, [wavHeader(format, dataBytes), ...parts]);
    const durationS = durationOf(format, dataBytes);

    const words = splitWords(text, req.language);
    const { wordTimings, sentenceEnds } = placeWords(text, sentences, words, spans);
    return { audioPath, durationS, words: wordTimings, sentenceEnds };
  }
}

export interface SentenceSpan {
  /** Where the sentence's sound starts and ends in the joined narration, seconds. */
  startS: number;
  endS: number;
  /** Silences inside the sentence long enough to be clause pauses, in narration time. */
  pauses?: { startS: number; endS: number }[];
}

const CLAUSE_END = /[,;:，、；：]$/u;

/**
 * Times every caption word (the script's words as written) inside the sound of its sentence.
 * Words are assigned to sentences by their position in the script, so sentenceEnds are exact.
 * When the sentence has as many measured pauses as clause-ending words (commas), each clause is
 * pinned between its pauses; within a clause (or a sentence without that match) words share the
 * time in proportion to their spoken weight.
 */
export function placeWords(
  text: string,
  sentences: string[],
  words: string[],
  spans: SentenceSpan[],
): { wordTimings: WordTiming[]; sentenceEnds: number[] } {
  const sentenceStarts: number[] = [];
  let cursor = 0;
  for (const s of sentences) {
    const at = text.indexOf(s, cursor);
    sentenceStarts.push(at >= 0 ? at : cursor);
    cursor = (at >= 0 ? at : cursor) + s.length;
  }
  const bySentence: string[][] = sentences.map(() => []);
  cursor = 0;
  let si = 0;
  for (const w of words) {
    const at = text.indexOf(w, cursor);
    const pos = at >= 0 ? at : cursor;
    if (at >= 0) cursor = at + w.length;
    while (si + 1 < sentences.length && (sentenceStarts[si + 1] ?? Infinity) <= pos) si++;
    bySentence[si]!.push(w);
  }

  const wordTimings: WordTiming[] = [];
  const sentenceEnds: number[] = [];
  bySentence.forEach((ws, i) => {
    if (ws.length === 0) return;
    const span = spans[i]!;
    const breaks = ws.flatMap((w, k) => (k < ws.length - 1 && CLAUSE_END.test(w) ? [k] : []));
    const pauses = span.pauses ?? [];
    if (breaks.length > 0 && pauses.length >= breaks.length) {
      // The longest silences are the clause pauses; keep them in time order.
      const chosen = [...pauses].sort((a, b) => b.endS - b.startS - (a.endS - a.startS)).slice(0, breaks.length);
      chosen.sort((a, b) => a.startS - b.startS);
      let from = 0;
      let startS = span.startS;
      breaks.forEach((k, b) => {
        spread(ws.slice(from, k + 1), startS, chosen[b]!.startS, wordTimings);
        from = k + 1;
        startS = chosen[b]!.endS;
      });
      spread(ws.slice(from), startS, span.endS, wordTimings);
    } else {
      spread(ws, span.startS, span.endS, wordTimings);
    }
    sentenceEnds.push(wordTimings.length);
  });
  return { wordTimings, sentenceEnds };
}

/**
 * Shares [startS, endS] among words by spoken weight. A word's trailing punctuation pause stays
 * silent after it, except the last word's: the span already ends where the sound does.
 */
function spread(ws: string[], startS: number, endS: number, out: WordTiming[]): void {
  const voiced = ws.map((w) => spokenWeight(w.replace(/[^\p{L}\p{N}]+$/u, '')));
  const slots = ws.map((w, k) => (k === ws.length - 1 ? voiced[k]! : spokenWeight(w)));
  const total = slots.reduce((a, b) => a + b, 0);
  const perUnit = Math.max(0, endS - startS) / total;
  let t = startS;
  ws.forEach((w, k) => {
    const start = t;
    t += slots[k]! * perUnit;
    out.push({ text: w, start: round3(start), end: round3(start + voiced[k]! * perUnit) });
  });
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}

function parseEspeakWav(buf: Buffer): Wav {
  try {
    return parseWav(buf);
  } catch (err) {
    throw new TaskError('speech_failed', `espeak-ng wrote no usable audio: ${(err as Error).message}`, { cause: err });
  }
}

async function writeParts(path: string, parts: Buffer[]): Promise<void> {
  const fh = await open(path, 'w');
  try {
    await fh.writev(parts);
  } finally {
    await fh.close();
  }
}

// ---- voices ----

export interface EspeakVoice {
  /** Primary language code as espeak-ng lists it, lower case: `en-us`, `pt-br`, `cmn`. */
  language: string;
  /** Voice file, usable with -v: `gmw/en-US`. */
  file: string;
  priority: number;
  /** Other language codes the voice serves, with their priority: `zh` → 5 for `cmn`. */
  aliases: Map<string, number>;
}

export interface VoiceIndex {
  voices: EspeakVoice[];
  /** Variant names (`f3`, `klatt`, `Alex`) that can follow a voice after `+`. */
  variants: string[];
}

/** Parses `espeak-ng --voices` (or `--voices=variant`) output. */
export function parseVoiceList(stdout: string): EspeakVoice[] {
  const voices: EspeakVoice[] = [];
  for (const line of stdout.split('\n').slice(1)) {
    const m = /^\s*(\d+)\s+(\S+)\s+\S+\s+\S+\s+(\S+)\s*(.*)$/.exec(line);
    if (!m) continue;
    const aliases = new Map<string, number>();
    for (const a of (m[4] ?? '').matchAll(/\((\S+)\s+(\d+)\)/g)) aliases.set(a[1]!.toLowerCase(), Number(a[2]));
    voices.push({ language: m[2]!.toLowerCase(), file: m[3]!, priority: Number(m[1]), aliases });
  }
  return voices;
}

/**
 * The -v argument for a request: `voiceId` when it names an espeak-ng voice (language code or
 * voice file, optionally `+variant`), else the best voice for `language`, else American English.
 * A voice_id espeak-ng does not know is an error rather than silently another voice.
 */
export function resolveVoice(index: VoiceIndex, req: { voiceId?: string | undefined; language?: string | undefined }): string {
  if (req.voiceId) {
    const [base = '', variant, ...rest] = req.voiceId.trim().split('+');
    const lower = base.toLowerCase();
    const voice = index.voices.find((v) => v.language === lower || v.file.toLowerCase() === lower);
    const variantName = variant === undefined ? undefined : index.variants.find((n) => n.toLowerCase() === variant.toLowerCase());
    if (voice && rest.length === 0 && (variant === undefined || variantName)) {
      const v = voice.language === lower ? voice.language : voice.file;
      return variantName ? `${v}+${variantName}` : v;
    }
    throw new TaskError(
      'invalid_voice',
      `voice_id: "${req.voiceId}" is not an espeak-ng voice; use a language voice such as en-us, en-gb or pt-br ` +
        '(optionally with a variant, e.g. en-us+f3), or leave voice_id out to choose by language',
    );
  }
  if (!req.language) return DEFAULT_VOICE;
  const found = voiceForLanguage(index.voices, req.language);
  if (found) return found;
  throw new TaskError(
    'unsupported_language',
    `language: espeak-ng has no voice for "${req.language}"; use a language it speaks (e.g. en, es, pt-BR, zh) or set voice_id`,
  );
}

/** BCP-47 → voice: the full tag first, then shorter prefixes (`zh-Hant-TW` → `zh-hant` → `zh`). */
function voiceForLanguage(voices: EspeakVoice[], tag: string): string | null {
  const parts = tag.toLowerCase().split('-');
  for (let n = parts.length; n > 0; n--) {
    const want = parts.slice(0, n).join('-');
    let best: { language: string; priority: number } | null = null;
    for (const v of voices) {
      const p = v.language === want ? v.priority : v.aliases.get(want);
      if (p !== undefined && (!best || p < best.priority)) best = { language: v.language, priority: p };
    }
    if (best) return best.language;
  }
  return null;
}

const voiceCache = new Map<string, Promise<VoiceIndex>>();

function voicesOf(espeakPath: string, signal: AbortSignal): Promise<VoiceIndex> {
  let p = voiceCache.get(espeakPath);
  if (!p) {
    // Not tied to one task's signal: the list is shared by every task that follows.
    const never = new AbortController().signal;
    p = Promise.all([
      runEspeak(espeakPath, ['--voices'], null, never),
      runEspeak(espeakPath, ['--voices=variant'], null, never),
    ]).then(([voices, variants]) => ({
      voices: parseVoiceList(voices.toString('utf8')),
      variants: parseVoiceList(variants.toString('utf8')).map((v) => v.file.replace(/^!v\//, '')),
    }));
    p.catch(() => voiceCache.delete(espeakPath));
    voiceCache.set(espeakPath, p);
  }
  signal.throwIfAborted();
  return p;
}

// ---- process ----

/**
 * Runs espeak-ng with an argument array, `input` on stdin, and returns stdout. On abort the
 * process is SIGKILLed and reaped before the promise rejects, so nothing outlives the task.
 */
function runEspeak(path: string, args: string[], input: string | null, signal: AbortSignal): Promise<Buffer> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise((resolve, reject) => {
    const child = spawn(path, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let stderr = '';
    let spawnError: Error | null = null;
    let timedOut = false;
    const kill = () => child.kill('SIGKILL');
    const timer = setTimeout(() => {
      timedOut = true;
      kill();
    }, SENTENCE_TIMEOUT_MS);
    signal.addEventListener('abort', kill, { once: true });
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (c: string) => {
      stderr = (stderr + c).slice(-2000);
    });
    child.on('error', (err) => {
      spawnError = err;
    });
    // espeak-ng may exit before reading everything (e.g. a bad voice); the exit code reports that.
    child.stdin.on('error', () => {});
    child.stdin.end(input ?? '');
    child.on('close', (code, sig) => {
      clearTimeout(timer);
      signal.removeEventListener('abort', kill);
      if (signal.aborted) return reject(signal.reason);
      if (spawnError) {
        return reject(
          new TaskError('speech_failed', `espeak-ng could not be started (${path}): ${spawnError.message}; install espeak-ng or set ESPEAK_PATH`, {
            cause: spawnError,
          }),
        );
      }
      if (timedOut) return reject(new TaskError('speech_failed', `espeak-ng took longer than ${SENTENCE_TIMEOUT_MS / 1000} s for one sentence`, { retryable: true }));
      if (code !== 0) {
        const how = sig ? `was killed by ${sig}` : `exited with code ${code}`;
        return reject(new TaskError('speech_failed', `espeak-ng ${how}: ${stderr.trim() || 'no message'}`, { retryable: sig !== null }));
      }
      resolve(Buffer.concat(out));
    });
  });
}

/** Start-up check: fails fast with what to install instead of failing every task later. Returns the version line. */
export async function checkEspeak(path: string): Promise<string> {
  const ac = new AbortController();
  const timer = setTimeout(() => ac.abort(new Error('timed out')), 10_000);
  try {
    const out = (await runEspeak(path, ['--version'], null, ac.signal)).toString('utf8').trim();
    if (!/espeak/i.test(out)) throw new Error(`unexpected --version output "${out.slice(0, 80)}"`);
    return out.split('\n')[0] ?? out;
  } catch (err) {
    throw new Error(
      `espeak-ng is not runnable at "${path}": ${(err as Error).message}; install it (Debian: apt-get install espeak-ng) or set ESPEAK_PATH`,
      { cause: err },
    );
  } finally {
    clearTimeout(timer);
  }
}

