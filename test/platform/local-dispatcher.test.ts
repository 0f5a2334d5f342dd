// The local dispatcher against a loopback worker: Cloud Tasks semantics.
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { createLogger } from '../../functions/log.ts';
import * as T from '../../functions/domain/task.ts';
import { VideoRequestSchema } from '../../functions/domain/video-request.ts';
import { callbackJob, renderJob, type Job } from '../../functions/platform/jobs.ts';
import { defaultQueuePolicies, LocalDispatcher, requeueOwed, type LocalDispatcherOptions, type QueuePolicy } from '../../functions/platform/local-dispatcher.ts';
import { TaskStore } from '../../functions/platform/leased-store.ts';
import { LocalTaskStore } from '../../functions/platform/local-task-store.ts';

async function worker(handler: (req: IncomingMessage, res: ServerResponse) => void) {
  const server = createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => server.close() };
}

const log = createLogger('fatal');

/** Quick queues for tests: the render queue at `renders` at a time, callbacks at 8. */
function queues(renders: number, over: Partial<QueuePolicy> = {}): LocalDispatcherOptions['queues'] {
  const q = defaultQueuePolicies({ maxConcurrentRenders: renders, renderDeadlineMs: 60_000 });
  return { render: { ...q.render, minBackoffMs: 20, maxBackoffMs: 100, ...over }, callbacks: { ...q.callbacks, minBackoffMs: 20, maxBackoffMs: 100, ...over } };
}

describe('local dispatcher', () => {
  it('POSTs to /tasks/{id}/run with the Cloud Tasks headers', async () => {
    const seen: IncomingMessage[] = [];
    const w = await worker((req, res) => {
      seen.push(req);
      res.writeHead(204).end();
    });
    const d = new LocalDispatcher({ workerUrls: () => [w.url], queues: queues(2), log, headers: { 'x-token': 't' } });
    await d.enqueue(renderJob('abc', 0));
    await d.idle();
    assert.equal(seen.length, 1);
    assert.equal(seen[0]!.method, 'POST');
    assert.equal(seen[0]!.url, '/tasks/abc/run');
    assert.equal(seen[0]!.headers['x-cloudtasks-taskname'], 'abc-r0');
    assert.equal(seen[0]!.headers['x-cloudtasks-queuename'], 'render');
    assert.equal(seen[0]!.headers['x-cloudtasks-taskretrycount'], '0');
    assert.equal(seen[0]!.headers['x-token'], 't');
    await d.close();
    w.close();
  });

  it('retries 5xx with backoff, honouring Retry-After, until a 2xx', async () => {
    const times: number[] = [];
    const w = await worker((_req, res) => {
      times.push(Date.now());
      if (times.length === 1) res.writeHead(503, { 'retry-after': '1' }).end();
      else if (times.length === 2) res.writeHead(500).end();
      else res.writeHead(200).end();
    });
    const d = new LocalDispatcher({ workerUrls: () => [w.url], queues: queues(1, { minBackoffMs: 50 }), log });
    await d.enqueue(renderJob('t', 0));
    await d.idle();
    assert.equal(times.length, 3);
    assert.ok(times[1]! - times[0]! >= 950, 'waited for Retry-After');
    await d.close();
    w.close();
  });

  it('never runs more than maxConcurrent at once, and de-duplicates waiting ids', async () => {
    let running = 0;
    let peak = 0;
    const served: string[] = [];
    const w = await worker((req, res) => {
      running++;
      peak = Math.max(peak, running);
      served.push(req.url!);
      setTimeout(() => {
        running--;
        res.writeHead(200).end();
      }, 80);
    });
    const d = new LocalDispatcher({ workerUrls: () => [w.url], queues: queues(2), log });
    for (const id of ['a', 'b', 'c', 'd', 'e', 'a', 'b']) await d.enqueue(renderJob(id, 0));
    await d.idle();
    assert.equal(peak, 2);
    assert.equal(served.length, 5);
    await d.close();
    w.close();
  });

  it('keeps retrying while the worker is down, and delivers once it is up', async () => {
    let delivered = 0;
    const w = await worker((_req, res) => {
      delivered++;
      res.writeHead(200).end();
    });
    let target = 'http://127.0.0.1:1';
    const d = new LocalDispatcher({ workerUrls: () => [target], queues: queues(1, { maxBackoffMs: 40 }), log });
    await d.enqueue(renderJob('x', 0));
    await new Promise((r) => setTimeout(r, 150));
    assert.equal(delivered, 0);
    target = w.url;
    await d.idle();
    assert.equal(delivered, 1);
    await d.close();
    await assert.rejects(d.enqueue(renderJob('y', 0)), /closed/);
    w.close();
  });

  it('queues are independent: callbacks go out while every render slot is busy', async () => {
    let releaseRender!: () => void;
    const renderHeld = new Promise<void>((r) => (releaseRender = r));
    const served: string[] = [];
    const w = await worker((req, res) => {
      served.push(req.url!);
      if (req.url!.endsWith('/run')) void renderHeld.then(() => res.writeHead(200).end());
      else res.writeHead(200).end();
    });
    const d = new LocalDispatcher({ workerUrls: () => [w.url], queues: queues(1), log });
    await d.enqueue(renderJob('busy', 0));
    await d.enqueue(renderJob('waiting', 0));
    const cb = callbackJob('done', 0);
    await d.enqueue(cb);
    while (!served.includes(cb.path)) await new Promise((r) => setImmediate(r));
    assert.deepEqual(served.filter((u) => u.endsWith('/run')), ['/tasks/busy/run'], 'the second render still waits for the slot');
    releaseRender();
    await d.idle();
    assert.equal(served.length, 3);
    await d.close();
    w.close();
  });

  it('gives up once the queue\'s retry duration has passed (injected clock)', async () => {
    let now = 0;
    let tries = 0;
    const w = await worker((_req, res) => {
      tries++;
      now += 10 * 60_000; // each failed try "takes" ten minutes
      res.writeHead(500).end();
    });
    const d = new LocalDispatcher({ workerUrls: () => [w.url], queues: queues(1, { maxRetryDurationMs: 30 * 60_000, maxAttempts: Infinity }), log, now: () => now });
    await d.enqueue(callbackJob('late', 0));
    await d.idle();
    assert.equal(tries, 3, 'tried at 0, 10 and 20 minutes, then past 30 gave up');
    await d.close();
    w.close();
  });

  it('spreads deliveries over its workers, and passes over one that gives no answer', async () => {
    const seen = { a: 0, b: 0 };
    const mk = async (name: 'a' | 'b') => worker((_req, res) => {
      seen[name]++;
      setTimeout(() => res.writeHead(200).end(), 20);
    });
    const a = await mk('a');
    const b = await mk('b');
    const d = new LocalDispatcher({ workerUrls: () => [a.url, b.url], queues: queues(4), log });
    for (let i = 0; i < 8; i++) await d.enqueue(renderJob(`s${i}`, 0));
    await d.idle();
    assert.ok(seen.a > 0 && seen.b > 0, JSON.stringify(seen));
    assert.equal(seen.a + seen.b, 8);
    // One worker gone: after its first refused connection, the jobs go to the other.
    const dead = 'http://127.0.0.1:1';
    const only = new LocalDispatcher({ workerUrls: () => [dead, a.url], queues: queues(1), log });
    const before = seen.a;
    for (let i = 0; i < 5; i++) await only.enqueue(renderJob(`d${i}`, 0));
    await only.idle();
    assert.equal(seen.a - before, 5);
    await d.close();
    await only.close();
    a.close();
    b.close();
  });
});

