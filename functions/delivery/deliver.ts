// The callback outbox, delivered: each pending event gets delivery jobs on the callbacks queue
// (named by event and number, so a duplicate ask is de-duplicated); each job makes one attempt
// under a short hold, records what the receiver said, and answers the queue so that it retries
// with backoff (409) until the event is delivered, refused or a day old (200). Not 503: Cloud Tasks
// slows the whole queue down on 429 and 503, and one receiver being down is no reason to delay
// every other client's callback.
import { randomBytes } from 'node:crypto';
import { claimCallback, nextCallbackJob, recordCallback, type MayOweCallback } from '../domain/callback-outbox.ts';
import type { LeasedRecord } from '../domain/task.ts';
import { toView, type UrlSigner } from '../domain/task-view.ts';
import type { Logger } from '../log.ts';
import { callbackJob } from '../platform/jobs.ts';
import type { LeasedStore, TaskStore } from '../platform/leased-store.ts';
import type { Dispatcher } from '../platform/ports.ts';
import { postCallback } from './send-callback.ts';

/** An event stays owed this long; then it is given up (the callback queue's own limit is the same). */
export const CALLBACK_GIVE_UP_MS = 24 * 3_600_000;
/** A sender's hold on one attempt: longer than the attempt's own 10 s timeout. */
const HOLD_MS = 30_000;

export interface CallbackDeps {
  store: TaskStore;
  blobs: UrlSigner;
  signedUrlTtlS: number;
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

/** One delivery job of POST /tasks/{id}/callback. */
export async function deliverCallback(deps: CallbackDeps, taskId: string): Promise<CallbackOutcome> {
  const sender = `${deps.instanceId}:${randomBytes(4).toString('hex')}`;
  const claim = await deps.store.update(taskId, (task, now) => {
    const c = claimCallback(task, sender, HOLD_MS, now);
    return { write: c.kind === 'send' ? c.task : null, result: c };
  });
  if (claim.kind === 'done') return { status: 200, body: { task_id: taskId, outcome: 'nothing_owed' } };
  if (claim.kind === 'busy') return { status: 409, retryAfterS: Math.ceil(claim.retryAfterMs / 1000), body: { task_id: taskId, outcome: 'sending_elsewhere' } };

  const { task, callback } = claim;
  const log = deps.log.child({ task_id: taskId, delivery_id: callback.delivery_id, attempt: callback.attempts + 1 });
  const view = await toView(task, deps.blobs, deps.signedUrlTtlS);
  const attempt = await postCallback(task.request.callback_url!, view, {
    secret: deps.secret,
    allowPrivate: deps.allowPrivate,
    ...(deps.allowedPorts ? { allowedPorts: deps.allowedPorts } : {}),
    deliveryId: callback.delivery_id,
    event: callback.event,
  });
  const after = await deps.store.update(taskId, (cur, now) => {
    const next = recordCallback(cur, sender, attempt, deps.giveUpAfterMs ?? CALLBACK_GIVE_UP_MS, now);
    return { write: next, result: next };
  });
  const state = after?.callback?.state ?? 'lost_hold';
  if (attempt.ok) log.info({ status: attempt.status }, 'callback delivered');
  else log.warn({ status: attempt.status, err: attempt.error, state }, state === 'gave_up' ? 'callback given up' : 'callback attempt failed');
  if (state === 'pending') return { status: 409, body: { task_id: taskId, outcome: 'retry' } };
  return { status: 200, body: { task_id: taskId, outcome: state } };
}

/**
 * Asks the callbacks queue for a delivery of the task's pending event, under a fresh number. The
 * event is already recorded with the task's end: if this ask fails (or the process dies first)
 * the sweeper asks again, so a failure here is logged, not thrown.
 */
export async function requestCallback<R extends LeasedRecord & MayOweCallback>(store: LeasedStore<R>, dispatcher: Dispatcher, taskId: string, log: Logger): Promise<void> {
  try {
    const n = await store.update(taskId, (task) => {
      const next = nextCallbackJob(task);
      return { write: next?.task ?? null, result: next?.job ?? null };
    });
    if (n !== null) await dispatcher.enqueue(callbackJob(taskId, n));
  } catch (err) {
    log.warn({ task_id: taskId, err: (err as Error).message }, 'could not ask for the callback; the sweeper will');
  }
}
