// A loopback OpenAI-compatible Chat Completions API (`POST /v1/chat/completions`, `GET /v1/models`)
// that keeps to OpenAI's documented contract: `Authorization: Bearer` (401 `invalid_api_key`
// echoing the key masked, as OpenAI does), error bodies `{error: {message, type, param, code}}`,
// 400 for a body that is not JSON or lacks `model`/`messages`, 404 `model_not_found`,
// `response_format` of type `text`, `json_object` (which needs the word "JSON" in the messages)
// and `json_schema` (name pattern; with `strict: true` only strict mode's subset: every object
// closed by `additionalProperties: false` and requiring all its properties, none of the keywords
// strict mode refuses), `max_tokens`/`max_completion_tokens` (the answer cut there with
// `finish_reason: "length"`), `n`, and `x-ratelimit-*` headers on every answer, 429
// `rate_limit_exceeded` past `requestsPerMinute` and `insufficient_quota` once `quota` is spent.
//
// Its model is literal-minded but deterministic: it answers a json_schema request with a value of
// that schema, built from the words of the first user message (the subject), sized by the last
// "N words" (or "N characters") any message asks for, which it spreads over the `text` strings of
// an array of objects (the narration); titles get a few words, queries two or three, other
// strings a sentence, string arrays single words. The same messages give the same answer.
import { createHash, randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { seededRandom, type Random } from '../../functions/lib/seeded-random.ts';
import { delay, listen, readBody, record, send, type RecordedRequest, type ScriptedResponse } from './server.ts';

export const FAKE_LLM_KEY = 'sk-fake-llm-key-0123456789abcdef';
export const FAKE_LLM_MODELS = ['gpt-4o-mini', 'llama3.1'];

/** A completion the test scripts in advance: it replaces the next normal answer's choice. */
export interface ScriptedCompletion {
  /** The message's content: a string as sent, anything else as JSON. */
  content?: unknown;
  refusal?: string;
  finish_reason?: 'stop' | 'length' | 'content_filter' | 'tool_calls';
}

export interface FakeChatRequest {
  model: string;
  messages: { role: string; content: string }[];
  response_format: { type: string; json_schema?: { name: string; strict?: boolean; schema?: Record<string, unknown> } } | null;
}

export interface FakeChatOptions {
  /** null: no key needed (a local server such as Ollama). */
  apiKey?: string | null;
  models?: string[];
  /** Requests per minute before 429 rate_limit_exceeded (x-ratelimit-* say when it resets). */
  requestsPerMinute?: number;
  /** Requests the account can still pay for; then 429 insufficient_quota. */
  quota?: number;
  /** The model rejects json_schema response formats, as older models do (400 param response_format). */
  supportsJsonSchema?: boolean;
  delayMs?: number;
  /** Answers wait for this: a test decides when a request ends. */
  hold?: Promise<void> | null;
  /** Writes the answer's content instead of the literal-minded model. */
  author?: ((req: FakeChatRequest) => unknown) | null;
}

type Knobs = Required<FakeChatOptions>;

export interface FakeCompletionRecord {
  request: FakeChatRequest;
  content: string | null;
  finish_reason: string;
}

export interface FakeChatCompletions {
  /** The API root as LLM_BASE_URL takes it (…/v1). */
  url: string;
  requests: RecordedRequest[];
  /** Every answered completion, in order. */
  completions: FakeCompletionRecord[];
  options: Knobs;
  /** The next N requests (after auth) get these HTTP answers instead. */
  failNext(...responses: ScriptedResponse[]): void;
  /** The next N completions answer with these choices instead of the model's. */
  respondNext(...completions: ScriptedCompletion[]): void;
  /** Back to the options it started with: no requests recorded, nothing scripted, a fresh rate window. */
  reset(): void;
  close(): Promise<void>;
}

export function openAiError(message: string, type: string, code: string | null = null, param: string | null = null) {
  return { error: { message, type, param, code } };
}

/** Keywords strict mode does not take (OpenAI's structured outputs guide). */
const STRICT_REFUSED = [
  'minLength', 'maxLength', 'patternProperties', 'unevaluatedProperties', 'propertyNames', 'minProperties', 'maxProperties',
  'unevaluatedItems', 'contains', 'minContains', 'maxContains', 'uniqueItems', 'allOf', 'not', 'if', 'then', 'else',
  'dependentRequired', 'dependentSchemas',
];

export async function startFakeChatCompletions(opts: FakeChatOptions = {}): Promise<FakeChatCompletions> {
  const initial = (): Knobs => ({
    apiKey: opts.apiKey === undefined ? FAKE_LLM_KEY : opts.apiKey,
    models: opts.models ?? FAKE_LLM_MODELS,
    requestsPerMinute: opts.requestsPerMinute ?? Infinity,
    quota: opts.quota ?? Infinity,
    supportsJsonSchema: opts.supportsJsonSchema ?? true,
    delayMs: opts.delayMs ?? 0,
    hold: opts.hold ?? null,
    author: opts.author ?? null,
  });
  const options = initial();
  const requests: RecordedRequest[] = [];
  const completions: FakeCompletionRecord[] = [];
  const scripted: ScriptedResponse[] = [];
  const scriptedCompletions: ScriptedCompletion[] = [];
  /** Start times of the requests of the last minute. */
  let window: number[] = [];

  const bad = (res: ServerResponse, message: string, param: string | null = null, code: string | null = null) =>
    send(res, 400, openAiError(message, 'invalid_request_error', code, param));

  function rateHeaders(now: number): Record<string, string> {
    const limit = options.requestsPerMinute;
    if (!Number.isFinite(limit)) return { 'x-ratelimit-limit-requests': '10000', 'x-ratelimit-remaining-requests': '9999', 'x-ratelimit-reset-requests': '6ms' };
    const resetMs = window.length ? Math.max(0, window[0]! + 60_000 - now) : 0;
    return {
      'x-ratelimit-limit-requests': String(limit),
      'x-ratelimit-remaining-requests': String(Math.max(0, limit - window.length)),
      'x-ratelimit-reset-requests': `${(resetMs / 1000).toFixed(3).replace(/\.?0+$/, '') || '0'}s`,
    };
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = await readBody(req);
    const r = record(req, raw);
    requests.push(r);
    const now = Date.now();

    if (options.apiKey !== null) {
      const auth = r.headers.authorization ?? '';
      const key = /^Bearer (.+)$/.exec(auth)?.[1];
      if (!key) {
        return send(res, 401, openAiError("You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).", 'invalid_request_error'));
      }
      if (key !== options.apiKey) {
        const masked = key.length > 8 ? `${key.slice(0, 3)}${'*'.repeat(key.length - 7)}${key.slice(-4)}` : '***';
        return send(res, 401, openAiError(`Incorrect API key provided: ${masked}. You can find your API key at https://platform.openai.com/account/api-keys.`, 'invalid_request_error', 'invalid_api_key'));
      }
    }
    if (req.method === 'GET' && r.path === '/v1/models') {
      return send(res, 200, { object: 'list', data: options.models.map((id) => ({ id, object: 'model', created: 1_700_000_000, owned_by: 'fake' })) });
    }
    if (r.path !== '/v1/chat/completions') return send(res, 404, openAiError(`Invalid URL (${req.method} ${r.path})`, 'invalid_request_error'));
    if (req.method !== 'POST') return send(res, 405, openAiError(`Not allowed to ${req.method} on ${r.path}.`, 'invalid_request_error'));

    const next = scripted.shift();
    if (next) {
      await delay(next.delayMs ?? 0, res);
      return send(res, next.status, next.body ?? '', next.headers ?? {});
    }

    window = window.filter((t) => t > now - 60_000);
    if (window.length >= options.requestsPerMinute) {
      const waitS = Math.max(0.001, (window[0]! + 60_000 - now) / 1000);
      return send(
        res,
        429,
        openAiError(
          `Rate limit reached for ${String((r.body as { model?: unknown } | null)?.model)} in organization org-fake on requests per min (RPM): Limit ${options.requestsPerMinute}, Used ${window.length}, Requested 1. Please try again in ${waitS.toFixed(3)}s.`,
          'requests',
          'rate_limit_exceeded',
        ),
        rateHeaders(now),
      );
    }
    if (options.quota <= 0) {
      return send(
        res,
        429,
        openAiError('You exceeded your current quota, please check your plan and billing details.', 'insufficient_quota', 'insufficient_quota'),
      );
    }

    if (typeof r.body !== 'object' || r.body === null || Array.isArray(r.body)) {
      return bad(res, 'We could not parse the JSON body of your request. (HINT: This likely means you aren\'t using your HTTP library correctly.)');
    }
    const body = r.body as Record<string, unknown>;
    if (typeof body.model !== 'string' || !body.model) return bad(res, 'you must provide a model parameter', 'model');
    if (!Array.isArray(body.messages) || body.messages.length === 0) return bad(res, "Invalid 'messages': empty array. Expected an array with minimum length 1.", 'messages', 'empty_array');
    const messages: FakeChatRequest['messages'] = [];
    for (const [i, m] of (body.messages as unknown[]).entries()) {
      const msg = m as { role?: unknown; content?: unknown } | null;
      if (!msg || !['system', 'developer', 'user', 'assistant', 'tool'].includes(String(msg.role))) {
        return bad(res, `Invalid value for 'messages[${i}].role'.`, `messages[${i}].role`, 'invalid_value');
      }
      const content = typeof msg.content === 'string' ? msg.content : Array.isArray(msg.content) ? msg.content.map((p: { text?: unknown }) => (typeof p?.text === 'string' ? p.text : '')).join('') : null;
      if (content === null && msg.role !== 'assistant') return bad(res, `Invalid type for 'messages[${i}].content'.`, `messages[${i}].content`, 'invalid_type');
      messages.push({ role: String(msg.role), content: content ?? '' });
    }
    if (body.stream === true) return bad(res, 'the fake answers stream: false only', 'stream', 'unsupported_by_fake');
    const n = body.n === undefined ? 1 : body.n;
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > 128) return bad(res, "Invalid 'n': expected an integer from 1 to 128.", 'n');
    const maxTokens = body.max_completion_tokens ?? body.max_tokens;
    if (maxTokens !== undefined && (typeof maxTokens !== 'number' || !Number.isInteger(maxTokens) || maxTokens < 1)) {
      return bad(res, "Invalid 'max_completion_tokens': expected an integer of at least 1.", body.max_completion_tokens !== undefined ? 'max_completion_tokens' : 'max_tokens');
    }

    let responseFormat: FakeChatRequest['response_format'] = null;
    if (body.response_format !== undefined) {
      const f = body.response_format as { type?: unknown; json_schema?: unknown } | null;
      if (!f || !['text', 'json_object', 'json_schema'].includes(String(f.type))) {
        return bad(res, "Invalid value: 'response_format.type'. Supported values are: 'text', 'json_object' and 'json_schema'.", 'response_format.type', 'invalid_value');
      }
      if (f.type === 'json_object' && !messages.some((m) => /json/i.test(m.content))) {
        return bad(res, "'messages' must contain the word 'json' in some form, to use 'response_format' of type 'json_object'.", 'messages');
      }
      if (f.type === 'json_schema') {
        if (!options.supportsJsonSchema) {
          return bad(res, "Invalid parameter: 'response_format' of type 'json_schema' is not supported with this model.", 'response_format');
        }
        const js = f.json_schema as { name?: unknown; strict?: unknown; schema?: unknown } | undefined;
        if (!js || typeof js.name !== 'string' || !/^[a-zA-Z0-9_-]{1,64}$/.test(js.name)) {
          return bad(res, "Invalid 'response_format.json_schema.name': must be a-z, A-Z, 0-9, underscores and dashes, at most 64 characters.", 'response_format.json_schema.name');
        }
        if (js.schema !== undefined && (typeof js.schema !== 'object' || js.schema === null)) {
          return bad(res, "Invalid type for 'response_format.json_schema.schema': expected an object.", 'response_format.json_schema.schema');
        }
        if (js.strict === true) {
          const problem = strictProblem(js.schema as Record<string, unknown> | undefined);
          if (problem) return bad(res, `Invalid schema for response_format '${js.name}': ${problem}`, 'response_format');
        }
      }
      responseFormat = f as FakeChatRequest['response_format'];
    }
    if (!options.models.includes(body.model)) {
      return send(res, 404, openAiError(`The model \`${body.model}\` does not exist or you do not have access to it.`, 'invalid_request_error', 'model_not_found'));
    }

    window.push(now);
    if (Number.isFinite(options.quota)) options.quota--;
    await delay(options.delayMs, res);
    if (options.hold) await Promise.race([options.hold, new Promise((resolve) => res.once('close', resolve))]);
    if (res.destroyed) return;

    const request: FakeChatRequest = { model: body.model, messages, response_format: responseFormat };
    const choices = [];
    let completionTokens = 0;
    for (let index = 0; index < n; index++) {
      const s = scriptedCompletions.shift();
      let content: string | null;
      let refusal: string | null = null;
      let finish = s?.finish_reason ?? 'stop';
      if (s?.refusal !== undefined) {
        content = null;
        refusal = s.refusal;
      } else {
        const value = s && 'content' in s ? s.content : options.author ? options.author(request) : writeAnswer(request, index);
        content = typeof value === 'string' ? value : JSON.stringify(value);
      }
      if (content !== null && typeof maxTokens === 'number' && tokens(content) > maxTokens) {
        content = content.slice(0, maxTokens * 4);
        finish = 'length';
      }
      completionTokens += tokens(content ?? refusal ?? '');
      completions.push({ request, content, finish_reason: finish });
      choices.push({ index, message: { role: 'assistant', content, refusal, annotations: [] }, logprobs: null, finish_reason: finish });
    }
    const promptTokens = messages.reduce((t, m) => t + tokens(m.content) + 4, 0);
    send(
      res,
      200,
      {
        id: `chatcmpl-${randomBytes(12).toString('base64url')}`,
        object: 'chat.completion',
        created: Math.floor(now / 1000),
        model: `${body.model}-2024-07-18`,
        choices,
        usage: { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens },
        system_fingerprint: 'fp_fake',
      },
      { 'x-request-id': `req_${randomBytes(8).toString('hex')}`, 'openai-processing-ms': '1', ...rateHeaders(Date.now()) },
    );
  }

  const srv = await listen(handle);
  return {
    url: `${srv.url}/v1`,
    requests,
    completions,
    options,
    failNext: (...responses) => scripted.push(...responses),
    respondNext: (...c) => scriptedCompletions.push(...c),
    reset: () => {
      requests.length = 0;
      completions.length = 0;
      scripted.length = 0;
      scriptedCompletions.length = 0;
      window = [];
      Object.assign(options, initial());
    },
    close: () => srv.close(),
  };
}

