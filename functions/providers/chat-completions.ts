// A client of any OpenAI-compatible Chat Completions endpoint (`POST {LLM_BASE_URL}/chat/completions`):
// OpenAI, Gemini's OpenAI-compatible endpoint, Ollama, vLLM, OpenRouter. It asks for structured
// output (`response_format: json_schema`, strict), falls back to JSON mode where an endpoint
// refuses the schema, retries what waiting can fix (429 that is not out-of-quota, 408, 409, 5xx,
// timeouts, unreachable), and turns every other failure into a TaskError naming the setting to
// check. The endpoints differ in their error bodies (OpenAI's `{error: {message, type, param,
// code}}`, Gemini's `[{error: {code, message, status, details}}]`, vLLM's `{object: "error", ...}`,
// plain text from proxies): all are read, and what they say goes to the operator's logs only,
// with the key masked.
import { TaskError } from '../errors.ts';
import type { Logger } from '../log.ts';
import { describeError } from '../net/describe-error.ts';
import { DEFAULT_RETRY_POLICY, FailedAttempt, parseRetryAfter, withRetries, type RetryPolicy } from '../net/retry.ts';
import { USER_AGENT } from '../net/user-agent.ts';

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

/** Structured output: the answer must be one JSON value of this schema. */
export interface ResponseSchema {
  /** a-z, A-Z, 0-9, "_" and "-", at most 64 characters. */
  name: string;
  description?: string;
  /** JSON Schema within strict mode's subset: every property required, `additionalProperties: false`. */
  schema: Record<string, unknown>;
}

export interface ChatRequest {
  messages: ChatMessage[];
  schema?: ResponseSchema;
}

export interface ChatAnswer {
  /** The assistant message's text; null when it refused or said nothing. */
  content: string | null;
  /** The model's refusal (structured outputs), or null. */
  refusal: string | null;
  /** `stop`, `length` (cut at the token limit), `content_filter`, …; null when the endpoint sent none. */
  finishReason: string | null;
  /** The model that answered, as the endpoint names it. */
  model: string;
  /** How the answer's shape was asked for: the schema, or JSON mode where the endpoint refused the schema. */
  format: 'json_schema' | 'json_object' | 'text';
  usage: { promptTokens: number; completionTokens: number } | null;
}

export interface ChatCompletionsOptions {
  /** LLM_BASE_URL: the API's root, version path included (https://api.openai.com/v1). */
  baseUrl: string;
  /** LLM_API_KEY, sent as `Authorization: Bearer`; local servers (Ollama, vLLM) need none. */
  apiKey?: string | undefined;
  /** LLM_MODEL. */
  model: string;
  /** Deadline of one attempt, the whole answer included (LLM_TIMEOUT_SECONDS). */
  timeoutMs?: number;
  retry?: Partial<RetryPolicy>;
  log?: Logger;
  random?: () => number;
}

/** The endpoint refused the response_format (400 naming it): ask again in JSON mode. */
class SchemaRefused extends Error {}

/** What an error body says, whichever of the compatible endpoints wrote it. */
export interface ErrorBody {
  message: string | null;
  type: string | null;
  /** The error's code as a string (OpenAI's `code`, or Google's `status` when the code is numeric). */
  code: string | null;
  param: string | null;
  /** Google's RetryInfo `retryDelay` ("37s"), in ms. */
  retryDelayMs: number | undefined;
}

export class ChatCompletionsClient {
  readonly model: string;
  private readonly url: string;
  private readonly apiKey: string | undefined;
  private readonly timeoutMs: number;
  private readonly policy: RetryPolicy;
  private readonly log: Logger | undefined;
  private readonly random: () => number;
  /** Set once the endpoint refused a json_schema response_format: later requests use JSON mode at once. */
  private schemaRefused = false;

  constructor(opts: ChatCompletionsOptions) {
    if (!opts.model) throw new Error('ChatCompletionsClient needs a model');
    // As the OpenAI SDKs do: the base URL is the API's root, and the path is appended to it.
    this.url = `${opts.baseUrl.replace(/\/+$/, '')}/chat/completions`;
    this.apiKey = opts.apiKey || undefined;
    this.model = opts.model;
    this.timeoutMs = opts.timeoutMs ?? 120_000;
    // A model that is rate-limited for minutes is better retried by the task's own retry later.
    this.policy = { ...DEFAULT_RETRY_POLICY, retries: 3, maxRetryAfterMs: 30_000, ...opts.retry };
    this.log = opts.log;
    this.random = opts.random ?? Math.random;
  }

