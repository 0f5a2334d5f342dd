// The callback outbox, delivered: each pending event gets delivery jobs on the callbacks queue
// (named by event and number, so a duplicate ask is de-duplicated); each job makes one attempt
// under a short hold, records what the receiver said, and answers the queue so that it retries
// with backoff (409) until the event is delivered, refused or a day old (200). Not 503: Cloud Tasks
// slows the whole queue down on 429 and 503, and one receiver being down is no reason to delay
// every other client's callback. A task's event goes to its callback_url, and an item of a batch
// tells its batch (domain/batch.ts): the batch records the item ended, and once every item has,
// the batch's own event goes to the batch's callback_url through the batch's outbox, delivered
// the same way.
import { randomBytes } from 'node:crypto';
import { itemEnded } from '../domain/batch.ts';
import { toBatchView } from '../domain/batch-view.ts';
import { claimCallback, nextCallbackJob, recordCallback, type CallbackAttempt, type MayOweCallback } from '../domain/callback-outbox.ts';
import type { CallbackOutbox, FinalStatus, TaskRecord } from '../domain/task.ts';
import { toView, type UrlSigner } from '../domain/task-view.ts';
import type { Logger } from '../log.ts';
import { batchCallbackJob, callbackJob, type JobFor } from '../platform/jobs.ts';
import type { TaskStore } from '../platform/leased-store.ts';
import type { BatchStore, Dispatcher } from '../platform/ports.ts';
import { postCallback, type CallbackOptions } from './send-callback.ts';

/** An event stays owed this long; then it is given up (the callback queue's own limit is the same). */
export const CALLBACK_GIVE_UP_MS = 24 * 3_600_000;
/** A sender's hold on one attempt: longer than the attempt's own 10 s timeout. */
const HOLD_MS = 30_000;

export interface CallbackDeps {
  store: TaskStore;
  batches: BatchStore;
  /** Asks for a batch's callback once its last item's end is recorded. */
  dispatcher: Dispatcher;
  blobs: UrlSigner;
  signedUrlTtlS: number;
  /** The api's base URL for a batch's download links (PUBLIC_URL, or this process's own locally); null when unknown. */
  apiUrl: () => string | null;
  secret: string;
  allowPrivate: boolean;
  /** ALLOWED_URL_PORTS. */
  allowedPorts?: readonly number[];
  log: Logger;
  /** Identifies this process in holds. */
  instanceId: string;
  giveUpAfterMs?: number;
}

export interface CallbackOutcome {
  status: 200 | 409;
  retryAfterS?: number;
  body: { task_id: string; outcome: string };
}

/** A store of records that may owe a callback: its transactional update. */
interface OutboxStore<R> {
  update<X>(id: string, decide: (record: R | null, now: Date) => { write: R | null; result: X }): Promise<X>;
}

/** One delivery job of POST /tasks/{id}/callback. */
export function deliverCallback(deps: CallbackDeps, taskId: string): Promise<CallbackOutcome> {
  return deliverOutbox(deps, deps.store, taskId, async (task, callback) => {
    if (task.batch) {
      const told = await tellBatch(deps, task);
      if (!told.ok || !task.request.callback_url) return told;
    }
    return postCallback(task.request.callback_url!, await toView(task, deps.blobs, deps.signedUrlTtlS), sendOptions(deps, callback));
  });
}

/** One delivery job of POST /batches/{id}/callback: the batch's view, every item's end in it. */
export function deliverBatchCallback(deps: CallbackDeps, batchId: string): Promise<CallbackOutcome> {
  return deliverOutbox(deps, deps.batches, batchId, async (batch, callback) => {
    const tasks = await deps.store.getMany(batch.items.map((i) => i.task_id));
    const view = await toBatchView(batch, tasks, deps.blobs, deps.signedUrlTtlS, deps.apiUrl());
    return postCallback(batch.callback_url!, view, sendOptions(deps, callback));
  });
}

