// API keys scope tasks to their key; Idempotency-Key returns the same task; a full queue answers
// 503 with Retry-After; downloads before completion answer 409. The worker is pointed at a dead
// port so tasks stay queued and the assertions do not race a render.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { assertSafeToServe, loadConfig } from '../../functions/config.ts';
import { ConfigError } from '../../functions/errors.ts';
import { createLogger } from '../../functions/log.ts';
import { startServer, type RunningServer } from '../../functions/server.ts';
import { getJson, postJson } from '../support/http.ts';
import { DocumentChecker, documented } from '../support/openapi.ts';
import { tempDir } from '../support/temp-dir.ts';

const body = { script_text: 'Keys keep tasks apart.' };

describe('api keys, idempotency and the queue bound', () => {
  let svc: RunningServer;
  before(async () => {
    const cfg = loadConfig({
      PORT: '0',
      DATA_DIR: tempDir('reelsmith-keys-'),
      API_KEYS: 'key-alpha,key-beta',
      MAX_QUEUED_TASKS: '3',
      WORKER_URL: 'http://127.0.0.1:1',
      LOG_LEVEL: 'error',
    });
    svc = await startServer(cfg, 'api', createLogger('fatal'));
  });
  after(() => svc?.stop());

  const alpha = { authorization: 'Bearer key-alpha' };
  const beta = { 'x-api-key': 'key-beta' };

  it('needs a key on every route but /healthz', async () => {
    assert.equal((await getJson(`${svc.url}/healthz`)).status, 200);
    const none = await postJson(`${svc.url}/generate-video`, body);
    assert.equal(none.status, 401);
    assert.equal(none.body.error.code, 'unauthorized');
    assert.equal((await postJson(`${svc.url}/generate-video`, body, { authorization: 'Bearer wrong' })).status, 401);
    assert.equal((await getJson(`${svc.url}/task/x`)).status, 401);
    assert.equal((await getJson(`${svc.url}/v1/music`)).status, 401);
  });

  it('GET /v1/music without MUSIC_DIR: no moods', async () => {
    const r = await documented(new DocumentChecker(), '/v1/music', `${svc.url}/v1/music`, { headers: beta });
    assert.equal(r.status, 200);
    assert.deepEqual(r.body, { moods: [] });
  });

  it("a key sees only its own tasks; another key's task answers 404", async () => {
    const r = await postJson(`${svc.url}/generate-video`, body, alpha);
    assert.equal(r.status, 202);
    const id = r.body.task_id;
    assert.equal((await getJson(`${svc.url}/task/${id}`, alpha)).status, 200);
    const other = await getJson(`${svc.url}/task/${id}`, beta);
    assert.equal(other.status, 404);
    assert.equal(other.body.error.code, 'not_found');
    assert.equal((await getJson(`${svc.url}/download/${id}`, beta)).status, 404);
    const early = await getJson(`${svc.url}/download/${id}`, alpha);
    assert.equal(early.status, 409);
    assert.equal(early.body.error.code, 'not_ready');
    const cancelled = await fetch(`${svc.url}/v1/videos/${id}`, { method: 'DELETE', headers: alpha });
    assert.equal(cancelled.status, 200);
    assert.equal(((await cancelled.json()) as { status: string }).status, 'cancelled');
    const dlCancelled = await getJson(`${svc.url}/download/${id}`, alpha);
    assert.equal(dlCancelled.status, 409);
    assert.equal(dlCancelled.body.error.code, 'task_cancelled');
  });

  it('the same Idempotency-Key and body return the same task; another body is a conflict', async () => {
    const h = { ...alpha, 'idempotency-key': 'order-42' };
    const a = await postJson(`${svc.url}/v1/videos`, body, h);
    const b = await postJson(`${svc.url}/v1/videos`, { ...body }, h);
    assert.equal(a.status, 202);
    assert.equal(b.status, 200);
    assert.equal(b.body.task_id, a.body.task_id);
    const c = await postJson(`${svc.url}/v1/videos`, { script_text: 'Something else.' }, h);
    assert.equal(c.status, 409);
    assert.equal(c.body.error.code, 'idempotency_conflict');
    // Keys are per API key: beta may use the same Idempotency-Key for its own task.
    const d = await postJson(`${svc.url}/v1/videos`, body, { ...beta, 'idempotency-key': 'order-42' });
    assert.equal(d.status, 202);
    assert.notEqual(d.body.task_id, a.body.task_id);
  });

  it('a full queue answers 503 with Retry-After and creates nothing', async () => {
    while ((await svc.runtime.store.countUnfinished()) < 3) {
      assert.equal((await postJson(`${svc.url}/generate-video`, body, alpha)).status, 202);
    }
    const full = await postJson(`${svc.url}/generate-video`, body, alpha);
    assert.equal(full.status, 503);
    assert.equal(full.body.error.code, 'queue_full');
    assert.ok(Number(full.headers.get('retry-after')) > 0);
    assert.equal(await svc.runtime.store.countUnfinished(), 3);
  });
});

describe('start-up safety', () => {
  it('on Cloud Run the api refuses to start without API_KEYS unless explicitly opened', () => {
    const base = { K_SERVICE: 'reelsmith-api', DATA_DIR: '/tmp/x' };
    assert.throws(() => assertSafeToServe(loadConfig(base)), (e: unknown) => e instanceof ConfigError && /API_KEYS/.test(e.message));
    assert.doesNotThrow(() => assertSafeToServe(loadConfig({ ...base, API_KEYS: 'k' })));
    assert.doesNotThrow(() => assertSafeToServe(loadConfig({ ...base, ALLOW_UNAUTHENTICATED: 'true' })));
  });

  it('a bad configuration value stops start-up with a message naming it', () => {
    assert.throws(() => loadConfig({ MAX_CONCURRENT_TASKS: 'lots' }), /MAX_CONCURRENT_TASKS/);
    assert.throws(() => loadConfig({ BLOB_STORE: 'gcs' }), /GCS_BUCKET/);
  });
});
