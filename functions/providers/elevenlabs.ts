// ElevenLabs text-to-speech through `/with-timestamps`, which returns the audio and its character
// timings in one response, so captions need no speech recognition. Long scripts are spoken in
// parts cut on sentence boundaries, stitched with request ids, and joined frame-exactly.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { TaskError } from '../errors.ts';
import type { Logger } from '../log.ts';
import { probeMedia } from '../media/probe.ts';
import type { MediaTools } from '../media/tools.ts';
import { wordTimingsFromAlignment, type CharacterAlignment } from './alignment.ts';
import { joinMp3 } from './elevenlabs-mp3.ts';
import type { SpeechProvider, SpeechRequest, Voice } from './ports.ts';
import { classifyFailedAttempt, DEFAULT_RETRY_POLICY, FailedAttempt, parseRetryAfter, withRetries, type RetryPolicy } from '../net/retry.ts';
import { locateWords, normaliseScript, sentenceEndIndices, splitWords, type WordSpan } from '../domain/text.ts';
import type { Narration, WordTiming } from '../domain/media.ts';
import { round3 } from '../lib/numbers.ts';
import { describeError } from '../net/describe-error.ts';

/** George, a current premade voice available on every plan. */
export const ELEVENLABS_DEFAULT_VOICE = 'JBFqnCBsd6RMkjVDRZzb';
const OUTPUT_FORMAT = 'mp3_44100_128';

/** Characters per request by model (ElevenLabs' published limits); unknown models get the smallest. */
const MODEL_CHAR_LIMITS: Record<string, number> = {
  eleven_v3: 3_000,
  eleven_flash_v2_5: 40_000,
  eleven_turbo_v2_5: 40_000,
  eleven_flash_v2: 30_000,
  eleven_turbo_v2: 30_000,
  eleven_multilingual_v2: 10_000,
  eleven_multilingual_v1: 10_000,
};
const UNKNOWN_MODEL_CHAR_LIMIT = 3_000;

/** Models that accept `language_code`; multilingual_v2 rejects or ignores it depending on the API version. */
const LANGUAGE_CODE_MODELS = new Set(['eleven_turbo_v2_5', 'eleven_flash_v2_5', 'eleven_v3']);

/** Continuity context sent with each part; more adds cost to nothing. */
const CONTEXT_CHARS = 1_000;

export function modelCharLimit(modelId: string): number {
  return MODEL_CHAR_LIMITS[modelId] ?? UNKNOWN_MODEL_CHAR_LIMIT;
}

export interface ElevenLabsOptions {
  apiKey: string;
  /** ELEVENLABS_BASE_URL. */
  baseUrl: string;
  /** ELEVENLABS_MODEL_ID, unless the request names one. */
  modelId: string;
  defaultVoiceId?: string;
  tools: MediaTools;
  /** Deadline for one HTTP attempt, including the response body. */
  timeoutMs?: number;
  retry?: Partial<RetryPolicy>;
  /** Lower than the model's limit to force multi-part synthesis (tests, cautious deployments). */
  maxCharsPerRequest?: number;
  log?: Logger;
  /** Jitter source; tests inject a fixed one. */
  random?: () => number;
}

interface SpeechPart {
  /** Word indices [from, to) of the whole script. */
  from: number;
  to: number;
  text: string;
}

interface SpokenPart {
  audio: Buffer;
  alignment: CharacterAlignment | null;
  requestId: string | null;
}

export class ElevenLabsSpeech implements SpeechProvider {
  readonly name = 'elevenlabs';
  /** voice_settings.speed. */
  readonly speedRange = { min: 0.7, max: 1.2 };
  private readonly apiKey: string;
  private readonly baseUrl: string;
  private readonly modelId: string;
  private readonly defaultVoiceId: string;
  private readonly tools: MediaTools;
  private readonly timeoutMs: number;
  private readonly policy: RetryPolicy;
  private readonly maxChars: number | undefined;
  private readonly log: Logger | undefined;
  private readonly random: () => number;

