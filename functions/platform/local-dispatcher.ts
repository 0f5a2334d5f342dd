// An in-process queue with Cloud Tasks semantics: it delivers `POST {worker}{job.path}` over HTTP
// at least once, never more than a queue's `maxConcurrent` at a time, retries any non-2xx answer
// with exponential backoff (honouring Retry-After) until the queue's policy gives up, and treats a
// second enqueue of a waiting name as already done (Cloud Tasks' named-task de-duplication). The
// queue itself lives in the task store: after a restart the composition root re-enqueues every
// unfinished task and pending callback, and the sweeper re-drives what is owed later.
import { Agent } from 'undici';
import type { Logger } from '../log.ts';
import type { MayOweCallback } from '../domain/callback-outbox.ts';
import { isFinal, lastDispatch, type LeasedRecord } from '../domain/task.ts';
import { batchCallbackJob, callbackJob, renderJob, type Job, type JobFor, type QueueName } from './jobs.ts';
import type { BatchStore, Dispatcher, RecordStore } from './ports.ts';

export interface QueuePolicy {
  /** Deliveries of this queue in flight at once (Cloud Tasks maxConcurrentDispatches). */
  maxConcurrent: number;
  minBackoffMs: number;
  maxBackoffMs: number;
  /** Give up after this many deliveries (Cloud Tasks maxAttempts). */
  maxAttempts: number;
  /** ...or this long after the first (Cloud Tasks maxRetryDuration). */
  maxRetryDurationMs: number;
  /** How long one delivery may take before it counts as failed (Cloud Tasks dispatchDeadline). */
  dispatchDeadlineMs: number;
}

export interface LocalDispatcherOptions {
  /**
   * Base URLs of the workers, e.g. http://127.0.0.1:8080; each delivery goes to the one with the
   * fewest deliveries in flight. Resolved lazily: the server may not listen yet.
   */
  workerUrls: () => string[];
  queues: Record<QueueName, QueuePolicy>;
  /** Extra headers on every delivery (the local worker route's shared token). */
  headers?: Record<string, string>;
  log: Logger;
  /** Injectable clock (ms) for the retry-duration limit. */
  now?: () => number;
}

interface Entry {
  job: Job;
  attempts: number;
  firstAttemptAt: number | null;
}

/** Cloud Tasks' own limits for the render queue and a callback queue that keeps trying for a day. */
export function defaultQueuePolicies(o: { maxConcurrentRenders: number; renderDeadlineMs: number }): Record<QueueName, QueuePolicy> {
  return {
    render: {
      maxConcurrent: o.maxConcurrentRenders,
      minBackoffMs: 500,
      maxBackoffMs: 30_000,
      maxAttempts: 100,
      maxRetryDurationMs: 24 * 3_600_000,
      dispatchDeadlineMs: o.renderDeadlineMs,
    },
    callbacks: {
      maxConcurrent: 8,
      minBackoffMs: 1_000,
      maxBackoffMs: 3_600_000,
      maxAttempts: Infinity,
      maxRetryDurationMs: 24 * 3_600_000,
      dispatchDeadlineMs: 60_000,
    },
  };
}

/** How long a worker that gave no answer is passed over while others are up. */
const WORKER_DOWN_MS = 10_000;

export class LocalDispatcher implements Dispatcher {
  readonly #opts: LocalDispatcherOptions;
  readonly #ready = new Map<QueueName, Entry[]>();
  /** Every name the dispatcher knows: waiting, in backoff, or being delivered. */
  readonly #known = new Map<string, Entry>();
  readonly #timers = new Set<NodeJS.Timeout>();
  readonly #inflight = new Map<string, AbortController>();
  readonly #inflightPerQueue = new Map<QueueName, number>();
  readonly #inflightPerWorker = new Map<string, number>();
  /** Workers that refused a connection lately, and until when they are passed over. */
  readonly #downUntil = new Map<string, number>();
  #turn = 0;
  /** undici's own 300 s header and body timeouts would end a long render's delivery early: the queue's deadline is the only one. */
  readonly #agent = new Agent({ headersTimeout: 0, bodyTimeout: 0 });
  #closed = false;
  #idleWaiters: (() => void)[] = [];

  constructor(opts: LocalDispatcherOptions) {
    this.#opts = opts;
  }