/** About four characters a token, as OpenAI's rule of thumb has it. */
const tokens = (s: string) => Math.ceil(s.length / 4);

/** Why a schema is outside strict mode's subset, or null. */
export function strictProblem(schema: Record<string, unknown> | undefined): string | null {
  if (!schema || schema.type !== 'object') return "schema must be a JSON Schema of 'type: \"object\"'.";
  const walk = (s: unknown, at: string): string | null => {
    if (!s || typeof s !== 'object') return null;
    const o = s as Record<string, unknown>;
    for (const k of STRICT_REFUSED) if (k in o && at !== '') return `In context=(${at}), '${k}' is not permitted.`;
    if (o.type === 'object') {
      if (o.additionalProperties !== false) return `In context=(${at || 'root'}), 'additionalProperties' is required to be supplied and to be false.`;
      const props = Object.keys((o.properties as object | undefined) ?? {});
      const required = Array.isArray(o.required) ? (o.required as string[]) : [];
      const missing = props.filter((p) => !required.includes(p));
      if (missing.length) return `In context=(${at || 'root'}), 'required' is required to be supplied and to be an array including every key in properties. Missing '${missing[0]}'.`;
    }
    for (const [k, v] of Object.entries(o)) {
      if (k === 'properties' && v && typeof v === 'object') {
        for (const [p, sub] of Object.entries(v)) {
          const problem = walk(sub, `${at}${at ? ', ' : ''}'properties', '${p}'`);
          if (problem) return problem;
        }
      } else if (k === 'items' || k === 'anyOf' || k === '$defs') {
        const subs = Array.isArray(v) ? v : k === '$defs' && v && typeof v === 'object' ? Object.values(v) : [v];
        for (const sub of subs) {
          const problem = walk(sub, `${at}${at ? ', ' : ''}'${k}'`);
          if (problem) return problem;
        }
      }
    }
    return null;
  };
  return walk(schema, '');
}

