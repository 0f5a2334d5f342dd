// One delivery of POST /tasks/{id}/run: claim the task under a lease, keep the lease alive with a
// heartbeat, run the pipeline in a scratch dir of its own, record the outcome, and answer the
// way Cloud Tasks understands: 2xx = done (success or permanent failure), 503 = try again later.
import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { requestCallback } from '../delivery/deliver.ts';
import { beginFanout } from '../domain/fanout.ts';
import { DEADLINE_EXCEEDED, isFinal, type TaskRecord } from '../domain/task.ts';
import { TaskError } from '../errors.ts';
import type { Logger } from '../log.ts';
import { ByteBudget } from '../lib/byte-budget.ts';
import { StageTimings } from '../lib/stage-timings.ts';
import { taskTimings } from '../domain/task-timings.ts';
import type { Semaphore } from '../lib/semaphore.ts';
import type { DownloadLimits } from '../net/download.ts';
import { attemptPrefix } from '../pipeline/blob-keys.ts';
import type { PipelineDeps } from '../pipeline/pipeline-deps.ts';
import { planPrefix } from '../pipeline/plan-store.ts';
import { produceVideo } from '../pipeline/produce-video.ts';
import { chunkJob } from '../platform/jobs.ts';
import type { Dispatcher, TaskStore } from '../platform/ports.ts';
import { guardAttempt, type AttemptGuard, type StopReason } from './attempt-guard.ts';
import { ProgressWriter } from './progress-writer.ts';
import type { RunningTasks } from './running-tasks.ts';
import { makeTaskDir } from './scratch.ts';

