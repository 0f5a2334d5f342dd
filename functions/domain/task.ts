// Task records, their states and the pure rules for moving between them. A video's task and a
// storyboard (domain/storyboard.ts) share one lifecycle, a LeasedRecord: queued, claimed under a
// lease, retried, ended, expiring; each kind says in its RecordKind what it adds at the edges.
// The store's verbs (platform/leased-store.ts) apply these functions inside the adapter's
// transaction, so the rules live in one place.
import type { TaskTimings } from './task-timings.ts';
import type { Credit } from './media.ts';
import type { OutputFiles } from './outputs.ts';
import type { WrittenScript } from './script.ts';
import type { VideoRequest } from './video-request.ts';

export const TASK_STATUSES = ['queued', 'processing', 'completed', 'failed', 'cancelled'] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];
export const FINAL_STATUSES: readonly TaskStatus[] = ['completed', 'failed', 'cancelled'];
export const isFinal = (s: TaskStatus) => FINAL_STATUSES.includes(s);

export type FinalStatus = 'completed' | 'failed' | 'cancelled';

/** `script`: a request with a topic has its script written first (domain/script.ts). */
export const STAGES = ['queued', 'script', 'speech', 'footage', 'render', 'upload', 'done'] as const;
export type Stage = (typeof STAGES)[number];

/** Why an attempt or a task failed, as stored and shown: `retryable` only while a retry is coming. */
export interface TaskFailure {
  code: string;
  message: string;
  retryable: boolean;
}

/** One piece of the timeline (a scene or sentence group) and what its footage was searched by. */
export interface FootagePiece {
  start_s: number;
  end_s: number;
  /** Its words, as the captions show them. */
  text: string;
  /** Terms taken from its own words; empty when it was searched by its scene's or the video's query. */
  search_terms: string[];
  /** What was searched for it. */
  query: string;
  /** The queries whose results it shows (the topic when its own terms found nothing); empty when it borrowed other pieces' footage. */
  found_by: string[];
}

/**
 * What a completed task stored; URLs are minted from the keys when the task is read. The files
 * at the top level are its main (first) video's, as before a task could make several.
 */
export interface TaskOutput extends Omit<OutputFiles, 'aspect_ratio' | 'resolution'> {
  credits: Credit[];
  /** Per timeline piece, its search (absent on tasks completed before pieces were recorded). */
  pieces?: FootagePiece[];
  /** Identities of the clips shown (`pexels:<id>`), so the owner's next videos can avoid them. */
  clip_ids?: string[];
  /** Every video of the task, the main one first (absent on tasks completed before there could be several). */
  outputs?: OutputFiles[];
  /** Where the task's time went (absent on tasks completed before it was recorded). */
  timings?: TaskTimings;
}

export const CALLBACK_STATES = ['pending', 'delivered', 'gave_up'] as const;
export type CallbackState = (typeof CALLBACK_STATES)[number];

/**
 * The callback outbox: the event a task's end owes its callback_url, written in the same
 * transaction as the end itself, then delivered by a job of its own (callbacks/deliver.ts).
 */
export interface CallbackOutbox {
  /** Stable per event: receivers de-duplicate by it (X-Reelsmith-Delivery-Id). */
  delivery_id: string;
  event: `task.${FinalStatus}` | 'batch.completed';
  state: CallbackState;
  attempts: number;
  /** HTTP status of the last attempt; null before the first or when no answer came. */
  last_status: number | null;
  last_error: string | null;
  created_at: string;
  last_attempt_at: string | null;
  /** Delivery jobs asked for so far; each job's name includes its number. */
  jobs: number;
  /** Whoever is sending right now, until when: a duplicate delivery waits instead of sending twice. */
  sender: string | null;
  sending_until: string | null;
}

/**
 * What a video's task and a storyboard share: a request worked on by attempts under a lease,
 * retried, swept and expiring. Each kind adds its own fields (TaskRecord, StoryboardRecord).
 */
