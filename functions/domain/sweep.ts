// What the sweeper does for a task (worker/sweep.ts runs it on a timer locally and from Cloud
// Scheduler in the cloud): the queue may have given up on a delivery (Cloud Tasks stops after its
// retry limits), a worker may have died holding a lease, an enqueue may have failed, a callback
// job may be lost. Pure: the store re-checks the decision inside its transaction.
import type { MayOweCallback } from './callback-outbox.ts';
import { isFinal, retryAllowed, type CallbackOutbox, type LeasedRecord } from './task.ts';

export interface SweepPolicy {
  /** Attempts before a task fails for good (MAX_ATTEMPTS). */
  maxAttempts: number;
  /** A queued task nothing has touched for this long, or a lease expired this long ago, has no live delivery. */
  staleMs: number;
  /** A pending callback with no attempt for this long (longer than the callback queue's longest backoff) has no live job. */
  callbackStaleMs: number;
  /** A pending callback never attempted at all after this long: its first job was never enqueued. */
  callbackLostMs: number;
}

export type SweepAction =
  | { kind: 'redispatch' }
  | { kind: 'exhaust' }
  | { kind: 'recallback' }
  | { kind: 'none' };

/** What the sweeper owes a record: a video's task, with its callback; or a storyboard, which owes none. */
export function sweepAction(task: LeasedRecord & MayOweCallback, now: Date, p: SweepPolicy): SweepAction {
  const t = now.getTime();
  const age = (iso: string | null) => (iso ? t - Date.parse(iso) : Infinity);
  if (isFinal(task.status)) return callbackLost(task.callback, now, p) ? { kind: 'recallback' } : { kind: 'none' };
  if (task.status === 'processing') {
    const expiredFor = age(task.lease_expires_at);
    // Every attempt, the last one too, gets the same grace: a heartbeat is a transaction that may
    // be in backoff for most of a minute while its delivery still works.
    if (expiredFor < p.staleMs) return { kind: 'none' };
    return retryAllowed(task.attempt, p.maxAttempts, null) ? { kind: 'redispatch' } : { kind: 'exhaust' };
  }
  return task.dispatch_failed_at || age(task.updated_at) >= p.staleMs ? { kind: 'redispatch' } : { kind: 'none' };
}

/** A pending callback (a task's or a batch's) whose job is evidently gone: never attempted for callbackLostMs, or idle for callbackStaleMs. */
export function callbackLost(cb: CallbackOutbox | null | undefined, now: Date, p: Pick<SweepPolicy, 'callbackLostMs' | 'callbackStaleMs'>): boolean {
  if (!cb || cb.state !== 'pending') return false;
  const t = now.getTime();
  const age = (iso: string | null) => (iso ? t - Date.parse(iso) : Infinity);
  if (cb.sending_until && age(cb.sending_until) < 0) return false;
  const idle = age(cb.last_attempt_at ?? cb.created_at);
  return (cb.attempts === 0 && idle >= p.callbackLostMs) || idle >= p.callbackStaleMs;
}