export interface WorkerDeps {
  /** The store of the tasks this delivery runs: videos, or storyboards (their own store). */
  store: TaskStore;
  /** Storyboards' records (POST /storyboards/{id}/run runs them with this as `store`). */
  storyboards: TaskStore;
  pipeline: PipelineDeps;
  scratchDir: string;
  /** Bytes each task's downloads may hold (TASK_SCRATCH_BYTES) and the process's download slots. */
  downloads: { bytesPerTask: number; slots: Semaphore };
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

export interface DeliveryOutcome {
  status: 200 | 503;
  retryAfterS?: number;
  body: { task_id: string; outcome: string };
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

/** One attempt's work inside a delivery, given a claimed task and its scratch dir. */
export interface Attempt {
  task: TaskRecord;
  /** The lease holder's id. */
  owner: string;
  dir: string;
  signal: AbortSignal;
  report: (stage: Parameters<TaskStore['progress']>[2], p: number) => void;
  downloads: DownloadLimits;
  log: Logger;
  /** Waits for the last progress write: call it before recording the outcome. */
  settle: () => Promise<void>;
}

/**
 * What a delivery makes of its task and how it records success: a video (the default), or a
 * storyboard (worker/run-storyboard.ts). Failures, retries and leases are the delivery's.
 */
export interface AttemptWork {
  attempt(deps: WorkerDeps, a: Attempt): Promise<DeliveryOutcome>;
  /** Where the attempt's files live in the blob store, deleted once the task has failed for good. */
  prefix(taskId: string): string;
  /** Tidies what an attempt that lost its task (to another delivery, or to a cancel) may have stored. */
  afterLosing?(deps: WorkerDeps, task: TaskRecord, log: Logger): Promise<void>;
}

export const VIDEO_WORK: AttemptWork = {
  prefix: planPrefix,
  async attempt(deps, a) {
    const { task, owner, log } = a;
    const taskId = task.id;
    // Every stage below records its time here; a fanned-out render stores this delivery's for the join.
    const timings = new StageTimings();
    const produced = await timings.run(() => produceVideo(deps.pipeline, { task, dir: a.dir, signal: a.signal, report: a.report, downloads: a.downloads }));
    await a.settle();
    if (produced.kind === 'fanout') return await handOverToChunks(deps, task, owner, produced.frames, log);
    const output = { ...produced.output, timings: taskTimings(timings.summary(), task.created_at) };
    const { warnings } = produced;
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

export async function runDelivery(deps: WorkerDeps, taskId: string, meta: DeliveryMeta = {}, work: AttemptWork = VIDEO_WORK): Promise<DeliveryOutcome> {
  const owner = `${deps.instanceId}:${randomBytes(4).toString('hex')}`;
  const log = deps.log.child({
    task_id: taskId,
    delivery: { queue: meta.queue, retries: Number(meta.retryCount ?? 0), executions: Number(meta.executionCount ?? 0) },
  });
  if (meta.taskName && !meta.taskName.split('/').pop()!.startsWith(`${taskId}-`)) {
    log.warn({ task_name: meta.taskName }, 'the Cloud Tasks task name does not match the task id in the path');
  }
  const claim = await deps.store.claim(taskId, owner, deps.leaseMs);
  if (claim.kind === 'done') return { status: 200, body: { task_id: taskId, outcome: claim.task ? claim.task.status : 'missing' } };
  if (claim.kind === 'busy') {
    return { status: 503, retryAfterS: Math.ceil(claim.retryAfterMs / 1000), body: { task_id: taskId, outcome: 'leased' } };
  }
  const task = claim.task;
  log.info({ attempt: task.attempt }, 'task claimed');
  if (task.attempt > deps.maxAttempts) {
    // Earlier attempts died without recording a failure (out of memory, killed instance):
    // stop here instead of letting the queue redeliver it for ever.
    const failed = await deps.store.fail(
      taskId,
      owner,
      { code: 'attempts_exhausted', message: `the task was interrupted ${task.attempt - 1} times; giving up`, retryable: false },
      deps.maxAttempts,
    );
    if (failed) await requestCallback(deps.store, deps.dispatcher, taskId, log);
    return { status: 200, body: { task_id: taskId, outcome: 'failed' } };
  }

  const guard = guardDelivery(deps, taskId, async () => (await deps.store.renewLease(taskId, owner, deps.leaseMs)) !== null, log);

  const progress = new ProgressWriter({
    write: (stage, p) => deps.store.progress(taskId, owner, stage, p),
    intervalMs: deps.progressIntervalMs ?? 2_000,
    log,
  });
  const report = (stage: Parameters<TaskStore['progress']>[2], p: number) => progress.report(stage, p);

  let dir: string | null = null;
  try {
    dir = await makeTaskDir(deps.scratchDir, taskId);
    const downloads = { budget: new ByteBudget(deps.downloads.bytesPerTask), slots: deps.downloads.slots };
    return await work.attempt(deps, { task, owner, dir, signal: guard.signal, report, downloads, log, settle: () => progress.close() });
  } catch (err) {
    await progress.close();
    if (guard.reason === 'cancelled' || guard.reason === 'lost_lease') {
      await work.afterLosing?.(deps, task, log);
      return { status: 200, body: { task_id: taskId, outcome: guard.reason === 'cancelled' ? 'cancelled' : 'lease_lost' } };
    }
    const error = taskErrorOf(err, guard.reason, deps.deadlineMs);
    if (!(err instanceof TaskError)) log.error({ err: (err as Error)?.stack ?? String(err) }, 'task attempt crashed');
    // The task keeps what the client may read; the detail (stderr, provider answers, causes) is logged here, under the task id.
    const after = await deps.store.fail(taskId, owner, { code: error.code, message: error.message, retryable: error.retryable }, deps.maxAttempts);
    const logged = { code: error.code, ...(error.detail ? { detail: error.detail } : {}), ...causesOf(error) };
    if (!after) {
      await work.afterLosing?.(deps, task, log);
      return { status: 200, body: { task_id: taskId, outcome: 'lease_lost' } };
    }
    if (after.status === 'queued') {
      log.warn({ ...logged, attempt: after.attempt }, `attempt failed, will retry: ${error.message}`);
      return { status: 503, retryAfterS: 1, body: { task_id: taskId, outcome: 'retry' } };
    }
    log.warn(logged, `task failed: ${error.message}`);
    await Promise.all([requestCallback(deps.store, deps.dispatcher, taskId, log), dropFiles(deps, work.prefix(taskId), log)]);
    return { status: 200, body: { task_id: taskId, outcome: 'failed' } };
  } finally {
    guard.dispose();
    if (dir) await rm(dir, { recursive: true, force: true }).catch((e: unknown) => log.error({ err: String(e) }, 'scratch cleanup failed'));
  }
}

/** The guard of a delivery of this worker: `renew` keeps its lease (the task's, or a chunk's). */
export function guardDelivery(deps: WorkerDeps, taskId: string, renew: () => Promise<boolean>, log: Logger): AttemptGuard {
  return guardAttempt({
    taskId,
    renew,
    cancelled: async () => (await deps.store.get(taskId))?.status === 'cancelled',
    leaseMs: deps.leaseMs,
    deadlineMs: deps.deadlineMs,
    shutdown: deps.shutdown,
    running: deps.running,
    log,
  });
}

/**
 * The plan says this video is rendered by chunk deliveries: the task's lease goes over to them
 * (domain/fanout.ts) and their jobs are asked for. A job that cannot be asked for now is asked
 * for again by the sweeper once the fan-out's lease runs out (the task is then planned again).
 */
async function handOverToChunks(deps: WorkerDeps, task: TaskRecord, owner: string, frames: number[], log: Logger): Promise<DeliveryOutcome> {
  const handed = await deps.store.update(task.id, (t, now) => {
    const next = beginFanout(t, owner, deps.instanceId, frames, now);
    return { write: next, result: next !== null };
  });
  if (!handed) return { status: 200, body: { task_id: task.id, outcome: 'lease_lost' } };
  await Promise.all(frames.map((_, n) => deps.dispatcher.enqueue(chunkJob(task.id, task.attempt, n))));
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
 * A video's attempt that lost its task may have uploaded its video, or saved the plan, after the
 * winner tidied up: its own files go, and the plan too once the task is finished.
 */
async function tidyAfterLosing(deps: WorkerDeps, task: TaskRecord, log: Logger): Promise<void> {
  await dropFiles(deps, attemptPrefix(task.id, task.attempt), log);
  const now = await deps.store.get(task.id).catch(() => null);
  if (now && isFinal(now.status)) await dropPlan(deps, task.id, log);
}

async function dropFiles(deps: WorkerDeps, prefix: string, log: Logger): Promise<void> {
  await deps.pipeline.blobs.deletePrefix(prefix).catch((err: unknown) => log.warn({ err: (err as Error).message, prefix }, 'could not delete stored files'));
}

/**
 * The TaskError an attempt ends with. A full disk anywhere in the chain (ENOSPC: the scratch
 * volume two tasks share) is passing, so it is retried whatever the step said; an error that is
 * not a TaskError is a bug, told to the client without its text (which may hold paths).
 */
export function taskErrorOf(err: unknown, stopReason: StopReason | null, deadlineMs: number): TaskError {
  if (stopReason === 'deadline') return new TaskError(DEADLINE_EXCEEDED, `the attempt ran past ${Math.round(deadlineMs / 1000)} s`, { retryable: true });
  if (stopReason === 'shutdown') return new TaskError('interrupted', 'the worker shut down during the task', { retryable: true });
  if (!(err instanceof TaskError)) {
    return new TaskError('internal', 'an unexpected error stopped the task; it is logged under the task id', { retryable: true, cause: err });
  }
  if (!err.retryable && hasCode(err, 'ENOSPC')) {
    return new TaskError(err.code, err.message, { retryable: true, cause: err, ...(err.detail ? { detail: err.detail } : {}) });
  }
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
