// Task records, their states and the pure rules for moving between them. Every store adapter
// applies these functions inside its own transaction, so the rules live in one place.
import type { TaskTimings } from './task-timings.ts';
import type { Credit } from './media.ts';
import type { OutputFiles, OutputView } from './outputs.ts';
import type { StoryboardChoice, StoryboardResult } from './storyboard.ts';
import type { VideoRequest } from './video-request.ts';

export const TASK_STATUSES = ['queued', 'processing', 'completed', 'failed', 'cancelled'] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];
export const FINAL_STATUSES: readonly TaskStatus[] = ['completed', 'failed', 'cancelled'];
export const isFinal = (s: TaskStatus) => FINAL_STATUSES.includes(s);

export type FinalStatus = 'completed' | 'failed' | 'cancelled';

export const STAGES = ['queued', 'speech', 'footage', 'render', 'upload', 'done'] as const;
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
  event: `task.${FinalStatus}`;
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

export interface TaskRecord {
  id: string;
  /** Hash of the API key that created the task; null when the service runs without keys. */
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
  output: TaskOutput | null;
  warnings: string[];
  idempotency_key: string | null;
  request_hash: string | null;
  /** Render deliveries asked for so far; each delivery's job name includes its number. */
  dispatches: number;
  /** The last ask for a delivery failed (the queue was unreachable): the sweeper asks again at once. */
  dispatch_failed_at: string | null;
  /** Attempts that ran out of time; a second one fails the task instead of paying for a third. */
  deadline_misses: number;
  callback: CallbackOutbox | null;
  /** A long video rendered by chunk deliveries on several workers (domain/fanout.ts); null otherwise. */
  fanout: Fanout | null;
  /** A storyboard's own record (its own store): what preparing it made; absent until then. */
  storyboard?: StoryboardResult | null;
  /** A video rendered from a storyboard: the storyboard's pieces as they stood when the video was asked for. */
  from_storyboard?: StoryboardChoice | null;
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
}

export function newTask(args: {
  id: string;
  owner: string | null;
  request: VideoRequest;
  now: Date;
  retentionDays: number;
  idempotencyKey?: string | null;
  requestHash?: string | null;
}): TaskRecord {
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
    output: null,
    warnings: [],
    idempotency_key: args.idempotencyKey ?? null,
    request_hash: args.requestHash ?? null,
    // The first render delivery is asked for with the task itself.
    dispatches: 1,
    dispatch_failed_at: null,
    deadline_misses: 0,
    callback: null,
    fanout: null,
  };
}

/** The number of the render delivery last asked for (job names include it). */
export const lastDispatch = (task: TaskRecord) => Math.max(0, task.dispatches - 1);

/** Asks for another render delivery: the number of the new one. */
export function redispatch(task: TaskRecord, now: Date): { task: TaskRecord; job: number } {
  return { task: { ...task, dispatches: task.dispatches + 1, updated_at: now.toISOString() }, job: task.dispatches };
}

/**
 * Fails a task for good whatever holds it: its attempts are used up (workers died mid-task, so no
 * attempt recorded a failure) or it could not be queued. Its callback is owed like any failure's.
 */
export function failForGood(task: TaskRecord, error: Omit<TaskFailure, 'retryable'>, now: Date): TaskRecord {
  if (isFinal(task.status)) return task;
  return {
    ...task,
    status: 'failed',
    error: { ...error, retryable: false },
    lease_owner: null,
    lease_expires_at: null,
    updated_at: now.toISOString(),
    callback: owe(task, 'failed', now),
  };
}

