// A loopback ElevenLabs TTS v1 that keeps to the documented contract
// (/work/shared/reference/elevenlabs-pexels-contracts.md §1): `xi-api-key` auth, both error body
// shapes, per-model character limits, credits, a concurrency limit, `request-id`/`character-cost`
// headers, and `/with-timestamps` answers whose audio is a real MP3 (a sine tone of a known
// frequency) with one alignment entry per character ending at the audio's real duration.
//
// Also `POST /v1/forced-alignment`, which the reference does not cover yet. Its contract, from
// ElevenLabs' OpenAPI (elevenlabs-docs, "Create Forced Alignment") and the Python SDK
// (forced_alignment/raw_client.py, types/forced_alignment_*_response_model.py) [OFFICIAL]:
// `xi-api-key`; multipart/form-data with `file` (binary, required, "all major audio formats",
// under 1 GB), `text` (string, required, plain text, no diarization) and `enabled_spooled_file`
// (boolean, default false); 200 with ForcedAlignmentResponseModel `{characters: [{text, start,
// end}], words: [{text, start, end, loss}], loss}` (all required, seconds); 422 HTTPValidationError.
// A real answer (published in a public repository) [OBSERVED] has a character entry for every
// character of the text, spaces, line breaks and zero-length punctuation included, and `words`
// that are the whitespace-separated tokens with their punctuation ("mat,") and the whitespace
// between them (" ", with its own times and loss); word losses 0.0001 to 0.12, odd tokens up to
// 0.51, overall 0.075. Billing is per audio duration, as Speech to Text; the quota error has the
// legacy shape [OBSERVED]. The answer to an undecodable file is UNCONFIRMED (the fake: 400).
// The fake answers with characters timed like characterAlignment over the upload's real
// duration, words cut as above with a loss each (a test may set them), FastAPI's 422 for a
// missing field, and counts seconds of audio against alignmentSecondsLeft.
import { randomBytes } from 'node:crypto';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { probeMedia } from '../../functions/media/probe.ts';
import { resolveMediaTools } from '../../functions/media/tools.ts';
import { makeTone } from '../support/media-fixtures.ts';
import { delay, listen, readBodyBytes, record, send, type RecordedRequest, type ScriptedResponse } from './server.ts';
import { tempDir } from '../support/temp-dir.ts';

export const FAKE_ELEVENLABS_KEY = 'fake-elevenlabs-key';
/** George and Rachel: a current and a legacy premade voice. */
export const FAKE_VOICES = ['JBFqnCBsd6RMkjVDRZzb', '21m00Tcm4TlvDq8ikWAM'];
const VOICE_NAMES: Record<string, string> = { JBFqnCBsd6RMkjVDRZzb: 'George', '21m00Tcm4TlvDq8ikWAM': 'Rachel' };

const CHAR_LIMITS: Record<string, number> = {
  eleven_v3: 3_000,
  eleven_flash_v2_5: 40_000,
  eleven_turbo_v2_5: 40_000,
  eleven_flash_v2: 30_000,
  eleven_turbo_v2: 30_000,
  eleven_multilingual_v2: 10_000,
  eleven_multilingual_v1: 10_000,
};
const LANGUAGE_CODE_MODELS = new Set(['eleven_turbo_v2_5', 'eleven_flash_v2_5', 'eleven_v3']);
const OUTPUT_FORMATS = new Set(
  ('mp3_22050_32 mp3_44100_32 mp3_44100_64 mp3_44100_96 mp3_44100_128 mp3_44100_192 pcm_8000 pcm_16000 pcm_22050 ' +
    'pcm_24000 pcm_44100 pcm_48000 ulaw_8000 alaw_8000 opus_48000_32 opus_48000_64 opus_48000_96 opus_48000_128 opus_48000_192')
    .split(' '),
);

