// Faults around a fan-out that a real deployment hits (issue 25): the queue refusing a chunk's
// delivery while the task is handed to its chunks, and what a cancelled or failed fan-out, or a
// joiner that lost, leaves in the blob store. Driven without rendering: the store, a blob store on
// disk and the worker's own delivery code; the pipeline is never reached.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { beginFanout, claimChunk } from '../../functions/domain/fanout.ts';
import { newTask, type TaskRecord } from '../../functions/domain/task.ts';
import { VideoRequestSchema } from '../../functions/domain/video-request.ts';
import { Semaphore } from '../../functions/lib/semaphore.ts';
import { createLogger } from '../../functions/log.ts';
import { resolveMediaTools } from '../../functions/media/tools.ts';
import { planPrefix } from '../../functions/pipeline/plan-store.ts';
import type { Job } from '../../functions/platform/jobs.ts';
import { StoryboardStore, TaskStore } from '../../functions/platform/leased-store.ts';
import { LocalBlobStore } from '../../functions/platform/local-blob-store.ts';
import { LocalStoryboardStore, LocalTaskStore } from '../../functions/platform/local-task-store.ts';
import type { BlobStore, Dispatcher } from '../../functions/platform/ports.ts';
import { GeneratedFootage } from '../../functions/providers/generated-footage.ts';
import { runChunkDelivery } from '../../functions/worker/run-chunk.ts';
import { handOverToChunks, runLeasedDelivery, VIDEO_WORK, type WorkerDeps } from '../../functions/worker/run-task.ts';
import { RunningTasks } from '../../functions/worker/running-tasks.ts';
import { tempDir } from '../support/temp-dir.ts';

const LEASE = 60_000;

const noQueue: Dispatcher = { enqueue: async () => {}, close: async () => {} };

/** `onGet` runs when the worker reads a stored file: the moment to change the task under it. */
/** The local adapter, whose reads fail while `down` says so (Firestore unreachable for a moment). */
class FlakyTasks extends LocalTaskStore {
  down = false;
  override async get(id: string) {
    if (this.down) throw new Error('14 UNAVAILABLE: no connection to Firestore');
    return super.get(id);
  }
}

function worker(dispatcher: Dispatcher, onGet: (key: string) => Promise<void> = async () => {}) {
  const logs: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      logs.push(JSON.parse(String(chunk)));
      done();
    },
  });
  const dir = tempDir('reelsmith-fanout-faults-');
  const tasks = new FlakyTasks({ path: ':memory:' });
  const store = new TaskStore(tasks);
  const files = new LocalBlobStore({ dir: join(dir, 'blobs'), publicUrl: 'http://127.0.0.1:1' });
  const blobs: BlobStore = {
    put: (key, path, opts) => files.put(key, path, opts),
    exists: (key) => files.exists(key),
    get: async (key, path) => {
      await onGet(key);
      return files.get(key, path);
    },
    deletePrefix: (prefix) => files.deletePrefix(prefix),
    signedUrl: (key, ttl, name) => files.signedUrl(key, ttl, name),
  };
  const deps: WorkerDeps = {
    store,
    storyboards: new StoryboardStore(new LocalStoryboardStore({ path: ':memory:' })),
    pipeline: {
      tools: resolveMediaTools({}),
      scripts: null,
      speech: { name: 'unused', synthesize: async () => assert.fail('no speech here'), listVoices: async () => [] },
      aligner: { name: 'unused', align: async () => assert.fail('no recording here') },
      voiceover: { maxSeconds: 600, maxBytes: 1e6 },
      cpu: new Semaphore(1),
      footage: { sources: () => [], generated: new GeneratedFootage(), searchesPerVideo: 0, recentClips: async () => new Set() },
      music: null,
      fanout: { minSeconds: 1 },
      allowPrivateUrls: true,
      log: createLogger('fatal'),
    },
    blobs,
    scratchDir: dir,
    downloads: { bytesPerTask: 1e6, slots: new Semaphore(1) },
    renderSlots: new Semaphore(1),
    leaseMs: LEASE,
    maxAttempts: 3,
    deadlineMs: 60_000,
    dispatcher,
    log: createLogger('info', sink),
    instanceId: 'host:1',
    shutdown: new AbortController().signal,
    running: new RunningTasks(),
  };
  return { deps, store, tasks, blobs, dir, logs };
}