  async complete(req: ChatRequest, signal: AbortSignal): Promise<ChatAnswer> {
    if (req.schema && !this.schemaRefused) {
      try {
        return await this.send(req, 'json_schema', signal);
      } catch (err) {
        if (!(err instanceof SchemaRefused)) throw err;
        this.schemaRefused = true;
        this.log?.warn({ provider: 'llm', model: this.model, err: err.message }, 'the endpoint refused a json_schema response_format; using JSON mode');
      }
    }
    return this.send(req, req.schema ? 'json_object' : 'text', signal);
  }

  private async send(req: ChatRequest, format: ChatAnswer['format'], signal: AbortSignal): Promise<ChatAnswer> {
    const body: Record<string, unknown> = { model: this.model, messages: req.messages };
    if (format === 'json_schema' && req.schema) {
      body.response_format = {
        type: 'json_schema',
        json_schema: { name: req.schema.name, ...(req.schema.description ? { description: req.schema.description } : {}), strict: true, schema: req.schema.schema },
      };
    } else if (format === 'json_object' && req.schema) {
      // JSON mode needs the word "JSON" in the messages; the schema goes with it, since the
      // endpoint no longer holds the model to it.
      body.response_format = { type: 'json_object' };
      body.messages = [
        ...req.messages,
        { role: 'system', content: `Answer with one JSON object only, following this JSON Schema:\n${JSON.stringify(req.schema.schema)}` },
      ];
    }
    const payload = JSON.stringify(body);
    try {
      return await withRetries(() => this.attempt(payload, format, signal), {
        policy: this.policy,
        signal,
        random: this.random,
        classify: (err) => (err instanceof FailedAttempt ? { retry: err.taskError.retryable, retryAfterMs: err.retryAfterMs } : { retry: false }),
        onRetry: ({ attempt, delayMs, error }) =>
          this.log?.warn({ provider: 'llm', model: this.model, attempt: attempt + 1, delayMs, err: (error as Error).message }, 'language model request failed; retrying'),
      });
    } catch (err) {
      if (signal.aborted) throw signal.reason;
      if (err instanceof FailedAttempt) throw err.taskError;
      throw err;
    }
  }

