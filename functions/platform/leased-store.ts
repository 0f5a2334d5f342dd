// The lease verbs of a store (claim, renew, progress, complete, fail, cancel), written once over
// its adapter's update(): each is a pure transition of domain/task.ts applied in the adapter's
// transaction, so an adapter implements only the primitives of ports.ts RecordStore, and the
// local and Firestore stores cannot drift apart. TaskStore holds videos' tasks, StoryboardStore
// storyboards (domain/storyboard.ts): the same lifecycle, their own records.
import { STORYBOARDS, completeStoryboard, type StoryboardRecord, type StoryboardResult } from '../domain/storyboard.ts';
import type { WrittenScript } from '../domain/script.ts';
import * as T from '../domain/task.ts';
import type { AdmissionLimits, Refusal } from '../domain/admission.ts';
import type { BatchRecord } from '../domain/batch.ts';
import type { BatchCreateOutcome, CreateOutcome, RecordStore, TaskListQuery, TaskPage, TaskRecordStore } from './ports.ts';

export class LeasedStore<R extends T.LeasedRecord> implements RecordStore<R> {
  readonly #records: RecordStore<R>;
  /** What this store's kind of record adds at the edges of the lifecycle. */
  readonly kind: T.RecordKind<R>;

  constructor(records: RecordStore<R>, kind: T.RecordKind<R>) {
    this.#records = records;
    this.kind = kind;
  }

  create(record: R, limits?: AdmissionLimits): Promise<CreateOutcome<R>> {
    return this.#records.create(record, limits);
  }

  findByIdempotencyKey(owner: string | null, key: string): Promise<R | null> {
    return this.#records.findByIdempotencyKey(owner, key);
  }

  previewAdmission(owner: string | null, limits: AdmissionLimits): Promise<Refusal | null> {
    return this.#records.previewAdmission(owner, limits);
  }

  get(id: string): Promise<R | null> {
    return this.#records.get(id);
  }

  update<X>(id: string, decide: (record: R | null, now: Date) => { write: R | null; result: X }): Promise<X> {
    return this.#records.update(id, decide);
  }

  listForSweep(): Promise<R[]> {
    return this.#records.listForSweep();
  }

  close(): Promise<void> {
    return this.#records.close();
  }

  /**
   * Moves a record to `processing` under a lease held by `owner`; one whose attempts are used up
   * (they died without a word) fails for good instead (`exhausted`).
   */
  claim(id: string, owner: string, leaseMs: number, maxAttempts: number): Promise<T.ClaimOutcome<R>> {
    return this.update(id, (record, now) => {
      const c = T.claim(this.kind, record, owner, leaseMs, maxAttempts, now);
      return { write: c.kind === 'claimed' || c.kind === 'exhausted' ? c.task : null, result: c };
    });
  }

  /** Extends the lease; null when `owner` no longer holds it (lost, cancelled, finished). */
  renewLease(id: string, owner: string, leaseMs: number): Promise<R | null> {
    return this.asHolder(id, owner, (r, now) => T.renewLease(this.kind, r, leaseMs, now));
  }

  /** Records stage and progress (monotonic); a no-op unless `owner` holds the lease. */
  async progress(id: string, owner: string, stage: T.Stage, progress: number): Promise<void> {
    await this.asHolder(id, owner, (r, now) => T.advance(r, stage, progress, now));
  }

  /** Keeps the script the holder's attempt wrote (domain/task.ts withScript); null if `owner` no longer holds the lease. */
  recordScript(id: string, owner: string, script: WrittenScript): Promise<R | null> {
    return this.asHolder(id, owner, (r, now) => T.withScript(r, script, now));
  }

  /** Only the lease holder may fail an attempt; retryAllowed decides between a retry and the end. */
  fail(id: string, owner: string, error: T.TaskFailure, maxAttempts: number): Promise<R | null> {
    return this.asHolder(id, owner, (r, now) => T.failAttempt(this.kind, r, error, maxAttempts, now));
  }

  /** Cancels a record that is not finished; returns it as it now stands, or null if unknown. */
  cancel(id: string): Promise<R | null> {
    return this.update(id, (record, now) => {
      const next = record ? T.cancel(this.kind, record, now) : null;
      return { write: next !== record ? next : null, result: next };
    });
  }

  /** Applies `change` if `owner` holds the lease; null otherwise. */
  protected asHolder(id: string, owner: string, change: (record: R, now: Date) => R): Promise<R | null> {
    return this.update(id, (record, now) => {
      if (!T.holdsLease(record, owner)) return { write: null, result: null };
      const next = change(record, now);
      return { write: next, result: next };
    });
  }
}

export class TaskStore extends LeasedStore<T.TaskRecord> {
  readonly #tasks: TaskRecordStore;

  constructor(tasks: TaskRecordStore) {
    super(tasks, T.TASKS);
    this.#tasks = tasks;
  }

  /** Only the lease holder may complete; returns the completed task, or null if it lost the lease. */
  complete(id: string, owner: string, output: T.TaskOutput, warnings: string[]): Promise<T.TaskRecord | null> {
    return this.asHolder(id, owner, (t, now) => T.complete(t, output, warnings, now));
  }

  countUnfinished(): Promise<number> {
    return this.#tasks.countUnfinished();
  }

  createBatch(batch: BatchRecord, tasks: T.TaskRecord[], limits?: AdmissionLimits): Promise<BatchCreateOutcome> {
    return this.#tasks.createBatch(batch, tasks, limits);
  }

  getMany(ids: readonly string[]): Promise<(T.TaskRecord | null)[]> {
    return this.#tasks.getMany(ids);
  }

  takeSubmit(owner: string | null, limits: AdmissionLimits): Promise<Refusal | null> {
    return this.#tasks.takeSubmit(owner, limits);
  }

  recentClipIds(owner: string | null, videos: number): Promise<string[]> {
    return this.#tasks.recentClipIds(owner, videos);
  }

  list(query: TaskListQuery): Promise<TaskPage> {
    return this.#tasks.list(query);
  }
}

export class StoryboardStore extends LeasedStore<StoryboardRecord> {
  constructor(records: RecordStore<StoryboardRecord>) {
    super(records, STORYBOARDS);
  }

  /** Only the lease holder records what preparing the storyboard made; null if it lost the lease. */
  complete(id: string, owner: string, result: StoryboardResult, warnings: string[]): Promise<StoryboardRecord | null> {
    return this.asHolder(id, owner, (r, now) => completeStoryboard(r, result, warnings, now));
  }
}
