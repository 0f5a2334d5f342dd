// One delivery of POST /tasks/{id}/chunks/{n}/run?attempt=A: claim chunk n of a fanned-out render
// under a lease of its own (domain/fanout.ts), render it from the stored plan, store it; and if it
// was the last chunk, take the task's lease, join the chunks and complete the task. Answers as
// Cloud Tasks understands: 2xx = nothing more to do, 409 = deliver this chunk again later (503
// when this worker is shutting down; see DeliveryOutcome).
import { randomBytes } from 'node:crypto';
import { requestCallback } from '../delivery/deliver.ts';
import { claimChunk, failChunk, failJoin, finishChunk, renewChunk } from '../domain/fanout.ts';
import { isFinal, type TaskRecord } from '../domain/task.ts';
import { videoSpecOf } from '../domain/video-spec.ts';
import type { Logger } from '../log.ts';
import { taskTimings } from '../domain/task-timings.ts';
import { StageTimings } from '../lib/stage-timings.ts';
import { attemptPrefix } from '../pipeline/blob-keys.ts';
import { assembleFanout, renderFanoutChunk, type FanoutDeps } from '../pipeline/fanout-render.ts';
import { publishedOutput, publishOutput } from '../pipeline/publish.ts';
import { causesOf, dropEarlierAttempts, dropFiles, dropPlan, guardDelivery, retryAnswer, taskErrorOf, tidyAfterLosing, type DeliveryOutcome, type WorkerDeps } from './run-task.ts';
import { makeTaskDir, removeScratch } from './scratch.ts';

export async function runChunkDelivery(deps: WorkerDeps, taskId: string, n: number, attempt: number): Promise<DeliveryOutcome> {
  const owner = `${deps.instanceId}:${randomBytes(4).toString('hex')}`;
  const log = deps.log.child({ task_id: taskId, chunk: n, attempt });
  const answer = (status: 200, outcome: string): DeliveryOutcome => ({ status, body: { task_id: taskId, outcome } });

  const claim = await deps.store.update(taskId, (task, now) => {
    const c = claimChunk(task, attempt, n, owner, deps.leaseMs, deps.maxAttempts, now);
    return { write: 'task' in c ? c.task : null, result: c };
  });
  if (claim.kind === 'done') {
    // The task may have ended (cancelled, failed elsewhere) with its plan and chunks still stored.
    await tidyIfEnded(deps, taskId, log);
    return answer(200, 'nothing_to_do');
  }
  if (claim.kind === 'busy') return retryAnswer(taskId, null, 'held_elsewhere', Math.ceil(claim.retryAfterMs / 1000));
  if (claim.kind === 'exhausted') {
    log.warn({ err: claim.task.error?.message }, 'a chunk kept failing; the task failed');
    await ended(deps, taskId, log);
    return answer(200, 'failed');
  }
  if (claim.kind === 'assemble') return assemble(deps, claim.task, owner, log);

  const guard = guardDelivery(
    deps,
    deps.store,
    taskId,
    async () =>
      deps.store.update(taskId, (task, now) => {
        const next = renewChunk(task, attempt, n, owner, deps.leaseMs, now);
        return { write: next, result: next !== null };
      }),
    log,
  );
  log.info({ frames: claim.task.fanout?.chunks[n]?.frames }, 'chunk claimed');
  let dir: string | null = null;
  try {
    dir = await makeTaskDir(deps.scratchDir, taskId);
    const workDir = dir;
    await new StageTimings().run(() => renderFanoutChunk(fanoutDeps(deps), { spec: videoSpecOf(claim.task), taskId, attempt, n, dir: workDir, signal: guard.signal }));
  } catch (err) {
    if (guard.reason === 'cancelled' || guard.reason === 'lost_lease') {
      await tidyIfEnded(deps, taskId, log);
      return answer(200, guard.reason);
    }
    const error = taskErrorOf(err, guard.reason, deps.deadlineMs);
    log.warn({ code: error.code, ...(error.detail ? { detail: error.detail } : {}), ...causesOf(error) }, `chunk failed: ${error.message}`);
    const after = await deps.store.update(taskId, (task, now) => {
      const next = failChunk(task, attempt, n, owner, { code: error.code, message: error.message, retryable: error.retryable }, deps.maxAttempts, now);
      return { write: next, result: next };
    });
    if (after?.status === 'failed') {
      await ended(deps, taskId, log);
      return answer(200, 'failed');
    }
    if (!after) {
      // It lost the chunk meanwhile: to another delivery, which answers for it, or to the task's end.
      await tidyIfEnded(deps, taskId, log);
      return answer(200, 'lease_lost');
    }
    return retryAnswer(taskId, guard.reason);
  } finally {
    guard.dispose();
    if (dir) await removeScratch(dir, log);
  }

  const finished = await deps.store.update(taskId, (task, now) => {
    const f = finishChunk(task, attempt, n, owner, deps.instanceId, deps.leaseMs, now);
    return { write: 'task' in f ? f.task : null, result: f };
  });
  if (finished.kind === 'lost') {
    // What it stored may have come after the task's end had its files dropped.
    await tidyIfEnded(deps, taskId, log);
    return answer(200, 'lease_lost');
  }
  log.info('chunk rendered');
  if (finished.kind === 'assemble') return assemble(deps, finished.task, owner, log);
  return answer(200, 'chunk_done');
}

