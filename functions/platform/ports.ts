// The three platform ports. Each has a local adapter (embedded default) and a Google Cloud one;
// both pass the same contract suite in test/platform/.
import type { AdmissionLimits, Refusal } from '../domain/admission.ts';
import type { Job } from './jobs.ts';
import type { ClaimOutcome, Stage, TaskFailure, TaskOutput, TaskRecord } from '../domain/task.ts';

export type CreateOutcome =
  | { kind: 'created'; task: TaskRecord }
  /** Same Idempotency-Key and same body: the task made the first time. */
  | { kind: 'existing'; task: TaskRecord }
  /** Same Idempotency-Key, different body. */
  | { kind: 'conflict'; task: TaskRecord }
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

export interface TaskStore {
  /**
   * Never overwrites: a second create with the same id fails. An Idempotency-Key seen before
   * answers with its task whatever the limits; a new task must pass `limits` (checked in the same
   * transaction that writes it, so racing submits cannot go past them).
   */
  create(task: TaskRecord, limits?: AdmissionLimits): Promise<CreateOutcome>;
  /**
   * The task `owner`'s Idempotency-Key names, or null: a submit answers a replay from it before
   * anything that costs (DNS lookups, the music library, a storyboard). A read; create() decides.
   */
  findByIdempotencyKey(owner: string | null, key: string): Promise<TaskRecord | null>;
  /**
   * What `limits` would say to a new task of `owner` now, read outside any transaction: a submit
   * over its key's rate is refused before its URLs are resolved. create() checks again.
   */
  previewAdmission(owner: string | null, limits: AdmissionLimits): Promise<Refusal | null>;
  get(id: string): Promise<TaskRecord | null>;
  /** Transactionally move a task to `processing` under a lease held by `owner`. */
  claim(id: string, owner: string, leaseMs: number): Promise<ClaimOutcome>;
  /** Extend the lease; returns null when `owner` no longer holds it (lost, cancelled, finished). */
  renewLease(id: string, owner: string, leaseMs: number): Promise<TaskRecord | null>;
  /** Record stage and progress (monotonic); a no-op unless `owner` holds the lease. */
  progress(id: string, owner: string, stage: Stage, progress: number): Promise<void>;
  /** Only the lease holder may complete; returns the completed record, or null if it lost the lease. */
  complete(id: string, owner: string, output: TaskOutput, warnings: string[]): Promise<TaskRecord | null>;
  /** Only the lease holder may fail an attempt; the domain decides between retry and failure. */
  fail(id: string, owner: string, error: TaskFailure, maxAttempts: number): Promise<TaskRecord | null>;
  /** Cancel a task that is not finished; returns the record as it now stands, or null if unknown. */
  cancel(id: string): Promise<TaskRecord | null>;
  /** Tasks waiting or running: the api refuses new work above MAX_QUEUED_TASKS. */
  countUnfinished(): Promise<number>;
  /**
   * Applies a pure decision in one transaction: `decide` sees the current record (null when there
   * is none) and the store's clock, and returns the record to write (or null for none) and a
   * result. It may run more than once (a transaction retried on contention), so it must be pure.
   */
  update<R>(id: string, decide: (task: TaskRecord | null, now: Date) => { write: TaskRecord | null; result: R }): Promise<R>;
  /** Every unfinished task and every finished one whose callback is still pending, oldest first: what the sweeper looks at, and what a local dispatcher asks for again at start-up. */
  listForSweep(): Promise<TaskRecord[]>;
  /**
   * The clip ids (TaskOutput.clip_ids) shown by `owner`'s last `videos` completed tasks, newest
   * first, duplicates kept once: the footage its next video should not repeat (FRESHNESS_WINDOW).
   */
  recentClipIds(owner: string | null, videos: number): Promise<string[]>;
  /** Tasks newest first (created_at, then id, both descending), a page at a time. */
  list(query: TaskListQuery): Promise<TaskPage>;
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