describe('after a restart (requeueOwed)', () => {
  /** A store holding a queued task, one mid-render, a completed one whose callback failed once, and a settled one. */
  async function storeOwing() {
    const store = new TaskStore(new LocalTaskStore({ path: ':memory:' }));
    const request = VideoRequestSchema.parse({ script_text: 'Hello.', callback_url: 'https://example.com/hook' });
    const now = new Date();
    const make = async (id: string) => {
      await store.create(T.newTask({ id, owner: null, request, now, retentionDays: 7 }));
      return id;
    };
    await make('queued');
    const running = await make('running');
    await store.update(running, (t) => ({ write: t && T.redispatch(t, now).task, result: null }));
    await store.claim(running, 'w', 60_000, 5);
    const owing = await make('owing');
    await store.claim(owing, 'w', 60_000, 5);
    const output = { video_key: 'v', captions_vtt_key: null, captions_srt_key: null, thumbnail_key: null, duration_s: 1, width: 1, height: 1, size_bytes: 1, credits: [] };
    await store.complete(owing, 'w', output, []);
    // Its first job (number 0) was tried once, and forgotten with the process.
    await store.update(owing, (t) => ({ write: t && { ...t, callback: { ...t.callback!, jobs: 1, attempts: 1, last_status: 500 } }, result: null }));
    const done = await make('done');
    await store.claim(done, 'w', 60_000, 5);
    await store.complete(done, 'w', output, []);
    await store.update(done, (t) => ({ write: t && { ...t, callback: { ...t.callback!, state: 'delivered' as const } }, result: null }));
    return store;
  }

  it('asks again for every unfinished render and every pending callback, under the names of their last asks', async () => {
    const store = await storeOwing();
    const jobs: Job[] = [];
    await requeueOwed(store, { enqueue: async (j) => void jobs.push(j), close: async () => {} }, log, { renders: true });
    assert.deepEqual(jobs.map((j) => j.name).sort(), ['owing-c0', 'queued-r0', 'running-r1']);
    assert.deepEqual(jobs.find((j) => j.name === 'owing-c0'), callbackJob('owing', 0));
    await store.close();
  });

  it('a worker that only queues its own callbacks asks again for those alone', async () => {
    const store = await storeOwing();
    const jobs: Job[] = [];
    await requeueOwed(store, { enqueue: async (j) => void jobs.push(j), close: async () => {} }, log, { renders: false });
    assert.deepEqual(jobs.map((j) => j.name), ['owing-c0']);
    await store.close();
  });
});