  private async attempt(payload: string, format: ChatAnswer['format'], signal: AbortSignal): Promise<ChatAnswer> {
    const timeout = AbortSignal.timeout(this.timeoutMs);
    let res: Response;
    let text: string;
    try {
      res = await fetch(this.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json',
          'user-agent': USER_AGENT,
          ...(this.apiKey ? { authorization: `Bearer ${this.apiKey}` } : {}),
        },
        body: payload,
        signal: AbortSignal.any([signal, timeout]),
      });
      text = await res.text();
    } catch (err) {
      if (signal.aborted) throw signal.reason;
      if (timeout.aborted) {
        throw new FailedAttempt(
          new TaskError('llm_timeout', `the language model did not answer within ${Math.round(this.timeoutMs / 1000)} s (LLM_TIMEOUT_SECONDS)`, { retryable: true, cause: err }),
        );
      }
      throw new FailedAttempt(
        new TaskError('llm_unavailable', `cannot reach the language model at LLM_BASE_URL (${describeError(err)})`, { retryable: true, cause: err, detail: this.url }),
      );
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    // OpenRouter can answer 200 with an error body when the upstream failed after the headers.
    const embedded = res.ok && parsed && typeof parsed === 'object' && 'error' in parsed && !('choices' in parsed);
    if (!res.ok || embedded) {
      const status = res.ok ? embeddedStatus(parsed) : res.status;
      const failure = this.failure(status, text, res.headers);
      if (failure instanceof SchemaRefused) {
        if (format === 'json_schema') throw failure;
        throw new FailedAttempt(new TaskError('llm_invalid_request', 'the language model endpoint refused the request (400)', { detail: failure.message }));
      }
      throw failure;
    }
    if (parsed === undefined) {
      throw new FailedAttempt(
        new TaskError('llm_bad_response', 'the language model endpoint answered 200 with a body that is not JSON; check LLM_BASE_URL', {
          retryable: true,
          detail: this.redact(text.slice(0, 300)),
        }),
      );
    }
    return this.answer(parsed, format, text);
  }

  private answer(parsed: unknown, format: ChatAnswer['format'], text: string): ChatAnswer {
    const body = parsed as {
      model?: unknown;
      choices?: { message?: { content?: unknown; refusal?: unknown } | null; finish_reason?: unknown; error?: unknown }[];
      usage?: { prompt_tokens?: unknown; completion_tokens?: unknown } | null;
    };
    const choice = Array.isArray(body.choices) ? body.choices[0] : undefined;
    if (!choice || typeof choice !== 'object') {
      throw new FailedAttempt(
        new TaskError('llm_bad_response', 'the language model endpoint answered without a choice; check that LLM_BASE_URL is a Chat Completions API', {
          retryable: true,
          detail: this.redact(text.slice(0, 300)),
        }),
      );
    }
    if (choice.error) {
      throw new FailedAttempt(
        new TaskError('llm_unavailable', 'the language model failed while answering; try again later', { retryable: true, detail: this.redact(JSON.stringify(choice.error).slice(0, 300)) }),
      );
    }
    const m = choice.message ?? {};
    const content = typeof m.content === 'string' ? m.content : Array.isArray(m.content) ? textOfParts(m.content) : null;
    const u = body.usage;
    return {
      content,
      refusal: typeof m.refusal === 'string' && m.refusal ? m.refusal : null,
      finishReason: typeof choice.finish_reason === 'string' ? choice.finish_reason : null,
      model: typeof body.model === 'string' && body.model ? body.model : this.model,
      format,
      usage:
        u && typeof u.prompt_tokens === 'number' && typeof u.completion_tokens === 'number'
          ? { promptTokens: u.prompt_tokens, completionTokens: u.completion_tokens }
          : null,
    };
  }

  /** One place decides what each failed answer means for the task. */
  private failure(status: number, text: string, headers: Headers): FailedAttempt | SchemaRefused {
    const e = parseErrorBody(text);
    const said = this.redact(`the language model endpoint answered ${status}${e.code ? ` ${e.code}` : ''}${e.type && e.type !== e.code ? ` (${e.type})` : ''}${e.message ? `: ${e.message}` : ''}`);
    const kind = e.code ?? e.type ?? '';
    const permanent = (code: string, message: string) => new FailedAttempt(new TaskError(code, message, { retryable: false, detail: said }));
    const retryable = (code: string, message: string) =>
      new FailedAttempt(new TaskError(code, message, { retryable: true, detail: said }), retryDelay(headers, e));
    const msg = e.message ?? '';

    if (status === 402 || /^(insufficient_quota|billing_hard_limit_reached|billing_not_active|insufficient_credits)$/.test(kind)) {
      return permanent('llm_quota_exceeded', 'the language model account is out of credits or quota; top it up, or point LLM_API_KEY at another account');
    }
    if (status === 401 || (status === 400 && /API_KEY_INVALID|API key not valid|invalid[_ ]api[_ ]key/i.test(`${kind} ${msg}`))) {
      return permanent(
        'llm_auth_failed',
        this.apiKey
          ? `the language model endpoint rejected the API key (${status}); check LLM_API_KEY`
          : `the language model endpoint needs an API key (${status}); set LLM_API_KEY`,
      );
    }
    if (status === 403) {
      return permanent('llm_auth_failed', `the language model endpoint refused access (403): the key behind LLM_API_KEY may not be allowed to use LLM_MODEL "${this.model}", or not from this region`);
    }
    if (status === 404) {
      if (/model/i.test(`${kind} ${msg}`)) {
        return permanent('llm_model_not_found', `LLM_MODEL "${this.model}" is not a model this endpoint serves (404); check the name (for Ollama, pull it first)`);
      }
      return permanent(
        'llm_endpoint_not_found',
        'LLM_BASE_URL has no chat/completions endpoint (404): it must be the API root with its version path, ' +
          'e.g. https://api.openai.com/v1, https://generativelanguage.googleapis.com/v1beta/openai or http://localhost:11434/v1',
      );
    }
    if (status === 429) {
      return retryable('llm_rate_limited', 'the language model endpoint is rate-limiting this key; try again later');
    }
    if (status === 408 || status === 409 || status >= 500) {
      return retryable('llm_unavailable', `the language model endpoint is failing (${status}); try again later`);
    }
    if (status === 400 && (e.param === 'response_format' || /response_format|json_schema|response_schema|structured output|additionalProperties/i.test(msg))) {
      return new SchemaRefused(said);
    }
    if (kind === 'context_length_exceeded' || /context length|context window|maximum context/i.test(msg)) {
      return permanent('llm_invalid_request', `the prompt and the script do not fit LLM_MODEL "${this.model}"'s context window; ask for a shorter duration_s or use a larger model`);
    }
    return permanent('llm_invalid_request', `the language model endpoint refused the request (${status}${kind ? ` ${kind}` : ''})`);
  }

  /** The key never reaches a log: neither as sent nor as the masked form some endpoints echo. */
  private redact(s: string): string {
    let out = this.apiKey ? s.split(this.apiKey).join('[LLM_API_KEY]') : s;
    out = out.replace(/\b(sk-[A-Za-z0-9_*-]{4,}|AIza[A-Za-z0-9_-]{8,}|[A-Za-z0-9_-]*\*{4,}[A-Za-z0-9_-]*)/g, '[key]');
    return out;
  }
}

