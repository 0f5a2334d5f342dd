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

/** Whether `n` new tasks (one submit, or every item of a batch) may be created; all of them or none. */
export function admit(c: AdmissionCounts, limits: AdmissionLimits, now: number, n = 1): Refusal | null {
  const rate = admitRate(c, limits, now, n);
  if (rate) return rate;
  if (c.unfinished + n > limits.maxUnfinished) return { kind: 'refused', reason: 'queue_full', retryAfterS: QUEUE_FULL_RETRY_S };
  if (c.ownerUnfinished + n > limits.maxUnfinishedPerOwner) return { kind: 'refused', reason: 'key_queue_full', retryAfterS: QUEUE_FULL_RETRY_S };
  return null;
}

/** The key's submit rate alone: what a submit that makes no task (a written script, POST /v1/scripts) must pass. */
export function admitRate(c: AdmissionCounts, limits: AdmissionLimits, now: number, n = 1): Refusal | null {
  if (c.ownerRecent + n > limits.perMinutePerOwner) {
    return { kind: 'refused', reason: 'rate_limited', retryAfterS: Math.max(1, Math.ceil((c.windowEndsAt - now) / 1000)) };
  }
  return null;
}

/**
 * The limit that `n` tasks at once exceed however long they wait (a batch larger than the key's
 * queue or minute), or null: such a submit is refused as invalid, since retrying cannot help.
 */
export function beyondLimits(n: number, limits: AdmissionLimits): { setting: string; limit: number } | null {
  if (n > limits.perMinutePerOwner) return { setting: 'SUBMITS_PER_MINUTE', limit: limits.perMinutePerOwner };
  if (n > limits.maxUnfinishedPerOwner) return { setting: 'MAX_QUEUED_PER_KEY', limit: limits.maxUnfinishedPerOwner };
  if (n > limits.maxUnfinished) return { setting: 'MAX_QUEUED_TASKS', limit: limits.maxUnfinished };
  return null;
}
