// Callbacks: POST the task view to the client's callback_url when a task ends, signed so the
// client can tell it came from us (`X-Reelsmith-Signature: t=<unix>,v1=<hex HMAC-SHA256 of
// "<t>.<body>">`, Stripe-style), retried with backoff, never to private or metadata addresses.
import { createHmac } from 'node:crypto';
import type { TaskView } from '../domain/task.ts';
import { TaskError } from '../errors.ts';
import type { Logger } from '../log.ts';
import { describeError } from '../net/describe-error.ts';
import { classifyFailedAttempt, DEFAULT_RETRY_POLICY, FailedAttempt, parseRetryAfter, withRetries } from '../net/retry.ts';
import { assertPublicUrl, blockedConnection, guardedFetchOptions } from '../net/url-guard.ts';

export interface CallbackOptions {
  secret: string;
  allowPrivate: boolean;
  /** ALLOWED_URL_PORTS; 80 and 443 by default. */
  allowedPorts?: readonly number[];
  attempts?: number;
  baseDelayMs?: number;
  timeoutMs?: number;
  log: Logger;
}

export function signPayload(secret: string, body: string, timestamp: number): string {
  const mac = createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
  return `t=${timestamp},v1=${mac}`;
}

/** Returns true when the client acknowledged with a 2xx; false once every attempt failed. */
export async function sendCallback(url: string, view: TaskView, opts: CallbackOptions): Promise<boolean> {
  const body = JSON.stringify(view);
  const log = opts.log.child({ task_id: view.task_id, callback: true });
  try {
    await withRetries((attempt) => postOnce(url, body, view, opts, attempt + 1, log), {
      policy: { ...DEFAULT_RETRY_POLICY, retries: (opts.attempts ?? 5) - 1, baseDelayMs: opts.baseDelayMs ?? 1000 },
      signal: new AbortController().signal,
      classify: classifyFailedAttempt,
    });
    return true;
  } catch {
    return false;
  }
}

async function postOnce(url: string, body: string, view: TaskView, opts: CallbackOptions, attempt: number, log: Logger): Promise<void> {
  let res: Response;
  try {
    // Checked on every attempt: a name that resolved to a public address once may not the next time.
    await assertPublicUrl(url, 'callback_url', opts.allowPrivate, opts.allowedPorts);
    res = await fetch(url, {
      method: 'POST',
      redirect: 'manual',
      headers: {
        'content-type': 'application/json',
        'user-agent': 'reelsmith-callback/1',
        'x-reelsmith-event': `task.${view.status}`,
        'x-reelsmith-signature': signPayload(opts.secret, body, Math.floor(Date.now() / 1000)),
      },
      body,
      signal: AbortSignal.timeout(opts.timeoutMs ?? 10_000),
      ...guardedFetchOptions(opts.allowPrivate),
    } as RequestInit);
    // Only the status matters; the body is never read (a receiver could send gigabytes).
    await res.body?.cancel().catch(() => undefined);
  } catch (err) {
    log.warn({ err: (err as Error).message, attempt }, 'callback failed');
    const refused = (err instanceof TaskError && !err.retryable) || blockedConnection(err) !== null;
    throw new FailedAttempt(new TaskError('callback_failed', `callback_url: ${describeError(err)}`, { retryable: !refused }));
  }
  if (res.ok) return;
  log.warn({ status: res.status, attempt }, 'callback refused');
  // A 4xx other than a timeout or a rate limit means the receiver does not want this; asking again will not change that.
  const transient = res.status >= 500 || res.status === 408 || res.status === 429;
  throw new FailedAttempt(
    new TaskError('callback_refused', `callback_url answered ${res.status}`, { retryable: transient }),
    transient ? parseRetryAfter(res.headers.get('retry-after')) : undefined,
  );
}