// --- The literal-minded model ----------------------------------------------------------------------

interface Writing {
  random: Random;
  /** The subject's words, in order. */
  words: string[];
  /** How many words (or characters) the narration should have. */
  budget: { n: number; unit: 'words' | 'characters' };
  next: number;
}

/** The answer to a request: JSON of its schema, or a sentence about the subject. */
export function writeAnswer(req: FakeChatRequest, index = 0): unknown {
  const subject = req.messages.find((m) => m.role === 'user')?.content ?? '';
  const all = req.messages.map((m) => m.content).join('\n');
  const asks = [...all.matchAll(/(\d{1,5})\s+(words|characters)\b/g)];
  const last = asks.at(-1);
  const seed = createHash('sha256').update(`${req.model}\n${index}\n${all}`).digest().readUInt32LE(0);
  const words = subject.match(/[\p{L}\p{N}]+/gu) ?? ['nothing'];
  const w: Writing = {
    random: seededRandom(seed),
    words,
    budget: last ? { n: Number(last[1]), unit: last[2] as 'words' | 'characters' } : { n: 60, unit: 'words' },
    next: 0,
  };
  const schema = req.response_format?.json_schema?.schema;
  if (req.response_format?.type === 'json_schema' && schema) return valueOf(schema, '', w);
  if (req.response_format?.type === 'json_object') return { answer: sentence(w, 8) };
  return sentence(w, 12);
}

