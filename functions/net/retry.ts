// Bounded retries for provider HTTP calls: exponential backoff with full jitter, and the server's
// Retry-After honoured when it sends one. Hand-written rather than p-retry because the delay has
// to come from the failed response (Retry-After), which p-retry's fixed schedule cannot express.
import type { TaskError } from '../errors.ts';

export interface RetryPolicy {
  /** Retries after the first attempt; 0 means one attempt only. */
  retries: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** A Retry-After longer than this ends the retries at once: waiting that long inside a task is worse than failing over. */
  maxRetryAfterMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  retries: 4,
  baseDelayMs: 500,
  maxDelayMs: 15_000,
  maxRetryAfterMs: 60_000,
};

/** What the caller decided about one failed attempt. */
export interface RetryVerdict {
  retry: boolean;
  /** From a Retry-After header, when the server sent one. */
  retryAfterMs?: number | undefined;
}

/** One failed attempt: the TaskError callers will see, plus the server's Retry-After. */
export class FailedAttempt extends Error {
  readonly taskError: TaskError;
  readonly retryAfterMs: number | undefined;
  constructor(taskError: TaskError, retryAfterMs?: number) {
    super(taskError.message, { cause: taskError });
    this.taskError = taskError;
    this.retryAfterMs = retryAfterMs;
  }
}

/** The usual classification: a FailedAttempt retries when its TaskError is retryable; anything else does not. */
export function classifyFailedAttempt(err: unknown): RetryVerdict {
  return err instanceof FailedAttempt ? { retry: err.taskError.retryable, retryAfterMs: err.retryAfterMs } : { retry: false };
}

export interface RetryOptions {
  policy: RetryPolicy;
  signal: AbortSignal;
  classify: (err: unknown) => RetryVerdict;
  onRetry?: (info: { attempt: number; delayMs: number; error: unknown }) => void;
  /** Injectable for tests; Math.random otherwise. */
  random?: () => number;
}

/**
 * Runs `fn` until it succeeds, the error is not retryable, the retries are spent or the signal
 * aborts. The last error is rethrown unchanged, so the caller maps it to a TaskError once.
 */
export async function withRetries<T>(fn: (attempt: number) => Promise<T>, opts: RetryOptions): Promise<T> {
  const random = opts.random ?? Math.random;
  for (let attempt = 0; ; attempt++) {
    opts.signal.throwIfAborted();
    try {
      return await fn(attempt);
    } catch (err) {
      if (opts.signal.aborted) throw opts.signal.reason;
      const verdict = opts.classify(err);
      if (!verdict.retry || attempt >= opts.policy.retries) throw err;
      if (verdict.retryAfterMs !== undefined && verdict.retryAfterMs > opts.policy.maxRetryAfterMs) throw err;
      const delayMs = backoffDelay(attempt, opts.policy, random, verdict.retryAfterMs);
      opts.onRetry?.({ attempt, delayMs, error: err });
      await sleep(delayMs, opts.signal);
    }
  }
}

/**
 * Full jitter (a random point in [0, base·2^attempt], capped) spreads clients that failed
 * together. With Retry-After the server's wish is the floor, plus up to 10% jitter.
 */
export function backoffDelay(attempt: number, policy: RetryPolicy, random: () => number, retryAfterMs?: number): number {
  if (retryAfterMs !== undefined) return Math.round(retryAfterMs + random() * retryAfterMs * 0.1);
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt);
  return Math.round(random() * ceiling);
}

/** Retry-After as delta-seconds or an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null | undefined, now: number = Date.now()): number | undefined {
  if (value == null) return undefined;
  const v = value.trim();
  if (!v) return undefined;
  if (/^\d+(\.\d+)?$/.test(v)) return Math.round(Number(v) * 1000);
  const at = Date.parse(v);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now);
}

/** A timer that rejects with the signal's reason when the task is cancelled meanwhile. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
