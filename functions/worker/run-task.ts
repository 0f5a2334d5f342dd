// One delivery of POST /tasks/{id}/run: claim the task under a lease, keep the lease alive with a
// heartbeat, run the pipeline in a scratch dir of its own, record the outcome, and answer the
// way Cloud Tasks understands: 2xx = done (success or permanent failure), anything else = deliver
// it again (DeliveryOutcome says which code when).
import { randomBytes } from 'node:crypto';
import { requestCallback } from '../delivery/deliver.ts';
import { beginFanout, takeBackFanout } from '../domain/fanout.ts';
import { DEADLINE_EXCEEDED, isFinal, type LeasedRecord, type Stage, type TaskRecord } from '../domain/task.ts';
import { videoSpecOf, type VideoSpec } from '../domain/video-spec.ts';
import { scratchFull, TaskError } from '../errors.ts';
import type { Logger } from '../log.ts';
import { ByteBudget } from '../lib/byte-budget.ts';
import { StageTimings } from '../lib/stage-timings.ts';
import { taskTimings } from '../domain/task-timings.ts';
import type { Semaphore } from '../lib/semaphore.ts';
import type { DownloadLimits } from '../net/download.ts';
import { attemptPrefix } from '../pipeline/blob-keys.ts';
import type { PipelineDeps, TaskStorage } from '../pipeline/pipeline-deps.ts';
import { planPrefix } from '../pipeline/plan-store.ts';
import { produceVideo, STAGE_STARTS } from '../pipeline/produce-video.ts';
import { publishedOutput, publishOutput } from '../pipeline/publish.ts';
import { chunkJob } from '../platform/jobs.ts';
import type { LeasedStore, StoryboardStore, TaskStore } from '../platform/leased-store.ts';
import type { BlobStore, Dispatcher } from '../platform/ports.ts';
import { guardAttempt, type AttemptGuard, type StopReason } from './attempt-guard.ts';
import { ProgressWriter } from './progress-writer.ts';
import type { RunningTasks } from './running-tasks.ts';
import { makeTaskDir, removeScratch } from './scratch.ts';
import { withWrittenScript } from './write-script.ts';

export interface WorkerDeps {
  /** Videos' tasks. */
  store: TaskStore;
  /** Storyboards' records (POST /storyboards/{id}/run prepares them). */
  storyboards: StoryboardStore;
  pipeline: PipelineDeps;
  /** Where tasks keep their work between attempts and deliveries, and publish their videos. */
  blobs: BlobStore;
  scratchDir: string;
  /** Bytes each task's downloads may hold (TASK_SCRATCH_BYTES) and the process's download slots. */
  downloads: { bytesPerTask: number; slots: Semaphore };
  /** Renders (tasks, chunks, storyboards) this process runs at once (MAX_CONCURRENT_TASKS); one more delivery is sent elsewhere. */
  renderSlots: Semaphore;
  leaseMs: number;
  maxAttempts: number;
  deadlineMs: number;
  /** Asks for the callback of a task this delivery ended (its event is recorded with the end). */
  dispatcher: Dispatcher;
  /** Shortest time between two progress writes (Firestore's guidance is one write per second per document). */
  progressIntervalMs?: number;
  log: Logger;
  /** Identifies this process in leases. */
  instanceId: string;
  /** Aborted when the process is shutting down: running tasks stop and are handed back. */
  shutdown: AbortSignal;
  running: RunningTasks;
}

/**
 * A delivery's answer to its queue. 200 ends it (done, failed for good, nothing to do). 409 asks
 * for this job again with the queue's own backoff: its task is held by another delivery, or its
 * attempt failed in passing. 503 is kept for this worker itself being unable to take work (it is
 * shutting down, or its render slots are full): Cloud Tasks answers 429 and 503 by slowing the
 * whole queue down, which is right for an overloaded worker and wrong for one task's retry.
 */
export interface DeliveryOutcome {
  status: 200 | 409 | 503;
  retryAfterS?: number;
  body: { task_id: string; outcome: string };
}

/** Retry-After of a busy worker: about the time a short render takes to free a slot. */
const BUSY_RETRY_S = 30;

