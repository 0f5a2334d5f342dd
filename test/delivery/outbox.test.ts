// The callback outbox end to end over a real task store: the event recorded with the task's end,
// delivered by jobs that each make one attempt, held against duplicates, retried by the queue
// until delivered, refused or a day old; and the sweeper asking again for what is owed.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, beforeEach, describe, it } from 'node:test';
import { deliverCallback, requestCallback, type CallbackDeps } from '../../functions/delivery/deliver.ts';
import { sweep, type SweepDeps } from '../../functions/delivery/sweep.ts';
import * as T from '../../functions/domain/task.ts';
import { VideoRequestSchema } from '../../functions/domain/video-request.ts';
import { createLogger } from '../../functions/log.ts';
import type { Job } from '../../functions/platform/jobs.ts';
import { TaskStore } from '../../functions/platform/leased-store.ts';
import { LocalTaskStore } from '../../functions/platform/local-task-store.ts';
import type { Dispatcher } from '../../functions/platform/ports.ts';

const log = createLogger('fatal');
const HOUR = 3_600_000;

/** A receiver whose answers the test scripts; each request can be held until the test releases it. */
let answers: number[] = [];
let hold: Promise<void> | null = null;
let received: { deliveryId: string; event: string }[] = [];
let hookUrl = '';
const server = createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    received.push({ deliveryId: String(req.headers['x-reelsmith-delivery-id']), event: String(req.headers['x-reelsmith-event']) });
    const status = answers.shift() ?? 200;
    void (hold ?? Promise.resolve()).then(() => res.writeHead(status).end());
  });
});
before(async () => {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  hookUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
});
after(() => server.close());

let clock = new Date('2030-01-01T00:00:00Z');
const tick = (ms: number) => (clock = new Date(clock.getTime() + ms));
let store: TaskStore;
let enqueued: Job[];
const dispatcher: Dispatcher = { enqueue: async (job) => void enqueued.push(job), close: async () => {} };
const signer = { signedUrl: async (key: string) => ({ url: `https://files.example/${key}`, expiresAt: new Date(clock.getTime() + HOUR) }) };
let local: LocalTaskStore;
const deps = (): CallbackDeps => ({ store, batches: local.batches(), dispatcher, apiUrl: () => 'https://api.example', blobs: signer, signedUrlTtlS: 3600, secret: 'x'.repeat(32), allowPrivate: true, log, instanceId: 'test' });

beforeEach(() => {
  clock = new Date('2030-01-01T00:00:00Z');
  local = new LocalTaskStore({ path: ':memory:', now: () => new Date(clock) });
  store = new TaskStore(local);
  enqueued = [];
  answers = [];
  received = [];
  hold = null;
});

async function endedTask(how: 'completed' | 'cancelled' = 'cancelled', callback = true): Promise<string> {
  const request = VideoRequestSchema.parse({ script_text: 'Hello.', ...(callback ? { callback_url: hookUrl } : {}) });
  const t = T.newTask({ id: `t${Math.random().toString(36).slice(2, 8)}`, owner: null, request, now: clock, retentionDays: 7 });
  await store.create(t);
  if (how === 'cancelled') await store.cancel(t.id);
  else {
    await store.claim(t.id, 'w', 60_000, 5);
    await store.complete(t.id, 'w', { video_key: 'v.mp4', captions_vtt_key: null, captions_srt_key: null, thumbnail_key: null, duration_s: 1, width: 720, height: 1280, size_bytes: 1, credits: [] }, []);
  }
  return t.id;
}

