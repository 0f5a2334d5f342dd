// One delivery of POST /tasks/{id}/chunks/{n}/run?attempt=A: claim chunk n of a fanned-out render
// under a lease of its own (domain/fanout.ts), render it from the stored plan, store it; and if it
// was the last chunk, take the task's lease, join the chunks and complete the task. Answers as
// Cloud Tasks understands: 2xx = nothing more to do, 503 = deliver this chunk again later.
import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { requestCallback } from '../delivery/deliver.ts';
import { claimChunk, failChunk, finishChunk, releaseAssembly, renewChunk } from '../domain/fanout.ts';
import type { TaskRecord } from '../domain/task.ts';
import type { Logger } from '../log.ts';
import { StageTimings } from '../lib/stage-timings.ts';
import { taskTimings } from '../domain/task-timings.ts';
import { assembleFanout, renderFanoutChunk } from '../pipeline/fanout-render.ts';
import { causesOf, dropEarlierAttempts, dropPlan, guardDelivery, taskErrorOf, type DeliveryOutcome, type WorkerDeps } from './run-task.ts';
import { makeTaskDir } from './scratch.ts';

export async function runChunkDelivery(deps: WorkerDeps, taskId: string, n: number, attempt: number): Promise<DeliveryOutcome> {
  const owner = `${deps.instanceId}:${randomBytes(4).toString('hex')}`;
  const log = deps.log.child({ task_id: taskId, chunk: n, attempt });
  const answer = (status: 200 | 503, outcome: string, retryAfterS?: number): DeliveryOutcome => ({
    status,
    ...(retryAfterS ? { retryAfterS } : {}),
    body: { task_id: taskId, outcome },
  });

  const claim = await deps.store.update(taskId, (task, now) => {
    const c = claimChunk(task, attempt, n, owner, deps.leaseMs, deps.maxAttempts, now);
    return { write: 'task' in c ? c.task : null, result: c };
  });
  if (claim.kind === 'done') return answer(200, 'nothing_to_do');
  if (claim.kind === 'busy') return answer(503, 'held_elsewhere', Math.ceil(claim.retryAfterMs / 1000));
  if (claim.kind === 'exhausted') {
    log.warn({ err: claim.task.error?.message }, 'a chunk kept failing; the task failed');
    await ended(deps, taskId, log);
    return answer(200, 'failed');
  }
  if (claim.kind === 'assemble') return assemble(deps, claim.task, owner, log);

  const guard = guardDelivery(
    deps,
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
    await new StageTimings().run(() => renderFanoutChunk(deps.pipeline, { task: claim.task, attempt, n, dir: workDir, signal: guard.signal }));
  } catch (err) {
    if (guard.reason === 'cancelled' || guard.reason === 'lost_lease') return answer(200, guard.reason);
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
    return answer(503, 'retry', 1);
  } finally {
    guard.dispose();
    if (dir) await rm(dir, { recursive: true, force: true }).catch(() => undefined);
  }

  const finished = await deps.store.update(taskId, (task, now) => {
    const f = finishChunk(task, attempt, n, owner, deps.instanceId, deps.leaseMs, now);
    return { write: 'task' in f ? f.task : null, result: f };
  });
  if (finished.kind === 'lost') return answer(200, 'lease_lost');
  log.info('chunk rendered');
  if (finished.kind === 'assemble') return assemble(deps, finished.task, owner, log);
  return answer(200, 'chunk_done');
}

/** Every chunk is done and this delivery holds the task's lease: join them, publish, complete. */
async function assemble(deps: WorkerDeps, task: TaskRecord, owner: string, log: Logger): Promise<DeliveryOutcome> {
  const answer = (status: 200 | 503, outcome: string): DeliveryOutcome => ({ status, body: { task_id: task.id, outcome } });
  const guard = guardDelivery(deps, task.id, async () => (await deps.store.renewLease(task.id, owner, deps.leaseMs)) !== null, log);
  let dir: string | null = null;
  try {
    dir = await makeTaskDir(deps.scratchDir, task.id);
    const workDir = dir;
    // The join's stages, with every earlier delivery's merged in (fanout-render.ts stores them).
    const timings = new StageTimings();
    const assembled = await timings.run(() => assembleFanout(deps.pipeline, { task, dir: workDir, signal: guard.signal }));
    const output = { ...assembled.output, timings: taskTimings(timings.summary(), task.created_at) };
    const done = await deps.store.complete(task.id, owner, output, assembled.warnings);
    if (!done) return answer(200, 'lease_lost');
    log.info({ duration_s: output.duration_s, size_bytes: output.size_bytes, chunks: task.fanout?.chunks.length, timings: output.timings }, 'task completed from its chunks');
    await Promise.all([ended(deps, task.id, log), dropEarlierAttempts(deps, task, log)]);
    return answer(200, 'completed');
  } catch (err) {
    if (guard.reason === 'cancelled' || guard.reason === 'lost_lease') return answer(200, guard.reason);
    const error = taskErrorOf(err, guard.reason, deps.deadlineMs);
    log.warn({ code: error.code, ...(error.detail ? { detail: error.detail } : {}), ...causesOf(error) }, `joining the chunks failed: ${error.message}`);
    if (error.retryable) {
      // Another delivery of the last chunk will join them.
      await deps.store.update(task.id, (t, now) => ({ write: releaseAssembly(t, owner, now), result: null }));
      return answer(503, 'retry');
    }
    const failed = await deps.store.fail(task.id, owner, { code: error.code, message: error.message, retryable: false }, deps.maxAttempts);
    if (failed) await ended(deps, task.id, log);
    return answer(200, 'failed');
  } finally {
    guard.dispose();
    if (dir) await rm(dir, { recursive: true, force: true }).catch(() => undefined);
  }
}

/** The task has ended: its callback is asked for and its plan (with the chunks) dropped. */
async function ended(deps: WorkerDeps, taskId: string, log: Logger): Promise<void> {
  await Promise.all([requestCallback(deps.store, deps.dispatcher, taskId, log), dropPlan(deps, taskId, log)]);
}
