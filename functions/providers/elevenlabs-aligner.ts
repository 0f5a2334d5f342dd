// Forced alignment by ElevenLabs (`POST /v1/forced-alignment`, with ELEVENLABS_API_KEY): the
// recording and its text go up as a multipart form; the answer times every character and word.
// The characters are mapped onto the caption words exactly as the text-to-speech timings are
// (alignment.ts), so captions show the script as written.
//
// ElevenLabs aligns whatever it is given and says how sure it is with a `loss` per word; it does
// not refuse a recording of another text. A sentence whose words it reports as badly aligned
// (median loss above maxSentenceLoss), or squeezes into almost no time, fails with
// VoiceoverMismatch, like the offline aligner's. The loss scale is not documented: on a real
// answer for a matching recording, words scored 0.0001 to 0.12, odd tokens ("real—faster",
// "swing:") up to 0.51, so the default sits well above that.
import { openAsBlob } from 'node:fs';
import { basename } from 'node:path';
import type { Narration } from '../domain/media.ts';
import { normaliseScript, sentenceEndIndices, splitWords } from '../domain/text.ts';
import { TaskError } from '../errors.ts';
import type { Logger } from '../log.ts';
import { probeMedia } from '../media/probe.ts';
import type { MediaTools } from '../media/tools.ts';
import { describeError } from '../net/describe-error.ts';
import { classifyFailedAttempt, DEFAULT_RETRY_POLICY, FailedAttempt, parseRetryAfter, withRetries, type RetryPolicy } from '../net/retry.ts';
import { wordTimingsFromAlignment, type CharacterAlignment } from './alignment.ts';
import { parseErrorBody } from './elevenlabs.ts';
import type { AlignRequest, Aligner } from './ports.ts';
import { VoiceoverMismatch } from './voiceover-mismatch.ts';

/** The documented limits: a file under 1 GB; text up to 675,000 characters (older docs: 100 million). */
const MAX_FILE_BYTES = 1024 ** 3;
const MAX_TEXT_CHARS = 675_000;
/** Median word loss above which a sentence was not what the recording says there. */
const DEFAULT_MAX_SENTENCE_LOSS = 1;
/** A sentence whose words get less than this each on average was not found in the audio. */
const MIN_SECONDS_PER_WORD = 0.04;

export interface ElevenLabsAlignerOptions {
  apiKey: string;
  /** ELEVENLABS_BASE_URL. */
  baseUrl: string;
  tools: MediaTools;
  /** Deadline for one HTTP attempt, including the upload and the answer. */
  timeoutMs?: number;
  retry?: Partial<RetryPolicy>;
  maxSentenceLoss?: number;
  log?: Logger;
  /** Jitter source; tests inject a fixed one. */
  random?: () => number;
}

interface AlignedWord {
  text: string;
  start: number;
  end: number;
  loss: number;
}

interface AlignmentAnswer {
  characters: CharacterAlignment;
  words: AlignedWord[];
  loss: number;
}

export class ElevenLabsAligner implements Aligner {
  readonly name = 'elevenlabs';
  readonly #opts: ElevenLabsAlignerOptions;
  readonly #baseUrl: string;
  readonly #policy: RetryPolicy;

  constructor(opts: ElevenLabsAlignerOptions) {
    if (!opts.apiKey) throw new Error('ElevenLabsAligner needs an apiKey');
    this.#opts = opts;
    this.#baseUrl = opts.baseUrl.replace(/\/+$/, '');
    this.#policy = { ...DEFAULT_RETRY_POLICY, ...opts.retry };
  }

