// Whether a new task may be created: the queue cap for everyone, the cap per API key, and the
// key's submit rate. Pure: each store reads the counts inside the transaction that creates the
// task, so two racing submits can never both take the last place.

export interface AdmissionLimits {
  /** Unfinished tasks in all (MAX_QUEUED_TASKS). */
  maxUnfinished: number;
  /** Unfinished tasks of one API key (MAX_QUEUED_PER_KEY). */
  maxUnfinishedPerOwner: number;
  /** Tasks one API key may create per minute (SUBMITS_PER_MINUTE). */
  perMinutePerOwner: number;
}

export interface AdmissionCounts {
  unfinished: number;
  ownerUnfinished: number;
  /** Tasks the owner created in the current one-minute window, and when that window ends. */
  ownerRecent: number;
  windowEndsAt: number;
}

export type Refusal = { kind: 'refused'; reason: 'queue_full' | 'key_queue_full' | 'rate_limited'; retryAfterS: number };

/** How long a client should wait when the queue is full: about one short render. */
export const QUEUE_FULL_RETRY_S = 30;

export function admit(c: AdmissionCounts, limits: AdmissionLimits, now: number): Refusal | null {
  if (c.ownerRecent >= limits.perMinutePerOwner) {
    return { kind: 'refused', reason: 'rate_limited', retryAfterS: Math.max(1, Math.ceil((c.windowEndsAt - now) / 1000)) };
  }
  if (c.unfinished >= limits.maxUnfinished) return { kind: 'refused', reason: 'queue_full', retryAfterS: QUEUE_FULL_RETRY_S };
  if (c.ownerUnfinished >= limits.maxUnfinishedPerOwner) return { kind: 'refused', reason: 'key_queue_full', retryAfterS: QUEUE_FULL_RETRY_S };
  return null;
}
