// The sweeper: asks again for what a task is owed when the queue that was to deliver it gave up
// or never got the ask (Cloud Tasks stops after its retry limits; an instance may die between
// a transition and its enqueue). Cloud Scheduler calls it on the worker (POST /tasks/sweep);
// locally a timer runs it. Each decision is re-checked inside the task's own transaction.
import { callbackLost, sweepAction, type SweepAction, type SweepPolicy } from '../domain/sweep.ts';
import { failForGood, interruptedTooOften, redispatch, type LeasedRecord, type TaskRecord } from '../domain/task.ts';
import { nextCallbackJob, type MayOweCallback } from '../domain/callback-outbox.ts';
import type { Logger } from '../log.ts';
import { batchCallbackJob, callbackJob, renderJob, type JobFor } from '../platform/jobs.ts';
import type { LeasedStore } from '../platform/leased-store.ts';
import type { BatchStore, Dispatcher } from '../platform/ports.ts';
import { requestCallback } from './deliver.ts';

/** A store the sweeper looks at: videos' tasks, or storyboards (which owe no callbacks). */
export interface SweepDeps<R extends LeasedRecord & MayOweCallback = TaskRecord> {
  store: LeasedStore<R>;
  dispatcher: Dispatcher;
  policy: SweepPolicy;
  log: Logger;
  /** Injectable clock for the first pass (the decisions themselves use the store's clock). */
  now?: () => Date;
  /** The delivery a task of this store is asked for again with: renders by default (storyboards have their own). */
  jobFor?: JobFor;
  /** Drops the stored files of a record the sweeper failed for good (its plan, a fan-out's chunks), as a failed attempt does. */
  dropFiles?: (id: string) => Promise<void>;
}

export interface SweepReport {
  looked_at: number;
  redispatched: string[];
  exhausted: string[];
  callbacks: string[];
}

type Applied = { kind: SweepAction['kind']; job: number | null };

export async function sweep<R extends LeasedRecord & MayOweCallback>(deps: SweepDeps<R>): Promise<SweepReport> {
  const tasks = await deps.store.listForSweep();
  const report: SweepReport = { looked_at: tasks.length, redispatched: [], exhausted: [], callbacks: [] };
  const now = (deps.now ?? (() => new Date()))();
  for (const t of tasks) {
    if (sweepAction(t, now, deps.policy).kind === 'none') continue;
    try {
      await sweepOne(deps, t.id, report);
    } catch (err) {
      deps.log.warn({ task_id: t.id, err: (err as Error).message }, 'sweep of a task failed; the next sweep tries again');
    }
  }
  if (report.redispatched.length + report.exhausted.length + report.callbacks.length > 0) {
    deps.log.info({ ...report, redispatched: report.redispatched.length, exhausted: report.exhausted.length, callbacks: report.callbacks.length }, 'sweep');
  }
  return report;
}

/** The sweep of any store: tasks' or storyboards'. */
export type AnySweepDeps = SweepDeps<LeasedRecord & MayOweCallback>;

/** The batches' sweep: a batch owes nothing but its callback, once every item has ended. */
export interface BatchSweepDeps {
  batches: BatchStore;
  dispatcher: Dispatcher;
  policy: SweepPolicy;
  log: Logger;
  now?: () => Date;
}

/** Asks again for the callback of each batch whose callback job is evidently gone (as for a task's: domain/sweep.ts callbackLost). */
export async function sweepBatches(deps: BatchSweepDeps): Promise<SweepReport> {
  const owing = await deps.batches.listForSweep();
  const report: SweepReport = { looked_at: owing.length, redispatched: [], exhausted: [], callbacks: [] };
  const now = (deps.now ?? (() => new Date()))();
  for (const b of owing) {
    if (!callbackLost(b.callback, now, deps.policy)) continue;
    try {
      const job = await deps.batches.update(b.id, (batch, at) => {
        const next = callbackLost(batch?.callback, at, deps.policy) ? nextCallbackJob(batch) : null;
        return { write: next?.task ?? null, result: next?.job ?? null };
      });
      if (job === null) continue;
      report.callbacks.push(b.id);
      await deps.dispatcher.enqueue(batchCallbackJob(b.id, job));
    } catch (err) {
      deps.log.warn({ batch_id: b.id, err: (err as Error).message }, 'sweep of a batch failed; the next sweep tries again');
    }
  }
  return report;
}

/** Sweeps of several stores (tasks and storyboards, then batches), one after the other, in one report. */
export async function sweepAll(all: AnySweepDeps[], batches: BatchSweepDeps | null = null): Promise<SweepReport> {
  const reports = [];
  for (const deps of all) reports.push(await sweep(deps));
  if (batches) reports.push(await sweepBatches(batches));
  return {
    looked_at: reports.reduce((n, r) => n + r.looked_at, 0),
    redispatched: reports.flatMap((r) => r.redispatched),
    exhausted: reports.flatMap((r) => r.exhausted),
    callbacks: reports.flatMap((r) => r.callbacks),
  };
}

async function sweepOne<R extends LeasedRecord & MayOweCallback>(deps: SweepDeps<R>, id: string, report: SweepReport): Promise<void> {
  const applied = await deps.store.update<Applied>(id, (task, now) => {
    const action = task ? sweepAction(task, now, deps.policy) : ({ kind: 'none' } as const);
    if (!task || action.kind === 'none') return { write: null, result: { kind: 'none', job: null } };
    if (action.kind === 'redispatch') {
      const next = redispatch({ ...task, dispatch_failed_at: null }, now);
      return { write: next.task, result: { kind: 'redispatch', job: next.job } };
    }
    if (action.kind === 'exhaust') {
      const failed = failForGood(deps.store.kind, task, interruptedTooOften(task.attempt), now);
      return { write: failed, result: { kind: 'exhaust', job: null } };
    }
    const next = nextCallbackJob(task);
    return { write: next?.task ?? null, result: { kind: 'recallback', job: next?.job ?? null } };
  });
  if (applied.kind === 'redispatch' && applied.job !== null) {
    report.redispatched.push(id);
    await deps.dispatcher.enqueue((deps.jobFor ?? renderJob)(id, applied.job)).catch(async (err: unknown) => {
      await deps.store.update(id, (task, now) => ({ write: task ? { ...task, dispatch_failed_at: now.toISOString() } : null, result: null }));
      throw err;
    });
  } else if (applied.kind === 'exhaust') {
    report.exhausted.push(id);
    const dropped = deps.dropFiles?.(id).catch((err: unknown) => deps.log.warn({ task_id: id, err: (err as Error).message }, 'could not delete the files of a task the sweeper failed'));
    await Promise.all([requestCallback(deps.store, deps.dispatcher, id, deps.log), dropped]);
  } else if (applied.kind === 'recallback' && applied.job !== null) {
    report.callbacks.push(id);
    await deps.dispatcher.enqueue(callbackJob(id, applied.job));
  }
}