async function queuedTask(store: TaskStore): Promise<string> {
  const id = `task-${Math.random().toString(16).slice(2)}`;
  await store.create(newTask({ id, owner: null, request: VideoRequestSchema.parse({ script_text: 'A long one.' }), now: new Date(), retentionDays: 1 }));
  return id;
}

describe('handing a task to its chunks', () => {
  it('the queue refuses a chunk delivery: the attempt fails and is retried, the task is not left to the chunks', async () => {
    const asked: Job[] = [];
    // The second chunk's job is refused (the queue is unreachable for a moment).
    const { deps, store } = worker({
      enqueue: async (job) => {
        if (asked.push(job) === 2) throw new Error('14 UNAVAILABLE: the queue is unreachable');
      },
      close: async () => {},
    });
    const id = await queuedTask(store);
    // The planning delivery, up to the hand-over (the plan itself is not what this is about).
    const outcome = await runLeasedDelivery(deps, id, {}, {
      store: (d) => d.store,
      prefix: planPrefix,
      attempt: (d, a) => handOverToChunks(d, a.task as TaskRecord, a.owner, [30, 30, 30], a.log),
    });
    assert.deepEqual(outcome, { status: 409, retryAfterS: 1, body: { task_id: id, outcome: 'retry' } }, 'Cloud Tasks must deliver the task again');
    const task = (await store.get(id))!;
    assert.equal(task.status, 'queued');
    assert.equal(task.error?.code, 'queue_unavailable');
    assert.equal(task.error?.retryable, true);
    assert.equal(task.lease_owner, null);
    assert.equal(task.fanout, null);
    // A chunk job that did go out finds nothing to do; the next attempt plans and asks again.
    const stale = await store.update(id, (t, now) => ({ write: null, result: claimChunk(t, 1, 0, 'late', LEASE, 3, now) }));
    assert.deepEqual(stale, { kind: 'done' });
    const next = await store.claim(id, 'planner-2', LEASE, 3);
    assert.ok(next.kind === 'claimed');
    assert.equal(next.task.attempt, 2);
  });
});

/**
 * A task handed to its chunks (attempt 1, three chunks), with what its deliveries stored: the plan
 * and chunks under work/<id>/, and a joiner's upload under videos/<id>/a1/. `done` chunks finished.
 */
async function fannedOut(w: ReturnType<typeof worker>, done = 0, joins = 0): Promise<string> {
  const id = await queuedTask(w.store);
  assert.equal((await w.store.claim(id, 'planner', LEASE, 3)).kind, 'claimed');
  await w.store.update(id, (t, now) => {
    const f = beginFanout(t, 'planner', 'host:1', [30, 30, 30], now)!;
    const chunks = f.fanout!.chunks.map((c, i) => (i < done ? { ...c, state: 'done' as const, attempts: 1, rendered_by: 'host:1' } : c));
    return { write: { ...f, fanout: { ...f.fanout!, chunks, joins } }, result: null };
  });
  const src = join(w.dir, 'bytes');
  writeFileSync(src, 'bytes');
  for (const key of [`work/${id}/plan.json`, `work/${id}/a1/chunk-0.ts`, `videos/${id}/a1/video.mp4`]) await w.blobs.put(key, src, { contentType: 'application/octet-stream' });
  return id;
}

const stored = async (w: ReturnType<typeof worker>, id: string) => ({
  plan: await w.blobs.exists(`work/${id}/plan.json`),
  chunks: await w.blobs.exists(`work/${id}/a1/chunk-0.ts`),
  video: await w.blobs.exists(`videos/${id}/a1/video.mp4`),
});