  constructor(opts: ElevenLabsOptions) {
    if (!opts.apiKey) throw new Error('ElevenLabsSpeech needs an apiKey');
    this.apiKey = opts.apiKey;
    this.baseUrl = opts.baseUrl.replace(/\/+$/, '');
    this.modelId = opts.modelId;
    this.defaultVoiceId = opts.defaultVoiceId ?? ELEVENLABS_DEFAULT_VOICE;
    this.tools = opts.tools;
    this.timeoutMs = opts.timeoutMs ?? 120_000;
    this.policy = { ...DEFAULT_RETRY_POLICY, ...opts.retry };
    this.maxChars = opts.maxCharsPerRequest;
    this.log = opts.log;
    this.random = opts.random ?? Math.random;
  }

  /** GET /v1/voices: the account's voices (its own, and the premade ones it can use). */
  async listVoices(signal: AbortSignal): Promise<Voice[]> {
    const timeout = AbortSignal.timeout(Math.min(this.timeoutMs, 30_000));
    let res: Response;
    let text: string;
    try {
      res = await fetch(`${this.baseUrl}/v1/voices`, { headers: { 'xi-api-key': this.apiKey, accept: 'application/json' }, signal: AbortSignal.any([signal, timeout]) });
      text = await res.text();
    } catch (err) {
      if (signal.aborted) throw signal.reason;
      throw new TaskError('tts_unavailable', `cannot reach ElevenLabs (${describeError(err)})`, { retryable: true, cause: err });
    }
    if (!res.ok) throw failureFromResponse(res.status, text, res.headers, '', this.modelId).taskError;
    const body = JSON.parse(text) as {
      voices?: { voice_id: string; name: string; labels?: Record<string, string> | null; description?: string | null; verified_languages?: { language?: string }[] | null }[];
    };
    return (body.voices ?? []).map((v) => ({
      id: v.voice_id,
      name: v.name,
      language: v.verified_languages?.[0]?.language ?? v.labels?.language ?? null,
      description: v.description ?? (v.labels && Object.keys(v.labels).length ? Object.values(v.labels).join(', ') : null),
    }));
  }

  async synthesize(req: SpeechRequest, dir: string, signal: AbortSignal): Promise<Narration> {
    const voiceId = req.voiceId ?? this.defaultVoiceId;
    const modelId = req.modelId ?? this.modelId;
    if (req.speed !== undefined && !(req.speed >= 0.7 && req.speed <= 1.2)) {
      throw new TaskError('invalid_speed', `speed: ElevenLabs accepts 0.7 to 1.2, got ${req.speed}`);
    }
    const text = normaliseScript(req.text);
    const words = splitWords(text, req.language);
    if (words.length === 0) throw new TaskError('empty_script', 'script_text: nothing to speak');
    const sentenceEnds = sentenceEndIndices(text, words, req.language);
    let limit = Math.min(this.maxChars ?? Infinity, modelCharLimit(modelId));
    let parts = planParts(text, words, sentenceEnds, limit);
    let spoken: SpokenPart[];
    for (;;) {
      try {
        spoken = await this.speakParts(parts, { voiceId, modelId, req }, signal);
        break;
      } catch (err) {
        // Some accounts have a lower per-request limit than the model's published one; the
        // error names it, so plan again with it (it only ever shrinks) rather than fail the task.
        const accountLimit = err instanceof TaskError && err.code === 'tts_text_too_long' ? limitFromMessage(err.detail ?? '') : null;
        if (accountLimit === null || accountLimit >= limit) throw err;
        this.log?.warn({ provider: this.name, modelId, limit, accountLimit }, 'ElevenLabs per-request limit is lower than published; splitting again');
        limit = accountLimit;
        parts = planParts(text, words, sentenceEnds, limit);
      }
    }

    const audioPath = join(dir, 'narration.mp3');
    let offsets: number[];
    let partDurations: number[];
    if (spoken.length === 1) {
      await writeFile(audioPath, (spoken[0] as SpokenPart).audio);
      offsets = [0];
      partDurations = [];
    } else {
      const joined = joinAudio(spoken.map((s) => s.audio));
      await writeFile(audioPath, joined.data);
      offsets = joined.offsetsS;
      partDurations = offsets.map((o, k) => (offsets[k + 1] ?? joined.durationS) - o);
    }
    const info = await probeMedia(this.tools, audioPath, signal).catch((err: unknown) => {
      if (signal.aborted) throw signal.reason;
      throw new TaskError('tts_bad_audio', 'ElevenLabs returned audio that cannot be decoded', { retryable: true, cause: err });
    });
    if (!info.hasAudio || !(info.durationS > 0)) {
      throw new TaskError('tts_bad_audio', 'ElevenLabs returned a file without audio', { retryable: true });
    }

    const timings: WordTiming[] = [];
    parts.forEach((part, k) => {
      const offset = offsets[k] ?? 0;
      const partDuration = partDurations[k] ?? info.durationS;
      const s = spoken[k] as SpokenPart;
      for (const w of wordTimingsFromAlignment(words.slice(part.from, part.to), s.alignment, partDuration)) {
        // Rounded before clamping, so no word ends past the audio by half a millisecond.
        const end = Math.min(info.durationS, round3(w.end + offset));
        timings.push({ text: w.text, start: Math.min(end, round3(w.start + offset)), end });
      }
    });
    this.log?.info({ provider: this.name, voiceId, modelId, parts: parts.length, durationS: info.durationS }, 'narration synthesised');
    return { audioPath, durationS: info.durationS, words: timings, sentenceEnds };
  }

