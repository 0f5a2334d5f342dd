// Tasks this process is running, so a cancel that arrives at the same process stops ffmpeg at
// once; across processes the worker's heartbeat notices the cancelled status instead.
export class RunningTasks {
  readonly #stops = new Map<string, () => void>();

  add(taskId: string, stop: () => void): () => void {
    this.#stops.set(taskId, stop);
    return () => {
      if (this.#stops.get(taskId) === stop) this.#stops.delete(taskId);
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
}