/** Every chunk is done and this delivery holds the task's lease: join them, publish, complete. */
async function assemble(deps: WorkerDeps, task: TaskRecord, owner: string, log: Logger): Promise<DeliveryOutcome> {
  const answer = (status: 200, outcome: string): DeliveryOutcome => ({ status, body: { task_id: task.id, outcome } });
  const guard = guardDelivery(deps, deps.store, task.id, async () => (await deps.store.renewLease(task.id, owner, deps.leaseMs)) !== null, log);
  let dir: string | null = null;
  try {
    dir = await makeTaskDir(deps.scratchDir, task.id);
    const at = { taskId: task.id, attempt: task.attempt };
    const workDir = dir;
    // The join's stages, with every earlier delivery's merged in (fanout-render.ts stores them).
    const timings = new StageTimings();
    // Each output is uploaded as soon as it is joined, and leaves the scratch before the next.
    const produced = await timings.run(() => assembleFanout(fanoutDeps(deps), { spec: videoSpecOf(task), ...at, dir: workDir, signal: guard.signal, deliver: (video) => publishOutput(deps.blobs, at, video) }));
    const published = publishedOutput(produced);
    const output = { ...published.output, timings: taskTimings(timings.summary(), task.created_at) };
    const { warnings } = published;
    const done = await deps.store.complete(task.id, owner, output, warnings);
    if (!done) {
      await tidyAfterLosing(deps, task, log);
      return answer(200, 'lease_lost');
    }
    log.info({ duration_s: output.duration_s, size_bytes: output.size_bytes, chunks: task.fanout?.chunks.length, timings: output.timings }, 'task completed from its chunks');
    await Promise.all([ended(deps, task.id, log), dropEarlierAttempts(deps, task, log)]);
    return answer(200, 'completed');
  } catch (err) {
    if (guard.reason === 'cancelled' || guard.reason === 'lost_lease') {
      await tidyAfterLosing(deps, task, log);
      return answer(200, guard.reason);
    }
    const error = taskErrorOf(err, guard.reason, deps.deadlineMs);
    log.warn({ code: error.code, ...(error.detail ? { detail: error.detail } : {}), ...causesOf(error) }, `joining the chunks failed: ${error.message}`);
    const after = await deps.store.update(task.id, (t, now) => {
      const next = failJoin(t, owner, { code: error.code, message: error.message, retryable: error.retryable }, deps.maxAttempts, now);
      return { write: next, result: next };
    });
    if (after?.status === 'failed') {
      // What this join uploaded before it failed is nobody's.
      await Promise.all([ended(deps, task.id, log), dropFiles(deps, attemptPrefix(task.id, task.attempt), log)]);
      return answer(200, 'failed');
    }
    if (!after) {
      await tidyAfterLosing(deps, task, log);
      return answer(200, 'lease_lost');
    }
    // Let go: another delivery of the last chunk joins them.
    return retryAnswer(task.id, guard.reason);
  } finally {
    guard.dispose();
    if (dir) await removeScratch(dir, log);
  }
}

const fanoutDeps = (deps: WorkerDeps): FanoutDeps => ({ ...deps.pipeline, blobs: deps.blobs });

/** The task has ended: its callback is asked for and its plan (with the chunks) dropped. */
async function ended(deps: WorkerDeps, taskId: string, log: Logger): Promise<void> {
  await Promise.all([requestCallback(deps.store, deps.dispatcher, taskId, log), dropPlan(deps, taskId, log)]);
}

/**
 * A chunk delivery that found its task ended (cancelled, or failed by another delivery) drops the
 * plan and the chunks, which the end's own clean-up may have missed: nobody reads them again.
 */
async function tidyIfEnded(deps: WorkerDeps, taskId: string, log: Logger): Promise<void> {
  try {
    const task = await deps.store.get(taskId);
    if (!task || isFinal(task.status)) await dropPlan(deps, taskId, log);
  } catch (err) {
    log.warn({ err: (err as Error).message }, 'could not read the task to tidy up its chunks; they stay until a later clean-up or the bucket lifecycle rule');
  }
}
