// Delivering the callback outbox (domain/task.ts CallbackOutbox): who may send the next attempt,
// what its answer does to the record, when a delivery is owed again. The same for a video's task
// and a batch (domain/batch.ts). Pure, like every transition: the stores apply these inside a
// transaction.
import type { CallbackOutbox } from './task.ts';

/** A record that may owe a callback: a video's task and a batch do once they end; a storyboard never does. */
export type MayOweCallback = { callback?: CallbackOutbox | null };

export type CallbackClaim<R extends MayOweCallback> =
  /** This sender holds the next attempt until `sending_until`. */
  | { kind: 'send'; task: R; callback: CallbackOutbox }
  /** Another sender holds it; ask again once its hold may have ended. */
  | { kind: 'busy'; retryAfterMs: number }
  /** Nothing owed: no such task, no callback, or it was delivered or given up. */
  | { kind: 'done' };

export function claimCallback<R extends MayOweCallback>(task: R | null, sender: string, holdMs: number, now: Date): CallbackClaim<R> {
  const cb = task?.callback;
  if (!task || !cb || cb.state !== 'pending') return { kind: 'done' };
  if (cb.sender && cb.sender !== sender && cb.sending_until) {
    const left = Date.parse(cb.sending_until) - now.getTime();
    if (left > 0) return { kind: 'busy', retryAfterMs: left };
  }
  const callback: CallbackOutbox = { ...cb, sender, sending_until: new Date(now.getTime() + holdMs).toISOString() };
  return { kind: 'send', callback, task: { ...task, callback } };
}

export interface CallbackAttempt {
  ok: boolean;
  /** The receiver's HTTP status, or null when it never answered. */
  status: number | null;
  error: string | null;
  /** The receiver refused for good (a 4xx other than 408 or 429), or its address may not be called. */
  permanent: boolean;
}

/**
 * One attempt's outcome. A delivered or refused event is final; a failed one stays pending for
 * the queue's next try until `giveUpAfterMs` after the event, then it is given up. Null when
 * `sender` no longer holds the attempt (its hold ran out and another sender took over).
 */
export function recordCallback<R extends MayOweCallback>(task: R | null, sender: string, attempt: CallbackAttempt, giveUpAfterMs: number, now: Date): R | null {
  const cb = task?.callback;
  if (!task || !cb || cb.state !== 'pending' || cb.sender !== sender) return null;
  const expired = now.getTime() - Date.parse(cb.created_at) >= giveUpAfterMs;
  const state = attempt.ok ? 'delivered' : attempt.permanent || expired ? 'gave_up' : 'pending';
  return {
    ...task,
    callback: {
      ...cb,
      state,
      attempts: cb.attempts + 1,
      last_status: attempt.status,
      last_error: attempt.ok ? null : attempt.error,
      last_attempt_at: now.toISOString(),
      sender: null,
      sending_until: null,
    },
  };
}

/** Numbers a new delivery job for the pending callback: its name must differ from every earlier one. */
export function nextCallbackJob<R extends MayOweCallback>(task: R | null): { task: R; job: number } | null {
  const cb = task?.callback;
  if (!task || !cb || cb.state !== 'pending') return null;
  return { task: { ...task, callback: { ...cb, jobs: cb.jobs + 1 } }, job: cb.jobs };
}
