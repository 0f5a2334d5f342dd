// The store contract: every adapter (local SQLite, Firestore) runs this same suite, through the
// lease verbs written once over it (platform/leased-store.ts): videos' tasks, and storyboards in
// a store of their own. The clock is the store's `now` option, so lease expiry is tested without sleeping.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it, beforeEach, afterEach } from 'node:test';
import * as T from '../../functions/domain/task.ts';
import { newStoryboard, type StoryboardRecord, type StoryboardResult } from '../../functions/domain/storyboard.ts';
import { VideoRequestSchema } from '../../functions/domain/video-request.ts';
import type { AdmissionLimits } from '../../functions/domain/admission.ts';
import { StoryboardStore, TaskStore } from '../../functions/platform/leased-store.ts';
import type { BatchStore, RecordStore, TaskListCursor, TaskRecordStore } from '../../functions/platform/ports.ts';
import { itemEnded, newBatch, type BatchRecord } from '../../functions/domain/batch.ts';
import type { WrittenScript } from '../../functions/domain/script.ts';

export interface TaskStoreHarness {
  /** The adapter of videos' tasks, and of storyboards (closed first: it may share the tasks' client). */
  tasks: TaskRecordStore;
  storyboards: RecordStore<StoryboardRecord>;
  /** The batches made with the tasks (TaskRecordStore.createBatch). */
  batches: BatchStore;
  /** Called after close(): drop whatever the harness made (files, emulator data). */
  cleanup?: () => Promise<void>;
}

/** Build fresh, empty stores whose clock is `now`. */
export type TaskStoreFactory = (now: () => Date) => Promise<TaskStoreHarness>;

const MAX_ATTEMPTS = 5;

const LEASE_MS = 30_000;

const mainVideo = {
  video_key: 'videos/x/video.mp4',
  captions_vtt_key: 'videos/x/captions.vtt',
  captions_srt_key: null,
  thumbnail_key: 'videos/x/thumbnail.jpg',
  duration_s: 12.5,
  width: 1080,
  height: 1920,
  size_bytes: 123_456,
};
const output: T.TaskOutput = {
  ...mainVideo,
  credits: [{ provider: 'pexels', author: 'Ann', author_url: 'https://example.com/ann', video_url: null }],
  // Every video of the task, the main one first: nested maps in an array must come back as stored.
  outputs: [
    { aspect_ratio: '9:16', resolution: '1080p', ...mainVideo },
    {
      aspect_ratio: '16:9',
      resolution: '720p',
      video_key: 'videos/x/16x9/video.mp4',
      captions_vtt_key: 'videos/x/16x9/captions.vtt',
      captions_srt_key: 'videos/x/16x9/captions.srt',
      thumbnail_key: null,
      duration_s: 12.5,
      width: 1280,
      height: 720,
      size_bytes: 98_765,
    },
  ],
};

const transient: T.TaskFailure = { code: 'provider_unavailable', message: 'upstream 503', retryable: true };
const permanent: T.TaskFailure = { code: 'invalid_clip', message: 'not a video', retryable: false };

