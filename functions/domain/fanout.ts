// Fan-out: a long video's chunks rendered by deliveries of their own, on any worker. The task's
// delivery that planned the video hands its lease to the chunks (`fanout:<attempt>`), each chunk
// delivery claims its chunk under a lease of its own, and whoever finishes the last chunk takes
// the task's lease to join them and complete it. Pure, like every transition: the stores apply
// these inside one transaction on the task.
import { advance, failForGood, holdsLease, isFinal, retryAllowed, TASKS, type Fanout, type FanoutChunk, type TaskFailure, type TaskRecord } from './task.ts';

/** The task's lease owner while its chunks are out: no single delivery holds it. */
export const fanoutOwner = (attempt: number) => `fanout:${attempt}`;

/**
 * How long the task's lease lasts after the last sign of any chunk delivery. Chunk jobs may wait
 * in the queue behind other work, so it is longer than one delivery's lease; the sweeper asks
 * for the task again only once this has run out.
 */
export const FANOUT_LEASE_MS = 15 * 60_000;

/** Progress (0..100) the render stage spans; finished chunk-seconds move it from one end to the other. */
const RENDER_FROM = 30;
const RENDER_TO = 92;

export function beginFanout(task: TaskRecord | null, owner: string, plannedBy: string, frames: number[], now: Date): TaskRecord | null {
  if (!holdsLease(task, owner)) return null;
  const chunks: FanoutChunk[] = frames.map((f) => ({ frames: f, state: 'pending', owner: null, lease_expires_at: null, attempts: 0, rendered_by: null, error: null }));
  return {
    ...task,
    fanout: { attempt: task.attempt, planned_by: plannedBy, chunks, assembler: null, assembler_until: null, joins: 0 },
    lease_owner: fanoutOwner(task.attempt),
    lease_expires_at: new Date(now.getTime() + FANOUT_LEASE_MS).toISOString(),
    updated_at: now.toISOString(),
  };
}

/**
 * The planning delivery could not ask for every chunk's delivery, and nothing else would ask for
 * them before the fan-out's lease ran out: it takes the task's lease back (chunk deliveries that
 * did go out find nothing to do) and fails its attempt like any other, so the queue delivers the
 * task again. Null when the fan-out is no longer this attempt's, or a joiner holds it.
 */
export function takeBackFanout(t: TaskRecord | null, attempt: number, owner: string, leaseMs: number, now: Date): TaskRecord | null {
  const task = live(t, attempt);
  if (!task || task.lease_owner !== fanoutOwner(attempt)) return null;
  return { ...task, fanout: null, lease_owner: owner, lease_expires_at: untilIso(now, leaseMs), updated_at: now.toISOString() };
}

export type ChunkClaim =
  /** Render chunk `n` under this lease. */
  | { kind: 'render'; task: TaskRecord }
  /** Every chunk is done and nobody joins them: this delivery now holds the task's lease to do it. */
  | { kind: 'assemble'; task: TaskRecord }
  /** Another delivery holds the chunk (or the join); ask again when its hold may have run out. */
  | { kind: 'busy'; retryAfterMs: number }
  /** Its attempts are used up: the task has failed for good with this record. */
  | { kind: 'exhausted'; task: TaskRecord }
  /** Nothing to do: the task ended or moved on to another attempt, or the chunk is done and joined. */
  | { kind: 'done' };

/** The fan-out `attempt` of a live task, or null when a chunk delivery for it is stale. */
function live(task: TaskRecord | null, attempt: number): (TaskRecord & { fanout: Fanout }) | null {
  if (!task || isFinal(task.status) || task.status !== 'processing' || task.fanout?.attempt !== attempt) return null;
  return task as TaskRecord & { fanout: Fanout };
}

const untilIso = (now: Date, ms: number) => new Date(now.getTime() + ms).toISOString();
const leftMs = (iso: string | null, now: Date) => (iso ? Date.parse(iso) - now.getTime() : 0);

/** Any sign of a chunk delivery keeps the task's own lease alive while its chunks are out. */
function keepAlive(task: TaskRecord, now: Date): Pick<TaskRecord, 'lease_expires_at' | 'updated_at'> {
  const until = Math.max(Date.parse(task.lease_expires_at ?? '0'), now.getTime() + FANOUT_LEASE_MS);
  return { lease_expires_at: new Date(until).toISOString(), updated_at: now.toISOString() };
}

function withChunk(task: TaskRecord & { fanout: Fanout }, n: number, chunk: FanoutChunk, now: Date): TaskRecord {
  const chunks = task.fanout.chunks.map((c, i) => (i === n ? chunk : c));
  return { ...task, fanout: { ...task.fanout, chunks }, ...(task.lease_owner === fanoutOwner(task.fanout.attempt) ? keepAlive(task, now) : { updated_at: now.toISOString() }) };
}

function takeAssembly(task: TaskRecord & { fanout: Fanout }, owner: string, leaseMs: number, now: Date): TaskRecord {
  return {
    ...task,
    fanout: { ...task.fanout, assembler: owner, assembler_until: untilIso(now, leaseMs), joins: task.fanout.joins + 1 },
    lease_owner: owner,
    lease_expires_at: untilIso(now, leaseMs),
    updated_at: now.toISOString(),
  };
}

const allDone = (f: Fanout) => f.chunks.every((c) => c.state === 'done');

