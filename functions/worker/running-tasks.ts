// Tasks this process is running, so a cancel that arrives at the same process stops ffmpeg at
// once; across processes the worker's heartbeat notices the cancelled status instead.
import { EventEmitter, once } from 'node:events';

export class RunningTasks {
  readonly #stops = new Map<string, () => void>();
  readonly #events = new EventEmitter();

  add(taskId: string, stop: () => void): () => void {
    this.#stops.set(taskId, stop);
    return () => {
      if (this.#stops.get(taskId) !== stop) return;
      this.#stops.delete(taskId);
      if (this.#stops.size === 0) this.#events.emit('idle');
    };
  }

  stop(taskId: string): boolean {
    const s = this.#stops.get(taskId);
    s?.();
    return !!s;
  }

  get size(): number {
    return this.#stops.size;
  }

  /** Resolves once no task runs, or after `timeoutMs` (shutdown must end within Cloud Run's grace period). */
  async drain(timeoutMs: number): Promise<void> {
    if (this.#stops.size === 0) return;
    await once(this.#events, 'idle', { signal: AbortSignal.timeout(timeoutMs) }).catch(() => undefined);
  }
}