export interface LeasedRecord {
  id: string;
  /** Hash of the API key that created it; null when the service runs without keys. */
  owner: string | null;
  status: TaskStatus;
  stage: Stage;
  progress: number;
  request: VideoRequest;
  attempt: number;
  lease_owner: string | null;
  lease_expires_at: string | null;
  created_at: string;
  updated_at: string;
  /** For a TTL policy: when the record (and its files) may be deleted. */
  expire_at: string;
  error: TaskFailure | null;
  warnings: string[];
  idempotency_key: string | null;
  request_hash: string | null;
  /** Deliveries asked for so far; each delivery's job name includes its number. */
  dispatches: number;
  /** The last ask for a delivery failed (the queue was unreachable): the sweeper asks again at once. */
  dispatch_failed_at: string | null;
  /** Attempts that ran out of time; a second one fails the record instead of paying for a third. */
  deadline_misses: number;
  /**
   * The script written from the request's `topic`, kept as soon as it exists (a retried attempt
   * does not pay the language model again); null when the request sent its own script.
   */
  script: WrittenScript | null;
}

/** What a video made from a storyboard takes from it: each piece's clip and span as they stood when the video was asked for. */
export interface StoryboardChoice {
  id: string;
  pieces: { clip: number; source_start_s: number }[];
}

export interface TaskRecord extends LeasedRecord {
  output: TaskOutput | null;
  callback: CallbackOutbox | null;
  /** A long video rendered by chunk deliveries on several workers (domain/fanout.ts); null otherwise. */
  fanout: Fanout | null;
  /** A video made from a storyboard (storyboard_id): the storyboard's pieces it renders; null otherwise. */
  from_storyboard: StoryboardChoice | null;
  /** An item of a batch (domain/batch.ts): its end is owed to the batch, through the callback outbox; null otherwise. */
  batch: BatchRef | null;
}

/** Which batch a task is an item of, and which item. */
export interface BatchRef {
  id: string;
  index: number;
}

export const CHUNK_STATES = ['pending', 'rendering', 'done'] as const;
export type ChunkState = (typeof CHUNK_STATES)[number];

/** One chunk of a fanned-out render: its own lease, attempts and record of who rendered it. */
export interface FanoutChunk {
  frames: number;
  state: ChunkState;
  /** The chunk delivery holding it while `rendering`. */
  owner: string | null;
  lease_expires_at: string | null;
  attempts: number;
  /** The worker process that rendered it (its instance id), once done. */
  rendered_by: string | null;
  /** Why the last attempt at it failed, for the client-facing error if it keeps failing. */
  error: string | null;
}

export interface Fanout {
  /** The task attempt that planned it; chunk deliveries of another attempt are stale. */
  attempt: number;
  /** The worker process (instance id) whose delivery planned it and asked for the chunks. */
  planned_by: string;
  chunks: FanoutChunk[];
  /** The delivery joining the chunks once all are done, and until when it holds that. */
  assembler: string | null;
  assembler_until: string | null;
  /** Joins begun so far: a join that keeps failing in passing ends the task like any other retry. */
  joins: number;
}

/** Where the kinds of leased record differ in the shared lifecycle. */
export interface RecordKind<R extends LeasedRecord> {
  /** The record as a new attempt starts on it: what an earlier attempt left for itself is stale. */
  started(record: R): R;
  /** The holder renewed its lease until `until`: what else it keeps for as long. */
  renewed(record: R, until: string): R;
  /** The record has just ended (completed, failed or cancelled): what it owes for that. */
  ended(record: R, status: FinalStatus, now: Date): R;
}

export const TASKS: RecordKind<TaskRecord> = {
  // An earlier attempt's chunks are stale now; this attempt plans its own.
  started: (t) => ({ ...t, fanout: null }),
  // The joiner of a fan-out holds the join for as long as it holds the lease (domain/fanout.ts):
  // a duplicate chunk delivery must not take over a join that is still going.
  renewed: (t, until) => (t.fanout?.assembler != null && t.fanout.assembler === t.lease_owner ? { ...t, fanout: { ...t.fanout, assembler_until: until } } : t),
  ended: (t, status, now) => ({ ...t, callback: owe(t, status, now) }),
};

/** What a new record of any kind is made from: a submit (api/submission.ts), or the CLI's one-off render. */
export interface NewRecord {
  id: string;
  owner: string | null;
  request: VideoRequest;
  now: Date;
  retentionDays: number;
  idempotencyKey?: string | null;
  requestHash?: string | null;
  /** Written already: a video made from a storyboard takes the storyboard's. */
  script?: WrittenScript | null;
}