/** `work` in one of this process's render slots, or, when all are taken, the 503 that sends the delivery to another worker (or here again later). */
export async function inRenderSlot(deps: WorkerDeps, taskId: string, work: () => Promise<DeliveryOutcome>): Promise<DeliveryOutcome> {
  const release = deps.renderSlots.tryAcquire();
  if (!release) {
    deps.log.warn({ task_id: taskId, slots: deps.renderSlots.capacity }, 'every render slot is taken: delivery sent back');
    return { status: 503, retryAfterS: BUSY_RETRY_S, body: { task_id: taskId, outcome: 'busy' } };
  }
  try {
    return await work();
  } finally {
    release();
  }
}

/** The answer to a delivery whose attempt must run again: 503 when this worker is stopping, else 409. */
export function retryAnswer(taskId: string, reason: StopReason | null, outcome = 'retry', retryAfterS = 1): DeliveryOutcome {
  return { status: reason === 'shutdown' ? 503 : 409, retryAfterS, body: { task_id: taskId, outcome } };
}

/** What Cloud Tasks (or the local dispatcher) says about the delivery, in its X-CloudTasks-* headers. */
export interface DeliveryMeta {
  queue?: string | undefined;
  taskName?: string | undefined;
  /** Earlier deliveries of this task, failed or unanswered. */
  retryCount?: string | undefined;
  /** Earlier deliveries that got an answer (non-2xx). */
  executionCount?: string | undefined;
}

/** One attempt's work inside a delivery, given a claimed record and its scratch dir. */
export interface Attempt<R extends LeasedRecord = TaskRecord> {
  task: R;
  /** The video the record asks for, derived from its stored request once, here. */
  spec: VideoSpec;
  /** Where the attempt keeps its work in the blob store (under its work's prefix). */
  storage: TaskStorage;
  /** The lease holder's id. */
  owner: string;
  dir: string;
  signal: AbortSignal;
  report: (stage: Stage, p: number) => void;
  downloads: DownloadLimits;
  log: Logger;
  /** Waits for the last progress write: call it before recording the outcome. */
  settle: () => Promise<void>;
}

/**
 * What a delivery makes of its task and how it records success: a video (the default), or a
 * storyboard (worker/run-storyboard.ts). Failures, retries and leases are the delivery's.
 */
export interface AttemptWork<R extends LeasedRecord = TaskRecord> {
  /** The store of the records it works on. */
  store(deps: WorkerDeps): LeasedStore<R>;
  attempt(deps: WorkerDeps, a: Attempt<R>): Promise<DeliveryOutcome>;
  /** Where the attempt's files live in the blob store, deleted once the record has failed for good. */
  prefix(id: string): string;
  /** Tidies what an attempt that lost its record (to another delivery, or to a cancel) may have stored. */
  afterLosing?(deps: WorkerDeps, task: R, log: Logger): Promise<void>;
}

export const VIDEO_WORK: AttemptWork = {
  store: (deps) => deps.store,
  prefix: planPrefix,
  async attempt(deps, a) {
    const { task, owner, log } = a;
    const taskId = task.id;
    const { storage } = a;
    // Every stage below records its time here; a fanned-out render stores this delivery's for the join.
    const timings = new StageTimings();
    // Each output is uploaded as soon as it is joined; an attempt that fails after some were leaves none behind.
    const produced = await timings.run(() =>
      produceVideo(deps.pipeline, { spec: a.spec, storage, owner: task.owner, dir: a.dir, signal: a.signal, report: a.report, downloads: a.downloads }, (video) =>
        publishOutput(deps.blobs, storage, video),
      ),
    ).catch(async (err: unknown) => {
      await dropFiles(deps, attemptPrefix(taskId, task.attempt), log);
      throw err;
    });
    if (produced.kind === 'fanout') {
      await a.settle();
      return await handOverToChunks(deps, task, owner, produced.frames, log);
    }
    a.report('upload', STAGE_STARTS.upload);
    const published = publishedOutput(produced.video);
    const output = { ...published.output, timings: taskTimings(timings.summary(), task.created_at) };
    const { warnings } = published;
    await a.settle();
    const done = await deps.store.complete(taskId, owner, output, warnings);
    if (!done) {
      log.warn('finished, but the lease was lost; the holder records the outcome');
      await tidyAfterLosing(deps, task, log);
      return { status: 200, body: { task_id: taskId, outcome: 'lease_lost' } };
    }
    log.info({ duration_s: output.duration_s, size_bytes: output.size_bytes, timings: output.timings }, 'task completed');
    await Promise.all([requestCallback(deps.store, deps.dispatcher, taskId, log), dropPlan(deps, taskId, log), dropEarlierAttempts(deps, task, log)]);
    return { status: 200, body: { task_id: taskId, outcome: 'completed' } };
  },
  afterLosing: tidyAfterLosing,
};