describe('callback outbox', () => {
  it('the end of a task records its event; a job delivers it once, a duplicate job sends nothing', async () => {
    const id = await endedTask('completed');
    const owed = await store.get(id);
    assert.equal(owed?.callback?.state, 'pending');
    assert.equal(owed?.callback?.event, 'task.completed');
    assert.deepEqual((await deliverCallback(deps(), id)).status, 200);
    assert.deepEqual(received, [{ deliveryId: `${id}.completed`, event: 'task.completed' }]);
    assert.equal((await store.get(id))?.callback?.state, 'delivered');
    assert.deepEqual((await deliverCallback(deps(), id)).body.outcome, 'nothing_owed');
    assert.equal(received.length, 1);
  });

  it('a failing receiver: 409 to the queue (retry this job, do not slow the queue), attempts counted, then delivered with the same delivery id', async () => {
    const id = await endedTask();
    answers = [500, 503];
    assert.equal((await deliverCallback(deps(), id)).status, 409);
    tick(10_000);
    assert.equal((await deliverCallback(deps(), id)).status, 409);
    const mid = (await store.get(id))?.callback;
    assert.equal(mid?.attempts, 2);
    assert.equal(mid?.last_status, 503);
    assert.equal((await deliverCallback(deps(), id)).status, 200);
    assert.deepEqual(new Set(received.map((r) => r.deliveryId)), new Set([`${id}.cancelled`]));
    const done = (await store.get(id))?.callback;
    assert.equal(done?.state, 'delivered');
    assert.equal(done?.attempts, 3);
  });

  it('a refusal (410) or a day of failures gives the event up', async () => {
    const refused = await endedTask();
    answers = [410];
    assert.equal((await deliverCallback(deps(), refused)).status, 200);
    assert.equal((await store.get(refused))?.callback?.state, 'gave_up');
    const late = await endedTask();
    answers = [500];
    tick(24 * HOUR);
    assert.equal((await deliverCallback(deps(), late)).status, 200);
    assert.equal((await store.get(late))?.callback?.state, 'gave_up');
  });

  it('while one delivery is sending, a duplicate waits (409 with Retry-After) instead of sending twice', async () => {
    const id = await endedTask();
    let release!: () => void;
    hold = new Promise((r) => (release = r));
    const first = deliverCallback(deps(), id);
    while (received.length === 0) await new Promise((r) => setImmediate(r));
    const second = await deliverCallback(deps(), id);
    assert.equal(second.status, 409);
    assert.ok((second.retryAfterS ?? 0) > 0);
    release();
    assert.equal((await first).status, 200);
    assert.equal(received.length, 1);
  });

  it('requestCallback numbers each ask, so an ask after the queue gave up is a new job', async () => {
    const id = await endedTask();
    await requestCallback(store, dispatcher, id, log);
    await requestCallback(store, dispatcher, id, log);
    assert.deepEqual(enqueued.map((j) => j.name), [`${id}-c0`, `${id}-c1`]);
    const quiet = await endedTask('cancelled', false);
    await requestCallback(store, dispatcher, quiet, log);
    assert.equal(enqueued.length, 2, 'no callback_url, nothing to ask for');
  });
});

describe('sweeper', () => {
  const policy = { maxAttempts: 3, staleMs: 30 * 60_000, callbackStaleMs: 2 * HOUR, callbackLostMs: 5 * 60_000 };
  const sweeper = (): SweepDeps => ({ store, dispatcher, policy, log, now: () => new Date(clock) });
  const request = VideoRequestSchema.parse({ script_text: 'Hello.', callback_url: 'https://example.com/hook' });
  const newTask = async () => {
    const t = T.newTask({ id: `s${Math.random().toString(36).slice(2, 8)}`, owner: null, request, now: clock, retentionDays: 7 });
    await store.create(t);
    return t.id;
  };

  it('asks again at once for a task whose first ask failed, and later for one nothing has touched', async () => {
    const failedAsk = await newTask();
    await store.update(failedAsk, (t) => ({ write: t && { ...t, dispatch_failed_at: clock.toISOString() }, result: null }));
    const waiting = await newTask();
    assert.deepEqual((await sweep(sweeper())).redispatched, [failedAsk]);
    assert.deepEqual(enqueued.map((j) => j.name), [`${failedAsk}-r1`]);
    assert.equal((await store.get(failedAsk))?.dispatch_failed_at, null);
    tick(31 * 60_000);
    const report = await sweep(sweeper());
    assert.deepEqual(report.redispatched.sort(), [failedAsk, waiting].sort());
    assert.ok(enqueued.some((j) => j.name === `${waiting}-r1`));
  });

  it('a dead worker\'s task is asked for again; with its attempts used up it fails for good, with its callback', async () => {
    const dead = await newTask();
    await store.claim(dead, 'w1', 60_000, 5);
    const used = await newTask();
    for (let i = 0; i < 3; i++) {
      await store.claim(used, `w${i}`, 60_000, 5);
      tick(61_000);
    }
    tick(31 * 60_000);
    const report = await sweep(sweeper());
    assert.deepEqual(report.redispatched, [dead]);
    assert.deepEqual(report.exhausted, [used]);
    const failed = await store.get(used);
    assert.equal(failed?.status, 'failed');
    assert.equal(failed?.error?.code, 'attempts_exhausted');
    assert.equal(failed?.callback?.event, 'task.failed');
    assert.ok(enqueued.some((j) => j.name === `${used}-c0`), 'its callback was asked for');
  });

  it('a task it fails for good has its stored files dropped (a fan-out whose deliveries all died leaves its plan and chunks)', async () => {
    const dropped: string[] = [];
    const used = await newTask();
    for (let i = 0; i < 3; i++) {
      await store.claim(used, `w${i}`, 60_000, 5);
      tick(61_000);
    }
    tick(31 * 60_000);
    const report = await sweep({ ...sweeper(), dropFiles: async (id) => void dropped.push(id) });
    assert.deepEqual(report.exhausted, [used]);
    assert.deepEqual(dropped, [used]);
  });

  it('a callback never sent (its job was lost) is asked for again', async () => {
    const id = await newTask();
    await store.cancel(id);
    assert.deepEqual((await sweep(sweeper())).callbacks, [], 'not yet: the first job may still come');
    tick(6 * 60_000);
    assert.deepEqual((await sweep(sweeper())).callbacks, [id]);
    assert.deepEqual(enqueued.map((j) => j.name), [`${id}-c0`]);
  });
});
