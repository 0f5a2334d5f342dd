// The three platform ports. Each has a local adapter (embedded default) and a Google Cloud one;
// both pass the same contract suite in test/platform/.
import type { AdmissionLimits, Refusal } from '../domain/admission.ts';
import type { BatchRecord } from '../domain/batch.ts';
import type { TemplateRecord } from '../domain/template.ts';
import type { Job } from './jobs.ts';
import type { LeasedRecord, TaskRecord } from '../domain/task.ts';

export type CreateOutcome<R extends LeasedRecord = TaskRecord> =
  | { kind: 'created'; task: R }
  /** Same Idempotency-Key and same body: the record made the first time. */
  | { kind: 'existing'; task: R }
  /** Same Idempotency-Key, different body. */
  | { kind: 'conflict'; task: R }
  /** A limit says no (nothing was written); the answer carries when to come back. */
  | Refusal;

/** Where a page of the task list starts: just after this task (newest first). */
export interface TaskListCursor {
  created_at: string;
  id: string;
}

export interface TaskListQuery {
  /** Only this key owner's tasks; undefined lists everyone's (the service runs without keys). */
  owner?: string | null;
  limit: number;
  after?: TaskListCursor | null;
}

export interface TaskPage {
  tasks: TaskRecord[];
  /** Where the next page starts; null on the last page. */
  next: TaskListCursor | null;
}

/**
 * The store of one kind of leased record (videos' tasks, storyboards): what an adapter
 * implements. The lease verbs (claim, renew, progress, complete, fail, cancel) are written once
 * over update() in leased-store.ts.
 */
export interface RecordStore<R extends LeasedRecord> {
  /**
   * Never overwrites: a second create with the same id fails. An Idempotency-Key seen before
   * answers with its record whatever the limits; a new record must pass `limits` (checked in the
   * same transaction that writes it, so racing submits cannot go past them).
   */
  create(record: R, limits?: AdmissionLimits): Promise<CreateOutcome<R>>;
  /**
   * The record `owner`'s Idempotency-Key names, or null: a submit answers a replay from it before
   * anything that costs (DNS lookups, the music library, a storyboard). A read; create() decides.
   */
  findByIdempotencyKey(owner: string | null, key: string): Promise<R | null>;
  /**
   * What `limits` would say to a new record of `owner` now, read outside any transaction: a submit
   * over its key's rate is refused before its URLs are resolved. create() checks again.
   */
  previewAdmission(owner: string | null, limits: AdmissionLimits): Promise<Refusal | null>;
  get(id: string): Promise<R | null>;
  /**
   * Applies a pure decision in one transaction: `decide` sees the current record (null when there
   * is none) and the store's clock, and returns the record to write (or null for none) and a
   * result. It may run more than once (a transaction retried on contention), so it must be pure.
   */
  update<X>(id: string, decide: (record: R | null, now: Date) => { write: R | null; result: X }): Promise<X>;
  /** Every unfinished record and every finished one whose callback is still pending, oldest first: what the sweeper looks at, and what a local dispatcher asks for again at start-up. */
  listForSweep(): Promise<R[]>;
  close(): Promise<void>;
}

export type BatchCreateOutcome =
  | { kind: 'created'; batch: BatchRecord }
  /** Same Idempotency-Key and same body: the batch made the first time. */
  | { kind: 'existing'; batch: BatchRecord }
  /** Same Idempotency-Key, different body. */
  | { kind: 'conflict'; batch: BatchRecord }
  /** A limit says no to its tasks (nothing was written). */
  | Refusal;