/** A video's delivery. */
export function runDelivery(deps: WorkerDeps, taskId: string, meta: DeliveryMeta = {}): Promise<DeliveryOutcome> {
  return runLeasedDelivery(deps, taskId, meta, VIDEO_WORK);
}

/** A delivery of any kind of record: claim, lease, heartbeat, the attempt's work, and its outcome. */
export async function runLeasedDelivery<R extends LeasedRecord>(deps: WorkerDeps, taskId: string, meta: DeliveryMeta, work: AttemptWork<R>): Promise<DeliveryOutcome> {
  const store = work.store(deps);
  const owner = `${deps.instanceId}:${randomBytes(4).toString('hex')}`;
  const log = deps.log.child({
    task_id: taskId,
    delivery: { queue: meta.queue, retries: Number(meta.retryCount ?? 0), executions: Number(meta.executionCount ?? 0) },
  });
  if (meta.taskName && !meta.taskName.split('/').pop()!.startsWith(`${taskId}-`)) {
    log.warn({ task_name: meta.taskName }, 'the Cloud Tasks task name does not match the task id in the path');
  }
  const claim = await store.claim(taskId, owner, deps.leaseMs, deps.maxAttempts);
  if (claim.kind === 'done') return { status: 200, body: { task_id: taskId, outcome: claim.task ? claim.task.status : 'missing' } };
  if (claim.kind === 'busy') return retryAnswer(taskId, null, 'leased', Math.ceil(claim.retryAfterMs / 1000));
  if (claim.kind === 'exhausted') {
    // Earlier attempts died without recording a failure (out of memory, killed instance): the
    // claim failed it instead of letting the queue redeliver it for ever.
    log.warn({ attempt: claim.task.attempt }, `task failed: ${claim.task.error?.message}`);
    await Promise.all([requestCallback(store, deps.dispatcher, taskId, log), dropFiles(deps, work.prefix(taskId), log)]);
    return { status: 200, body: { task_id: taskId, outcome: 'failed' } };
  }
  const task = claim.task;
  log.info({ attempt: task.attempt }, 'task claimed');

  const guard = guardDelivery(deps, store, taskId, async () => (await store.renewLease(taskId, owner, deps.leaseMs)) !== null, log);

  const progress = new ProgressWriter({
    write: (stage, p) => store.progress(taskId, owner, stage, p),
    intervalMs: deps.progressIntervalMs ?? 2_000,
    log,
  });
  const report = (stage: Stage, p: number) => progress.report(stage, p);

  let dir: string | null = null;
  try {
    dir = await makeTaskDir(deps.scratchDir, taskId);
    const downloads = { budget: new ByteBudget(deps.downloads.bytesPerTask), slots: deps.downloads.slots };
    const scripted = await withWrittenScript(store, task, { writer: deps.pipeline.scripts, voice: deps.pipeline.speech.name, owner, signal: guard.signal, report, log });
    const spec = videoSpecOf(scripted);
    const storage = { blobs: deps.blobs, taskId, attempt: task.attempt, prefix: work.prefix(taskId) };
    return await work.attempt(deps, { task: scripted, spec, storage, owner, dir, signal: guard.signal, report, downloads, log, settle: () => progress.close() });
  } catch (err) {
    await progress.close();
    if (guard.reason === 'cancelled' || guard.reason === 'lost_lease') {
      await work.afterLosing?.(deps, task, log);
      return { status: 200, body: { task_id: taskId, outcome: guard.reason === 'cancelled' ? 'cancelled' : 'lease_lost' } };
    }
    const error = taskErrorOf(err, guard.reason, deps.deadlineMs);
    if (!(err instanceof TaskError)) log.error({ err: (err as Error)?.stack ?? String(err) }, 'task attempt crashed');
    // The task keeps what the client may read; the detail (stderr, provider answers, causes) is logged here, under the task id.
    const after = await store.fail(taskId, owner, { code: error.code, message: error.message, retryable: error.retryable }, deps.maxAttempts);
    const logged = { code: error.code, ...(error.detail ? { detail: error.detail } : {}), ...causesOf(error) };
    if (!after) {
      await work.afterLosing?.(deps, task, log);
      return { status: 200, body: { task_id: taskId, outcome: 'lease_lost' } };
    }
    if (after.status === 'queued') {
      log.warn({ ...logged, attempt: after.attempt }, `attempt failed, will retry: ${error.message}`);
      return retryAnswer(taskId, guard.reason);
    }
    log.warn(logged, `task failed: ${error.message}`);
    await Promise.all([requestCallback(store, deps.dispatcher, taskId, log), dropFiles(deps, work.prefix(taskId), log)]);
    return { status: 200, body: { task_id: taskId, outcome: 'failed' } };
  } finally {
    guard.dispose();
    if (dir) await removeScratch(dir, log);
  }
}

