// Deliveries this process is running, by task, so a cancel that arrives at the same process stops
// their ffmpeg at once (a fanned-out task may have several chunk deliveries here); across
// processes the heartbeats notice the cancelled status instead.
import { EventEmitter, once } from 'node:events';

export class RunningTasks {
  readonly #stops = new Map<string, Set<() => void>>();
  readonly #events = new EventEmitter();

  add(taskId: string, stop: () => void): () => void {
    let set = this.#stops.get(taskId);
    if (!set) this.#stops.set(taskId, (set = new Set()));
    set.add(stop);
    return () => {
      set.delete(stop);
      if (set.size === 0 && this.#stops.get(taskId) === set) this.#stops.delete(taskId);
      if (this.#stops.size === 0) this.#events.emit('idle');
    };
  }

  stop(taskId: string): boolean {
    const set = this.#stops.get(taskId);
    for (const s of set ?? []) s();
    return !!set?.size;
  }

  /** Tasks with a delivery running here. */
  get size(): number {
    return this.#stops.size;
  }

  /** Resolves once nothing runs, or after `timeoutMs` (shutdown must end within Cloud Run's grace period). */
  async drain(timeoutMs: number): Promise<void> {
    if (this.#stops.size === 0) return;
    await once(this.#events, 'idle', { signal: AbortSignal.timeout(timeoutMs) }).catch(() => undefined);
  }
}
