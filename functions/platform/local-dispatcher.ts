// An in-process queue with Cloud Tasks semantics: it delivers `POST {worker}/tasks/{id}/run`
// over HTTP at least once, never more than `maxConcurrent` at a time, retries any non-2xx answer
// with exponential backoff (honouring Retry-After), and treats a second enqueue of a waiting id
// as already done (Cloud Tasks' named-task de-duplication). The queue itself lives in the task
// store: after a restart the composition root re-enqueues every unfinished task.
import type { Logger } from '../log.ts';
import type { Dispatcher, TaskStore } from './ports.ts';

export interface LocalDispatcherOptions {
  /** Base URL of the worker, e.g. http://127.0.0.1:8080. Resolved lazily: the server may not listen yet. */
  workerUrl: () => string;
  maxConcurrent: number;
  minBackoffMs?: number;
  maxBackoffMs?: number;
  /** Cloud Tasks' dispatchDeadline: how long one delivery may take before it counts as failed. */
  dispatchDeadlineMs?: number;
  /** Give up on a task after this many deliveries (Cloud Tasks maxAttempts). */
  maxAttempts?: number;
  /** Extra headers on every delivery (the local worker route's shared token). */
  headers?: Record<string, string>;
  log: Logger;
}

interface Entry {
  id: string;
  attempts: number;
  firstAttemptAt: number | null;
}

export class LocalDispatcher implements Dispatcher {
  readonly #opts: Required<Omit<LocalDispatcherOptions, 'log' | 'workerUrl'>> & Pick<LocalDispatcherOptions, 'log' | 'workerUrl'>;
  readonly #ready: Entry[] = [];
  /** Every id the dispatcher knows: waiting, in backoff, or being delivered. */
  readonly #known = new Map<string, Entry>();
  readonly #timers = new Set<NodeJS.Timeout>();
  readonly #inflight = new Map<string, AbortController>();
  #closed = false;
  #idleWaiters: (() => void)[] = [];

  constructor(opts: LocalDispatcherOptions) {
    this.#opts = {
      minBackoffMs: 500,
      maxBackoffMs: 30_000,
      dispatchDeadlineMs: 1_800_000,
      maxAttempts: 100,
      headers: {},
      ...opts,
    };
  }

  async enqueue(taskId: string): Promise<void> {
    if (this.#closed) throw new Error('dispatcher is closed');
    if (this.#known.has(taskId)) return;
    const entry: Entry = { id: taskId, attempts: 0, firstAttemptAt: null };
    this.#known.set(taskId, entry);
    this.#ready.push(entry);
    this.#pump();
  }

  /** Resolves when nothing is waiting or being delivered (tests and graceful shutdown). */
  idle(): Promise<void> {
    if (this.#known.size === 0) return Promise.resolve();
    return new Promise((r) => this.#idleWaiters.push(r));
  }

  get inflight(): number {
    return this.#inflight.size;
  }

  #pump(): void {
    while (!this.#closed && this.#inflight.size < this.#opts.maxConcurrent && this.#ready.length > 0) {
      const entry = this.#ready.shift()!;
      void this.#deliver(entry);
    }
    if (this.#known.size === 0) for (const w of this.#idleWaiters.splice(0)) w();
  }

  async #deliver(entry: Entry): Promise<void> {
    const ac = new AbortController();
    this.#inflight.set(entry.id, ac);
    entry.attempts += 1;
    entry.firstAttemptAt ??= Date.now();
    const timer = setTimeout(() => ac.abort(new Error('dispatch deadline exceeded')), this.#opts.dispatchDeadlineMs);
    let retryAfterMs: number | null = null;
    let ok = false;
    try {
      const res = await fetch(`${this.#opts.workerUrl()}/tasks/${encodeURIComponent(entry.id)}/run`, {
        method: 'POST',
        headers: {
          ...this.#opts.headers,
          'content-type': 'application/json',
          'x-cloudtasks-queuename': 'local',
          'x-cloudtasks-taskname': entry.id,
          'x-cloudtasks-taskretrycount': String(entry.attempts - 1),
          'x-cloudtasks-taskexecutioncount': String(entry.attempts - 1),
        },
        body: JSON.stringify({ task_id: entry.id }),
        signal: ac.signal,
      });
      await res.arrayBuffer().catch(() => undefined);
      ok = res.ok;
      const ra = Number(res.headers.get('retry-after'));
      if (!ok && Number.isFinite(ra) && ra > 0) retryAfterMs = ra * 1000;
      if (!ok) this.#opts.log.warn({ task_id: entry.id, status: res.status, attempt: entry.attempts }, 'delivery failed');
    } catch (err) {
      if (!this.#closed) {
        this.#opts.log.warn({ task_id: entry.id, err: String(err), attempt: entry.attempts }, 'delivery error');
      }
    } finally {
      clearTimeout(timer);
      this.#inflight.delete(entry.id);
    }
    if (ok || this.#closed || entry.attempts >= this.#opts.maxAttempts) {
      if (!ok && !this.#closed) this.#opts.log.error({ task_id: entry.id }, 'giving up on task after max attempts');
      this.#known.delete(entry.id);
    } else {
      const backoff = Math.min(this.#opts.maxBackoffMs, this.#opts.minBackoffMs * 2 ** (entry.attempts - 1));
      const t = setTimeout(() => {
        this.#timers.delete(t);
        if (this.#closed) return;
        this.#ready.push(entry);
        this.#pump();
      }, Math.max(backoff, retryAfterMs ?? 0));
      // A waiting retry never keeps the process alive by itself; the server does that.
      t.unref();
      this.#timers.add(t);
    }
    this.#pump();
  }

  async close(): Promise<void> {
    this.#closed = true;
    for (const t of this.#timers) clearTimeout(t);
    this.#timers.clear();
    for (const ac of this.#inflight.values()) ac.abort(new Error('dispatcher closed'));
    this.#ready.length = 0;
    this.#known.clear();
    for (const w of this.#idleWaiters.splice(0)) w();
  }
}

/**
 * The local queue lives in memory; the task store is what survives a restart. Re-enqueue every
 * unfinished task at start-up, oldest first.
 */
export async function requeueUnfinished(store: TaskStore, dispatcher: Dispatcher, log: Logger): Promise<void> {
  const ids = await store.listUnfinished();
  for (const id of ids) await dispatcher.enqueue(id);
  if (ids.length) log.info({ count: ids.length }, 're-enqueued unfinished tasks');
}