  /**
   * Parts go one after another: each one names the request ids before it, which ElevenLabs uses
   * to keep the prosody continuous across the joins.
   */
  private async speakParts(
    parts: SpeechPart[],
    p: { voiceId: string; modelId: string; req: SpeechRequest },
    signal: AbortSignal,
  ): Promise<SpokenPart[]> {
    const spoken: SpokenPart[] = [];
    for (const [i, part] of parts.entries()) {
      const previousIds = spoken.map((s) => s.requestId).filter((id): id is string => !!id).slice(-3);
      spoken.push(
        await this.speakPart(
          {
            text: part.text,
            voiceId: p.voiceId,
            modelId: p.modelId,
            language: p.req.language,
            speed: p.req.speed,
            seed: p.req.seed,
            previousText: i > 0 ? tail(parts[i - 1]?.text ?? '') : undefined,
            nextText: i < parts.length - 1 ? head(parts[i + 1]?.text ?? '') : undefined,
            previousRequestIds: previousIds,
          },
          signal,
        ),
      );
    }
    return spoken;
  }

  private async speakPart(
    p: {
      text: string;
      voiceId: string;
      modelId: string;
      language: string | undefined;
      speed: number | undefined;
      seed: number | undefined;
      previousText: string | undefined;
      nextText: string | undefined;
      previousRequestIds: string[];
    },
    signal: AbortSignal,
  ): Promise<SpokenPart> {
    const url = `${this.baseUrl}/v1/text-to-speech/${encodeURIComponent(p.voiceId)}/with-timestamps?output_format=${OUTPUT_FORMAT}`;
    const body: Record<string, unknown> = { text: p.text, model_id: p.modelId };
    if (p.speed !== undefined) body.voice_settings = { speed: p.speed };
    if (p.language && LANGUAGE_CODE_MODELS.has(p.modelId)) body.language_code = p.language.split('-')[0]?.toLowerCase();
    if (p.seed !== undefined) body.seed = p.seed >>> 0;
    if (p.previousText) body.previous_text = p.previousText;
    if (p.nextText) body.next_text = p.nextText;
    if (p.previousRequestIds.length) body.previous_request_ids = p.previousRequestIds;
    const payload = JSON.stringify(body);

    try {
      return await withRetries(() => this.attempt(url, payload, p.voiceId, p.modelId, signal), {
        policy: this.policy,
        signal,
        random: this.random,
        classify: classifyFailedAttempt,
        onRetry: ({ attempt, delayMs, error }) =>
          this.log?.warn({ provider: this.name, attempt: attempt + 1, delayMs, err: (error as Error).message }, 'ElevenLabs request failed; retrying'),
      });
    } catch (err) {
      if (signal.aborted) throw signal.reason;
      if (err instanceof FailedAttempt) throw err.taskError;
      throw err;
    }
  }

