// Callbacks: POST the task view to the client's callback_url when a task ends, signed so the
// client can tell it came from us (`X-Reelsmith-Signature: t=<unix>,v1=<hex HMAC-SHA256 of
// "<t>.<body>">`, Stripe-style), retried with backoff, never to private or metadata addresses.
import { createHmac } from 'node:crypto';
import type { TaskView } from '../domain/task.ts';
import type { Logger } from '../log.ts';
import { assertPublicUrl, blockedConnection, guardedFetchOptions } from '../net/url-guard.ts';

export interface CallbackOptions {
  secret: string;
  allowPrivate: boolean;
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
  const attempts = opts.attempts ?? 5;
  const base = opts.baseDelayMs ?? 1000;
  const body = JSON.stringify(view);
  const log = opts.log.child({ task_id: view.task_id, callback: true });
  for (let i = 1; i <= attempts; i++) {
    try {
      // Checked on every attempt: a name that resolved to a public address once may not the next time.
      await assertPublicUrl(url, 'callback_url', opts.allowPrivate);
      const res = await fetch(url, {
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
      await res.arrayBuffer().catch(() => undefined);
      if (res.ok) return true;
      log.warn({ status: res.status, attempt: i }, 'callback refused');
      if (res.status >= 400 && res.status < 500 && res.status !== 408 && res.status !== 429) return false;
    } catch (err) {
      log.warn({ err: (err as Error).message, attempt: i }, 'callback failed');
      if ((err as { retryable?: boolean }).retryable === false || blockedConnection(err)) return false;
    }
    if (i < attempts) await new Promise((r) => setTimeout(r, base * 2 ** (i - 1) * (0.75 + Math.random() * 0.5)));
  }
  return false;
}