/** The guard of a delivery of this worker: `renew` keeps its lease (the record's, or a chunk's). */
export function guardDelivery(deps: WorkerDeps, store: { get(id: string): Promise<LeasedRecord | null> }, taskId: string, renew: () => Promise<boolean>, log: Logger): AttemptGuard {
  return guardAttempt({
    taskId,
    renew,
    cancelled: async () => (await store.get(taskId))?.status === 'cancelled',
    leaseMs: deps.leaseMs,
    deadlineMs: deps.deadlineMs,
    shutdown: deps.shutdown,
    running: deps.running,
    log,
  });
}

/**
 * The plan says this video is rendered by chunk deliveries: the task's lease goes over to them
 * (domain/fanout.ts) and their jobs are asked for. If the queue refuses one, the task is taken
 * back and the attempt fails in passing (the error thrown), so the queue delivers it again at
 * once instead of the task waiting out the fan-out's lease.
 */
export async function handOverToChunks(deps: WorkerDeps, task: TaskRecord, owner: string, frames: number[], log: Logger): Promise<DeliveryOutcome> {
  const handed = await deps.store.update(task.id, (t, now) => {
    const next = beginFanout(t, owner, deps.instanceId, frames, now);
    return { write: next, result: next !== null };
  });
  if (!handed) return { status: 200, body: { task_id: task.id, outcome: 'lease_lost' } };
  try {
    await Promise.all(frames.map((_, n) => deps.dispatcher.enqueue(chunkJob(task.id, task.attempt, n))));
  } catch (err) {
    const back = await deps.store.update(task.id, (t, now) => {
      const next = takeBackFanout(t, task.attempt, owner, deps.leaseMs, now);
      return { write: next, result: next !== null };
    });
    if (back) throw new TaskError('queue_unavailable', 'the render queue refused a chunk of the video; it is tried again', { retryable: true, cause: err });
    // The chunks went on without this delivery (their joiner holds the task), or the task ended: its files are theirs.
    log.warn({ err: (err as Error).message }, 'a chunk could not be asked for, and the task has moved on');
    return { status: 200, body: { task_id: task.id, outcome: 'lease_lost' } };
  }
  log.info({ chunks: frames.length, attempt: task.attempt }, 'rendering in chunks on any worker');
  return { status: 200, body: { task_id: task.id, outcome: 'fanned_out' } };
}

/** A finished task's plan is no longer needed (the bucket's lifecycle rule would take it later anyway). */
export async function dropPlan(deps: WorkerDeps, taskId: string, log: Logger): Promise<void> {
  await dropFiles(deps, planPrefix(taskId), log);
}