/** The shared fields of a new record: queued, nothing tried yet. */
export function newLeased(args: NewRecord): LeasedRecord {
  const now = args.now.toISOString();
  return {
    id: args.id,
    owner: args.owner,
    status: 'queued',
    stage: 'queued',
    progress: 0,
    request: args.request,
    attempt: 0,
    lease_owner: null,
    lease_expires_at: null,
    created_at: now,
    updated_at: now,
    expire_at: new Date(args.now.getTime() + args.retentionDays * 86_400_000).toISOString(),
    error: null,
    warnings: [],
    idempotency_key: args.idempotencyKey ?? null,
    request_hash: args.requestHash ?? null,
    // The first delivery is asked for with the record itself.
    dispatches: 1,
    dispatch_failed_at: null,
    deadline_misses: 0,
    script: args.script ?? null,
  };
}

export function newTask(args: NewRecord & { fromStoryboard?: StoryboardChoice | null; batch?: BatchRef | null }): TaskRecord {
  return { ...newLeased(args), output: null, callback: null, fanout: null, from_storyboard: args.fromStoryboard ?? null, batch: args.batch ?? null };
}

/** The number of the delivery last asked for (job names include it). */
export const lastDispatch = (task: LeasedRecord) => Math.max(0, task.dispatches - 1);

/** Asks for another delivery: the number of the new one. */
export function redispatch<R extends LeasedRecord>(task: R, now: Date): { task: R; job: number } {
  return { task: { ...task, dispatches: task.dispatches + 1, updated_at: now.toISOString() }, job: task.dispatches };
}

/** The error code of an attempt that ran past the worker's own deadline. */
export const DEADLINE_EXCEEDED = 'deadline_exceeded';

/**
 * The one place that decides retries, for a record's attempts and a fanned-out chunk's or join's
 * alike. `attempts` have been made, the last of which ended with `failure`, or was interrupted
 * without one (null: its worker died, or its lease ran out); `deadlineMisses` counts the earlier
 * attempts that ran out of time. May another attempt run?
 */
export function retryAllowed(attempts: number, maxAttempts: number, failure: TaskFailure | null, deadlineMisses = 0): boolean {
  if (attempts >= maxAttempts) return false;
  if (!failure) return true;
  // An attempt that ran out of time once is tried once more; a second one would most likely run out again.
  return failure.retryable && !(failure.code === DEADLINE_EXCEEDED && deadlineMisses >= 1);
}

/** Why a record whose attempts all died (out of memory, killed instance) without a word fails for good. */
export const interruptedTooOften = (attempts: number) => ({ code: 'attempts_exhausted', message: `the task was interrupted ${attempts} times; giving up` });

/**
 * Fails a record for good whatever holds it: its attempts are used up (workers died mid-task, so no
 * attempt recorded a failure) or it could not be queued. Its end is owed like any failure's.
 */
export function failForGood<R extends LeasedRecord>(kind: RecordKind<R>, task: R, error: Omit<TaskFailure, 'retryable'>, now: Date): R {
  if (isFinal(task.status)) return task;
  const failed = {
    ...task,
    status: 'failed' as const,
    error: { ...error, retryable: false },
    lease_owner: null,
    lease_expires_at: null,
    updated_at: now.toISOString(),
  };
  return kind.ended(failed, 'failed', now);
}

/**
 * The end of a task owes its callback_url one event, and an item of a batch owes its batch word
 * of its end (delivered the same way, to the batch's record instead of a URL); a task with neither
 * owes nothing.
 */
function owe(task: TaskRecord, event: FinalStatus, now: Date): CallbackOutbox | null {
  if (!task.request.callback_url && !task.batch) return null;
  return {
    delivery_id: `${task.id}.${event}`,
    event: `task.${event}`,
    state: 'pending',
    attempts: 0,
    last_status: null,
    last_error: null,
    created_at: now.toISOString(),
    last_attempt_at: null,
    jobs: 0,
    sender: null,
    sending_until: null,
  };
}

export type ClaimOutcome<R extends LeasedRecord = TaskRecord> =
  | { kind: 'claimed'; task: R }
  /** Another worker holds a live lease; try again once it may have expired. */
  | { kind: 'busy'; retryAfterMs: number }
  /** Its attempts are used up (the earlier ones died without a word): it has failed for good with this record. */
  | { kind: 'exhausted'; task: R }
  /** Nothing to do: the record is finished, cancelled, or gone. */
  | { kind: 'done'; task: R | null };