function valueOf(schema: Record<string, unknown>, name: string, w: Writing, share?: number): unknown {
  const type = Array.isArray(schema.type) ? (schema.type as string[]).find((t) => t !== 'null') : (schema.type as string | undefined);
  if (Array.isArray(schema.enum)) return schema.enum[0];
  if (Array.isArray(schema.anyOf)) return valueOf(schema.anyOf[0] as Record<string, unknown>, name, w, share);
  switch (type) {
    case 'object': {
      const out: Record<string, unknown> = {};
      for (const [p, sub] of Object.entries((schema.properties as Record<string, Record<string, unknown>> | undefined) ?? {})) out[p] = valueOf(sub, p, w, share);
      return out;
    }
    case 'array': {
      const items = (schema.items as Record<string, unknown> | undefined) ?? { type: 'string' };
      const min = typeof schema.minItems === 'number' ? schema.minItems : 1;
      const max = typeof schema.maxItems === 'number' ? schema.maxItems : 50;
      if (items.type === 'object') {
        // The narration: about one item per 20 words, the budget spread over their texts.
        const count = Math.min(max, Math.max(min, Math.round(w.budget.n / (w.budget.unit === 'words' ? 20 : 60)) || 1));
        const shares = spread(w.budget.n, count);
        return shares.map((s) => valueOf(items, name, w, s));
      }
      const count = Math.min(max, Math.max(min, 5));
      return Array.from({ length: count }, () => word(w));
    }
    case 'integer':
      return typeof schema.minimum === 'number' ? schema.minimum : 0;
    case 'number':
      return typeof schema.minimum === 'number' ? schema.minimum : 0;
    case 'boolean':
      return false;
    case 'string': {
      if (/title|name/i.test(name)) return capitalise(words(w, 4).join(' '));
      if (/query|search|keyword/i.test(name)) return words(w, 2).join(' ');
      if (share !== undefined && /^(text|content|narration)$/i.test(name)) return prose(w, share);
      return sentence(w, 12);
    }
    default:
      return null;
  }
}