/** The winner's files are the task's: what earlier attempts uploaded before they died is not. */
export async function dropEarlierAttempts(deps: WorkerDeps, task: TaskRecord, log: Logger): Promise<void> {
  for (let a = 1; a < task.attempt; a++) await dropFiles(deps, attemptPrefix(task.id, a), log);
}

/**
 * A video's attempt (or a fan-out's joiner) that lost its task may have uploaded its video, or
 * saved the plan, after the winner tidied up: its own files go, and the plan too once the task is
 * finished. `task` is the record as the attempt began.
 */
export async function tidyAfterLosing(deps: WorkerDeps, task: TaskRecord, log: Logger): Promise<void> {
  let now: TaskRecord | null | undefined;
  try {
    now = await deps.store.get(task.id);
  } catch (err) {
    log.warn({ err: (err as Error).message }, 'could not read the task to tidy up after losing it; its plan stays until a later clean-up or the bucket lifecycle rule');
  }
  const left = leftovers(task, now);
  await Promise.all([left.own && dropFiles(deps, attemptPrefix(task.id, task.attempt), log), left.plan && dropPlan(deps, task.id, log)]);
}

/**
 * What a losing attempt may delete, given the task as it now stands (undefined: it could not be
 * read): its own uploads (videos/<id>/a<n>/) unless they are the task's, and the plan once the
 * task has ended. A fan-out's joiners share their attempt's prefix: a join another joiner took
 * over, and may have completed, keeps them.
 */
export function leftovers(lost: TaskRecord, now: TaskRecord | null | undefined): { own: boolean; plan: boolean } {
  const shared = lost.fanout?.attempt === lost.attempt;
  if (now === undefined) return { own: !shared, plan: false };
  if (now === null) return { own: true, plan: true };
  const theirs = now.attempt === lost.attempt && (now.status === 'completed' || (shared && !isFinal(now.status)));
  return { own: !theirs, plan: isFinal(now.status) };
}

export async function dropFiles(deps: WorkerDeps, prefix: string, log: Logger): Promise<void> {
  await deps.blobs.deletePrefix(prefix).catch((err: unknown) => log.warn({ err: (err as Error).message, prefix }, 'could not delete stored files'));
}

/**
 * The TaskError an attempt ends with. A full disk (ENOSPC) under a step that called its failure
 * permanent, or under no TaskError at all (a write of the join), fails the task for good as
 * `scratch_full`, naming the limits (errors.ts scratchFull); a download that met it keeps its own
 * retry. Another error that is not a TaskError is a bug, told to the client without its text
 * (which may hold paths).
 */
export function taskErrorOf(err: unknown, stopReason: StopReason | null, deadlineMs: number): TaskError {
  if (stopReason === 'deadline') return new TaskError(DEADLINE_EXCEEDED, `the attempt ran past ${Math.round(deadlineMs / 1000)} s`, { retryable: true });
  if (stopReason === 'shutdown') return new TaskError('interrupted', 'the worker shut down during the task', { retryable: true });
  if (!(err instanceof TaskError) && hasCode(err, 'ENOSPC')) return scratchFull('the render', { cause: err });
  if (!(err instanceof TaskError)) {
    return new TaskError('internal', 'an unexpected error stopped the task; it is logged under the task id', { retryable: true, cause: err });
  }
  if (!err.retryable && err.code !== 'scratch_full' && hasCode(err, 'ENOSPC')) return scratchFull(`the ${err.code.replace(/_failed$/, '')} step`, { cause: err, ...(err.detail ? { detail: err.detail } : {}) });
  return err;
}

function hasCode(err: unknown, code: string): boolean {
  for (let e: unknown = err; e instanceof Error; e = e.cause) if ((e as NodeJS.ErrnoException).code === code) return true;
  return false;
}

/** The messages under a TaskError (what it wraps), for the log line. */
export function causesOf(err: TaskError): { causes?: string[] } {
  const causes: string[] = [];
  for (let e: unknown = err.cause; e !== undefined && causes.length < 5; e = e instanceof Error ? e.cause : undefined) {
    causes.push(e instanceof TaskError && e.detail ? `${e.message}: ${e.detail}` : e instanceof Error ? e.message : String(e));
  }
  return causes.length ? { causes } : {};
}
