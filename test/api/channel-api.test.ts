// The routes of issue 26 where nothing renders (the worker is a dead port, so tasks stay queued),
// every answer held to the OpenAPI document: a topic without a language model, POST /v1/scripts
// and its errors, batches made whole or not at all (limits, a replayed key, cancel, keys), and
// templates per key (checked settings, unique names, applied under a request's own fields).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../../functions/config.ts';
import { createLogger } from '../../functions/log.ts';
import { startServer, type RunningServer } from '../../functions/server.ts';
import { FAKE_LLM_KEY, startFakeChatCompletions, type FakeChatCompletions } from '../fakes/index.ts';
import { DocumentChecker, documented } from '../support/openapi.ts';
import { tempDir } from '../support/temp-dir.ts';

const checker = new DocumentChecker();
const ALPHA = { authorization: 'Bearer key-alpha' };
const BETA = { authorization: 'Bearer key-beta' };

async function serve(env: Record<string, string>): Promise<RunningServer> {
  const cfg = loadConfig({ PORT: '0', DATA_DIR: tempDir('reelsmith-channel-api-'), API_KEYS: 'key-alpha,key-beta', WORKER_URL: 'http://127.0.0.1:1', LOG_LEVEL: 'error', ...env });
  return startServer(cfg, 'api', createLogger('fatal'));
}

