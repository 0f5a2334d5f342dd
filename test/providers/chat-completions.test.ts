// Contract tests of the Chat Completions client against the loopback fake: the request as the
// documented contract has it, the answer's fields, and every failure as a TaskError that names the
// setting or the cause (retried when waiting can fix it), with the key in no message and no log.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { TaskError } from '../../functions/errors.ts';
import { createLogger } from '../../functions/log.ts';
import { ChatCompletionsClient, parseDuration, parseErrorBody, retryDelay, type ChatCompletionsOptions } from '../../functions/providers/chat-completions.ts';
import { SCRIPT_JSON_SCHEMA } from '../../functions/domain/script.ts';
import { FAKE_LLM_KEY, openAiError, startFakeChatCompletions, strictProblem, type FakeChatCompletions } from '../fakes/chat-completions.ts';

const FAST_RETRY = { baseDelayMs: 5, maxDelayMs: 20, retries: 2 };
const SCHEMA = { name: 'video_script', schema: SCRIPT_JSON_SCHEMA as unknown as Record<string, unknown> };
const MESSAGES = [
  { role: 'system' as const, content: 'Write a script; aim for 40 words.' },
  { role: 'user' as const, content: 'Octopus hearts and blue blood' },
];

let fake: FakeChatCompletions;
let logged: string[];

function client(extra: Partial<ChatCompletionsOptions> = {}) {
  const log = createLogger('debug', { write: (line: string) => void logged.push(line) });
  return new ChatCompletionsClient({ baseUrl: fake.url, apiKey: FAKE_LLM_KEY, model: 'gpt-4o-mini', retry: FAST_RETRY, log, random: () => 1, ...extra });
}