/** Videos' tasks: the store of every record, and the queries over tasks the api and the pipeline make. */
export interface TaskRecordStore extends RecordStore<TaskRecord> {
  /**
   * A batch and every item's task, in one transaction: all of them or nothing. `limits` count
   * every task (the batch passes only if all of them fit). An Idempotency-Key seen before answers
   * with its batch whatever the limits, and creates nothing.
   */
  createBatch(batch: BatchRecord, tasks: TaskRecord[], limits?: AdmissionLimits): Promise<BatchCreateOutcome>;
  /** The records with these ids, in that order (null for one that is gone). */
  getMany(ids: readonly string[]): Promise<(TaskRecord | null)[]>;
  /**
   * A submit that makes no task (a script written by POST /v1/scripts) takes a place in its key's
   * minute as a task does, or is refused over SUBMITS_PER_MINUTE (the queue limits do not apply).
   */
  takeSubmit(owner: string | null, limits: AdmissionLimits): Promise<Refusal | null>;
  /** Tasks waiting or running: the api refuses new work above MAX_QUEUED_TASKS. */
  countUnfinished(): Promise<number>;
  /**
   * The clip ids (TaskOutput.clip_ids) shown by `owner`'s last `videos` completed tasks, newest
   * first, duplicates kept once: the footage its next video should not repeat (FRESHNESS_WINDOW).
   */
  recentClipIds(owner: string | null, videos: number): Promise<string[]>;
  /** Tasks newest first (created_at, then id, both descending), a page at a time. */
  list(query: TaskListQuery): Promise<TaskPage>;
}

/** Batches (domain/batch.ts), kept beside the tasks they are made with (TaskRecordStore.createBatch). */
export interface BatchStore {
  get(id: string): Promise<BatchRecord | null>;
  /** As RecordStore.update: a pure decision applied in one transaction (it may run more than once). */
  update<X>(id: string, decide: (batch: BatchRecord | null, now: Date) => { write: BatchRecord | null; result: X }): Promise<X>;
  /** Batches whose callback is still pending: what the sweeper looks at, and what a local dispatcher asks for again at start-up. */
  listForSweep(): Promise<BatchRecord[]>;
}

export type TemplateWrite = 'written' | 'name_taken' | 'too_many' | 'missing';

/** Templates (domain/template.ts): per owner, names unique among an owner's. */
export interface TemplateStore {
  /** Adds a new template: refused when its owner has one of that name, or `maxPerOwner` already. */
  create(template: TemplateRecord, maxPerOwner: number): Promise<Exclude<TemplateWrite, 'missing'>>;
  get(id: string): Promise<TemplateRecord | null>;
  /** An owner's templates, by name. */
  list(owner: string | null): Promise<TemplateRecord[]>;
  /** Replaces a template's name and settings: `missing` when it is gone, `name_taken` when another of its owner's has the name. */
  replace(template: TemplateRecord): Promise<Exclude<TemplateWrite, 'too_many'>>;
  /** False when there was none. */
  delete(id: string): Promise<boolean>;
  close(): Promise<void>;
}

export interface PutOptions {
  contentType: string;
  cacheControl?: string;
}

export interface SignedUrl {
  url: string;
  expiresAt: Date;
}

export interface BlobStore {
  /** Stream a local file into the store under `key`; a second put to the same key overwrites it. */
  put(key: string, filePath: string, opts: PutOptions): Promise<{ sizeBytes: number }>;
  exists(key: string): Promise<boolean>;
  /** Streams the object to `filePath` (written whole or not at all); a missing object is an error. */
  get(key: string, filePath: string): Promise<void>;
  /** Removes every object whose key starts with `prefix` (which ends with "/"). */
  deletePrefix(prefix: string): Promise<void>;
  /** A URL anyone can GET until it expires; `downloadName` sets Content-Disposition. */
  signedUrl(key: string, ttlSeconds: number, downloadName?: string): Promise<SignedUrl>;
}

export interface Dispatcher {
  /**
   * Ask for `POST {worker}{job.path}` to be delivered at least once, retried with the queue's
   * backoff until a 2xx. Enqueueing a name that is already waiting is a success, not a duplicate.
   */
  enqueue(job: Job): Promise<void>;
  close(): Promise<void>;
}
