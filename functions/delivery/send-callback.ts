// One callback attempt: POST the task view to the client's callback_url, signed so the client can
// tell it came from us (`X-Reelsmith-Signature: t=<unix>,v1=<hex HMAC-SHA256 of "<t>.<body>">`,
// Stripe-style), with the event and a delivery id that is the same on every attempt of one
// event, so a receiver can drop a duplicate. Never to private or metadata addresses. Retries are
// the callback queue's (callbacks/deliver.ts), not a loop here.
import { createHmac } from 'node:crypto';
import type { CallbackAttempt } from '../domain/callback-outbox.ts';
import { TaskError } from '../errors.ts';
import { describeError } from '../net/describe-error.ts';
import { assertPublicUrl, blockedConnection, guardedFetchOptions } from '../net/url-guard.ts';

export interface CallbackOptions {
  secret: string;
  allowPrivate: boolean;
  /** ALLOWED_URL_PORTS; 80 and 443 by default. */
  allowedPorts?: readonly number[];
  deliveryId: string;
  event: string;
  timeoutMs?: number;
  /** Injectable clock (unix ms) for the signature's timestamp. */
  now?: () => number;
  /** The URL check; a seam for tests, which cannot make a resolver hang. */
  guard?: typeof assertPublicUrl;
}

export function signPayload(secret: string, body: string, timestamp: number): string {
  const mac = createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
  return `t=${timestamp},v1=${mac}`;
}

/** `view` is the body: a task's view, or a batch's. */
export async function postCallback(url: string, view: object, opts: CallbackOptions): Promise<CallbackAttempt> {
  const body = JSON.stringify(view);
  let res: Response;
  // One deadline for the whole attempt, the name's lookup included.
  const signal = AbortSignal.timeout(opts.timeoutMs ?? 10_000);
  try {
    // Checked on every attempt: a name that resolved to a public address once may not the next time.
    await (opts.guard ?? assertPublicUrl)(url, 'callback_url', opts.allowPrivate, opts.allowedPorts, { signal });
    res = await fetch(url, {
      method: 'POST',
      redirect: 'manual',
      headers: {
        'content-type': 'application/json',
        'user-agent': 'reelsmith-callback/1',
        'x-reelsmith-event': opts.event,
        'x-reelsmith-delivery-id': opts.deliveryId,
        'x-reelsmith-signature': signPayload(opts.secret, body, Math.floor((opts.now ?? Date.now)() / 1000)),
      },
      body,
      signal,
      ...guardedFetchOptions(opts.allowPrivate),
    } as RequestInit);
    // The answer's body means nothing to us: drop it unread.
    await res.body?.cancel().catch(() => undefined);
  } catch (err) {
    const refused = (err instanceof TaskError && !err.retryable) || blockedConnection(err) !== null;
    return { ok: false, status: null, error: refused ? (err as Error).message : `no answer: ${describeError(err)}`, permanent: refused };
  }
  if (res.ok) return { ok: true, status: res.status, error: null, permanent: false };
  // A 4xx other than a timeout or a rate limit means the receiver does not want this; asking again will not change that.
  const transient = res.status >= 500 || res.status === 408 || res.status === 429;
  const error = res.status >= 300 && res.status < 400 ? `callback_url redirected (${res.status}); callbacks are not redirected, send the final URL` : `callback_url answered ${res.status}`;
  return { ok: false, status: res.status, error, permanent: !transient };
}
