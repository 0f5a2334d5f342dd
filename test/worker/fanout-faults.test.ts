// Faults around a fan-out that a real deployment hits (issue 25): the queue refusing a chunk's
// delivery while the task is handed to its chunks, and what a cancelled or failed fan-out, or a
// joiner that lost, leaves in the blob store. Driven without rendering: the store, a blob store on
// disk and the worker's own delivery code; the pipeline is never reached.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { claimChunk } from '../../functions/domain/fanout.ts';
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
import type { Dispatcher } from '../../functions/platform/ports.ts';
import { GeneratedFootage } from '../../functions/providers/generated-footage.ts';
import { handOverToChunks, runLeasedDelivery, type WorkerDeps } from '../../functions/worker/run-task.ts';
import { RunningTasks } from '../../functions/worker/running-tasks.ts';
import { tempDir } from '../support/temp-dir.ts';

const LEASE = 60_000;

function worker(dispatcher: Dispatcher) {
  const logs: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      logs.push(JSON.parse(String(chunk)));
      done();
    },
  });
  const dir = tempDir('reelsmith-fanout-faults-');
  const store = new TaskStore(new LocalTaskStore({ path: ':memory:' }));
  const blobs = new LocalBlobStore({ dir: join(dir, 'blobs'), publicUrl: 'http://127.0.0.1:1' });
  const deps: WorkerDeps = {
    store,
    storyboards: new StoryboardStore(new LocalStoryboardStore({ path: ':memory:' })),
    pipeline: {
      tools: resolveMediaTools({}),
      speech: { name: 'unused', synthesize: async () => assert.fail('no speech here'), listVoices: async () => [] },
      cpu: new Semaphore(1),
      footage: { sources: () => [], generated: new GeneratedFootage(), searchesPerVideo: 0, recentClips: async () => new Set() },
      music: null,
      fanout: { minSeconds: 1 },
      blobs,
      allowPrivateUrls: true,
      log: createLogger('fatal'),
    },
    scratchDir: dir,
    downloads: { bytesPerTask: 1e6, slots: new Semaphore(1) },
    leaseMs: LEASE,
    maxAttempts: 3,
    deadlineMs: 60_000,
    dispatcher,
    log: createLogger('info', sink),
    instanceId: 'host:1',
    shutdown: new AbortController().signal,
    running: new RunningTasks(),
  };
  return { deps, store, blobs, dir, logs };
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
    assert.deepEqual(outcome, { status: 503, retryAfterS: 1, body: { task_id: id, outcome: 'retry' } }, 'Cloud Tasks must deliver the task again');
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