/** Decide a claim: queued, or processing with an expired lease (its worker died). */
export function claim<R extends LeasedRecord>(kind: RecordKind<R>, task: R | null, owner: string, leaseMs: number, maxAttempts: number, now: Date): ClaimOutcome<R> {
  if (!task || isFinal(task.status)) return { kind: 'done', task };
  if (task.status === 'processing' && task.lease_owner !== owner && task.lease_expires_at) {
    const left = Date.parse(task.lease_expires_at) - now.getTime();
    if (left > 0) return { kind: 'busy', retryAfterMs: left };
  }
  // A failed attempt that may not be retried has ended the record already: here the last one died.
  if (!retryAllowed(task.attempt, maxAttempts, null)) return { kind: 'exhausted', task: failForGood(kind, task, interruptedTooOften(task.attempt), now) };
  const claimed = {
    ...task,
    status: 'processing' as const,
    attempt: task.attempt + 1,
    lease_owner: owner,
    lease_expires_at: new Date(now.getTime() + leaseMs).toISOString(),
    error: null,
    updated_at: now.toISOString(),
  };
  return { kind: 'claimed', task: kind.started(claimed) };
}

export const holdsLease = <R extends LeasedRecord>(task: R | null, owner: string): task is R =>
  !!task && task.status === 'processing' && task.lease_owner === owner;

export function renewLease<R extends LeasedRecord>(kind: RecordKind<R>, task: R, leaseMs: number, now: Date): R {
  const until = new Date(now.getTime() + leaseMs).toISOString();
  return kind.renewed({ ...task, lease_expires_at: until, updated_at: now.toISOString() }, until);
}

/** The holder's attempt wrote the record's script: kept now, so a retry uses it instead of writing again. */
export function withScript<R extends LeasedRecord>(record: R, script: WrittenScript, now: Date): R {
  return { ...record, script, updated_at: now.toISOString() };
}

/** Progress never goes backwards, even when a retried attempt starts over. */
export function advance<R extends LeasedRecord>(task: R, stage: Stage, progress: number, now: Date): R {
  const p = Math.max(task.progress, Math.min(100, Math.max(0, Math.round(progress))));
  const stageIdx = Math.max(STAGES.indexOf(task.stage), STAGES.indexOf(stage));
  return { ...task, stage: STAGES[stageIdx] ?? stage, progress: p, updated_at: now.toISOString() };
}

/** The holder's attempt succeeded: `task` carries what it made (a video's output, a storyboard's result). */
export function finish<R extends LeasedRecord>(kind: RecordKind<R>, task: R, warnings: string[], now: Date): R {
  const done = {
    ...task,
    status: 'completed' as const,
    stage: 'done' as const,
    progress: 100,
    warnings: [...new Set([...task.warnings, ...warnings])],
    error: null,
    lease_owner: null,
    lease_expires_at: null,
    updated_at: now.toISOString(),
  };
  return kind.ended(done, 'completed', now);
}

export function complete(task: TaskRecord, output: TaskOutput, warnings: string[], now: Date): TaskRecord {
  return finish(TASKS, { ...task, output }, warnings, now);
}

/**
 * A failed attempt: permanent errors, or transient ones after the last attempt (retryAllowed),
 * fail the record; otherwise it goes back to `queued` for the next delivery.
 */
export function failAttempt<R extends LeasedRecord>(kind: RecordKind<R>, task: R, error: TaskFailure, maxAttempts: number, now: Date): R {
  const retry = retryAllowed(task.attempt, maxAttempts, error, task.deadline_misses);
  const next = {
    ...task,
    status: retry ? ('queued' as const) : ('failed' as const),
    error: retry ? error : { ...error, retryable: false },
    lease_owner: null,
    lease_expires_at: null,
    updated_at: now.toISOString(),
    deadline_misses: task.deadline_misses + (error.code === DEADLINE_EXCEEDED ? 1 : 0),
  };
  return retry ? next : kind.ended(next, 'failed', now);
}

export function cancel<R extends LeasedRecord>(kind: RecordKind<R>, task: R, now: Date): R {
  if (isFinal(task.status)) return task;
  const cancelled = {
    ...task,
    status: 'cancelled' as const,
    error: { code: 'cancelled', message: 'cancelled by the client', retryable: false },
    lease_owner: null,
    lease_expires_at: null,
    updated_at: now.toISOString(),
  };
  return kind.ended(cancelled, 'cancelled', now);
}