  async enqueue(job: Job): Promise<void> {
    if (this.#closed) throw new Error('dispatcher is closed');
    if (this.#known.has(job.name)) return;
    const entry: Entry = { job, attempts: 0, firstAttemptAt: null };
    this.#known.set(job.name, entry);
    this.#queue(job.queue).push(entry);
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

  #queue(name: QueueName): Entry[] {
    let q = this.#ready.get(name);
    if (!q) this.#ready.set(name, (q = []));
    return q;
  }

  #pump(): void {
    for (const [name, ready] of this.#ready) {
      const policy = this.#opts.queues[name];
      while (!this.#closed && (this.#inflightPerQueue.get(name) ?? 0) < policy.maxConcurrent && ready.length > 0) {
        void this.#deliver(ready.shift()!, policy);
      }
    }
    if (this.#known.size === 0) for (const w of this.#idleWaiters.splice(0)) w();
  }

  async #deliver(entry: Entry, policy: QueuePolicy): Promise<void> {
    const { job } = entry;
    const ac = new AbortController();
    this.#inflight.set(job.name, ac);
    this.#inflightPerQueue.set(job.queue, (this.#inflightPerQueue.get(job.queue) ?? 0) + 1);
    entry.attempts += 1;
    const now = this.#opts.now ?? Date.now;
    entry.firstAttemptAt ??= now();
    const timer = setTimeout(() => ac.abort(new Error('dispatch deadline exceeded')), policy.dispatchDeadlineMs);
    const worker = this.#pickWorker();
    this.#inflightPerWorker.set(worker, (this.#inflightPerWorker.get(worker) ?? 0) + 1);
    let retryAfterMs: number | null = null;
    let ok = false;
    try {
      const res = await fetch(`${worker}${job.path}`, {
        method: 'POST',
        headers: {
          ...this.#opts.headers,
          'content-type': 'application/json',
          'x-cloudtasks-queuename': job.queue,
          'x-cloudtasks-taskname': job.name,
          'x-cloudtasks-taskretrycount': String(entry.attempts - 1),
          'x-cloudtasks-taskexecutioncount': String(entry.attempts - 1),
        },
        body: JSON.stringify({ task_id: job.taskId }),
        signal: ac.signal,
        dispatcher: this.#agent,
      } as RequestInit);
      await res.arrayBuffer().catch(() => undefined);
      ok = res.ok;
      const ra = Number(res.headers.get('retry-after'));
      if (!ok && Number.isFinite(ra) && ra > 0) retryAfterMs = ra * 1000;
      if (!ok) this.#opts.log.warn({ job: job.name, status: res.status, attempt: entry.attempts }, 'delivery failed');
      this.#downUntil.delete(worker);
    } catch (err) {
      if (!this.#closed) this.#opts.log.warn({ job: job.name, worker, err: String(err), attempt: entry.attempts }, 'delivery error');
      // No answer at all: the worker may be gone; try the others first for a while.
      if (!ac.signal.aborted) this.#downUntil.set(worker, now() + WORKER_DOWN_MS);
    } finally {
      clearTimeout(timer);
      this.#inflight.delete(job.name);
      this.#inflightPerQueue.set(job.queue, (this.#inflightPerQueue.get(job.queue) ?? 1) - 1);
      this.#inflightPerWorker.set(worker, (this.#inflightPerWorker.get(worker) ?? 1) - 1);
    }
    const expired = now() - (entry.firstAttemptAt ?? 0) >= policy.maxRetryDurationMs;
    if (ok || this.#closed || entry.attempts >= policy.maxAttempts || expired) {
      if (!ok && !this.#closed) this.#opts.log.error({ job: job.name, attempts: entry.attempts }, 'giving up on the job');
      this.#known.delete(job.name);
    } else {
      const backoff = Math.min(policy.maxBackoffMs, policy.minBackoffMs * 2 ** (entry.attempts - 1));
      const t = setTimeout(() => {
        this.#timers.delete(t);
        if (this.#closed) return;
        this.#queue(job.queue).push(entry);
        this.#pump();
      }, Math.max(backoff, retryAfterMs ?? 0));
      // A waiting retry never keeps the process alive by itself; the server does that.
      t.unref();
      this.#timers.add(t);
    }
    this.#pump();
  }

  /** The least busy worker that answered lately; among equals, the next in turn. */
  #pickWorker(): string {
    const all = this.#opts.workerUrls();
    const t = (this.#opts.now ?? Date.now)();
    const up = all.filter((u) => (this.#downUntil.get(u) ?? 0) <= t);
    const urls = up.length > 0 ? up : all;
    const start = this.#turn++ % urls.length;
    let best = urls[start]!;
    for (let k = 1; k < urls.length; k++) {
      const u = urls[(start + k) % urls.length]!;
      if ((this.#inflightPerWorker.get(u) ?? 0) < (this.#inflightPerWorker.get(best) ?? 0)) best = u;
    }
    return best;
  }

  async close(): Promise<void> {
    this.#closed = true;
    for (const t of this.#timers) clearTimeout(t);
    this.#timers.clear();
    for (const ac of this.#inflight.values()) ac.abort(new Error('dispatcher closed'));
    this.#ready.clear();
    this.#known.clear();
    for (const w of this.#idleWaiters.splice(0)) w();
    await this.#agent.close().catch(() => undefined);
  }
}

/**
 * The local queues live in memory; the task store is what survives a restart. At start-up, ask
 * again for what the store says is owed, under the names the last asks had: every unfinished
 * task's render, oldest first (when this process dispatches renders), and every pending callback
 * (without this, a callback tried once before the restart would wait for the sweeper's 2 h limit).
 */
export async function requeueOwed<R extends LeasedRecord & MayOweCallback>(store: RecordStore<R>, dispatcher: Dispatcher, log: Logger, opts: { renders: boolean; jobFor?: JobFor }): Promise<void> {
  const jobFor = opts.jobFor ?? renderJob;
  let renders = 0;
  let callbacks = 0;
  for (const task of await store.listForSweep()) {
    if (opts.renders && !isFinal(task.status)) {
      await dispatcher.enqueue(jobFor(task.id, lastDispatch(task)));
      renders++;
    }
    if (task.callback?.state === 'pending') {
      await dispatcher.enqueue(callbackJob(task.id, Math.max(0, task.callback.jobs - 1)));
      callbacks++;
    }
  }
  if (renders + callbacks > 0) log.info({ renders, callbacks }, 're-enqueued what the store says is owed');
}

/** At start-up: every batch's pending callback (its job may have died with the process before). */
export async function requeueOwedBatches(batches: BatchStore, dispatcher: Dispatcher, log: Logger): Promise<void> {
  const owing = await batches.listForSweep();
  for (const b of owing) await dispatcher.enqueue(batchCallbackJob(b.id, Math.max(0, (b.callback?.jobs ?? 1) - 1)));
  if (owing.length) log.info({ batch_callbacks: owing.length }, 're-enqueued the callbacks batches owe');
}