  async align(req: AlignRequest, _dir: string, signal: AbortSignal): Promise<Narration> {
    const text = normaliseScript(req.text);
    const words = splitWords(text, req.language);
    if (words.length === 0) throw new TaskError('empty_script', 'script_text: there is nothing the recording could say; send its words');
    if (text.length > MAX_TEXT_CHARS) {
      throw new TaskError('script_too_long', `script_text: ElevenLabs aligns at most ${MAX_TEXT_CHARS} characters; this one has ${text.length}`);
    }
    const sentenceEnds = sentenceEndIndices(text, words, req.language);
    const info = await probeMedia(this.#opts.tools, req.audioPath, signal);
    if (!info.hasAudio || !(info.durationS > 0)) throw new TaskError('invalid_voiceover', 'voiceover: the file has no sound to align');
    if (info.sizeBytes > MAX_FILE_BYTES) throw new TaskError('invalid_voiceover', 'voiceover: ElevenLabs aligns files under 1 GB; send a shorter or more compressed recording');

    const answer = await this.#request(req.audioPath, text, signal);
    const timings = wordTimingsFromAlignment(words, answer.characters, info.durationS);
    const narration: Narration = { audioPath: req.audioPath, durationS: info.durationS, words: timings, sentenceEnds };
    this.#check(narration, answer, words);
    this.#opts.log?.info({ aligner: this.name, words: words.length, durationS: info.durationS, loss: answer.loss }, 'recording aligned');
    return narration;
  }

  /** The first sentence ElevenLabs scored as not said, or squeezed into no time, fails the alignment. */
  #check(n: Narration, answer: AlignmentAnswer, words: string[]): void {
    const spoken = answer.words.filter((w) => /\S/u.test(w.text));
    // Losses are per caption word when ElevenLabs cut the text into the same words (it does: both split on whitespace).
    const losses = spoken.length === words.length ? spoken.map((w) => w.loss) : null;
    const limit = this.#opts.maxSentenceLoss ?? DEFAULT_MAX_SENTENCE_LOSS;
    let from = 0;
    n.sentenceEnds.forEach((end, s) => {
      const ws = n.words.slice(from, end);
      const span = (ws.at(-1)?.end ?? 0) - (ws[0]?.start ?? 0);
      const loss = losses ? median(losses.slice(from, end)) : 0;
      const text = words.slice(from, end).join(' ');
      if (span < MIN_SECONDS_PER_WORD * ws.length) throw new VoiceoverMismatch(s + 1, text, 'missing', { detail: `ElevenLabs put its ${ws.length} words in ${span.toFixed(3)} s` });
      if (loss > limit) throw new VoiceoverMismatch(s + 1, text, 'mismatch', { detail: `ElevenLabs' median word loss ${loss.toFixed(3)} (limit ${limit})` });
      from = end;
    });
  }

  async #request(audioPath: string, text: string, signal: AbortSignal): Promise<AlignmentAnswer> {
    const file = await openAsBlob(audioPath);
    const form = () => {
      const f = new FormData();
      f.set('file', file, basename(audioPath));
      f.set('text', text);
      return f;
    };
    try {
      return await withRetries(() => this.#attempt(form(), signal), {
        policy: this.#policy,
        signal,
        ...(this.#opts.random ? { random: this.#opts.random } : {}),
        classify: classifyFailedAttempt,
        onRetry: ({ attempt, delayMs, error }) =>
          this.#opts.log?.warn({ aligner: this.name, attempt: attempt + 1, delayMs, err: (error as Error).message }, 'ElevenLabs forced alignment failed; retrying'),
      });
    } catch (err) {
      if (signal.aborted) throw signal.reason;
      if (err instanceof FailedAttempt) throw err.taskError;
      throw err;
    }
  }

  async #attempt(body: FormData, signal: AbortSignal): Promise<AlignmentAnswer> {
    const timeoutMs = this.#opts.timeoutMs ?? 600_000;
    const timeout = AbortSignal.timeout(timeoutMs);
    let res: Response;
    let text: string;
    try {
      res = await fetch(`${this.#baseUrl}/v1/forced-alignment`, {
        method: 'POST',
        headers: { 'xi-api-key': this.#opts.apiKey, accept: 'application/json' },
        body,
        signal: AbortSignal.any([signal, timeout]),
      });
      text = await res.text();
    } catch (err) {
      if (signal.aborted) throw signal.reason;
      if (timeout.aborted) {
        throw new FailedAttempt(new TaskError('alignment_timeout', `ElevenLabs did not align the recording within ${Math.round(timeoutMs / 1000)} s`, { retryable: true, cause: err }));
      }
      throw new FailedAttempt(new TaskError('alignment_unavailable', `cannot reach ElevenLabs (${describeError(err)})`, { retryable: true, cause: err }));
    }
    if (!res.ok) throw alignmentFailure(res.status, text, res.headers);
    const answer = parseAnswer(text);
    if (!answer) throw new FailedAttempt(new TaskError('alignment_bad_response', 'ElevenLabs answered the alignment with a body that is not a ForcedAlignmentResponseModel', { retryable: true }));
    return answer;
  }
}

