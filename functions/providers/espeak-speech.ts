// Offline narration with espeak-ng. The CLI reports no word timings, so each sentence is
// synthesised on its own: sentence boundaries are then exact, and words are placed inside their
// sentence by spoken weight. A very long sentence is synthesised in parts (cut between words), so
// no run writes more than the output cap; each part's bounds are exact the same way. The WAVs are
// trimmed of silence and joined with a short pause.
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { TaskError } from '../errors.ts';
import type { SpeechProvider, SpeechRequest, Voice } from './ports.ts';
import { normaliseScript, splitSentences, splitWords } from '../domain/text.ts';
import { durationOf, parseWav, silence, silentRuns, trimSilence, wavHeader, type Wav } from '../media/wav.ts';
import type { Narration } from '../domain/media.ts';
import { mapLimit } from '../lib/concurrency.ts';
import { resolveVoice, runEspeak, voicesOf } from './espeak-voices.ts';
import { placeWords, synthesisParts, type SentenceSpan } from './espeak-word-timing.ts';

export interface EspeakOptions {
  /** ESPEAK_PATH: a binary name on PATH or an absolute path. */
  espeakPath: string;
  /** Sentences synthesised at once; espeak-ng is single-threaded and quick to start. */
  concurrency?: number;
}

/** espeak-ng's default speaking rate, in words per minute. */
const DEFAULT_WPM = 175;
/** Silence kept around each sentence's sound so plosives are not clipped. */
const EDGE_MARGIN_S = 0.02;
export const LEAD_IN_S = 0.1;
/** Between sentences, at speed 1; espeak-ng's own sentence pause is about this long. */
export const SENTENCE_PAUSE_S = 0.3;
/** Shortest silence taken for a clause pause at speed 1: commas give 150+ ms, stop consonants under 70. */
const CLAUSE_PAUSE_MIN_S = 0.09;
export const TAIL_S = 0.3;
/**
 * Longest text one espeak-ng run synthesises: at half speed about 150 s of audio, 6.5 MiB of WAV,
 * well under the 16 MiB the process runner keeps of a child's stdout. Longer sentences (an
 * unpunctuated script is one) are cut into parts.
 */
export const MAX_PART_CHARS = 1000;
/** Between two parts of one sentence cut after a comma: about espeak-ng's own clause pause. */
const PART_CLAUSE_PAUSE_S = 0.15;

export class EspeakSpeech implements SpeechProvider {
  readonly name = 'espeak-ng';
  /** Its rate in words per minute (-s), a factor of DEFAULT_WPM, well within the 80..450 it takes. */
  readonly speedRange = { min: 0.5, max: 2 };
  readonly #path: string;
  readonly #concurrency: number;

  constructor(opts: EspeakOptions) {
    this.#path = opts.espeakPath;
    this.#concurrency = opts.concurrency ?? 2;
  }

  async listVoices(signal: AbortSignal): Promise<Voice[]> {
    const { voices } = await voicesOf(this.#path, signal);
    return voices.map((v) => ({ id: v.language, name: v.file, language: v.language, description: null }));
  }

  async synthesize(req: SpeechRequest, dir: string, signal: AbortSignal): Promise<Narration> {
    const text = normaliseScript(req.text);
    const sentences = splitSentences(text, req.language);
    if (sentences.length === 0) throw new TaskError('empty_script', 'script_text: there is nothing to speak; send some words');
    const voice = resolveVoice(await voicesOf(this.#path, signal), req);
    const speed = req.speed ?? 1;
    const args = ['-v', voice, '-s', String(Math.round(DEFAULT_WPM * speed)), '-b', '1', '-z', '--stdout', '--stdin'];

    const words = splitWords(text, req.language);
    const { parts, sentenceOf } = synthesisParts(text, sentences, words, MAX_PART_CHARS);

    // One failed part stops the others at once rather than letting them run to the end.
    const stop = new AbortController();
    const both = AbortSignal.any([signal, stop.signal]);
    let wavs: Wav[];
    try {
      wavs = await mapLimit(parts, this.#concurrency, async (part) => {
        // espeak-ng reads [[...]] as phoneme codes; the script is plain text, so break the brackets up.
        const plain = part.replaceAll('[[', '[ [');
        const wav = parseEspeakWav(await runEspeak(this.#path, args, { input: plain, signal: both }));
        return trimSilence(wav, { marginS: EDGE_MARGIN_S });
      });
    } catch (err) {
      stop.abort();
      if (signal.aborted) throw signal.reason;
      throw err;
    }

    const format = wavs[0]!.format;
    const audio: Buffer[] = [silence(format, LEAD_IN_S)];
    const spans: SentenceSpan[] = [];
    let t = LEAD_IN_S;
    wavs.forEach((wav, i) => {
      if (wav.format.sampleRate !== format.sampleRate || wav.format.channels !== format.channels) {
        throw new TaskError('speech_failed', 'espeak-ng wrote sentences in different audio formats');
      }
      const d = durationOf(format, wav.pcm.length);
      const pauses = silentRuns(wav, { minS: CLAUSE_PAUSE_MIN_S / speed }).map((p) => ({ startS: t + p.startS, endS: t + p.endS }));
      spans.push({ startS: t + Math.min(EDGE_MARGIN_S, d / 2), endS: t + Math.max(d - EDGE_MARGIN_S, d / 2), pauses });
      audio.push(wav.pcm);
      t += d;
      const gap = silence(format, gapAfter(parts, sentenceOf, i, speed));
      audio.push(gap);
      t += durationOf(format, gap.length);
    });

    const audioPath = join(dir, 'narration.wav');
    const dataBytes = audio.reduce((n, p) => n + p.length, 0);
    await writeParts(audioPath, [wavHeader(format, dataBytes), ...audio]);
    const durationS = durationOf(format, dataBytes);

    const placed = placeWords(text, parts, words, spans);
    // Captions and cuts end where sentences end, not where a long one was cut for synthesis (every
    // part of a cut sentence holds words, so placeWords gave each part its end).
    const sentenceEnds = parts.length === sentences.length ? placed.sentenceEnds : placed.sentenceEnds.filter((_, i) => sentenceOf[i + 1] !== sentenceOf[i]);
    return { audioPath, durationS, words: placed.wordTimings, sentenceEnds };
  }
}

/** Silence after part `i`: a sentence pause, a clause pause inside a sentence cut after a comma (both at the voice's speed), the tail at the end. */
function gapAfter(parts: string[], sentenceOf: number[], i: number, speed: number): number {
  if (i === parts.length - 1) return TAIL_S;
  if (sentenceOf[i + 1] !== sentenceOf[i]) return SENTENCE_PAUSE_S / speed;
  return /[,;:，、；：]$/u.test(parts[i]!) ? PART_CLAUSE_PAUSE_S / speed : 0;
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