  private async attempt(url: string, payload: string, voiceId: string, modelId: string, signal: AbortSignal): Promise<SpokenPart> {
    const timeout = AbortSignal.timeout(this.timeoutMs);
    const both = AbortSignal.any([signal, timeout]);
    let res: Response;
    let text: string;
    try {
      res = await fetch(url, {
        method: 'POST',
        headers: { 'xi-api-key': this.apiKey, 'content-type': 'application/json', accept: 'application/json' },
        body: payload,
        signal: both,
      });
      text = await res.text();
    } catch (err) {
      if (signal.aborted) throw signal.reason;
      if (timeout.aborted) {
        throw new FailedAttempt(
          new TaskError('tts_timeout', `ElevenLabs did not answer within ${Math.round(this.timeoutMs / 1000)} s`, { retryable: true, cause: err }),
        );
      }
      throw new FailedAttempt(new TaskError('tts_unavailable', `cannot reach ElevenLabs (${describeError(err)})`, { retryable: true, cause: err }));
    }
    const requestId = res.headers.get('request-id');
    if (!res.ok) throw failureFromResponse(res.status, text, res.headers, voiceId, modelId);

    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new FailedAttempt(new TaskError('tts_bad_response', 'ElevenLabs answered 200 with a body that is not JSON', { retryable: true }));
    }
    const r = parsed as { audio_base64?: unknown; alignment?: unknown; normalized_alignment?: unknown };
    if (typeof r.audio_base64 !== 'string' || r.audio_base64.length === 0) {
      throw new FailedAttempt(new TaskError('tts_bad_response', 'ElevenLabs answered without audio_base64', { retryable: true }));
    }
    const audio = Buffer.from(r.audio_base64, 'base64');
    const alignment = asAlignment(r.alignment) ?? asAlignment(r.normalized_alignment);
    return { audio, alignment, requestId };
  }
}

/**
 * Parts of at most `limit` characters made of whole sentences; a sentence longer than the limit
 * is cut between words. Each part's text is the script's own characters, so alignment stays exact.
 */
export function planParts(text: string, words: string[], sentenceEnds: number[], limit: number): SpeechPart[] {
  const clean = normaliseScript(text);
  const spans = locateWords(clean, words);
  const slice = (from: number, to: number) => clean.slice((spans[from] as WordSpan).start, (spans[to - 1] as WordSpan).end);
  const parts: SpeechPart[] = [];
  let from = 0;
  let to = 0;
  const flush = () => {
    if (to > from) parts.push({ from, to, text: slice(from, to) });
    from = to;
  };
  let sentenceStart = 0;
  for (const end of sentenceEnds) {
    if (slice(from, end).length <= limit) {
      to = end;
    } else {
      flush();
      if (slice(sentenceStart, end).length <= limit) {
        to = end;
      } else {
        // One sentence alone is too long: fill parts word by word.
        for (let w = sentenceStart; w < end; w++) {
          if (to > from && slice(from, w + 1).length > limit) flush();
          to = w + 1;
        }
      }
    }
    sentenceStart = end;
  }
  flush();
  return parts;
}

function joinAudio(parts: Buffer[]) {
  try {
    return joinMp3(parts);
  } catch (err) {
    throw new TaskError('tts_bad_audio', 'ElevenLabs returned audio that cannot be joined', {
      retryable: true,
      cause: err,
      detail: (err as Error).message,
    });
  }
}

function asAlignment(v: unknown): CharacterAlignment | null {
  if (!v || typeof v !== 'object') return null;
  const a = v as Partial<CharacterAlignment>;
  if (!Array.isArray(a.characters) || !Array.isArray(a.character_start_times_seconds) || !Array.isArray(a.character_end_times_seconds)) {
    return null;
  }
  return a as CharacterAlignment;
}

interface ErrorBody {
  code: string | null;
  message: string | null;
  requestId: string | null;
}