/** `total` split into `count` near-equal whole parts. */
function spread(total: number, count: number): number[] {
  const base = Math.floor(total / count);
  return Array.from({ length: count }, (_, i) => base + (i < total - base * count ? 1 : 0));
}

function word(w: Writing): string {
  const out = w.words[w.next % w.words.length]!.toLowerCase();
  w.next += 1 + Math.floor(w.random() * 2);
  return out;
}

function words(w: Writing, n: number): string[] {
  return Array.from({ length: n }, () => word(w));
}

const capitalise = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

function sentence(w: Writing, n: number): string {
  return `${capitalise(words(w, Math.max(1, n)).join(' '))}.`;
}

/** Sentences of 8 to 16 words (or 8 to 15 characters) adding up to `n` of the budget's unit, as a model writes narration. */
function prose(w: Writing, n: number): string {
  const out: string[] = [];
  if (w.budget.unit === 'characters') {
    let left = n;
    while (left > 0) {
      const take = Math.min(left, 8 + Math.floor(w.random() * 8));
      let s = '';
      while ([...s].length < take) s += word(w);
      out.push(`${[...s].slice(0, take).join('')}。`);
      left -= take;
    }
    return out.join('');
  }
  let left = Math.max(1, n);
  while (left > 0) {
    const take = left <= 16 ? left : Math.min(left - 8, 8 + Math.floor(w.random() * 9));
    out.push(sentence(w, take));
    left -= take;
  }
  return out.join(' ');
}