export function claimChunk(t: TaskRecord | null, attempt: number, n: number, owner: string, leaseMs: number, maxAttempts: number, now: Date): ChunkClaim {
  const task = live(t, attempt);
  const chunk = task?.fanout.chunks[n];
  if (!task || !chunk) return { kind: 'done' };
  if (chunk.state === 'done') {
    if (!allDone(task.fanout)) return { kind: 'done' };
    // The delivery that finished the last chunk died before joining them: this one joins them.
    if (task.fanout.assembler && leftMs(task.fanout.assembler_until, now) > 0) return { kind: 'busy', retryAfterMs: leftMs(task.fanout.assembler_until, now) };
    return { kind: 'assemble', task: takeAssembly(task, owner, leaseMs, now) };
  }
  if (chunk.state === 'rendering' && chunk.owner !== owner && leftMs(chunk.lease_expires_at, now) > 0) {
    return { kind: 'busy', retryAfterMs: leftMs(chunk.lease_expires_at, now) };
  }
  // A chunk attempt that failed in passing put the chunk back; here the last one died without a word.
  if (!retryAllowed(chunk.attempts, maxAttempts, null)) {
    const why = chunk.error ?? 'its renders were interrupted';
    return { kind: 'exhausted', task: failForGood(TASKS, task, { code: 'chunk_failed', message: `chunk ${n + 1} of ${task.fanout.chunks.length} failed ${chunk.attempts} times: ${why}` }, now) };
  }
  const claimed: FanoutChunk = { ...chunk, state: 'rendering', owner, lease_expires_at: untilIso(now, leaseMs), attempts: chunk.attempts + 1 };
  return { kind: 'render', task: withChunk(task, n, claimed, now) };
}

/** The chunk's holder is still at it: its lease, and the task's, go on. Null when it no longer holds it (cancelled, moved on). */
export function renewChunk(t: TaskRecord | null, attempt: number, n: number, owner: string, leaseMs: number, now: Date): TaskRecord | null {
  const task = live(t, attempt);
  const chunk = task?.fanout.chunks[n];
  if (!task || !chunk || chunk.state !== 'rendering' || chunk.owner !== owner) return null;
  return withChunk(task, n, { ...chunk, lease_expires_at: untilIso(now, leaseMs) }, now);
}

export type ChunkDone =
  | { kind: 'assemble'; task: TaskRecord }
  | { kind: 'done'; task: TaskRecord }
  /** The holder had lost the chunk meanwhile: nothing was recorded. */
  | { kind: 'lost' };

/**
 * The chunk is rendered and stored. Progress counts finished chunk-seconds. The delivery that
 * finishes the last chunk takes the task's lease to join them.
 */
export function finishChunk(t: TaskRecord | null, attempt: number, n: number, owner: string, renderedBy: string, leaseMs: number, now: Date): ChunkDone {
  const task = live(t, attempt);
  const chunk = task?.fanout.chunks[n];
  if (!task || !chunk || chunk.state !== 'rendering' || chunk.owner !== owner) return { kind: 'lost' };
  const done = withChunk(task, n, { ...chunk, state: 'done', owner: null, lease_expires_at: null, rendered_by: renderedBy, error: null }, now) as TaskRecord & { fanout: Fanout };
  const total = done.fanout.chunks.reduce((s, c) => s + c.frames, 0);
  const finished = done.fanout.chunks.reduce((s, c) => s + (c.state === 'done' ? c.frames : 0), 0);
  const progressed = advance(done, 'render', RENDER_FROM + ((RENDER_TO - RENDER_FROM) * finished) / Math.max(1, total), now) as TaskRecord & { fanout: Fanout };
  if (allDone(progressed.fanout) && !(progressed.fanout.assembler && leftMs(progressed.fanout.assembler_until, now) > 0)) {
    return { kind: 'assemble', task: takeAssembly(progressed, owner, leaseMs, now) };
  }
  return { kind: 'done', task: progressed };
}

/**
 * A chunk attempt failed. A passing failure puts the chunk back for its next delivery; a
 * permanent one, or one past the chunk's attempts, fails the whole task for good.
 */
export function failChunk(
  t: TaskRecord | null,
  attempt: number,
  n: number,
  owner: string,
  error: TaskFailure,
  maxAttempts: number,
  now: Date,
): TaskRecord | null {
  const task = live(t, attempt);
  const chunk = task?.fanout.chunks[n];
  if (!task || !chunk || chunk.owner !== owner) return null;
  const of = task.fanout.chunks.length;
  if (!retryAllowed(chunk.attempts, maxAttempts, error)) {
    return failForGood(TASKS, task, { code: error.code, message: `chunk ${n + 1} of ${of}: ${error.message}` }, now);
  }
  return withChunk(task, n, { ...chunk, state: 'pending', owner: null, lease_expires_at: null, error: error.message }, now);
}

/**
 * The joining delivery failed. In passing, while joins remain, it lets go: another delivery of the
 * last chunk joins them. Otherwise the task fails for good. Null when it no longer holds the join.
 */
export function failJoin(t: TaskRecord | null, owner: string, error: TaskFailure, maxAttempts: number, now: Date): TaskRecord | null {
  if (!t?.fanout || t.fanout.assembler !== owner || !holdsLease(t, owner)) return null;
  if (!retryAllowed(t.fanout.joins, maxAttempts, error)) {
    return failForGood(TASKS, t, { code: error.code, message: `joining the chunks: ${error.message}` }, now);
  }
  return {
    ...t,
    fanout: { ...t.fanout, assembler: null, assembler_until: null },
    lease_owner: fanoutOwner(t.fanout.attempt),
    lease_expires_at: untilIso(now, FANOUT_LEASE_MS),
    updated_at: now.toISOString(),
  };
}
