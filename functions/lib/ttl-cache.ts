// A small in-process cache of promised values that expire after a fixed time. A value still being
// computed is shared too, so two callers asking for the same key at once cause one computation.
// A rejected computation is forgotten at once: failures are never cached.

export interface TtlCacheOptions {
  ttlMs: number;
  /** Oldest entries are dropped beyond this many. */
  maxEntries: number;
  now?: () => number;
}

export class TtlCache<V> {
  readonly #entries = new Map<string, { at: number; value: Promise<V> }>();
  readonly #o: Required<TtlCacheOptions>;

  constructor(opts: TtlCacheOptions) {
    this.#o = { now: Date.now, ...opts };
  }

  /** The cached value of `key`, or undefined when there is none younger than the TTL. */
  get(key: string): Promise<V> | undefined {
    const e = this.#entries.get(key);
    if (!e) return undefined;
    if (this.#o.now() - e.at >= this.#o.ttlMs) {
      this.#entries.delete(key);
      return undefined;
    }
    return e.value;
  }

  /** Caches `value` under `key`; `keep` decides whether a resolved value stays (failures never do). */
  set(key: string, value: Promise<V>, keep: (v: V) => boolean = () => true): Promise<V> {
    this.#entries.delete(key);
    this.#entries.set(key, { at: this.#o.now(), value });
    const forget = () => {
      if (this.#entries.get(key)?.value === value) this.#entries.delete(key);
    };
    value.then((v) => keep(v) || forget(), forget);
    while (this.#entries.size > this.#o.maxEntries) this.#entries.delete(this.#entries.keys().next().value as string);
    return value;
  }

  get size(): number {
    return this.#entries.size;
  }
}

/** Counts events in a sliding window (e.g. API requests in the last hour) against a limit. */
export class SlidingWindowLimit {
  readonly #times: number[] = [];
  readonly #limit: number;
  readonly #windowMs: number;
  readonly #now: () => number;

  constructor(limit: number, windowMs: number, now: () => number = Date.now) {
    this.#limit = limit;
    this.#windowMs = windowMs;
    this.#now = now;
  }

  /** Records one event if the limit allows it; otherwise returns when the next one will be allowed (epoch ms). */
  take(): { ok: true } | { ok: false; retryAt: number } {
    const now = this.#now();
    while (this.#times.length > 0 && now - this.#times[0]! >= this.#windowMs) this.#times.shift();
    if (this.#times.length >= this.#limit) return { ok: false, retryAt: this.#times[0]! + this.#windowMs };
    this.#times.push(now);
    return { ok: true };
  }
}

/** `promise`, or the signal's reason as soon as it aborts (the promise itself goes on for others). */
export function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}