async function failure(p: Promise<unknown>): Promise<TaskError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof TaskError, `expected a TaskError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected the call to fail');
}

/** No message, detail or log line carries the key, whole or as the masked form the endpoint echoes. */
function assertNoKey(...texts: (string | undefined)[]) {
  for (const t of [...texts, ...logged]) {
    assert.doesNotMatch(t ?? '', new RegExp(FAKE_LLM_KEY.slice(3, 12)));
    assert.doesNotMatch(t ?? '', /cdef\b|\*{4}/);
  }
}

before(async () => {
  fake = await startFakeChatCompletions();
});
after(async () => {
  await fake.close();
});
beforeEach(() => {
  fake.reset();
  logged = [];
});

describe('Chat Completions: the request and the answer', () => {
  test('POSTs {base}/chat/completions with Bearer auth, the model, the messages and a strict json_schema response_format', async () => {
    const a = await client({ baseUrl: `${fake.url}/` }).complete({ messages: MESSAGES, schema: SCHEMA }, AbortSignal.timeout(30_000));
    assert.equal(fake.requests.length, 1);
    const r = fake.requests[0]!;
    assert.equal(r.method, 'POST');
    assert.equal(r.path, '/v1/chat/completions');
    assert.equal(r.headers.authorization, `Bearer ${FAKE_LLM_KEY}`);
    assert.match(r.headers['content-type'] ?? '', /application\/json/);
    assert.match(r.headers['user-agent'] ?? '', /^reelsmith\//);
    const body = r.body as Record<string, unknown>;
    assert.deepEqual(Object.keys(body).sort(), ['messages', 'model', 'response_format']);
    assert.equal(body.model, 'gpt-4o-mini');
    assert.deepEqual(body.messages, MESSAGES);
    assert.deepEqual(body.response_format, { type: 'json_schema', json_schema: { name: 'video_script', strict: true, schema: SCRIPT_JSON_SCHEMA } });
    // The answer: the fake's literal model filled the schema from the subject's words.
    assert.equal(a.format, 'json_schema');
    assert.equal(a.finishReason, 'stop');
    assert.equal(a.refusal, null);
    assert.equal(a.model, 'gpt-4o-mini-2024-07-18');
    assert.ok(a.usage && a.usage.promptTokens > 0 && a.usage.completionTokens > 0);
    const script = JSON.parse(a.content!) as { title: string; scenes: { text: string; search_query: string }[]; hashtags: string[] };
    assert.equal(strictProblem(SCRIPT_JSON_SCHEMA as unknown as Record<string, unknown>), null);
    assert.match(script.title, /^[A-Z]/);
    assert.ok(script.scenes.length >= 1);
    for (const w of script.scenes.flatMap((s) => s.text.toLowerCase().match(/\p{L}+/gu) ?? [])) assert.ok('octopus hearts and blue blood'.includes(w), w);
    const words = script.scenes.reduce((n, s) => n + s.text.split(' ').length, 0);
    assert.equal(words, 40, 'the narration has the words the prompt asked for');
  });

  test('the same messages give the same answer; a local server without a key gets no Authorization header', async () => {
    fake.options.apiKey = null;
    const c = client({ apiKey: undefined });
    const one = await c.complete({ messages: MESSAGES, schema: SCHEMA }, AbortSignal.timeout(30_000));
    const two = await c.complete({ messages: MESSAGES, schema: SCHEMA }, AbortSignal.timeout(30_000));
    assert.equal(one.content, two.content);
    assert.equal(fake.requests[0]!.headers.authorization, undefined);
  });

  test('an endpoint that refuses json_schema is asked again in JSON mode, with the schema in the messages, and from then on at once', async () => {
    fake.options.supportsJsonSchema = false;
    const c = client();
    const a = await c.complete({ messages: MESSAGES, schema: SCHEMA }, AbortSignal.timeout(30_000));
    assert.equal(a.format, 'json_object');
    assert.equal(fake.requests.length, 2);
    const second = fake.requests[1]!.body as { response_format: unknown; messages: { content: string }[] };
    assert.deepEqual(second.response_format, { type: 'json_object' });
    assert.match(second.messages.at(-1)!.content, /JSON Schema/);
    assert.ok(JSON.parse(a.content!));
    await c.complete({ messages: MESSAGES, schema: SCHEMA }, AbortSignal.timeout(30_000));
    assert.equal(fake.requests.length, 3, 'the next request goes to JSON mode directly');
    assert.match(logged.join('\n'), /refused a json_schema response_format/);
  });

  test('a refusal and the finish reasons come through as the endpoint sent them', async () => {
    fake.respondNext({ refusal: "I'm sorry, I can't help with that." }, { content: '{"title": "Cut', finish_reason: 'length' });
    const refused = await client().complete({ messages: MESSAGES, schema: SCHEMA }, AbortSignal.timeout(30_000));
    assert.equal(refused.content, null);
    assert.equal(refused.refusal, "I'm sorry, I can't help with that.");
    const cut = await client().complete({ messages: MESSAGES, schema: SCHEMA }, AbortSignal.timeout(30_000));
    assert.equal(cut.finishReason, 'length');
    assert.equal(cut.content, '{"title": "Cut');
  });
});

describe('Chat Completions: failures', () => {
  test('401: a wrong key names LLM_API_KEY, a missing one says to set it; permanent, the key in no message or log', async () => {
    const wrong = await failure(client({ apiKey: 'sk-wrong-key-ffffffffffffcdef' }).complete({ messages: MESSAGES }, AbortSignal.timeout(30_000)));
    assert.equal(wrong.code, 'llm_auth_failed');
    assert.equal(wrong.retryable, false);
    assert.match(wrong.message, /rejected the API key \(401\); check LLM_API_KEY/);
    assert.match(wrong.detail ?? '', /invalid_api_key/);
    assert.equal(fake.requests.length, 1, 'not retried');
    assertNoKey(wrong.message, wrong.detail);
    const missing = await failure(client({ apiKey: undefined }).complete({ messages: MESSAGES }, AbortSignal.timeout(30_000)));
    assert.match(missing.message, /needs an API key \(401\); set LLM_API_KEY/);
  });

  test('404: an unknown model names LLM_MODEL; a base URL without the version path names LLM_BASE_URL', async () => {
    const model = await failure(client({ model: 'gpt-9' }).complete({ messages: MESSAGES }, AbortSignal.timeout(30_000)));
    assert.equal(model.code, 'llm_model_not_found');
    assert.match(model.message, /LLM_MODEL "gpt-9" is not a model this endpoint serves/);
    const base = await failure(client({ baseUrl: fake.url.replace(/\/v1$/, '') }).complete({ messages: MESSAGES }, AbortSignal.timeout(30_000)));
    assert.equal(base.code, 'llm_endpoint_not_found');
    assert.match(base.message, /LLM_BASE_URL has no chat\/completions endpoint.*https:\/\/api\.openai\.com\/v1/);
    assert.equal(base.retryable, false);
  });

  test('429 rate limit: retried after the wait the answer names (retry-after-ms, Retry-After, x-ratelimit-reset-*)', async () => {
    fake.failNext(
      { status: 429, headers: { 'retry-after-ms': '15' }, body: openAiError('Rate limit reached for requests', 'requests', 'rate_limit_exceeded') },
      { status: 429, headers: { 'x-ratelimit-remaining-requests': '0', 'x-ratelimit-reset-requests': '25ms' }, body: openAiError('Rate limit reached', 'requests', 'rate_limit_exceeded') },
    );
    const a = await client().complete({ messages: MESSAGES, schema: SCHEMA }, AbortSignal.timeout(30_000));
    assert.ok(a.content);
    assert.equal(fake.requests.length, 3);
    const delays = logged.map((l) => JSON.parse(l) as { delayMs?: number; message: string }).filter((l) => l.message.includes('retrying')).map((l) => l.delayMs);
    // The server's wait plus up to 10 % of jitter (random() is 1 here).
    assert.deepEqual(delays, [17, 28]);
  });

  test('429 past the requests per minute: the fake says when it resets; a wait longer than the policy allows fails at once as retryable', async () => {
    fake.options.requestsPerMinute = 1;
    await client().complete({ messages: MESSAGES }, AbortSignal.timeout(30_000));
    const limited = await failure(client().complete({ messages: MESSAGES }, AbortSignal.timeout(30_000)));
    assert.equal(limited.code, 'llm_rate_limited');
    assert.equal(limited.retryable, true);
    assert.equal(fake.requests.length, 2, 'a reset a minute away is not waited for inside the call');
    assert.match(limited.detail ?? '', /rate_limit_exceeded/);
  });

  test('429 insufficient_quota and 402 are out of credits: permanent, not retried', async () => {
    fake.options.quota = 0;
    const quota = await failure(client().complete({ messages: MESSAGES }, AbortSignal.timeout(30_000)));
    assert.equal(quota.code, 'llm_quota_exceeded');
    assert.equal(quota.retryable, false);
    assert.equal(fake.requests.length, 1);
    fake.options.quota = Infinity;
    fake.failNext({ status: 402, body: { error: { code: 402, message: 'Insufficient credits' } } });
    assert.equal((await failure(client().complete({ messages: MESSAGES }, AbortSignal.timeout(30_000)))).code, 'llm_quota_exceeded');
  });

  test('500 and 503 are retried; still failing they end as llm_unavailable, retryable', async () => {
    fake.failNext({ status: 500, body: openAiError('The server had an error while processing your request.', 'server_error') });
    assert.ok((await client().complete({ messages: MESSAGES }, AbortSignal.timeout(30_000))).content);
    assert.equal(fake.requests.length, 2);
    fake.requests.length = 0;
    fake.failNext(...Array.from({ length: 3 }, () => ({ status: 503, body: 'upstream connect error' })));
    const down = await failure(client().complete({ messages: MESSAGES }, AbortSignal.timeout(30_000)));
    assert.equal(down.code, 'llm_unavailable');
    assert.equal(down.retryable, true);
    assert.equal(fake.requests.length, 3, 'one attempt and two retries');
  });

  test('a timeout ends the attempt, is retried, and names LLM_TIMEOUT_SECONDS', async () => {
    fake.options.hold = new Promise(() => {});
    const slow = await failure(client({ timeoutMs: 150, retry: { ...FAST_RETRY, retries: 1 } }).complete({ messages: MESSAGES }, AbortSignal.timeout(30_000)));
    assert.equal(slow.code, 'llm_timeout');
    assert.equal(slow.retryable, true);
    assert.match(slow.message, /LLM_TIMEOUT_SECONDS/);
    assert.equal(fake.requests.length, 2);
  });

  test('cancelling the call stops it with the signal\'s reason', async () => {
    fake.options.hold = new Promise(() => {});
    const ac = new AbortController();
    const p = client().complete({ messages: MESSAGES }, ac.signal);
    while (fake.requests.length === 0) await new Promise((r) => setImmediate(r));
    ac.abort(new Error('cancelled by the test'));
    await assert.rejects(p, /cancelled by the test/);
  });

  test('an unreachable endpoint is llm_unavailable, retryable, with the system error', async () => {
    const closed = await startFakeChatCompletions();
    await closed.close();
    const e = await failure(client({ baseUrl: closed.url, retry: { ...FAST_RETRY, retries: 0 } }).complete({ messages: MESSAGES }, AbortSignal.timeout(30_000)));
    assert.equal(e.code, 'llm_unavailable');
    assert.equal(e.retryable, true);
    assert.match(e.message, /cannot reach the language model at LLM_BASE_URL \(ECONNREFUSED\)/);
  });

  test('200 that is not a Chat Completions answer: llm_bad_response, retryable', async () => {
    fake.failNext({ status: 200, body: '<html>proxy login</html>' }, { status: 200, body: { object: 'list', data: [] } }, { status: 200, body: { object: 'list', data: [] } });
    const e = await failure(client().complete({ messages: MESSAGES }, AbortSignal.timeout(30_000)));
    assert.equal(e.code, 'llm_bad_response');
    assert.equal(e.retryable, true);
  });

  test('400 context_length_exceeded and other refusals are permanent and say what the endpoint objected to', async () => {
    fake.failNext({ status: 400, body: openAiError("This model's maximum context length is 8192 tokens.", 'invalid_request_error', 'context_length_exceeded', 'messages') });
    const ctx = await failure(client().complete({ messages: MESSAGES }, AbortSignal.timeout(30_000)));
    assert.equal(ctx.code, 'llm_invalid_request');
    assert.match(ctx.message, /context window/);
    fake.failNext({ status: 400, body: openAiError("Unsupported value: 'messages[0].role'", 'invalid_request_error', 'unsupported_value', 'messages') });
    const other = await failure(client().complete({ messages: MESSAGES }, AbortSignal.timeout(30_000)));
    assert.match(other.message, /refused the request \(400 unsupported_value\)/);
    assert.equal(other.retryable, false);
  });

  test("Gemini's error list, its API_KEY_INVALID 400 and RetryInfo delay are understood", async () => {
    fake.failNext({
      status: 400,
      body: [{ error: { code: 400, message: 'API key not valid. Please pass a valid API key.', status: 'INVALID_ARGUMENT', details: [{ reason: 'API_KEY_INVALID' }] } }],
    });
    assert.equal((await failure(client().complete({ messages: MESSAGES }, AbortSignal.timeout(30_000)))).code, 'llm_auth_failed');
    fake.failNext({
      status: 429,
      body: [{ error: { code: 429, message: 'Resource has been exhausted (e.g. check quota).', status: 'RESOURCE_EXHAUSTED', details: [{ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '0.02s' }] } }],
    });
    assert.ok((await client().complete({ messages: MESSAGES }, AbortSignal.timeout(30_000))).content);
  });
});

describe('Chat Completions: error bodies and waits', () => {
  test('every error body shape', () => {
    assert.deepEqual(parseErrorBody(JSON.stringify(openAiError('m', 'invalid_request_error', 'model_not_found', 'model'))), {
      message: 'm', type: 'invalid_request_error', code: 'model_not_found', param: 'model', retryDelayMs: undefined,
    });
    assert.equal(parseErrorBody('{"object":"error","message":"The model `x` does not exist.","type":"NotFoundError","param":null,"code":404}').message, 'The model `x` does not exist.');
    assert.equal(parseErrorBody('{"error":"model \\"llama9\\" not found, try pulling it first"}').message, 'model "llama9" not found, try pulling it first');
    assert.equal(parseErrorBody('[{"error":{"code":429,"status":"RESOURCE_EXHAUSTED","details":[{"retryDelay":"37s"}]}}]').retryDelayMs, 37_000);
    assert.equal(parseErrorBody('<html><body><h1>502 Bad Gateway</h1></body></html>').message, '502 Bad Gateway');
    assert.equal(parseErrorBody('').message, null);
  });

  test('durations as OpenAI and Google write them; the spent limit\'s reset is the wait', () => {
    assert.equal(parseDuration('20ms'), 20);
    assert.equal(parseDuration('6m0s'), 360_000);
    assert.equal(parseDuration('1h2m3.5s'), 3_723_500);
    assert.equal(parseDuration('soon'), undefined);
    const h = new Headers({ 'x-ratelimit-remaining-requests': '5', 'x-ratelimit-reset-requests': '1s', 'x-ratelimit-remaining-tokens': '0', 'x-ratelimit-reset-tokens': '7.5s' });
    assert.equal(retryDelay(h, { retryDelayMs: undefined }), 7_500);
    assert.equal(retryDelay(new Headers({ 'retry-after': '3' }), { retryDelayMs: 9 }), 3_000);
    assert.equal(retryDelay(new Headers(), { retryDelayMs: undefined }), undefined);
  });
});

describe('the fake keeps to the contract', () => {
  async function post(body: unknown, headers: Record<string, string> = {}) {
    const res = await fetch(`${fake.url}/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${FAKE_LLM_KEY}`, 'content-type': 'application/json', ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as { error?: { message: string; param: string | null; code: string | null; type: string } } & Record<string, unknown> };
  }

  test('refuses what OpenAI refuses, with its error shape', async () => {
    const cases: [unknown, number, RegExp, string | null][] = [
      ['{not json', 400, /could not parse the JSON body/, null],
      [{ messages: MESSAGES }, 400, /must provide a model/, 'model'],
      [{ model: 'gpt-4o-mini', messages: [] }, 400, /empty array/, 'messages'],
      [{ model: 'gpt-4o-mini', messages: [{ role: 'robot', content: 'x' }] }, 400, /role/, 'messages[0].role'],
      [{ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], response_format: { type: 'json_object' } }, 400, /must contain the word 'json'/, 'messages'],
      [{ model: 'gpt-4o-mini', messages: MESSAGES, response_format: { type: 'json_schema', json_schema: { name: 'bad name!', schema: {} } } }, 400, /json_schema\.name/, 'response_format.json_schema.name'],
      [
        { model: 'gpt-4o-mini', messages: MESSAGES, response_format: { type: 'json_schema', json_schema: { name: 's', strict: true, schema: { type: 'object', properties: { a: { type: 'string' } }, required: ['a'] } } } },
        400,
        /additionalProperties/,
        'response_format',
      ],
      [
        { model: 'gpt-4o-mini', messages: MESSAGES, response_format: { type: 'json_schema', json_schema: { name: 's', strict: true, schema: { type: 'object', additionalProperties: false, properties: { a: { type: 'string', maxLength: 5 } }, required: ['a'] } } } },
        400,
        /'maxLength' is not permitted/,
        'response_format',
      ],
      [{ model: 'gpt-9', messages: MESSAGES }, 404, /does not exist/, null],
    ];
    for (const [body, status, message, param] of cases) {
      const r = await post(body);
      assert.equal(r.status, status, JSON.stringify(body));
      assert.match(r.body.error!.message, message);
      assert.equal(r.body.error!.param, param);
      assert.ok('type' in r.body.error! && 'code' in r.body.error!);
    }
    assert.equal((await post({ model: 'gpt-9', messages: MESSAGES })).body.error!.code, 'model_not_found');
    assert.equal(fake.completions.length, 0);
  });

  test('max_completion_tokens cuts the answer with finish_reason length; n answers n choices; x-ratelimit-* on a success', async () => {
    const res = await fetch(`${fake.url}/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${FAKE_LLM_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-4o-mini', messages: MESSAGES, n: 2, max_completion_tokens: 5, response_format: { type: 'json_schema', json_schema: { name: 'video_script', strict: true, schema: SCRIPT_JSON_SCHEMA } } }),
    });
    assert.equal(res.status, 200);
    assert.ok(res.headers.get('x-ratelimit-remaining-requests'));
    assert.ok(res.headers.get('x-request-id'));
    const body = (await res.json()) as { object: string; choices: { index: number; finish_reason: string; message: { content: string } }[] };
    assert.equal(body.object, 'chat.completion');
    assert.deepEqual(body.choices.map((c) => [c.index, c.finish_reason, c.message.content.length]), [[0, 'length', 20], [1, 'length', 20]]);
    assert.throws(() => JSON.parse(body.choices[0]!.message.content));
  });
});