const sendOptions = (deps: CallbackDeps, callback: CallbackOutbox): CallbackOptions => ({
  secret: deps.secret,
  allowPrivate: deps.allowPrivate,
  ...(deps.allowedPorts ? { allowedPorts: deps.allowedPorts } : {}),
  deliveryId: callback.delivery_id,
  event: callback.event,
});

/** One attempt at a record's pending event: claim it under a hold, `send` it, record the answer. */
async function deliverOutbox<R extends MayOweCallback & { id: string }>(
  deps: CallbackDeps,
  store: OutboxStore<R>,
  id: string,
  send: (record: R, callback: CallbackOutbox) => Promise<CallbackAttempt>,
): Promise<CallbackOutcome> {
  const sender = `${deps.instanceId}:${randomBytes(4).toString('hex')}`;
  const claim = await store.update(id, (record, now) => {
    const c = claimCallback(record, sender, HOLD_MS, now);
    return { write: c.kind === 'send' ? c.task : null, result: c };
  });
  if (claim.kind === 'done') return { status: 200, body: { task_id: id, outcome: 'nothing_owed' } };
  if (claim.kind === 'busy') return { status: 409, retryAfterS: Math.ceil(claim.retryAfterMs / 1000), body: { task_id: id, outcome: 'sending_elsewhere' } };

  const { task, callback } = claim;
  const log = deps.log.child({ task_id: id, delivery_id: callback.delivery_id, attempt: callback.attempts + 1 });
  const attempt = await send(task, callback);
  const after = await store.update(id, (cur, now) => {
    const next = recordCallback(cur, sender, attempt, deps.giveUpAfterMs ?? CALLBACK_GIVE_UP_MS, now);
    return { write: next, result: next };
  });
  const state = after?.callback?.state ?? 'lost_hold';
  if (attempt.ok) log.info({ status: attempt.status }, 'callback delivered');
  else log.warn({ status: attempt.status, err: attempt.error, state }, state === 'gave_up' ? 'callback given up' : 'callback attempt failed');
  if (state === 'pending') return { status: 409, body: { task_id: id, outcome: 'retry' } };
  return { status: 200, body: { task_id: id, outcome: state } };
}

/**
 * An item's end, told to its batch: recorded there (once, however often it is told), and the
 * batch's callback asked for when that was its last item. Failing to reach the store is a failed
 * attempt the queue tries again.
 */
async function tellBatch(deps: CallbackDeps, task: TaskRecord): Promise<CallbackAttempt> {
  const batchId = task.batch!.id;
  try {
    const r = await deps.batches.update(batchId, (batch, now) => {
      const e = itemEnded(batch, task.id, task.status as FinalStatus, now);
      return { write: e.kind === 'recorded' ? e.batch : null, result: e };
    });
    if (r.kind === 'recorded' && r.completed) {
      deps.log.info({ batch_id: batchId, items: r.batch.items.length }, 'batch completed');
      if (r.batch.callback) await requestCallback(deps.batches, deps.dispatcher, batchId, deps.log, batchCallbackJob);
    }
    return { ok: true, status: null, error: null, permanent: false };
  } catch (err) {
    return { ok: false, status: null, error: `could not record the end in batch ${batchId}: ${(err as Error).message}`, permanent: false };
  }
}

/**
 * Asks the callbacks queue for a delivery of the record's pending event, under a fresh number. The
 * event is already recorded with the record's end: if this ask fails (or the process dies first)
 * the sweeper asks again, so a failure here is logged, not thrown.
 */
export async function requestCallback<R extends object>(
  store: OutboxStore<R>,
  dispatcher: Dispatcher,
  id: string,
  log: Logger,
  jobFor: JobFor = callbackJob,
): Promise<void> {
  try {
    const n = await store.update(id, (record) => {
      // A record of a kind that never owes a callback (a storyboard) has none pending.
      const next = nextCallbackJob(record as (R & MayOweCallback) | null);
      return { write: next?.task ?? null, result: next?.job ?? null };
    });
    if (n !== null) await dispatcher.enqueue(jobFor(id, n));
  } catch (err) {
    log.warn({ task_id: id, err: (err as Error).message }, 'could not ask for the callback; the sweeper will');
  }
}
