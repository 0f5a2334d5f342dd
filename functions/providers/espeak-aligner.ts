// Offline forced alignment, always available: espeak-ng reads the text (espeak-reference.ts, every
// word boundary known), and that reading is warped onto the recording (alignment/align.ts). No
// speech model and no network: espeak-ng, an ffmpeg decode, and a few MB of spectra.
import { alignToReference, type AlignmentResult } from '../alignment/align.ts';
import { spectraOf, WARPS } from '../alignment/features.ts';
import type { Narration, WordTiming } from '../domain/media.ts';
import { normaliseScript, sentenceEndIndices, splitWords } from '../domain/text.ts';
import { TaskError } from '../errors.ts';
import { round3 } from '../lib/numbers.ts';
import type { Logger } from '../log.ts';
import { decodeMonoWav } from '../media/pcm.ts';
import type { MediaTools } from '../media/tools.ts';
import { readReference, type ReferenceReading } from './espeak-reference.ts';
import { resolveVoice, voicesOf } from './espeak-voices.ts';
import type { AlignRequest, Aligner } from './ports.ts';
import { VoiceoverMismatch } from './voiceover-mismatch.ts';
import { int16Of, parseWav } from '../media/wav.ts';

export interface EspeakAlignerOptions {
  espeakPath: string;
  tools: MediaTools;
  /** Sentences read at once (espeak-ng is single-threaded). */
  concurrency?: number;
  log?: Logger;
}

/** What the aligner found, whether or not every sentence matched: for align(), checks and benchmarks. */
export interface AlignmentReport {
  narration: Narration;
  result: AlignmentResult;
  /** The caption words of each sentence. */
  sentences: string[][];
  /** How each sentence's reference words were found (espeak-reference.ts). */
  readings: ReferenceReading['how'][];
}

export class EspeakAligner implements Aligner {
  readonly name = 'espeak-ng';
  readonly #opts: EspeakAlignerOptions;

  constructor(opts: EspeakAlignerOptions) {
    this.#opts = opts;
  }

  async align(req: AlignRequest, dir: string, signal: AbortSignal): Promise<Narration> {
    const report = await this.measure(req, dir, signal);
    const { failure, sentences: fits } = report.result;
    if (failure) {
      const fit = fits[failure.sentence];
      throw new VoiceoverMismatch(failure.sentence + 1, report.sentences[failure.sentence]?.join(' ') ?? '', failure.reason, {
        detail: fit ? `pace ${fit.paceShare.toFixed(2)} of the expected, likeness ${fit.likeness.toFixed(2)} (0.88 and above: not what was said)` : 'no speech in the recording',
      });
    }
    this.#opts.log?.info(
      {
        aligner: this.name,
        words: report.narration.words.length,
        sentences: report.sentences.length,
        durationS: report.narration.durationS,
        warp: report.result.warp,
        readAlone: report.readings.filter((h) => h === 'breaks').length,
        byWeight: report.readings.filter((h) => h === 'weight').length,
      },
      'recording aligned',
    );
    return report.narration;
  }

  /** The alignment and how well each sentence fitted, without failing on a sentence that did not. */
  async measure(req: AlignRequest, dir: string, signal: AbortSignal): Promise<AlignmentReport> {
    const text = normaliseScript(req.text);
    const words = splitWords(text, req.language);
    if (words.length === 0) throw new TaskError('empty_script', 'script_text: there is nothing the recording could say; send its words');
    const sentenceEnds = sentenceEndIndices(text, words, req.language);
    const sentences = sentenceEnds.map((end, k) => words.slice(sentenceEnds[k - 1] ?? 0, end));
    const voice = resolveVoice(await voicesOf(this.#opts.espeakPath, signal), { language: req.language });

    // Only the spectra are kept: the samples (2 bytes a sample) go as soon as they are read.
    const [recording, readings] = await Promise.all([
      decodeMonoWav(this.#opts.tools, req.audioPath, dir, signal).then((buf) => {
        const { format, pcm } = parseWav(buf);
        return { spectra: spectraOf(int16Of(pcm), format.sampleRate), durationS: pcm.length / 2 / format.sampleRate };
      }),
      readReference(sentences, { espeakPath: this.#opts.espeakPath, voice, signal, concurrency: this.#opts.concurrency ?? 2 }, (r) => ({
        spectra: spectraOf(r.samples, r.sampleRate, WARPS),
        words: r.words,
        how: r.how,
      })),
    ]);
    signal.throwIfAborted();
    const { durationS } = recording;
    const result = alignToReference(recording.spectra, readings);
    const timings: WordTiming[] = result.words.map((w, k) => {
      const end = Math.min(durationS, round3(w.end));
      return { text: words[k]!, start: Math.min(end, round3(w.start)), end };
    });
    return {
      narration: { audioPath: req.audioPath, durationS, words: timings, sentenceEnds },
      result,
      sentences,
      readings: readings.map((r) => r.how),
    };
  }
}
