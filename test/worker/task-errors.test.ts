// What a failed attempt leaves where: the task (read by the client) holds a code and a message
// written for the client; the detail (stderr with scratch paths, a provider's answer, a stack)
// goes to the log line, under the task id. And a full scratch disk fails for good, whoever reported it.
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { newTask } from '../../functions/domain/task.ts';
import { VideoRequestSchema } from '../../functions/domain/video-request.ts';
import { TaskError } from '../../functions/errors.ts';
import { Semaphore } from '../../functions/lib/semaphore.ts';
import { createLogger } from '../../functions/log.ts';
import { resolveMediaTools } from '../../functions/media/tools.ts';
import { StoryboardStore, TaskStore } from '../../functions/platform/leased-store.ts';
import { LocalStoryboardStore, LocalTaskStore } from '../../functions/platform/local-task-store.ts';
import { GeneratedFootage } from '../../functions/providers/generated-footage.ts';
import { runDelivery, type WorkerDeps } from '../../functions/worker/run-task.ts';
import { RunningTasks } from '../../functions/worker/running-tasks.ts';
import { tempDir } from '../support/temp-dir.ts';
import type { BlobStore } from '../../functions/platform/ports.ts';

const SCRATCH_PATH = '/scratch/reelsmith-task-1234/narration.wav';

async function attempt(failure: () => Error) {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      lines.push(JSON.parse(String(chunk)));
      done();
    },
  });
  const store = new TaskStore(new LocalTaskStore({ path: ':memory:' }));
  const id = `task-${Math.random().toString(16).slice(2)}`;
  await store.create(newTask({ id, owner: null, request: VideoRequestSchema.parse({ script_text: 'Hello there.' }), now: new Date(), retentionDays: 1 }));
  const deps: WorkerDeps = {
    store,
    storyboards: new StoryboardStore(new LocalStoryboardStore({ path: ':memory:' })),
    pipeline: {
      tools: resolveMediaTools({}),
      scripts: null,
      speech: {
        name: 'failing',
        synthesize: async () => {
          throw failure();
        },
        listVoices: async () => [],
      },
      aligner: { name: 'unused', align: async () => assert.fail('no recording here') },
      voiceover: { maxSeconds: 600, maxBytes: 1e6 },
      cpu: new Semaphore(1),
      footage: { sources: () => [], generated: new GeneratedFootage(), searchesPerVideo: 0, recentClips: async () => new Set() },
      music: null,
      fanout: null,
      allowPrivateUrls: true,
      log: createLogger('fatal'),
    },
    blobs: {
      put: async () => ({ sizeBytes: 0 }),
      exists: async () => false,
      get: async () => {},
      deletePrefix: async () => {},
      signedUrl: async () => ({ url: '', expiresAt: new Date() }),
    } satisfies BlobStore,
    scratchDir: tempDir('reelsmith-errors-'),
    downloads: { bytesPerTask: 1e6, slots: new Semaphore(1) },
    renderSlots: new Semaphore(1),
    leaseMs: 60_000,
    maxAttempts: 3,
    deadlineMs: 60_000,
    dispatcher: { enqueue: async () => {}, close: async () => {} },
    log: createLogger('info', sink),
    instanceId: 'test',
    shutdown: new AbortController().signal,
    running: new RunningTasks(),
  };
  const outcome = await runDelivery(deps, id);
  const task = await store.get(id);
  store.close();
  const line = lines.find((l) => /attempt failed|task failed/.test(String(l.message)));
  return { outcome, task: task!, line: line!, id };
}

describe('task errors: the client’s message, the operator’s detail', () => {
  it('a step’s detail (stderr with scratch paths) is logged under the task id, not stored in the task', async () => {
    const { outcome, task, line, id } = await attempt(
      () => new TaskError('speech_failed', 'espeak-ng exited with code 1', { detail: `${SCRATCH_PATH}: Permission denied` }),
    );
    assert.equal(outcome.body.outcome, 'failed');
    assert.deepEqual(task.error, { code: 'speech_failed', message: 'espeak-ng exited with code 1', retryable: false });
    assert.equal(line.task_id, id);
    assert.equal(line.code, 'speech_failed');
    assert.equal(line.detail, `${SCRATCH_PATH}: Permission denied`);
  });

  it('an unexpected error tells the client nothing of its text; the log has it', async () => {
    const { outcome, task, line } = await attempt(() => new Error(`ENOENT: no such file or directory, open '${SCRATCH_PATH}'`));
    assert.equal(outcome.status, 409, 'retried, without throttling the queue');
    assert.equal(task.error?.code, 'internal');
    assert.doesNotMatch(task.error?.message ?? '', /scratch|ENOENT/);
    assert.match(String((line.causes as string[])[0]), /ENOENT: .*narration\.wav/);
  });

  it('a full disk (ENOSPC) under a permanent step fails the task for good as scratch_full, naming the scratch and its limits', async () => {
    const enospc = Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
    const { outcome, task } = await attempt(() => new TaskError('render_failed', 'ffmpeg exited with code 1', { cause: enospc }));
    assert.equal(outcome.status, 200);
    assert.equal(task.status, 'failed');
    assert.equal(task.error?.code, 'scratch_full');
    assert.equal(task.error?.retryable, false);
    assert.match(task.error?.message ?? '', /the render step ran out of the worker's scratch space .*SCRATCH_DIR.*TASK_SCRATCH_BYTES/);
  });

  it('a full disk met by a write outside any step (the join feeding its chunks) is scratch_full too, not an internal error', async () => {
    const enospc = Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
    const { task } = await attempt(() => enospc);
    assert.equal(task.status, 'failed');
    assert.equal(task.error?.code, 'scratch_full');
  });

  it('a download that met a full disk keeps its own retry', async () => {
    const enospc = Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
    const { outcome, task } = await attempt(() => new TaskError('download_failed', 'clip_urls.0: the worker ran out of scratch space; the task will be retried', { retryable: true, cause: enospc }));
    assert.equal(outcome.status, 409);
    assert.equal(task.status, 'queued');
    assert.equal(task.error?.code, 'download_failed');
  });
});