export interface FakeElevenLabsOptions {
  apiKey?: string;
  voices?: string[];
  /** Frequency of the generated voice, so a test can recognise it in a rendered video. */
  toneHz?: number;
  /** Speaking rate of the fake voice at speed 1; `voice_settings.speed` divides it, as a faster voice speaks sooner. */
  secondsPerChar?: number;
  /** Which alignments a success carries; the real API sends both. */
  alignment?: 'both' | 'alignment' | 'normalized' | 'none';
  /** Characters left on the account; a request costing more gets the quota error. */
  creditsLeft?: number;
  /** How the quota error looks: legacy 401 quota_exceeded or current-shape 402 insufficient_credits. */
  quotaError?: 'legacy-401' | 'current-402';
  /** In-flight requests allowed; one more gets 429 too_many_concurrent_requests. */
  maxConcurrent?: number;
  /** Delay before each answer (a slow upstream). */
  delayMs?: number;
  /** Answers wait for this (after taking their concurrency slot): a test decides when a request ends. */
  hold?: Promise<void> | null;
  /** Body shape of the errors the fake produces itself. */
  errorShape?: 'legacy' | 'current';
  /** Characters per request by model, overriding the published table (an account with lower limits). */
  charLimits?: Record<string, number>;
  /** Seconds of audio forced alignment may still process; a longer upload gets the quota error. */
  alignmentSecondsLeft?: number;
  /** The loss forced alignment reports for a word (by its text and its index among the words): a test marks words the "audio" does not say. */
  alignmentLoss?: ((word: string, index: number) => number) | null;
}

type Knobs = Required<FakeElevenLabsOptions>;

export interface SpokenRecord {
  requestId: string;
  text: string;
  /** voice_settings.speed of the request (1 when it sent none). */
  speed: number;
  /** ffprobe's duration of the MP3 that was sent. */
  durationS: number;
  audioBytes: number;
}

/** One forced-alignment upload as the fake received it. */
export interface AlignmentRecord {
  text: string;
  fileName: string;
  fileBytes: number;
  /** The form's enabled_spooled_file, when sent. */
  spooled: string | null;
  /** ffprobe's duration of the uploaded file. */
  durationS: number;
}

export interface FakeElevenLabs {
  url: string;
  requests: RecordedRequest[];
  /** Every forced alignment answered, in order. */
  alignments: AlignmentRecord[];
  /** The knobs; change them between requests. */
  options: Knobs;
  /** The next N requests (after auth) get these answers instead, in order. */
  failNext(...responses: ScriptedResponse[]): void;
  /** Every successful synthesis, in order: what was spoken and how long its audio really is. */
  spoken: SpokenRecord[];
  close(): Promise<void>;
}

export function legacyError(status: string, message: string) {
  return { detail: { status, message } };
}

export function currentError(type: string, code: string, message: string, param?: string) {
  return {
    detail: { type, code, message, status: code, request_id: randomBytes(16).toString('hex'), ...(param ? { param } : {}) },
  };
}

/** Tones already made in this process, by length and pitch: a test's voices repeat lengths often. */
const TONES = new Map<string, Promise<{ audio: Buffer; durationS: number }>>();