/** Every error body shape of the compatible endpoints. */
export function parseErrorBody(text: string): ErrorBody {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    const t = text.trim();
    // An HTML error page says nothing worth keeping beyond its first words.
    return { message: t ? t.replace(/<[^>]*>/g, ' ').replace(/\s+/g, ' ').trim().slice(0, 300) : null, type: null, code: null, param: null, retryDelayMs: undefined };
  }
  if (Array.isArray(body)) body = body[0];
  const b = (body ?? {}) as Record<string, unknown>;
  const str = (v: unknown) => (typeof v === 'string' && v ? v : null);
  if (typeof b.error === 'string') return { message: b.error, type: null, code: null, param: null, retryDelayMs: undefined };
  if (typeof b.detail === 'string') return { message: b.detail, type: null, code: null, param: null, retryDelayMs: undefined };
  const e = (b.error && typeof b.error === 'object' ? b.error : b.object === 'error' ? b : {}) as Record<string, unknown>;
  const details = Array.isArray(e.details) ? (e.details as Record<string, unknown>[]) : [];
  const delay = details.map((d) => d?.retryDelay).find((d): d is string => typeof d === 'string');
  return {
    message: str(e.message),
    type: str(e.type),
    code: str(e.code) ?? str(e.status),
    param: str(e.param),
    retryDelayMs: delay ? parseDuration(delay) : undefined,
  };
}

/**
 * How long to wait before asking again: `retry-after-ms`, `Retry-After`, Google's RetryInfo, or
 * (OpenAI) the reset of whichever `x-ratelimit-remaining-*` is spent; none means back off as usual.
 */
export function retryDelay(h: Headers, e: Pick<ErrorBody, 'retryDelayMs'>): number | undefined {
  const ms = Number(h.get('retry-after-ms'));
  if (h.get('retry-after-ms') !== null && Number.isFinite(ms) && ms >= 0) return ms;
  const after = parseRetryAfter(h.get('retry-after'));
  if (after !== undefined) return after;
  if (e.retryDelayMs !== undefined) return e.retryDelayMs;
  const resets = (['requests', 'tokens'] as const)
    .filter((k) => h.get(`x-ratelimit-remaining-${k}`) === '0')
    .map((k) => parseDuration(h.get(`x-ratelimit-reset-${k}`) ?? ''))
    .filter((v): v is number => v !== undefined);
  return resets.length ? Math.max(...resets) : undefined;
}

/** "20ms", "1s", "6m0s", "1h2m3.5s", "37s" (Go durations, as OpenAI and Google write them) → ms. */
export function parseDuration(s: string): number | undefined {
  const t = s.trim();
  if (!t || !/^(\d+(\.\d+)?(ms|h|m|s))+$/.test(t)) return undefined;
  let ms = 0;
  for (const [, n, unit] of t.matchAll(/(\d+(?:\.\d+)?)(ms|h|m|s)/g)) {
    ms += Number(n) * (unit === 'ms' ? 1 : unit === 's' ? 1000 : unit === 'm' ? 60_000 : 3_600_000);
  }
  return Math.round(ms);
}

/** An error inside a 200 (OpenRouter): its numeric code when it has one, else a 502. */
function embeddedStatus(parsed: unknown): number {
  const code = ((parsed as { error?: { code?: unknown } }).error ?? {}).code;
  return typeof code === 'number' && code >= 400 && code < 600 ? code : 502;
}

/** Content sent as parts (some endpoints do): the text parts joined. */
function textOfParts(parts: unknown[]): string | null {
  const texts = parts.map((p) => (p && typeof p === 'object' && typeof (p as { text?: unknown }).text === 'string' ? (p as { text: string }).text : '')).filter(Boolean);
  return texts.length ? texts.join('') : null;
}
