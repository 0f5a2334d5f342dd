// A counting semaphore with first-come, first-served waiters: the worker's CPU budget, shared by
// every render in the process, so two tasks on two cores never run more encoders than cores.
import { CancelledError } from '../errors.ts';

interface Waiter {
  weight: number;
  grant: () => void;
}

export class Semaphore {
  readonly capacity: number;
  #free: number;
  readonly #queue: Waiter[] = [];

  constructor(capacity: number) {
    if (!(Number.isInteger(capacity) && capacity >= 1)) throw new Error(`semaphore capacity must be a positive integer, got ${capacity}`);
    this.capacity = capacity;
    this.#free = capacity;
  }

  get free(): number {
    return this.#free;
  }

  /**
   * Waits for `weight` units (at most the capacity) and returns their release. Waiters are served
   * in order, so a heavy one is not starved by light ones behind it. An abort while waiting
   * rejects with CancelledError and takes nothing.
   */
  acquire(weight = 1, signal?: AbortSignal): Promise<() => void> {
    const w = Math.min(Math.max(1, weight), this.capacity);
    if (signal?.aborted) return Promise.reject(new CancelledError());
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      this.#free += w;
      this.#drain();
    };
    if (this.#queue.length === 0 && this.#free >= w) {
      this.#free -= w;
      return Promise.resolve(release);
    }
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        weight: w,
        grant: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve(release);
        },
      };
      const onAbort = () => {
        const i = this.#queue.indexOf(waiter);
        if (i >= 0) this.#queue.splice(i, 1);
        reject(new CancelledError());
        this.#drain();
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#queue.push(waiter);
    });
  }

  /** `weight` units at once if they are free and nobody waits ahead; null otherwise (nothing taken). */
  tryAcquire(weight = 1): (() => void) | null {
    const w = Math.min(Math.max(1, weight), this.capacity);
    if (this.#queue.length > 0 || this.#free < w) return null;
    this.#free -= w;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#free += w;
      this.#drain();
    };
  }

  /** Runs `fn` holding `weight` units. */
  async with<T>(weight: number, signal: AbortSignal | undefined, fn: () => Promise<T>): Promise<T> {
    const release = await this.acquire(weight, signal);
    try {
      return await fn();
    } finally {
      release();
    }
  }

  #drain(): void {
    while (this.#queue.length > 0 && this.#free >= this.#queue[0]!.weight) {
      const next = this.#queue.shift()!;
      this.#free -= next.weight;
      next.grant();
    }
  }
}