/** characters, words and loss, each as documented (ForcedAlignmentResponseModel); null when anything is off. */
export function parseAnswer(text: string): AlignmentAnswer | null {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return null;
  }
  const b = body as { characters?: unknown; words?: unknown; loss?: unknown } | null;
  if (!b || !Array.isArray(b.characters) || !Array.isArray(b.words) || typeof b.loss !== 'number') return null;
  const timed = (x: unknown): x is { text: string; start: number; end: number } => {
    const t = x as { text?: unknown; start?: unknown; end?: unknown } | null;
    return !!t && typeof t.text === 'string' && Number.isFinite(t.start) && Number.isFinite(t.end);
  };
  if (!b.characters.every(timed) || !b.words.every((w) => timed(w) && Number.isFinite((w as { loss?: unknown }).loss))) return null;
  const chars = b.characters;
  return {
    characters: {
      characters: chars.map((c) => c.text),
      character_start_times_seconds: chars.map((c) => c.start),
      character_end_times_seconds: chars.map((c) => c.end),
    },
    words: b.words as AlignedWord[],
    loss: b.loss,
  };
}

const QUOTA_CODES = new Set(['quota_exceeded', 'insufficient_credits', 'payment_required']);

/** One place decides what each failed forced alignment means for the task. */
export function alignmentFailure(status: number, text: string, headers: Headers): FailedAttempt {
  const { code, message, requestId } = parseErrorBody(text);
  const rid = requestId ?? headers.get('request-id');
  const said = `ElevenLabs answered ${status}${code ? ` ${code}` : ''}${message ? `: ${message}` : ''}${rid ? ` (request ${rid})` : ''}`;
  const permanent = (c: string, m: string) => new FailedAttempt(new TaskError(c, m, { retryable: false, detail: said }));
  if ((code && QUOTA_CODES.has(code)) || status === 402) {
    return permanent('alignment_quota_exceeded', 'the ElevenLabs account is out of credits for forced alignment; top it up or raise its quota');
  }
  if (status === 401 || status === 403) return permanent('alignment_auth_failed', 'ElevenLabs rejected the API key; check ELEVENLABS_API_KEY');
  if (status === 429 || status >= 500) {
    const busy = status === 429 ? 'ElevenLabs is rate-limiting this account' : 'ElevenLabs is failing';
    return new FailedAttempt(new TaskError(status === 429 ? 'alignment_rate_limited' : 'alignment_unavailable', `${busy}; try again later`, { retryable: true, detail: said }), parseRetryAfter(headers.get('retry-after')));
  }
  if (status === 408) return new FailedAttempt(new TaskError('alignment_timeout', 'ElevenLabs timed out', { retryable: true, detail: said }));
  return permanent('alignment_invalid_request', 'ElevenLabs refused to align the recording (its format or its text)');
}

function median(xs: number[]): number {
  if (xs.length === 0) return 0;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor((s.length - 1) / 2)]!;
}
