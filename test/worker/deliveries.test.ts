// At-least-once delivery, as Cloud Tasks does it: duplicate and overlapping deliveries, a worker
// that died holding the lease, one that is stopped with SIGTERM mid-render, and one that keeps
// dying. Each task ends once: one completion, one object, one callback.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../../functions/config.ts';
import { createLogger } from '../../functions/log.ts';
import { startServer, type RunningServer } from '../../functions/server.ts';
import { getJson, pollUntilFinal, postJson } from '../support/http.ts';
import { DocumentChecker, documented } from '../support/openapi.ts';
import { makeVideo } from '../support/media-fixtures.ts';
import { startService } from '../support/service.ts';
import { tempDir } from '../support/temp-dir.ts';
import { waitFor } from '../support/wait.ts';

const quiet = createLogger('fatal');
// Square 720p, the smallest frame the API makes, and no Ken Burns move: deliveries, leases and
// outcomes are the point, not the picture.
const script = { script_text: 'Deliveries arrive at least once. Each task ends once.', resolution: '720p', aspect_ratio: '1:1', captions: { style: 'line' }, motion: 'none' };

describe('worker deliveries', () => {
  let dataDir: string;
  let api: RunningServer;
  let worker: RunningServer;
  const callbacks: { task_id: string; status: string; delivery_id: string }[] = [];
  const arrived: (() => void)[] = [];
  /** Resolves once the task's callback has reached the receiver (callbacks are jobs of their own now). */
  const callbackOf = async (id: string) => {
    while (!callbacks.some((c) => c.task_id === id)) await new Promise<void>((r) => arrived.push(r));
    return callbacks.filter((c) => c.task_id === id).map(({ task_id, status }) => ({ task_id, status }));
  };
  let hook = '';
  let closeHook = () => {};

  const env = (extra: Record<string, string> = {}) => ({
    PORT: '0',
    DATA_DIR: dataDir,
    LOG_LEVEL: 'error',
    // The renders here check outcomes, leases and frames, not the encoder's efficiency.
    RENDER_PRESET: 'ultrafast',
    ALLOW_PRIVATE_URLS: 'true',
    // No test here waits for a lease to run out (they move its expiry by hand), and a render under
    // a 2 s lease could lose it to a late renewal on a loaded machine.
    LEASE_SECONDS: '60',
    MAX_ATTEMPTS: '3',
    CALLBACK_SECRET: 'deliveries-secret-0000000000000000',
    // The api's own dispatcher points at a dead port: the test delivers by hand.
    WORKER_URL: 'http://127.0.0.1:1',
    ...extra,
  });
  const run = (id: string, retry = '0') =>
    fetch(`${worker.url}/tasks/${id}/run`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-cloudtasks-taskretrycount': retry },
      body: JSON.stringify({ task_id: id }),
    });
  const submit = async () => {
    const r = await postJson(`${api.url}/generate-video`, { ...script, callback_url: hook });
    assert.equal(r.status, 202);
    return r.body.task_id as string;
  };

  before(async () => {
    dataDir = tempDir('reelsmith-deliveries-');
    api = await startServer(loadConfig(env()), 'api', quiet);
    // The worker's own queue delivers its callback jobs to itself.
    worker = await startServer(loadConfig({ ...env(), WORKER_URL: undefined }), 'worker', quiet);
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        const v = JSON.parse(body);
        callbacks.push({ task_id: v.task_id, status: v.status, delivery_id: String(req.headers['x-reelsmith-delivery-id']) });
        res.writeHead(200).end();
        for (const w of arrived.splice(0)) w();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    hook = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
    closeHook = () => server.close();
  });

  after(async () => {
    await worker?.stop();
    await api?.stop();
    closeHook();
  });

  it('overlapping deliveries: one renders, the other is told to come back; a late duplicate changes nothing', async () => {
    const id = await submit();
    const [a, b] = await Promise.all([run(id), run(id)]);
    const statuses = [a.status, b.status].sort();
    // 409: another delivery of this task, not an overloaded worker (Cloud Tasks throttles the whole queue on 503).
    assert.deepEqual(statuses, [200, 409]);
    const busy = a.status === 409 ? a : b;
    assert.ok(Number(busy.headers.get('retry-after')) >= 1);
    const view = (await getJson(`${api.url}/task/${id}`)).body;
    assert.equal(view.status, 'completed');
    const late = await run(id, '1');
    assert.equal(late.status, 200);
    assert.equal(((await late.json()) as { outcome: string }).outcome, 'completed');
    assert.equal((await getJson(`${api.url}/task/${id}`)).body.updated_at, view.updated_at);
    assert.deepEqual(await callbackOf(id), [{ task_id: id, status: 'completed' }]);
  });

  it('a worker that died holding the lease: the next delivery waits for the lease, then takes over', async () => {
    const id = await submit();
    const dead = await api.runtime.store.claim(id, 'dead-worker', 60_000, 5);
    assert.equal(dead.kind, 'claimed');
    // It had uploaded its video (under its attempt's names) when it died, before it could complete.
    const half = join(dataDir, 'half.mp4');
    writeFileSync(half, 'the dead attempt uploaded this');
    await api.runtime.blobs.put(`videos/${id}/a1/video.mp4`, half, { contentType: 'video/mp4' });
    const early = await run(id);
    assert.equal(early.status, 409);
    // The dead worker's lease runs out (the clock moved on for it, not for the test).
    await api.runtime.store.update(id, (t) => ({ write: t && { ...t, lease_expires_at: new Date(Date.now() - 1).toISOString() }, result: null }));
    const again = await run(id, '1');
    assert.equal(again.status, 200);
    const t = await api.runtime.store.get(id);
    assert.equal(t?.status, 'completed');
    assert.equal(t?.attempt, 2);
    assert.equal(await api.runtime.blobs.exists(t!.output!.video_key), true);
    assert.equal(await api.runtime.blobs.exists(`videos/${id}/a1/video.mp4`), false, 'the winner deleted what the dead attempt uploaded');
    // The dead worker, were it to come back, can no longer record anything.
    assert.equal(await api.runtime.store.complete(id, 'dead-worker', t!.output!, []), null);
    assert.equal((await callbackOf(id)).length, 1);
  });

  it('a task whose workers keep dying fails once its attempts are used up', async () => {
    const id = await submit();
    for (let i = 0; i < 3; i++) {
      assert.equal((await api.runtime.store.claim(id, `dying-${i}`, 1, 5)).kind, 'claimed');
      await new Promise((r) => setTimeout(r, 5));
    }
    const res = await run(id, '3');
    assert.equal(res.status, 200);
    const t = await api.runtime.store.get(id);
    assert.equal(t?.status, 'failed');
    assert.equal(t?.error?.code, 'attempts_exhausted');
    assert.deepEqual(await callbackOf(id), [{ task_id: id, status: 'failed' }]);
  });

  it('SIGTERM mid-render hands the task back; the next delivery finishes it', async () => {
    const id = await submit();
    const proc = await startService({ ...env(), FUNCTION_TARGET: 'worker', LOG_LEVEL: 'info' }, { dataDir });
    const delivery = fetch(`${proc.url}/tasks/${id}/run`, { method: 'POST', body: '{}' }).then((r) => r.status, () => 'reset');
    await waitFor(async () => (await api.runtime.store.get(id))?.status === 'processing', 'the worker to claim the task', { everyMs: 20 });
    assert.equal(await proc.stop(), 0, 'exits cleanly');
    assert.equal(await delivery, 503, 'the interrupted delivery asks to be retried');
    const handedBack = await api.runtime.store.get(id);
    assert.equal(handedBack?.status, 'queued');
    assert.equal(handedBack?.error?.code, 'interrupted');
    assert.deepEqual(readdirSync(join(dataDir, 'scratch')), []);
    assert.equal((await run(id, '1')).status, 200);
    const { final } = await pollUntilFinal(`${api.url}/task/${id}`);
    assert.equal(final.status, 'completed');
    assert.equal((await callbackOf(id)).length, 1);
  });

  it('a worker whose render slots (MAX_CONCURRENT_TASKS) are all taken answers another render 503 with Retry-After, claiming nothing', async () => {
    // A clip whose server holds its answer keeps the first render in its footage stage until released.
    const clip = await makeVideo(join(dataDir, 'held.mp4'), { width: 96, height: 160, durationS: 2 });
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    const clips = createServer((_req, res) => void released.then(() => res.writeHead(200, { 'content-type': 'video/mp4' }).end(readFileSync(clip))));
    await new Promise<void>((r) => clips.listen(0, '127.0.0.1', r));
    const one = await startServer(loadConfig({ ...env(), WORKER_URL: undefined, MAX_CONCURRENT_TASKS: '1' }), 'worker', quiet);
    try {
      const held = await postJson(`${api.url}/generate-video`, { ...script, clip_urls: [`http://127.0.0.1:${(clips.address() as AddressInfo).port}/held.mp4`] });
      const other = await submit();
      const first = fetch(`${one.url}/tasks/${held.body.task_id}/run`, { method: 'POST', body: '{}' });
      await waitFor(async () => (await api.runtime.store.get(held.body.task_id))?.status === 'processing', 'the first render to start', { everyMs: 20 });
      const refused = await fetch(`${one.url}/tasks/${other}/run`, { method: 'POST', body: '{}' });
      assert.equal(refused.status, 503);
      assert.ok(Number(refused.headers.get('retry-after')) >= 1);
      assert.deepEqual(await refused.json(), { task_id: other, outcome: 'busy' });
      assert.equal((await api.runtime.store.get(other))?.attempt, 0, 'the refused delivery claimed nothing');
      release();
      assert.equal((await first).status, 200);
      assert.equal((await fetch(`${one.url}/tasks/${other}/run`, { method: 'POST', body: '{}' })).status, 200, 'a slot is free again');
    } finally {
      release();
      await one.stop();
      clips.close();
    }
  });

  it('its answers match the OpenAPI document (held elsewhere: 409 with Retry-After; finished: 200)', async () => {
    const doc = new DocumentChecker();
    const id = await submit();
    assert.equal((await api.runtime.store.claim(id, 'another-worker', 60_000, 5)).kind, 'claimed');
    const busy = await documented(doc, '/tasks/{id}/run', `${worker.url}/tasks/${id}/run`, { method: 'POST', body: '{}' });
    assert.equal(busy.status, 409);
    assert.ok(Number(busy.headers.get('retry-after')) >= 1);
    await api.runtime.store.cancel(id);
    const done = await documented(doc, '/tasks/{id}/run', `${worker.url}/tasks/${id}/run`, { method: 'POST', body: '{}' });
    assert.deepEqual(done.body, { task_id: id, outcome: 'cancelled' });
  });
});