export async function startFakeElevenLabs(opts: FakeElevenLabsOptions = {}): Promise<FakeElevenLabs> {
  const options: Knobs = {
    apiKey: opts.apiKey ?? FAKE_ELEVENLABS_KEY,
    voices: opts.voices ?? FAKE_VOICES,
    toneHz: opts.toneHz ?? 523,
    secondsPerChar: opts.secondsPerChar ?? 0.05,
    alignment: opts.alignment ?? 'both',
    creditsLeft: opts.creditsLeft ?? Infinity,
    quotaError: opts.quotaError ?? 'legacy-401',
    maxConcurrent: opts.maxConcurrent ?? Infinity,
    delayMs: opts.delayMs ?? 0,
    hold: opts.hold ?? null,
    errorShape: opts.errorShape ?? 'legacy',
    charLimits: opts.charLimits ?? {},
    alignmentSecondsLeft: opts.alignmentSecondsLeft ?? Infinity,
    alignmentLoss: opts.alignmentLoss ?? null,
  };
  const requests: RecordedRequest[] = [];
  const alignments: AlignmentRecord[] = [];
  const spoken: SpokenRecord[] = [];
  const scripted: ScriptedResponse[] = [];
  const tools = resolveMediaTools({});
  const scratch = tempDir('fake-elevenlabs-');
  let inFlight = 0;

  const err = (type: string, code: string, message: string, param?: string) =>
    options.errorShape === 'current' ? currentError(type, code, message, param) : legacyError(code, message);

  function speak(text: string, speed: number): Promise<{ audio: Buffer; durationS: number }> {
    const seconds = Number(Math.max(0.4, (text.length * options.secondsPerChar) / speed).toFixed(3));
    const key = `${seconds}:${options.toneHz}`;
    // The same tone for the same length: made (an ffmpeg and an ffprobe) once per test process.
    let made = TONES.get(key);
    if (!made) {
      made = (async () => {
        const path = join(scratch, `${randomBytes(6).toString('hex')}.mp3`);
        await makeTone(path, seconds, options.toneHz);
        const audio = await readFile(path);
        // The alignment must end where the decoded audio really ends, as the real service's does.
        const { durationS } = await probeMedia(tools, path);
        await rm(path, { force: true });
        return { audio, durationS };
      })();
      TONES.set(key, made);
      made.catch(() => TONES.delete(key));
    }
    return made;
  }

  /** GET /v1/voices: the fake's voices in the shape of VoiceResponseModel (its required fields). */
  function listVoices(r: RecordedRequest, res: ServerResponse): void {
    const key = r.headers['xi-api-key'];
    if (key !== options.apiKey) return send(res, 401, err('authentication_error', key ? 'invalid_api_key' : 'needs_authorization', 'Invalid API key'));
    send(res, 200, {
      voices: options.voices.map((voice_id, i) => ({
        voice_id,
        name: VOICE_NAMES[voice_id] ?? `Voice ${i + 1}`,
        category: 'premade',
        labels: { accent: 'american', gender: i % 2 ? 'female' : 'male', use_case: 'narration' },
        description: null,
        available_for_tiers: [],
        high_quality_base_model_ids: ['eleven_multilingual_v2', 'eleven_flash_v2_5'],
        verified_languages: [{ language: 'en', model_id: 'eleven_multilingual_v2', accent: 'american' }],
      })),
    });
  }

  /**
   * What every paid endpoint answers before its own work: 401 without the right xi-api-key, then
   * the next scripted answer if a test queued one. True when it has answered.
   */
  async function answeredBeforeWork(r: RecordedRequest, res: ServerResponse): Promise<boolean> {
    const key = r.headers['xi-api-key'];
    if (!key) {
      send(res, 401, err('authentication_error', 'needs_authorization', 'Neither authorization header nor xi-api-key received, please provide one.'));
      return true;
    }
    if (key !== options.apiKey) {
      send(res, 401, err('authentication_error', 'invalid_api_key', 'Invalid API key'));
      return true;
    }
    const next = scripted.shift();
    if (!next) return false;
    await delay(next.delayMs ?? 0, res);
    send(res, next.status, next.body ?? '', next.headers ?? {});
    return true;
  }

  /** POST /v1/forced-alignment: multipart `file` + `text` → characters, words and loss (§1.11). */
  async function forcedAlignment(r: RecordedRequest, bytes: Buffer, res: ServerResponse): Promise<void> {
    if (await answeredBeforeWork(r, res)) return;
    await delay(options.delayMs, res);
    if (res.destroyed) return;

    let form: FormData | null = null;
    if (/^multipart\/form-data/i.test(r.headers['content-type'] ?? '')) {
      try {
        form = await new Request('http://fake/', { method: 'POST', headers: { 'content-type': r.headers['content-type']! }, body: new Uint8Array(bytes) }).formData();
      } catch {
        form = null;
      }
    }
    const file = form?.get('file');
    const text = form?.get('text');
    const missing = [...(file instanceof Blob ? [] : ['file']), ...(typeof text === 'string' ? [] : ['text'])];
    if (missing.length) {
      return send(res, 422, { detail: missing.map((f) => ({ loc: ['body', f], msg: 'field required', type: 'value_error.missing' })) });
    }
    const spooled = form!.get('enabled_spooled_file');
    if (spooled !== null && !/^(true|false|1|0)$/i.test(String(spooled))) {
      return send(res, 422, { detail: [{ loc: ['body', 'enabled_spooled_file'], msg: 'value could not be parsed to a boolean', type: 'type_error.bool' }] });
    }
    const upload = file as File;
    const path = join(scratch, `${randomBytes(6).toString('hex')}-upload`);
    await writeFile(path, Buffer.from(await upload.arrayBuffer()));
    let durationS: number;
    try {
      const info = await probeMedia(tools, path);
      if (!info.hasAudio || !(info.durationS > 0)) throw new Error('no audio');
      durationS = info.durationS;
    } catch {
      // What the real service answers for a file it cannot decode is not documented (UNCONFIRMED).
      return send(res, 400, err('invalid_request', 'invalid_audio', 'The uploaded file could not be decoded as audio.'));
    } finally {
      await rm(path, { force: true });
    }
    if (durationS > options.alignmentSecondsLeft) {
      const msg = `This request exceeds your quota. You have ${Math.floor(options.alignmentSecondsLeft)} seconds remaining, while ${Math.ceil(durationS)} are required for this request.`;
      return send(res, 401, legacyError('quota_exceeded', msg));
    }
    options.alignmentSecondsLeft -= durationS;
    alignments.push({ text: text as string, fileName: upload.name, fileBytes: upload.size, spooled: spooled === null ? null : String(spooled), durationS });
    send(res, 200, forcedAlignmentBody(text as string, durationS, options.alignmentLoss), { 'request-id': randomBytes(16).toString('hex') });
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const bytes = await readBodyBytes(req);
    const r = record(req, /^multipart\//i.test(req.headers['content-type'] ?? '') ? '' : bytes.toString('utf8'));
    requests.push(r);
    if (req.method === 'GET' && r.path === '/v1/voices') return listVoices(r, res);
    if (req.method === 'POST' && r.path === '/v1/forced-alignment') return forcedAlignment(r, bytes, res);
    const m = /^\/v1\/text-to-speech\/([^/]+)(\/with-timestamps)?\/?$/.exec(r.path);
    if (req.method !== 'POST' || !m) return send(res, 404, { detail: 'Not Found' });
    const voiceId = decodeURIComponent(m[1] as string);
    const withTimestamps = Boolean(m[2]);

    if (await answeredBeforeWork(r, res)) return;

    if (inFlight >= options.maxConcurrent) {
      return send(
        res,
        429,
        err('rate_limit_error', 'too_many_concurrent_requests', `You have too many concurrent requests (${inFlight}/${options.maxConcurrent}).`),
        { 'current-concurrent-requests': String(inFlight), 'maximum-concurrent-requests': String(options.maxConcurrent) },
      );
    }
    inFlight++;
    try {
      await delay(options.delayMs, res);
      // A held answer ends with the hold, or when the client goes away.
      if (options.hold) await Promise.race([options.hold, new Promise((r) => res.once('close', r))]);
      if (res.destroyed) return;

      const outputFormat = r.query.output_format ?? 'mp3_44100_128';
      if (!OUTPUT_FORMATS.has(outputFormat)) {
        return send(res, 422, { detail: [{ loc: ['query', 'output_format'], msg: 'value is not a valid enumeration member', type: 'type_error.enum' }] });
      }
      if (!outputFormat.startsWith('mp3_44100_')) {
        // A valid format the fake cannot produce; saying so beats sending mislabelled bytes.
        return send(res, 400, err('invalid_request', 'unsupported_by_fake', `the fake only produces mp3_44100_*, not ${outputFormat}`));
      }
      if (!r.body || typeof r.body !== 'object') {
        return send(res, 422, { detail: [{ loc: ['body'], msg: 'field required', type: 'value_error.missing' }] });
      }
      const body = r.body as {
        text?: unknown;
        model_id?: unknown;
        language_code?: unknown;
        voice_settings?: { speed?: unknown } | null;
        previous_request_ids?: unknown;
        next_request_ids?: unknown;
      };
      if (typeof body.text !== 'string') {
        return send(res, 422, { detail: [{ loc: ['body', 'text'], msg: 'field required', type: 'value_error.missing' }] });
      }
      const text = body.text;
      const modelId = typeof body.model_id === 'string' ? body.model_id : 'eleven_multilingual_v2';
      const limit = options.charLimits[modelId] ?? CHAR_LIMITS[modelId];
      if (limit === undefined) {
        return send(res, 400, err('invalid_request', 'model_not_found', `A model with model ID ${modelId} does not exist.`, 'model_id'));
      }
      if (body.language_code != null && !LANGUAGE_CODE_MODELS.has(modelId)) {
        return send(res, 400, err('validation_error', 'unsupported_language', `Model '${modelId}' does not support language_code.`, 'language_code'));
      }
      const speed = body.voice_settings?.speed;
      if (speed != null && (typeof speed !== 'number' || speed < 0.7 || speed > 1.2)) {
        return send(res, 400, err('validation_error', 'invalid_parameters', 'voice_settings.speed must be between 0.7 and 1.2', 'speed'));
      }
      for (const f of ['previous_request_ids', 'next_request_ids'] as const) {
        const ids = body[f];
        if (ids != null && (!Array.isArray(ids) || ids.length > 3)) {
          return send(res, 400, err('validation_error', 'invalid_parameters', `${f} accepts at most 3 request ids`, f));
        }
      }
      if (!options.voices.includes(voiceId)) {
        return send(res, 404, err('not_found', 'voice_not_found', `A voice with the voice_id ${voiceId} was not found.`));
      }
      if (text.length > limit) {
        return send(
          res,
          400,
          err('validation_error', options.errorShape === 'current' ? 'text_too_long' : 'max_character_limit_exceeded',
            `You are trying to generate ${text.length} characters of audio, but the maximum allowed is ${limit} characters.`),
        );
      }
      if (text.length > options.creditsLeft) {
        const msg = `This request exceeds your quota. You have ${options.creditsLeft} credits remaining, while ${text.length} credits are required for this request.`;
        return options.quotaError === 'current-402'
          ? send(res, 402, currentError('payment_required', 'insufficient_credits', msg))
          : send(res, 401, legacyError('quota_exceeded', msg));
      }

      const { audio, durationS } = await speak(text, typeof speed === 'number' ? speed : 1);
      options.creditsLeft -= text.length;
      const requestId = randomBytes(16).toString('hex');
      spoken.push({ requestId, text, speed: typeof speed === 'number' ? speed : 1, durationS, audioBytes: audio.length });
      const headers = {
        'request-id': requestId,
        'character-cost': String(text.length),
        'current-concurrent-requests': String(inFlight),
        'maximum-concurrent-requests': String(Number.isFinite(options.maxConcurrent) ? options.maxConcurrent : 10),
      };
      if (!withTimestamps) {
        res.writeHead(200, { 'content-type': 'audio/mpeg', 'content-length': String(audio.length), ...headers });
        res.end(audio);
        return;
      }
      const original = characterAlignment(text, durationS);
      const normalized = characterAlignment(normaliseLikeTts(text), durationS);
      send(
        res,
        200,
        {
          audio_base64: audio.toString('base64'),
          alignment: options.alignment === 'both' || options.alignment === 'alignment' ? original : null,
          normalized_alignment: options.alignment === 'both' || options.alignment === 'normalized' ? normalized : null,
        },
        headers,
      );
    } finally {
      inFlight--;
    }
  }

  const srv = await listen(handle);
  return {
    url: srv.url,
    requests,
    alignments,
    options,
    spoken,
    failNext: (...responses) => scripted.push(...responses),
    close: async () => {
      await srv.close();
      await rm(scratch, { recursive: true, force: true });
    },
  };
}

/**
 * One entry per character, spanning [0, durationS]: letters take a unit of time, spaces half,
 * sentence punctuation a pause, like a voice reading the text at an even pace.
 */
export function characterAlignment(text: string, durationS: number) {
  const chars = [...text];
  const weight = (c: string) => (/\s/u.test(c) ? 0.5 : /[.!?]/u.test(c) ? 3 : /[,;:]/u.test(c) ? 1.5 : 1);
  const total = chars.reduce((s, c) => s + weight(c), 0) || 1;
  const starts: number[] = [];
  const ends: number[] = [];
  let acc = 0;
  for (const c of chars) {
    starts.push(round3((acc / total) * durationS));
    acc += weight(c);
    ends.push(round3((acc / total) * durationS));
  }
  if (ends.length) ends[ends.length - 1] = round3(durationS);
  return { characters: chars, character_start_times_seconds: starts, character_end_times_seconds: ends };
}

/**
 * A forced-alignment answer in ForcedAlignmentResponseModel's shape: `characters` one per
 * character of the text (timed like characterAlignment), `words` the text cut into runs of
 * non-whitespace and of whitespace (as the real service answers: "mat," and " " are both words),
 * each with a loss, and the overall loss as the mean over the characters.
 */
export function forcedAlignmentBody(text: string, durationS: number, lossFor: ((word: string, index: number) => number) | null = null) {
  const a = characterAlignment(text, durationS);
  const characters = a.characters.map((c, k) => ({ text: c, start: a.character_start_times_seconds[k]!, end: a.character_end_times_seconds[k]! }));
  const words: { text: string; start: number; end: number; loss: number }[] = [];
  let at = 0;
  let index = 0;
  for (const run of text.match(/\s+|\S+/gu) ?? []) {
    const n = [...run].length;
    const chars = characters.slice(at, at + n);
    at += n;
    const spoken = /\S/u.test(run);
    // A small, steady loss for a word said; whitespace is cheaper still.
    const loss = spoken ? (lossFor?.(run, index) ?? 0.001 + 0.004 * (index % 7)) : 0.0005;
    if (spoken) index++;
    words.push({ text: run, start: chars[0]!.start, end: chars.at(-1)!.end, loss });
  }
  const charLoss = words.flatMap((w) => Array<number>([...w.text].length).fill(w.loss));
  return { characters, words, loss: charLoss.reduce((s, x) => s + x, 0) / Math.max(1, charLoss.length) };
}

const DIGITS = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine'];

/** What the engine "reads": digits spelled out, like ElevenLabs' text normaliser does for numbers. */
export function normaliseLikeTts(text: string): string {
  return text.replace(/\d+/g, (n) => [...n].map((d) => DIGITS[Number(d)]).join(' '));
}

const round3 = (n: number) => Math.round(n * 1000) / 1000;