/** The end of a task owes its callback_url one event; a task without one owes nothing. */
function owe(task: TaskRecord, event: FinalStatus, now: Date): CallbackOutbox | null {
  if (!task.request.callback_url) return null;
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

export type ClaimOutcome =
  | { kind: 'claimed'; task: TaskRecord }
  /** Another worker holds a live lease; try again once it may have expired. */
  | { kind: 'busy'; retryAfterMs: number }
  /** Nothing to do: the task is finished, cancelled, or gone. */
  | { kind: 'done'; task: TaskRecord | null };

/** Decide a claim: queued, or processing with an expired lease (its worker died). */
export function claim(task: TaskRecord | null, owner: string, leaseMs: number, now: Date): ClaimOutcome {
  if (!task || isFinal(task.status)) return { kind: 'done', task };
  if (task.status === 'processing' && task.lease_owner !== owner && task.lease_expires_at) {
    const left = Date.parse(task.lease_expires_at) - now.getTime();
    if (left > 0) return { kind: 'busy', retryAfterMs: left };
  }
  return {
    kind: 'claimed',
    task: {
      ...task,
      status: 'processing',
      attempt: task.attempt + 1,
      lease_owner: owner,
      lease_expires_at: new Date(now.getTime() + leaseMs).toISOString(),
      error: null,
      updated_at: now.toISOString(),
      // An earlier attempt's chunks are stale now; this attempt plans its own.
      fanout: null,
    },
  };
}

export const holdsLease = (task: TaskRecord | null, owner: string): task is TaskRecord =>
  !!task && task.status === 'processing' && task.lease_owner === owner;

export function renewLease(task: TaskRecord, leaseMs: number, now: Date): TaskRecord {
  return { ...task, lease_expires_at: new Date(now.getTime() + leaseMs).toISOString(), updated_at: now.toISOString() };
}

/** Progress never goes backwards, even when a retried attempt starts over. */
export function advance(task: TaskRecord, stage: Stage, progress: number, now: Date): TaskRecord {
  const p = Math.max(task.progress, Math.min(100, Math.max(0, Math.round(progress))));
  const stageIdx = Math.max(STAGES.indexOf(task.stage), STAGES.indexOf(stage));
  return { ...task, stage: STAGES[stageIdx] ?? stage, progress: p, updated_at: now.toISOString() };
}

export function complete(task: TaskRecord, output: TaskOutput, warnings: string[], now: Date): TaskRecord {
  return {
    ...task,
    status: 'completed',
    stage: 'done',
    progress: 100,
    output,
    warnings: [...new Set([...task.warnings, ...warnings])],
    error: null,
    lease_owner: null,
    lease_expires_at: null,
    updated_at: now.toISOString(),
    callback: owe(task, 'completed', now),
  };
}

/**
 * A failed attempt: permanent errors, or transient ones after the last attempt, fail the task;
 * otherwise it goes back to `queued` for the next delivery. This is the one place that decides retries.
 */
export function failAttempt(task: TaskRecord, error: TaskFailure, maxAttempts: number, now: Date): TaskRecord {
  const deadline = error.code === DEADLINE_EXCEEDED;
  // An attempt that ran out of time once is tried once more; a second one would most likely run out again.
  const retry = error.retryable && task.attempt < maxAttempts && !(deadline && task.deadline_misses >= 1);
  return {
    ...task,
    status: retry ? 'queued' : 'failed',
    error: retry ? error : { ...error, retryable: false },
    lease_owner: null,
    lease_expires_at: null,
    updated_at: now.toISOString(),
    deadline_misses: task.deadline_misses + (deadline ? 1 : 0),
    callback: retry ? task.callback : owe(task, 'failed', now),
  };
}

/** The error code of an attempt that ran past the worker's own deadline. */
export const DEADLINE_EXCEEDED = 'deadline_exceeded';

export function cancel(task: TaskRecord, now: Date): TaskRecord {
  if (isFinal(task.status)) return task;
  return {
    ...task,
    status: 'cancelled',
    error: { code: 'cancelled', message: 'cancelled by the client', retryable: false },
    lease_owner: null,
    lease_expires_at: null,
    updated_at: now.toISOString(),
    callback: owe(task, 'cancelled', now),
  };
}

/** The public view of a task (the body of GET /task/{id} and of callbacks). */
export interface TaskView {
  task_id: string;
  status: TaskStatus;
  stage: Stage;
  progress: number;
  created_at: string;
  updated_at: string;
  error: { code: string; message: string; retryable: boolean } | null;
  /** The main video's files at the top level, as before a task could make several. */
  result: (Omit<OutputView, 'aspect_ratio' | 'resolution'> & {
    credits: Credit[];
    pieces: FootagePiece[];
    /** Every video of the task, the main one (the fields above) first. */
    outputs: OutputView[];
    /** Where its time went; null on tasks completed before it was recorded. */
    timings: TaskTimings | null;
  }) | null;
  warnings: string[];
  metadata: Record<string, unknown> | null;
  /** Where the task's callback stands; null without a callback_url or before the task ends. */
  callback: {
    delivery_id: string;
    event: string;
    state: CallbackState;
    attempts: number;
    last_status: number | null;
    last_attempt_at: string | null;
  } | null;
}
