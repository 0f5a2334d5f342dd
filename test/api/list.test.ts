// GET /v1/videos: the caller's tasks, newest first, paged with a cursor. With keys on, a key sees
// only its own tasks; without keys, every task. Deliveries go to a dead port, so tasks stay queued.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../../functions/config.ts';
import { createLogger } from '../../functions/log.ts';
import { startServer, type RunningServer } from '../../functions/server.ts';
import { getJson, postJson } from '../support/http.ts';
import { tempDir } from '../support/temp-dir.ts';

const quiet = createLogger('fatal');

async function serve(env: Record<string, string> = {}): Promise<RunningServer> {
  const cfg = loadConfig({ PORT: '0', DATA_DIR: tempDir('reelsmith-list-'), WORKER_URL: 'http://127.0.0.1:1', LOG_LEVEL: 'error', ...env });
  return startServer(cfg, 'api', quiet);
}

/** Every page of the list, following next_cursor. */
async function allPages(url: string, headers: Record<string, string>, limit: number) {
  const pages: any[] = [];
  let cursor: string | null = null;
  do {
    const r = await getJson(`${url}/v1/videos?limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, headers);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    pages.push(r.body);
    cursor = r.body.next_cursor;
  } while (cursor);
  return pages;
}

describe('GET /v1/videos with API keys', () => {
  let svc: RunningServer;
  const alpha = { authorization: 'Bearer key-alpha' };
  const beta = { 'x-api-key': 'key-beta' };
  const alphaIds: string[] = [];
  let betaId = '';

  before(async () => {
    svc = await serve({ API_KEYS: 'key-alpha,key-beta' });
    for (let i = 0; i < 5; i++) {
      const r = await postJson(`${svc.url}/v1/videos`, { script_text: `Alpha video ${i}.`, metadata: { n: i } }, alpha);
      assert.equal(r.status, 202);
      alphaIds.push(r.body.task_id);
    }
    betaId = (await postJson(`${svc.url}/v1/videos`, { script_text: 'Beta video.' }, beta)).body.task_id;
  });
  after(() => svc?.stop());

  it("a key sees its own tasks, newest first, in pages of `limit`, as task views", async () => {
    const pages = await allPages(svc.url, alpha, 2);
    assert.deepEqual(pages.map((p) => p.data.length), [2, 2, 1]);
    assert.equal(pages.at(-1).next_cursor, null);
    const listed = pages.flatMap((p) => p.data);
    // Created in this order within the same test, possibly within one millisecond: compare as sets
    // and check the order by created_at.
    assert.deepEqual(listed.map((v) => v.task_id).sort(), [...alphaIds].sort());
    const times = listed.map((v) => v.created_at);
    assert.deepEqual(times, [...times].sort().reverse());
    const one = listed.find((v) => v.task_id === alphaIds[0]);
    assert.deepEqual(one, (await getJson(`${svc.url}/v1/videos/${alphaIds[0]}`, alpha)).body);
  });

  it("another key's tasks never show", async () => {
    const r = await getJson(`${svc.url}/v1/videos`, beta);
    assert.deepEqual(r.body.data.map((v: any) => v.task_id), [betaId]);
    assert.equal(r.body.next_cursor, null);
  });

  it('needs a key', async () => {
    const r = await getJson(`${svc.url}/v1/videos`);
    assert.equal(r.status, 401);
    assert.equal(r.body.error.code, 'unauthorized');
  });

  it('a bad limit or cursor is a 422 naming the parameter', async () => {
    for (const [query, path] of [
      ['limit=0', 'limit'],
      ['limit=101', 'limit'],
      ['limit=ten', 'limit'],
      ['cursor=nonsense', 'cursor'],
      [`cursor=${Buffer.from('["yesterday","x"]').toString('base64url')}`, 'cursor'],
    ] as const) {
      const r = await getJson(`${svc.url}/v1/videos?${query}`, alpha);
      assert.equal(r.status, 422, query);
      assert.equal(r.body.error.code, 'invalid_request');
      assert.deepEqual(r.body.error.details.map((d: any) => d.path), [path], query);
    }
  });
});

describe('GET /v1/videos without API keys', () => {
  let svc: RunningServer;
  before(async () => {
    svc = await serve();
  });
  after(() => svc?.stop());

  it('lists every task', async () => {
    const ids = [];
    for (let i = 0; i < 3; i++) ids.push((await postJson(`${svc.url}/generate-video`, { script_text: `Video ${i}.` })).body.task_id);
    const r = await getJson(`${svc.url}/v1/videos`);
    assert.equal(r.status, 200);
    assert.deepEqual(r.body.data.map((v: any) => v.task_id).sort(), ids.sort());
    assert.equal(r.body.next_cursor, null);
  });
});