/** Both documented shapes: `{detail: {status, message}}` (legacy) and `{detail: {type, code, message, status, request_id}}`, plus FastAPI's 422 list. */
export function parseErrorBody(text: string): ErrorBody {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return { code: null, message: text.trim().slice(0, 300) || null, requestId: null };
  }
  const detail = (body as { detail?: unknown } | null)?.detail;
  if (typeof detail === 'string') return { code: null, message: detail, requestId: null };
  if (Array.isArray(detail)) {
    const msgs = detail.map((d: { loc?: unknown[]; msg?: string }) => `${(d.loc ?? []).join('.')}: ${d.msg ?? 'invalid'}`);
    return { code: 'validation_error', message: msgs.join('; '), requestId: null };
  }
  if (detail && typeof detail === 'object') {
    const d = detail as { code?: unknown; status?: unknown; message?: unknown; request_id?: unknown };
    const code = typeof d.code === 'string' ? d.code : typeof d.status === 'string' ? d.status : null;
    return {
      code,
      message: typeof d.message === 'string' ? d.message : null,
      requestId: typeof d.request_id === 'string' ? d.request_id : null,
    };
  }
  return { code: null, message: null, requestId: null };
}

const QUOTA_CODES = new Set(['quota_exceeded', 'insufficient_credits', 'payment_required']);
const VOICE_CODES = new Set(['voice_not_found', 'invalid_voice_id', 'voice_does_not_exist']);

/** One place decides what each ElevenLabs failure means for the task. */
export function failureFromResponse(status: number, text: string, headers: Headers, voiceId: string, modelId: string): FailedAttempt {
  const { code, message, requestId } = parseErrorBody(text);
  const rid = requestId ?? headers.get('request-id');
  // What ElevenLabs said is for the operator's logs (detail), not the client's task view.
  const said = `ElevenLabs answered ${status}${code ? ` ${code}` : ''}${message ? `: ${message}` : ''}${rid ? ` (request ${rid})` : ''}`;
  const permanent = (c: string, m: string) => new FailedAttempt(new TaskError(c, m, { retryable: false, detail: said }));

  if ((code && QUOTA_CODES.has(code)) || status === 402) {
    return permanent('tts_quota_exceeded', 'the ElevenLabs account is out of credits; top it up or raise its quota');
  }
  if (status === 401 || status === 403 || code === 'invalid_api_key' || code === 'needs_authorization') {
    return permanent('tts_auth_failed', 'ElevenLabs rejected the API key; check ELEVENLABS_API_KEY');
  }
  if ((code && VOICE_CODES.has(code)) || (status === 404 && !/model/.test(code ?? ''))) {
    return permanent('invalid_voice', `voice_id "${voiceId}" is not a voice this ElevenLabs account can use; pick one from GET /v1/voices`);
  }
  if (code && /model/.test(code)) {
    return permanent('invalid_model', `model_id "${modelId}" is not an ElevenLabs text-to-speech model`);
  }
  if (code === 'max_character_limit_exceeded' || code === 'text_too_long') {
    return permanent('tts_text_too_long', `the text is longer than model "${modelId}" accepts in one request`);
  }
  if (status === 429) {
    return new FailedAttempt(
      new TaskError('tts_rate_limited', 'ElevenLabs is rate-limiting this account; try again later', { retryable: true, detail: said }),
      parseRetryAfter(headers.get('retry-after')),
    );
  }
  if (status >= 500) {
    return new FailedAttempt(
      new TaskError('tts_unavailable', 'ElevenLabs is failing; try again later', { retryable: true, detail: said }),
      parseRetryAfter(headers.get('retry-after')),
    );
  }
  if (status === 408) {
    return new FailedAttempt(new TaskError('tts_timeout', 'ElevenLabs timed out', { retryable: true, detail: said }));
  }
  return permanent('tts_invalid_request', 'ElevenLabs refused the request');
}

/** "…but the maximum allowed is 5000 characters." → 5000 */
function limitFromMessage(message: string): number | null {
  const m = /maximum(?: allowed)? is (\d+)/i.exec(message);
  const n = m ? Number(m[1]) : NaN;
  return Number.isInteger(n) && n > 0 ? n : null;
}

/** The end of the previous part (from a word boundary): enough context for the voice. */
function tail(s: string): string {
  if (s.length <= CONTEXT_CHARS) return s;
  const cut = s.slice(-CONTEXT_CHARS);
  const space = cut.indexOf(' ');
  return space >= 0 ? cut.slice(space + 1) : cut;
}

function head(s: string): string {
  if (s.length <= CONTEXT_CHARS) return s;
  const cut = s.slice(0, CONTEXT_CHARS);
  const space = cut.lastIndexOf(' ');
  return space > 0 ? cut.slice(0, space) : cut;
}
