// Progress of a running task, written to the task store only when it changed and at most once per
// interval (Firestore's guidance is about one write per second per document; renders report many
// times a second). Writes stay in order and never stall the render; close() writes the last one.
import type { Stage } from '../domain/task.ts';
import type { Logger } from '../log.ts';

export interface ProgressWriterOptions {
  write: (stage: Stage, progress: number) => Promise<void>;
  intervalMs: number;
  log: Logger;
  /** Injectable clock (ms). */
  now?: () => number;
}

interface Point {
  stage: Stage;
  progress: number;
}

export class ProgressWriter {
  readonly #o: ProgressWriterOptions;
  #pending: Point | null = null;
  #written: Point | null = null;
  #lastWriteAt = -Infinity;
  #timer: NodeJS.Timeout | null = null;
  #chain: Promise<void> = Promise.resolve();

  constructor(o: ProgressWriterOptions) {
    this.#o = o;
  }

  report(stage: Stage, progress: number): void {
    this.#pending = { stage, progress: Math.round(progress) };
    if (this.#timer) return;
    const now = (this.#o.now ?? Date.now)();
    this.#timer = setTimeout(() => this.#flush(), Math.max(0, this.#lastWriteAt + this.#o.intervalMs - now));
  }

  /** Writes what is still pending and waits for every write to end. */
  async close(): Promise<void> {
    if (this.#timer) clearTimeout(this.#timer);
    this.#flush();
    await this.#chain;
  }

  #flush(): void {
    this.#timer = null;
    const p = this.#pending;
    this.#pending = null;
    if (!p || (this.#written && p.stage === this.#written.stage && p.progress === this.#written.progress)) return;
    this.#written = p;
    this.#lastWriteAt = (this.#o.now ?? Date.now)();
    this.#chain = this.#chain
      .then(() => this.#o.write(p.stage, p.progress))
      .catch((err: unknown) => this.#o.log.warn({ err: (err as Error).message }, 'progress write failed'));
  }
}