describe('what an ended fan-out leaves in the blob store', () => {
  it('cancelled: the next chunk delivery finds it ended and drops its plan and chunks', async () => {
    const w = worker(noQueue);
    const id = await fannedOut(w);
    assert.equal((await w.store.cancel(id))?.status, 'cancelled');
    const outcome = await runChunkDelivery(w.deps, id, 0, 1);
    assert.equal(outcome.status, 200);
    const left = await stored(w, id);
    assert.equal(left.plan, false, 'work/<id>/ of a cancelled fan-out');
    assert.equal(left.chunks, false);
  });

  it('a joiner that lost to a cancel drops what it uploaded and the plan', async () => {
    let id = '';
    // The task is cancelled while the joiner fetches its chunks.
    const w = worker(noQueue, async (key) => {
      if (key.startsWith(`work/${id}/`)) await w.store.cancel(id);
    });
    id = await fannedOut(w, 3);
    const outcome = await runChunkDelivery(w.deps, id, 2, 1);
    assert.equal(outcome.status, 200);
    assert.equal((await w.store.get(id))?.status, 'cancelled');
    assert.deepEqual(await stored(w, id), { plan: false, chunks: false, video: false });
  });

  it('a joiner that lost to another joiner of the same attempt leaves the winner\'s video alone', async () => {
    let id = '';
    // Another delivery takes the join over and completes the task while this one fetches.
    const w = worker(noQueue, async (key) => {
      if (!key.startsWith(`work/${id}/`)) return;
      await w.store.update(id, (t) => ({ write: t && { ...t, lease_owner: 'other-joiner', fanout: { ...t.fanout!, assembler: 'other-joiner' } }, result: null }));
      const output = { video_key: `videos/${id}/a1/video.mp4`, captions_vtt_key: null, captions_srt_key: null, thumbnail_key: null, duration_s: 3, width: 720, height: 1280, size_bytes: 5, credits: [] };
      assert.ok(await w.store.complete(id, 'other-joiner', output, []));
    });
    id = await fannedOut(w, 3);
    const outcome = await runChunkDelivery(w.deps, id, 2, 1);
    assert.equal(outcome.status, 200);
    assert.equal((await w.store.get(id))?.status, 'completed');
    assert.deepEqual(await stored(w, id), { plan: false, chunks: false, video: true });
  });

  it('failed at its last join: the plan, the chunks and the joiner\'s upload all go', async () => {
    // Two joins failed in passing before; this third one (MAX_ATTEMPTS 3) fails too: its stored spec is missing.
    const w = worker(noQueue);
    const id = await fannedOut(w, 3, 2);
    const outcome = await runChunkDelivery(w.deps, id, 2, 1);
    assert.equal(outcome.status, 200);
    const t = (await w.store.get(id))!;
    assert.equal(t.status, 'failed');
    assert.match(t.error!.message, /^joining the chunks: /);
    assert.deepEqual(await stored(w, id), { plan: false, chunks: false, video: false });
  });
});

describe('clean-up that fails is told, not swallowed', () => {
  it('a losing attempt that cannot read its task drops its own upload and logs why the plan stays', async () => {
    const w = worker(noQueue);
    const id = await queuedTask(w.store);
    const c = await w.store.claim(id, 'attempt-1', LEASE, 3);
    assert.ok(c.kind === 'claimed');
    const src = join(w.dir, 'bytes');
    writeFileSync(src, 'bytes');
    for (const key of [`work/${id}/plan.json`, `videos/${id}/a1/video.mp4`]) await w.blobs.put(key, src, { contentType: 'application/octet-stream' });
    await w.store.cancel(id);
    w.tasks.down = true;
    await VIDEO_WORK.afterLosing!(w.deps, c.task, w.deps.log.child({ task_id: id }));
    w.tasks.down = false;
    const line = w.logs.find((l) => l.task_id === id && /could not read the task/.test(String(l.message)));
    assert.ok(line, JSON.stringify(w.logs));
    assert.equal(line.severity, 'WARNING');
    assert.match(String(line.err), /UNAVAILABLE/);
    assert.equal(await w.blobs.exists(`videos/${id}/a1/video.mp4`), false, 'its own upload went');
    assert.equal(await w.blobs.exists(`work/${id}/plan.json`), true, 'the plan waits for a later clean-up');
  });
});
