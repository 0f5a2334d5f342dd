// Bounded concurrency for async work over a list.

/**
 * Runs `fn` over `items` with at most `limit` in flight, results in input order. After the first
 * failure no new item starts; the error is rethrown once the running ones have settled, so no
 * work is left running behind the caller's back (its temp files are still being written).
 */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  let failed: { err: unknown } | null = null;
  const worker = async () => {
    while (!failed && next < items.length) {
      const i = next++;
      try {
        results[i] = await fn(items[i] as T, i);
      } catch (err) {
        failed ??= { err };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  if (failed) throw (failed as { err: unknown }).err;
  return results;
}

/**
 * At most `size` holders at once (shared across tasks, it is a process-wide limit); waiters are
 * served in arrival order. A waiter whose signal aborts leaves the queue with the signal's reason.
 */
export class Semaphore {
  readonly size: number;
  #free: number;
  readonly #waiting: { grant: () => void; onAbort: () => void }[] = [];

  constructor(size: number) {
    if (!(Number.isInteger(size) && size >= 1)) throw new Error(`semaphore size must be a positive integer, got ${size}`);
    this.size = size;
    this.#free = size;
  }

  /** Resolves with the release function once a slot is free. */
  acquire(signal?: AbortSignal): Promise<() => void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise((resolve, reject) => {
      const grant = () => {
        signal?.removeEventListener('abort', waiter.onAbort);
        let released = false;
        resolve(() => {
          if (released) return;
          released = true;
          this.#release();
        });
      };
      const waiter = {
        grant,
        onAbort: () => {
          const i = this.#waiting.indexOf(waiter);
          if (i >= 0) this.#waiting.splice(i, 1);
          reject(signal?.reason);
        },
      };
      if (this.#free > 0) {
        this.#free--;
        grant();
        return;
      }
      signal?.addEventListener('abort', waiter.onAbort, { once: true });
      this.#waiting.push(waiter);
    });
  }

  /** Slots in use. */
  get inUse(): number {
    return this.size - this.#free;
  }

  #release(): void {
    const next = this.#waiting.shift();
    if (next) next.grant();
    else this.#free++;
  }
}
