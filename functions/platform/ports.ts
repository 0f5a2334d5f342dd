// The three platform ports. Each has a local adapter (embedded default) and a Google Cloud one;
// both pass the same contract suite in test/platform/.
import type { AdmissionLimits, Refusal } from '../domain/admission.ts';
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

/** Videos' tasks: the store of every record, and the queries over tasks the api and the pipeline make. */
export interface TaskRecordStore extends RecordStore<TaskRecord> {
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