export function taskStoreContract(name: string, factory: TaskStoreFactory, opts: { skip?: string | false } = {}): void {
  describe(`TaskStore contract: ${name}`, { skip: opts.skip ?? false }, () => {
    let clock = new Date('2030-01-01T00:00:00.000Z');
    const now = () => new Date(clock);
    const tick = (ms: number) => {
      clock = new Date(clock.getTime() + ms);
    };
    let h: TaskStoreHarness;
    let store: TaskStore;
    let boards: StoryboardStore;

    beforeEach(async () => {
      clock = new Date('2030-01-01T00:00:00.000Z');
      h = await factory(now);
      store = new TaskStore(h.tasks);
      boards = new StoryboardStore(h.storyboards);
    });
    afterEach(async () => {
      await boards.close();
      await store.close();
      await h.cleanup?.();
    });

    const request = VideoRequestSchema.parse({
      script_text: 'First sentence. Second one.',
      // Free-form metadata, including a nested array, must come back exactly as sent.
      metadata: { campaign: 'spring', tags: [['a', 'b'], ['c']], n: 1.5, ok: true, none: null },
    });

    function task(over: Partial<{ id: string; owner: string | null; key: string | null; hash: string | null }> = {}) {
      return T.newTask({
        id: over.id ?? randomUUID(),
        owner: over.owner === undefined ? 'owner-a' : over.owner,
        request,
        now: now(),
        retentionDays: 7,
        idempotencyKey: over.key ?? null,
        requestHash: over.hash ?? null,
      });
    }

    async function claimed(owner = 'worker-1') {
      const t = task();
      await store.create(t);
      const c = await store.claim(t.id, owner, LEASE_MS, MAX_ATTEMPTS);
      assert.equal(c.kind, 'claimed');
      return t.id;
    }

    it('stores a task and reads it back unchanged', async () => {
      const t = task();
      assert.deepEqual(await store.create(t), { kind: 'created', task: t });
      assert.deepEqual(await store.get(t.id), t);
      assert.equal(await store.get('no-such-task'), null);
    });

    it('never overwrites: a second create with the same id fails and keeps the first', async () => {
      const t = task();
      await store.create(t);
      const other = { ...task({ id: t.id }), owner: 'owner-b' };
      await assert.rejects(store.create(other));
      assert.deepEqual(await store.get(t.id), t);
    });

    it('idempotency: same key and body → the existing task; another body → conflict', async () => {
      const first = task({ key: 'key-1', hash: 'hash-1' });
      assert.equal((await store.create(first)).kind, 'created');

      const again = await store.create(task({ key: 'key-1', hash: 'hash-1' }));
      assert.equal(again.kind, 'existing');
      assert.deepEqual(again.task, first);

      const changed = await store.create(task({ key: 'key-1', hash: 'hash-2' }));
      assert.equal(changed.kind, 'conflict');
      assert.equal(changed.task.id, first.id);

      // Keys are per owner, and tasks without a key never collide.
      assert.equal((await store.create(task({ owner: 'owner-b', key: 'key-1', hash: 'hash-9' }))).kind, 'created');
      assert.equal((await store.create(task({ owner: null, key: 'key-1', hash: 'hash-9' }))).kind, 'created');
      assert.equal((await store.create(task())).kind, 'created');
      assert.equal((await store.create(task())).kind, 'created');
      assert.equal(await store.countUnfinished(), 5);
    });

    it('claims a queued task: processing, attempt 1, lease held by the claimer', async () => {
      const t = task();
      await store.create(t);
      const c = await store.claim(t.id, 'worker-1', LEASE_MS, MAX_ATTEMPTS);
      assert.equal(c.kind, 'claimed');
      assert.ok(c.kind === 'claimed');
      assert.equal(c.task.status, 'processing');
      assert.equal(c.task.attempt, 1);
      assert.equal(c.task.lease_owner, 'worker-1');
      assert.equal(c.task.lease_expires_at, new Date(clock.getTime() + LEASE_MS).toISOString());
      assert.deepEqual(await store.get(t.id), c.task);
    });

    it('a live lease makes other claimers busy, with the time left', async () => {
      const id = await claimed('worker-1');
      tick(10_000);
      const c = await store.claim(id, 'worker-2', LEASE_MS, MAX_ATTEMPTS);
      assert.deepEqual(c, { kind: 'busy', retryAfterMs: LEASE_MS - 10_000 });
      assert.equal((await store.get(id))?.lease_owner, 'worker-1');
    });

    it('an expired lease is taken over: attempt + 1, and the old holder is locked out', async () => {
      const id = await claimed('worker-1');
      tick(LEASE_MS + 1);
      const c = await store.claim(id, 'worker-2', LEASE_MS, MAX_ATTEMPTS);
      assert.equal(c.kind, 'claimed');
      assert.ok(c.kind === 'claimed');
      assert.equal(c.task.attempt, 2);
      assert.equal(c.task.lease_owner, 'worker-2');

      assert.equal(await store.renewLease(id, 'worker-1', LEASE_MS), null);
      await store.progress(id, 'worker-1', 'render', 90);
      assert.equal(await store.complete(id, 'worker-1', output, []), null);
      assert.equal(await store.fail(id, 'worker-1', permanent, 5), null);
      const after = await store.get(id);
      assert.equal(after?.status, 'processing');
      assert.equal(after?.progress, 0);
      assert.equal(after?.lease_owner, 'worker-2');
    });

    it('only the holder renews its lease, which then outlives the old expiry', async () => {
      const id = await claimed('worker-1');
      tick(20_000);
      const renewed = await store.renewLease(id, 'worker-1', LEASE_MS);
      assert.equal(renewed?.lease_expires_at, new Date(clock.getTime() + LEASE_MS).toISOString());
      tick(20_000); // past the first lease, within the renewed one
      assert.equal((await store.claim(id, 'worker-2', LEASE_MS, MAX_ATTEMPTS)).kind, 'busy');
      assert.equal(await store.renewLease(id, 'worker-2', LEASE_MS), null);
    });

    it('progress is recorded for the holder and never goes backwards', async () => {
      const id = await claimed('worker-1');
      await store.progress(id, 'worker-1', 'footage', 40);
      let t = await store.get(id);
      assert.equal(t?.stage, 'footage');
      assert.equal(t?.progress, 40);
      await store.progress(id, 'worker-1', 'speech', 20);
      t = await store.get(id);
      assert.equal(t?.stage, 'footage');
      assert.equal(t?.progress, 40);
      await store.progress(id, 'worker-2', 'render', 80);
      assert.equal((await store.get(id))?.progress, 40);
    });

    it('the holder completes the task; a finished task cannot be claimed again', async () => {
      const id = await claimed('worker-1');
      tick(1000);
      const done = await store.complete(id, 'worker-1', output, ['used a generated background']);
      assert.equal(done?.status, 'completed');
      assert.equal(done?.progress, 100);
      assert.deepEqual(done?.output, output);
      assert.deepEqual(done?.warnings, ['used a generated background']);
      assert.equal(done?.lease_owner, null);
      assert.deepEqual(await store.get(id), done);
      const again = await store.claim(id, 'worker-2', LEASE_MS, MAX_ATTEMPTS);
      assert.equal(again.kind, 'done');
      assert.equal(await store.countUnfinished(), 0);
    });

    it('a failed attempt is retried while attempts remain; permanent errors fail at once', async () => {
      const id = await claimed('worker-1');
      const retried = await store.fail(id, 'worker-1', transient, 2);
      assert.equal(retried?.status, 'queued');
      assert.deepEqual(retried?.error, transient);
      assert.equal(retried?.lease_owner, null);

      const c = await store.claim(id, 'worker-2', LEASE_MS, MAX_ATTEMPTS);
      assert.ok(c.kind === 'claimed');
      assert.equal(c.task.attempt, 2);
      const last = await store.fail(id, 'worker-2', transient, 2);
      assert.equal(last?.status, 'failed');
      assert.equal(last?.error?.retryable, false);

      const other = await claimed('worker-1');
      const failed = await store.fail(other, 'worker-1', permanent, 5);
      assert.equal(failed?.status, 'failed');
      assert.deepEqual(failed?.error, permanent);
      assert.deepEqual(await store.get(other), failed);
    });

    it('cancel stops a queued or running task, leaves finished ones alone, and locks out the holder', async () => {
      const queued = task();
      await store.create(queued);
      assert.equal((await store.cancel(queued.id))?.status, 'cancelled');
      assert.equal((await store.claim(queued.id, 'worker-1', LEASE_MS, MAX_ATTEMPTS)).kind, 'done');

      const running = await claimed('worker-1');
      const c = await store.cancel(running);
      assert.equal(c?.status, 'cancelled');
      assert.equal(c?.error?.code, 'cancelled');
      assert.equal(await store.renewLease(running, 'worker-1', LEASE_MS), null);
      assert.equal(await store.complete(running, 'worker-1', output, []), null);
      assert.equal((await store.get(running))?.status, 'cancelled');

      const finished = await claimed('worker-1');
      const done = await store.complete(finished, 'worker-1', output, []);
      assert.deepEqual(await store.cancel(finished), done);
      assert.equal(await store.cancel('no-such-task'), null);
    });

    it('counts and lists unfinished tasks, oldest first', async () => {
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) {
        const t = task();
        await store.create(t);
        ids.push(t.id);
        tick(1000);
      }
      const [a, b, c, d, e] = ids as [string, string, string, string, string];
      await store.claim(b, 'worker-1', LEASE_MS, MAX_ATTEMPTS); // processing: unfinished
      await store.claim(c, 'worker-1', LEASE_MS, MAX_ATTEMPTS);
      await store.complete(c, 'worker-1', output, []);
      await store.cancel(d);
      await store.claim(e, 'worker-1', LEASE_MS, MAX_ATTEMPTS);
      await store.fail(e, 'worker-1', permanent, 5);
      assert.equal(await store.countUnfinished(), 2);
      assert.deepEqual((await store.listForSweep()).map((t) => t.id), [a, b]);
    });

    it('lists tasks newest first, a page at a time, for one owner or for everyone', async () => {
      const made: T.TaskRecord[] = [];
      for (let i = 0; i < 5; i++) {
        for (const owner of ['owner-a', 'owner-b']) {
          const t = task({ owner });
          await store.create(t);
          made.push(t);
        }
        // Two of owner-a's tasks share a creation time: the id breaks the tie.
        if (i !== 2) tick(1000);
      }
      const sameTime = task({ owner: 'owner-a' });
      tick(-1000);
      await store.create(sameTime);
      made.push(sameTime);
      const newestFirst = (ts: T.TaskRecord[]) =>
        [...ts].sort((x, y) => y.created_at.localeCompare(x.created_at) || y.id.localeCompare(x.id)).map((t) => t.id);

      const pages: string[][] = [];
      let after: TaskListCursor | null = null;
      do {
        const page = await store.list({ owner: 'owner-a', limit: 2, after });
        pages.push(page.tasks.map((t) => t.id));
        assert.ok(page.tasks.every((t) => t.owner === 'owner-a'));
        after = page.next;
      } while (after);
      assert.deepEqual(pages.flat(), newestFirst(made.filter((t) => t.owner === 'owner-a')));
      assert.deepEqual(pages.map((p) => p.length), [2, 2, 2]);

      const all = await store.list({ limit: 100 });
      assert.deepEqual(all.tasks.map((t) => t.id), newestFirst(made));
      assert.equal(all.next, null);
      // The records are whole: the view can be built from them.
      assert.deepEqual(all.tasks.find((t) => t.id === sameTime.id), sameTime);
      assert.deepEqual((await store.list({ owner: 'nobody', limit: 10 })).tasks, []);
    });

    it("recent clip ids: the owner's last N completed videos, newest first, nobody else's", async () => {
      const finish = async (owner: string | null, clipIds: string[]) => {
        const t = task({ owner });
        await store.create(t);
        await store.claim(t.id, 'worker-1', LEASE_MS, MAX_ATTEMPTS);
        await store.complete(t.id, 'worker-1', { ...output, clip_ids: clipIds }, []);
        tick(1000);
      };
      await finish('owner-a', ['pexels:1', 'pexels:2']);
      await finish('owner-a', ['pexels:3']);
      await finish('owner-b', ['pexels:9']);
      await finish(null, ['pexels:8']);
      await finish('owner-a', ['pexels:4', 'pexels:3']);
      const unfinished = task({ owner: 'owner-a' });
      await store.create(unfinished);
      assert.deepEqual(await store.recentClipIds('owner-a', 2), ['pexels:4', 'pexels:3']);
      assert.deepEqual(await store.recentClipIds('owner-a', 20), ['pexels:4', 'pexels:3', 'pexels:1', 'pexels:2']);
      assert.deepEqual(await store.recentClipIds(null, 20), ['pexels:8']);
      assert.deepEqual(await store.recentClipIds('owner-c', 20), []);
      assert.deepEqual(await store.recentClipIds('owner-a', 0), []);
    });

    it('concurrent claims of one task: exactly one wins', async () => {
      const t = task();
      await store.create(t);
      const outcomes = await Promise.all(
        Array.from({ length: 8 }, (_, i) => store.claim(t.id, `worker-${i}`, LEASE_MS, MAX_ATTEMPTS)),
      );
      const winners = outcomes.filter((o) => o.kind === 'claimed');
      assert.equal(winners.length, 1, JSON.stringify(outcomes.map((o) => o.kind)));
      assert.ok(outcomes.every((o) => o.kind === 'claimed' || o.kind === 'busy'));
      const stored = await store.get(t.id);
      assert.equal(stored?.attempt, 1);
      assert.ok(winners[0]?.kind === 'claimed');
      assert.equal(stored?.lease_owner, winners[0].task.lease_owner);
    });

    it('concurrent creates with one idempotency key: one task, the others see it', async () => {
      const outcomes = await Promise.all(
        Array.from({ length: 5 }, () => store.create(task({ key: 'same', hash: 'h' })).catch((e: unknown) => e)),
      );
      const kinds = outcomes.map((o) => (o as { kind?: string }).kind ?? String(o));
      assert.ok(kinds.every((k) => k === 'created' || k === 'existing'), kinds.join(', '));
      const created = outcomes.filter((o) => (o as { kind?: string }).kind === 'created');
      assert.equal(created.length, 1, kinds.join(', '));
      for (const o of outcomes) {
        if ((o as { kind?: string }).kind === 'existing') {
          assert.equal((o as { task: T.TaskRecord }).task.id, (created[0] as { task: T.TaskRecord }).task.id);
        }
      }
      assert.equal(await store.countUnfinished(), 1);
    });

    const limits = (o: Partial<AdmissionLimits> = {}): AdmissionLimits => ({ maxUnfinished: 100, maxUnfinishedPerOwner: 100, perMinutePerOwner: 1000, ...o });

    it('admission: the queue cap refuses a new task until one ends; a replayed key still gets its task', async () => {
      const first = task({ key: 'k1', hash: 'h1' });
      assert.equal((await store.create(first, limits({ maxUnfinished: 2 }))).kind, 'created');
      assert.equal((await store.create(task(), limits({ maxUnfinished: 2 }))).kind, 'created');
      assert.deepEqual(await store.create(task({ owner: 'owner-b' }), limits({ maxUnfinished: 2 })), { kind: 'refused', reason: 'queue_full', retryAfterS: 30 });
      assert.equal((await store.create(task({ key: 'k1', hash: 'h1' }), limits({ maxUnfinished: 2 }))).kind, 'existing', 'a replay is never refused');
      await store.cancel(first.id);
      assert.equal((await store.create(task({ owner: 'owner-b' }), limits({ maxUnfinished: 2 }))).kind, 'created', 'the ended task left its place');
      assert.equal(await store.countUnfinished(), 2);
    });

    it('admission: a key has its own cap, other keys are not held back by it', async () => {
      const l = limits({ maxUnfinishedPerOwner: 1 });
      assert.equal((await store.create(task({ owner: 'owner-a' }), l)).kind, 'created');
      const refused = await store.create(task({ owner: 'owner-a' }), l);
      assert.equal(refused.kind, 'refused');
      assert.ok(refused.kind === 'refused' && refused.reason === 'key_queue_full');
      assert.equal((await store.create(task({ owner: 'owner-b' }), l)).kind, 'created');
    });

    it('admission: a key submitting faster than its rate is refused until its minute is over', async () => {
      const l = limits({ perMinutePerOwner: 3 });
      for (let i = 0; i < 3; i++) assert.equal((await store.create(task(), l)).kind, 'created');
      const refused = await store.create(task(), l);
      assert.ok(refused.kind === 'refused' && refused.reason === 'rate_limited', JSON.stringify(refused));
      assert.ok(refused.retryAfterS >= 1 && refused.retryAfterS <= 60, `Retry-After ${refused.retryAfterS}`);
      assert.equal((await store.create(task({ owner: 'owner-b' }), l)).kind, 'created', 'another key is not limited');
      tick(61_000);
      assert.equal((await store.create(task(), l)).kind, 'created');
    });

    it('finds the task an Idempotency-Key names, per owner; nothing for an unknown key', async () => {
      const first = task({ key: 'key-1', hash: 'hash-1' });
      await store.create(first);
      assert.deepEqual(await store.findByIdempotencyKey('owner-a', 'key-1'), first);
      assert.equal(await store.findByIdempotencyKey('owner-b', 'key-1'), null);
      assert.equal(await store.findByIdempotencyKey('owner-a', 'key-2'), null);
      const keyless = task({ owner: null, key: 'key-1', hash: 'hash-9' });
      await store.create(keyless);
      assert.deepEqual(await store.findByIdempotencyKey(null, 'key-1'), keyless);
    });

    it('previews admission without taking a place: what create would say now', async () => {
      const l = limits({ perMinutePerOwner: 2, maxUnfinished: 3 });
      assert.equal(await store.previewAdmission('owner-a', l), null);
      assert.equal(await store.previewAdmission('owner-a', l), null, 'a preview takes nothing');
      for (let i = 0; i < 2; i++) assert.equal((await store.create(task(), l)).kind, 'created');
      const refused = await store.previewAdmission('owner-a', l);
      assert.ok(refused?.reason === 'rate_limited' && refused.retryAfterS >= 1 && refused.retryAfterS <= 60, JSON.stringify(refused));
      assert.equal(await store.previewAdmission('owner-b', l), null, 'another key is not limited');
      assert.equal((await store.create(task({ owner: 'owner-b' }), l)).kind, 'created');
      assert.deepEqual(await store.previewAdmission('owner-c', l), { kind: 'refused', reason: 'queue_full', retryAfterS: 30 });
      tick(61_000);
      assert.deepEqual(await store.previewAdmission('owner-a', l), { kind: 'refused', reason: 'queue_full', retryAfterS: 30 }, 'a new minute, but the queue is still full');
    });

    it('admission: racing creates never go past the cap', async () => {
      const outcomes = await Promise.all(Array.from({ length: 6 }, (_, i) => store.create(task({ owner: `owner-${i}` }), limits({ maxUnfinished: 3 }))));
      assert.equal(outcomes.filter((o) => o.kind === 'created').length, 3, outcomes.map((o) => o.kind).join(', '));
      assert.equal(await store.countUnfinished(), 3);
    });

    it('update applies a decision in one transaction and writes only what it returns', async () => {
      const t = task();
      await store.create(t);
      const n = await store.update(t.id, (cur, at) => {
        assert.ok(cur);
        const r = T.redispatch(cur, at);
        return { write: r.task, result: r.job };
      });
      assert.equal(n, 1);
      assert.equal((await store.get(t.id))?.dispatches, 2);
      assert.equal(await store.update('missing', (cur) => ({ write: null, result: cur })), null);
    });

    it('lists for the sweeper: unfinished tasks and finished ones still owing a callback', async () => {
      const withHook = VideoRequestSchema.parse({ script_text: 'Hook me.', callback_url: 'https://example.com/hook' });
      const owing = { ...task(), request: withHook };
      const quiet = task();
      const waiting = task();
      for (const x of [owing, quiet, waiting]) await store.create(x);
      await store.cancel(owing.id);
      await store.cancel(quiet.id);
      const ids = (await store.listForSweep()).map((x) => x.id).sort();
      assert.deepEqual(ids, [owing.id, waiting.id].sort());
      const cancelled = await store.get(owing.id);
      assert.equal(cancelled?.callback?.state, 'pending');
      assert.equal(cancelled?.callback?.event, 'task.cancelled');
    });

    it('a task whose last attempt died fails for good at the next claim, owing its end', async () => {
      const hooked = { ...task(), request: VideoRequestSchema.parse({ script_text: 'Hook me.', callback_url: 'https://example.com/hook' }) };
      await store.create(hooked);
      assert.equal((await store.claim(hooked.id, 'worker-1', LEASE_MS, 1)).kind, 'claimed');
      tick(LEASE_MS + 1);
      const c = await store.claim(hooked.id, 'worker-2', LEASE_MS, 1);
      assert.equal(c.kind, 'exhausted');
      const failed = await store.get(hooked.id);
      assert.equal(failed?.status, 'failed');
      assert.equal(failed?.error?.code, 'attempts_exhausted');
      assert.equal(failed?.callback?.event, 'task.failed');
      assert.equal(await store.countUnfinished(), 0, 'it left the admission count');
    });

    it('keeps a video’s storyboard choice exactly; a task without one has none', async () => {
      const choice = { id: randomUUID(), pieces: [{ clip: 2, source_start_s: 1.25 }, { clip: 0, source_start_s: 0 }] };
      const video = T.newTask({ id: randomUUID(), owner: 'owner-a', request, now: now(), retentionDays: 7, fromStoryboard: choice });
      await store.create(video);
      assert.deepEqual(await store.get(video.id), video);
      assert.deepEqual((await store.get(video.id))?.from_storyboard, choice);
      const plain = task();
      await store.create(plain);
      assert.equal((await store.get(plain.id))?.from_storyboard, null);
    });

    describe('batches, made whole with their tasks', () => {
      function batchOf(n: number, over: Partial<{ owner: string; key: string; hash: string }> = {}): { batch: BatchRecord; tasks: T.TaskRecord[] } {
        const id = randomUUID();
        const tasks = Array.from({ length: n }, (_, index) =>
          T.newTask({ id: randomUUID(), owner: over.owner ?? 'owner-a', request, now: now(), retentionDays: 7, batch: { id, index } }),
        );
        const batch = newBatch({
          id,
          owner: over.owner ?? 'owner-a',
          taskIds: tasks.map((t) => t.id),
          callbackUrl: 'https://example.com/hook',
          metadata: { nested: [[1, 2]], name: 'x' },
          now: now(),
          retentionDays: 7,
          idempotencyKey: over.key ?? null,
          requestHash: over.hash ?? null,
        });
        return { batch, tasks };
      }

      it('writes the batch and every task in one go, read back unchanged, in order', async () => {
        const { batch, tasks } = batchOf(3);
        assert.deepEqual(await store.createBatch(batch, tasks, limits()), { kind: 'created', batch });
        assert.deepEqual(await h.batches.get(batch.id), batch);
        assert.deepEqual(await store.getMany([tasks[2]!.id, 'gone', tasks[0]!.id]), [tasks[2], null, tasks[0]]);
        assert.deepEqual((await store.get(tasks[1]!.id))?.batch, { id: batch.id, index: 1 });
        assert.equal(await store.countUnfinished(), 3);
      });

      it('admission counts every task: a batch that does not fit whole writes nothing', async () => {
        await store.create(task(), limits());
        const { batch, tasks } = batchOf(3);
        assert.deepEqual(await store.createBatch(batch, tasks, limits({ maxUnfinishedPerOwner: 3 })), { kind: 'refused', reason: 'key_queue_full', retryAfterS: 30 });
        assert.equal(await h.batches.get(batch.id), null);
        assert.deepEqual(await store.getMany(tasks.map((t) => t.id)), [null, null, null]);
        assert.equal(await store.countUnfinished(), 1);
        // The key's minute counts every task too.
        const refused = await store.createBatch(batch, tasks, limits({ perMinutePerOwner: 3 }));
        assert.equal(refused.kind === 'refused' && refused.reason, 'rate_limited');
        assert.equal((await store.createBatch(batch, tasks, limits({ maxUnfinishedPerOwner: 4, perMinutePerOwner: 4 }))).kind, 'created');
        // And the queue is now full for the key: one more task waits.
        assert.equal((await store.create(task(), limits({ maxUnfinishedPerOwner: 4 }))).kind, 'refused');
      });

      it('a task id that exists already fails the whole batch: nothing of it is written', async () => {
        const taken = task();
        await store.create(taken);
        const { batch, tasks } = batchOf(3);
        const clash = [tasks[0]!, { ...tasks[1]!, id: taken.id }, tasks[2]!];
        await assert.rejects(store.createBatch({ ...batch, items: clash.map((t) => ({ task_id: t.id, ended: null })) }, clash, limits()));
        assert.equal(await h.batches.get(batch.id), null);
        assert.deepEqual(await store.getMany([tasks[0]!.id, tasks[2]!.id]), [null, null]);
        assert.deepEqual(await store.get(taken.id), taken);
      });

      it('idempotency: the same key and body answer with the first batch and write nothing; another body conflicts', async () => {
        const first = batchOf(2, { key: 'bk', hash: 'h1' });
        assert.equal((await store.createBatch(first.batch, first.tasks, limits())).kind, 'created');
        const again = batchOf(2, { key: 'bk', hash: 'h1' });
        const replay = await store.createBatch(again.batch, again.tasks, limits({ maxUnfinished: 1 }));
        assert.ok(replay.kind === 'existing', 'a replay is never refused');
        assert.deepEqual(replay.batch, first.batch);
        assert.deepEqual(await store.getMany(again.tasks.map((t) => t.id)), [null, null]);
        const changed = batchOf(2, { key: 'bk', hash: 'h2' });
        const c = await store.createBatch(changed.batch, changed.tasks, limits());
        assert.ok(c.kind === 'conflict');
        assert.equal(c.batch.id, first.batch.id);
        // A video's key is another namespace.
        assert.equal((await store.create(task({ key: 'bk', hash: 'x' }))).kind, 'created');
      });

      it('records its items ending, owes its callback once, and lists it for the sweep until delivered', async () => {
        const { batch, tasks } = batchOf(2);
        await store.createBatch(batch, tasks);
        const end = (id: string) =>
          h.batches.update(batch.id, (b, at) => {
            const e = itemEnded(b, id, 'completed', at);
            return { write: e.kind === 'recorded' ? e.batch : null, result: e.kind };
          });
        assert.equal(await end(tasks[0]!.id), 'recorded');
        assert.equal(await end(tasks[0]!.id), 'known');
        assert.deepEqual(await h.batches.listForSweep(), []);
        assert.equal(await end(tasks[1]!.id), 'recorded');
        const done = await h.batches.get(batch.id);
        assert.equal(done?.callback?.state, 'pending');
        assert.equal(done?.completed_at, now().toISOString());
        assert.deepEqual((await h.batches.listForSweep()).map((b) => b.id), [batch.id]);
        await h.batches.update(batch.id, (b) => ({ write: b ? { ...b, callback: { ...b.callback!, state: 'delivered' } } : null, result: null }));
        assert.deepEqual(await h.batches.listForSweep(), []);
        assert.equal(await h.batches.update('no-such-batch', (b) => ({ write: null, result: b })), null);
      });
    });

    it('a submit that makes no task (a script) takes a place in its key’s minute, shared with tasks', async () => {
      const l = limits({ perMinutePerOwner: 2, maxUnfinished: 1 });
      // The queue limits do not apply to it: the queue is full, and a script is still written.
      await store.create(task({ owner: 'owner-b' }));
      assert.equal(await store.takeSubmit('owner-a', l), null);
      assert.equal((await store.create(task(), limits({ perMinutePerOwner: 2 }))).kind, 'created');
      const refused = await store.takeSubmit('owner-a', l);
      assert.equal(refused?.reason, 'rate_limited');
      assert.ok(refused && refused.retryAfterS > 0 && refused.retryAfterS <= 60);
      assert.equal(await store.takeSubmit('owner-c', l), null, 'another key has its own minute');
      tick(61_000);
      assert.equal(await store.takeSubmit('owner-a', l), null, 'a new minute');
    });

    it('keeps the script an attempt wrote, for its lease holder alone', async () => {
      const script: WrittenScript = {
        title: 'T',
        script_text: 'One. Two.',
        scenes: [{ text: 'One.', search_query: 'one' }, { text: 'Two.', search_query: 'two' }],
        description: 'D',
        hashtags: ['#a'],
        language: 'en',
        estimated_duration_s: 1.2,
        length: 2,
        unit: 'words',
        model: 'm',
        warnings: [],
      };
      const id = await claimed('worker-1');
      assert.equal(await store.recordScript(id, 'worker-2', script), null);
      const kept = await store.recordScript(id, 'worker-1', script);
      assert.deepEqual(kept?.script, script);
      assert.deepEqual((await store.get(id))?.script, script);
      // A retried attempt finds it.
      await store.fail(id, 'worker-1', transient, MAX_ATTEMPTS);
      const again = await store.claim(id, 'worker-2', LEASE_MS, MAX_ATTEMPTS);
      assert.ok(again.kind === 'claimed');
      assert.deepEqual(again.task.script, script);
    });

    describe('storyboards, in a store of their own', () => {
      const result: StoryboardResult = {
        version: 1,
        duration_s: 5.2,
        width: 720,
        height: 1280,
        scenes: [{ start_s: 0, end_s: 5.2, text: 'One.', search_terms: ['one'], query: 'one', found_by: [] }],
        sentences: [{ start_s: 0, end_s: 5, text: 'One.' }],
        captions: [{ start_s: 0, end_s: 5.2, text: 'One.' }],
        clips: [{ index: 0, provider: 'pexels', source_id: '7', duration_s: 6, credit: null, thumbnail_key: 'storyboards/x/thumbs/0.jpg' }],
        pieces: [{ start_s: 0, end_s: 5.2, scene: 0, clip: 0, source_start_s: 0.4, planned_clip: 0, planned_source_start_s: 0.4 }],
        candidates: [[1, 2], []],
        usage: { speech_provider: 'elevenlabs', speech_characters: 4, pexels_requests: 1, clip_downloads: 3 },
        estimate: { render_s: 3, render_cpu_s: 4, cloud_run_usd: 0.0002, preset: 'veryfast', measured_preset: true },
      };
      const storyboard = (over: Partial<{ key: string; hash: string }> = {}) =>
        newStoryboard({ id: randomUUID(), owner: 'owner-a', request, now: now(), retentionDays: 7, idempotencyKey: over.key ?? null, requestHash: over.hash ?? null });

      it('stores a storyboard and reads it back unchanged, apart from the tasks', async () => {
        const sb = storyboard();
        assert.deepEqual(await boards.create(sb), { kind: 'created', task: sb });
        assert.deepEqual(await boards.get(sb.id), sb);
        assert.equal(await store.get(sb.id), null, 'not a task');
        assert.deepEqual((await store.list({ limit: 10 })).tasks, []);
        assert.equal(await store.countUnfinished(), 0);
        assert.deepEqual((await boards.listForSweep()).map((r) => r.id), [sb.id]);
      });

      it('claimed, renewed and prepared by its lease holder alone; its result (nested lists included) kept exactly', async () => {
        const sb = storyboard();
        await boards.create(sb);
        const c = await boards.claim(sb.id, 'worker-1', LEASE_MS, MAX_ATTEMPTS);
        assert.ok(c.kind === 'claimed');
        assert.equal(c.task.attempt, 1);
        assert.equal((await boards.claim(sb.id, 'worker-2', LEASE_MS, MAX_ATTEMPTS)).kind, 'busy');
        tick(20_000);
        assert.ok(await boards.renewLease(sb.id, 'worker-1', LEASE_MS));
        await boards.progress(sb.id, 'worker-1', 'footage', 40);
        assert.equal(await boards.complete(sb.id, 'worker-2', result, []), null, 'not the holder');
        const done = await boards.complete(sb.id, 'worker-1', result, ['w']);
        assert.equal(done?.status, 'completed');
        assert.equal(done?.progress, 100);
        const read = await boards.get(sb.id);
        assert.deepEqual(read, done);
        assert.deepEqual(read?.result, result);
        assert.deepEqual(read?.warnings, ['w']);
        assert.deepEqual(await boards.listForSweep(), []);
      });

      it('a failed attempt is retried, then fails; cancel ends one being prepared; an update writes only what it returns', async () => {
        const sb = storyboard();
        await boards.create(sb);
        assert.equal((await boards.claim(sb.id, 'worker-1', LEASE_MS, 2)).kind, 'claimed');
        assert.equal((await boards.fail(sb.id, 'worker-1', transient, 2))?.status, 'queued');
        assert.equal((await boards.claim(sb.id, 'worker-2', LEASE_MS, 2)).kind, 'claimed');
        const failed = await boards.fail(sb.id, 'worker-2', transient, 2);
        assert.equal(failed?.status, 'failed');
        assert.equal(failed?.error?.retryable, false);

        const other = storyboard();
        await boards.create(other);
        await boards.claim(other.id, 'worker-1', LEASE_MS, MAX_ATTEMPTS);
        assert.equal((await boards.cancel(other.id))?.status, 'cancelled');
        assert.equal(await boards.renewLease(other.id, 'worker-1', LEASE_MS), null);
        assert.equal(await boards.cancel('no-such-storyboard'), null);
        const n = await boards.update(other.id, (cur, at) => {
          const r = T.redispatch(cur!, at);
          return { write: r.task, result: r.job };
        });
        assert.equal(n, 1);
        assert.equal((await boards.get(other.id))?.dispatches, 2);
      });

      it('idempotency and admission count storyboards on their own', async () => {
        const first = storyboard({ key: 'k', hash: 'h' });
        assert.equal((await boards.create(first, limits({ maxUnfinished: 1 }))).kind, 'created');
        const again = await boards.create(storyboard({ key: 'k', hash: 'h' }), limits({ maxUnfinished: 1 }));
        assert.ok(again.kind === 'existing');
        assert.equal(again.task.id, first.id);
        assert.equal((await boards.create(storyboard(), limits({ maxUnfinished: 1 }))).kind, 'refused');
        // A video with the same key is another store's business.
        assert.equal((await store.create(task({ key: 'k', hash: 'other' }), limits({ maxUnfinished: 1 }))).kind, 'created');
      });
    });
  });
}