function caller(svc: () => RunningServer, key: Record<string, string> = ALPHA) {
  return (method: string, route: string, path: string, body?: unknown, headers: Record<string, string> = {}) =>
    documented(checker, route, `${svc().url}${path}`, {
      method,
      headers: { ...key, ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
}

describe('without a language model', () => {
  let svc: RunningServer;
  const call = caller(() => svc);
  before(async () => {
    svc = await serve({});
  });
  after(() => svc?.stop());

  it('a topic is refused wherever it is sent, naming LLM_BASE_URL, and nothing is made', async () => {
    for (const [route, body, path] of [
      ['/v1/videos', { topic: 'octopus hearts' }, 'topic'],
      ['/v1/storyboards', { topic: 'octopus hearts' }, 'topic'],
      ['/v1/scripts', { topic: 'octopus hearts' }, 'topic'],
      ['/v1/batches', { items: [{ script_text: 'Fine.' }, { topic: 'octopus hearts' }] }, 'items.1.topic'],
    ] as const) {
      const r = await call('POST', route, route, body);
      assert.equal(r.status, 422, `${route}: ${JSON.stringify(r.body)}`);
      assert.equal(r.body.error.details[0].path, path);
      assert.match(r.body.error.details[0].message, /LLM_BASE_URL/);
    }
    assert.deepEqual((await call('GET', '/v1/videos', '/v1/videos')).body.data, []);
  });
});

describe('POST /v1/scripts', () => {
  let svc: RunningServer;
  let llm: FakeChatCompletions;
  const call = caller(() => svc);
  before(async () => {
    llm = await startFakeChatCompletions({});
    svc = await serve({ LLM_BASE_URL: llm.url, LLM_API_KEY: FAKE_LLM_KEY, LLM_MODEL: 'gpt-4o-mini', SUBMITS_PER_MINUTE: '4' });
  });
  after(async () => {
    await svc?.stop();
    await llm?.close();
  });

  it('writes a script; the model’s refusal is a 422, a refused key a 502; each counts in the key’s minute', async () => {
    const ok = await call('POST', '/v1/scripts', '/v1/scripts', { topic: 'why bees dance', duration_s: 10, format: 'how-to' });
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    assert.ok(ok.body.scenes.length > 0 && ok.body.title && ok.body.hashtags.every((h: string) => h.startsWith('#')));
    assert.equal(ok.body.language, 'en');

    llm.respondNext({ refusal: "I can't help with that." });
    const refused = await call('POST', '/v1/scripts', '/v1/scripts', { topic: 'why bees dance' });
    assert.equal(refused.status, 422);
    assert.equal(refused.body.error.code, 'script_refused');

    llm.failNext({ status: 401, body: { error: { message: 'Incorrect API key provided: sk-fake***', type: 'invalid_request_error', param: null, code: 'invalid_api_key' } } });
    const denied = await call('POST', '/v1/scripts', '/v1/scripts', { topic: 'why bees dance' });
    assert.equal(denied.status, 502);
    assert.equal(denied.body.error.code, 'llm_auth_failed');
    assert.ok(!JSON.stringify(denied.body).includes(FAKE_LLM_KEY), 'the key is never in an answer');

    const bad = await call('POST', '/v1/scripts', '/v1/scripts', { topic: 'x', duration_s: 2 });
    assert.equal(bad.status, 422);
    assert.deepEqual(bad.body.error.details.map((d: { path: string }) => d.path).sort(), ['duration_s', 'topic']);

    assert.equal((await call('POST', '/v1/scripts', '/v1/scripts', { topic: 'why bees dance' })).status, 200);
    const limited = await call('POST', '/v1/scripts', '/v1/scripts', { topic: 'why bees dance' });
    assert.equal(limited.status, 429);
    assert.ok(Number(limited.headers.get('retry-after')) > 0);
    // A video now would wait too: the key's minute is shared.
    assert.equal((await call('POST', '/v1/videos', '/v1/videos', { script_text: 'Hi.' })).status, 429);
  });
});

describe('batches', () => {
  let svc: RunningServer;
  const call = caller(() => svc);
  const beta = caller(() => svc, BETA);
  before(async () => {
    svc = await serve({ MAX_QUEUED_PER_KEY: '5' });
  });
  after(() => svc?.stop());

  it('made whole: every item a queued task of the key, followed by GET; a replayed key answers the same batch', async () => {
    const body = { defaults: { resolution: '720p', captions: { style: 'line' } }, items: [{ script_text: 'One.' }, { script_text: 'Two.', captions: { position: 'top' } }], metadata: { channel: 'a' } };
    const made = await call('POST', '/v1/batches', '/v1/batches', body, { 'idempotency-key': 'batch-1' });
    assert.equal(made.status, 202, JSON.stringify(made.body));
    assert.equal(made.body.total, 2);
    const view = await call('GET', '/v1/batches/{id}', `/v1/batches/${made.body.batch_id}`);
    assert.equal(view.body.status, 'running');
    assert.deepEqual(view.body.counts, { queued: 2, processing: 0, completed: 0, failed: 0, cancelled: 0 });
    assert.deepEqual(view.body.items.map((i: { task_id: string }) => i.task_id), made.body.task_ids);
    assert.deepEqual(view.body.metadata, { channel: 'a' });
    assert.ok(view.body.items.every((i: { download_url: unknown; video_url: unknown }) => i.download_url === null && i.video_url === null));

    const again = await call('POST', '/v1/batches', '/v1/batches', body, { 'idempotency-key': 'batch-1' });
    assert.equal(again.status, 200);
    assert.equal(again.body.batch_id, made.body.batch_id);
    const other = await call('POST', '/v1/batches', '/v1/batches', { ...body, metadata: { channel: 'b' } }, { 'idempotency-key': 'batch-1' });
    assert.equal(other.status, 409);
    assert.equal(other.body.error.code, 'idempotency_conflict');
    assert.equal((await beta('GET', '/v1/batches/{id}', `/v1/batches/${made.body.batch_id}`)).status, 404, "another key's batch is unknown to it");

    // Cancelled: every unfinished item, and the batch completes at once.
    const cancelled = await call('DELETE', '/v1/batches/{id}', `/v1/batches/${made.body.batch_id}`);
    assert.equal(cancelled.body.status, 'completed');
    assert.equal(cancelled.body.counts.cancelled, 2);
    assert.equal((await call('DELETE', '/v1/batches/{id}', `/v1/batches/${made.body.batch_id}`)).status, 409);
  });

  it('limits count every item: a batch larger than the key’s queue is invalid, one that does not fit now waits, and nothing is made', async () => {
    const items = (n: number) => Array.from({ length: n }, (_, i) => ({ script_text: `Video ${i}.` }));
    // An item with nothing to speak is refused as a single submit's would be, by its index.
    const silent = await call('POST', '/v1/batches', '/v1/batches', { items: [{ script_text: 'Fine.' }, { scenes: [{ text: 'Words.' }, { text: '🐙🐙' }] }] });
    assert.equal(silent.status, 422);
    assert.deepEqual(silent.body.error.details.map((d: { path: string }) => d.path), ['items.1.scenes.1.text']);
    const tooMany = await call('POST', '/v1/batches', '/v1/batches', { items: items(6) });
    assert.equal(tooMany.status, 422);
    assert.equal(tooMany.body.error.code, 'batch_too_large');
    assert.match(tooMany.body.error.message, /MAX_QUEUED_PER_KEY \(5\)/);
    assert.equal((await call('POST', '/v1/batches', '/v1/batches', { items: items(3) })).status, 202);
    const full = await call('POST', '/v1/batches', '/v1/batches', { items: items(3) });
    assert.equal(full.status, 503);
    assert.equal(full.body.error.code, 'key_queue_full');
    const queued = (await call('GET', '/v1/videos', '/v1/videos?limit=100')).body.data.filter((t: { status: string }) => t.status === 'queued');
    assert.equal(queued.length, 3);
  });
});

describe('templates', () => {
  let svc: RunningServer;
  const call = caller(() => svc);
  const beta = caller(() => svc, BETA);
  before(async () => {
    svc = await serve({});
  });
  after(() => svc?.stop());

  it('saved per key, checked whole, unique by name; replaced, listed and deleted', async () => {
    const made = await call('POST', '/v1/templates', '/v1/templates', { name: 'facts', settings: { voice_id: 'en-gb', captions: { style: 'karaoke' }, duration_s: 30 } });
    assert.equal(made.status, 201, JSON.stringify(made.body));
    const id = made.body.template_id;
    assert.equal((await call('POST', '/v1/templates', '/v1/templates', { name: 'facts', settings: {} })).body.error.code, 'template_name_taken');
    const bad = await call('POST', '/v1/templates', '/v1/templates', { name: 'x', settings: { captions: { style: 'comic' }, script_text: 'Hi.' } });
    assert.equal(bad.status, 422);
    assert.deepEqual(bad.body.error.details.map((d: { path: string }) => d.path), ['settings.script_text']);
    assert.equal((await call('POST', '/v1/templates', '/v1/templates', { name: 'x', settings: { captions: { style: 'comic' } } })).body.error.details[0].path, 'settings.captions.style');

    const replaced = await call('PUT', '/v1/templates/{id}', `/v1/templates/${id}`, { name: 'facts v2', settings: { resolution: '720p' } });
    assert.equal(replaced.status, 200);
    assert.deepEqual(replaced.body.settings, { resolution: '720p' });
    assert.deepEqual((await call('GET', '/v1/templates', '/v1/templates')).body.data.map((t: { name: string }) => t.name), ['facts v2']);
    assert.deepEqual((await beta('GET', '/v1/templates', '/v1/templates')).body.data, []);
    assert.equal((await beta('GET', '/v1/templates/{id}', `/v1/templates/${id}`)).status, 404);
    // Another key's template is no template of this key's request.
    const theirs = await beta('POST', '/v1/videos', '/v1/videos', { script_text: 'Hi.', template_id: id });
    assert.equal(theirs.status, 422);
    assert.equal(theirs.body.error.details[0].path, 'template_id');

    // Applied to a storyboard request: the merged request is checked whole (fit: speed from the
    // request needs the template's max_duration_s).
    await call('PUT', '/v1/templates/{id}', `/v1/templates/${id}`, { name: 'facts v2', settings: { max_duration_s: 30 } });
    assert.equal((await call('POST', '/v1/storyboards', '/v1/storyboards', { script_text: 'Hi.', fit: 'speed', template_id: id })).status, 202);
    assert.equal((await call('POST', '/v1/storyboards', '/v1/storyboards', { script_text: 'Hi.', fit: 'speed' })).status, 422);

    // A storyboard's video takes the storyboard's settings: template_id is the field named.
    const fromBoard = await call('POST', '/v1/videos', '/v1/videos', { storyboard_id: 'sb-1', template_id: id });
    assert.equal(fromBoard.status, 422);
    assert.deepEqual(fromBoard.body.error.details.map((d: { path: string }) => d.path), ['template_id']);

    assert.equal((await call('DELETE', '/v1/templates/{id}', `/v1/templates/${id}`)).status, 204);
    assert.equal((await call('GET', '/v1/templates/{id}', `/v1/templates/${id}`)).status, 404);
    assert.equal((await call('DELETE', '/v1/templates/{id}', `/v1/templates/${id}`)).status, 404);
  });
});
