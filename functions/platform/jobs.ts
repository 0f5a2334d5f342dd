// What the dispatcher delivers: a named job on a queue, POSTed to a worker route. Names include a
// number the task store hands out, so a job asked for again after its queue gave up on it (Cloud
// Tasks keeps a finished name for about an hour, and refuses it) is a new job, while a second ask
// for the same job is de-duplicated by the queue.

/** Cloud Tasks queues have their own retry policy: renders retry a few times, callbacks for a day. */
export const QUEUES = ['render', 'callbacks'] as const;
export type QueueName = (typeof QUEUES)[number];

export interface Job {
  queue: QueueName;
  /** Unique per job; a second enqueue of a waiting name is a success, not a second delivery. */
  name: string;
  /** The worker route, e.g. /tasks/{id}/run. */
  path: string;
  /** The task it concerns, sent as the JSON body `{task_id}`. */
  taskId: string;
}

/** The worker's routes (api/worker-spec.ts declares them with these paths; the jobs below fill them in). */
export const WORKER_PATHS = {
  task: '/tasks/{id}/run',
  storyboard: '/storyboards/{id}/run',
  chunk: '/tasks/{id}/chunks/{n}/run',
  callback: '/tasks/{id}/callback',
  batchCallback: '/batches/{id}/callback',
  sweep: '/tasks/sweep',
} as const;

/** The `{name}` parameters of a path. */
type PathParams<P extends string> = P extends `${string}{${infer K}}${infer Rest}` ? K | PathParams<Rest> : never;

/** A worker path with its parameters filled in, each URI-encoded. */
export function workerPath<P extends string>(path: P, params: Record<PathParams<P>, string | number>): string {
  return path.replace(/\{(\w+)\}/g, (_, k: string) => encodeURIComponent(String(params[k as PathParams<P>])));
}

/** The `n`th delivery asked for to render a task. */
export function renderJob(taskId: string, n: number): Job {
  return { queue: 'render', name: `${taskId}-r${n}`, path: workerPath(WORKER_PATHS.task, { id: taskId }), taskId };
}

/** The `n`th delivery asked for to prepare a storyboard (its record is in the storyboards' store). */
export function storyboardJob(storyboardId: string, n: number): Job {
  return { queue: 'render', name: `${storyboardId}-s${n}`, path: workerPath(WORKER_PATHS.storyboard, { id: storyboardId }), taskId: storyboardId };
}

/** How the delivery of a store's task is asked for: videos' renders, or storyboards' preparation. */
export type JobFor = (taskId: string, n: number) => Job;

/** The `n`th delivery asked for to send a task's callback. */
export function callbackJob(taskId: string, n: number): Job {
  return { queue: 'callbacks', name: `${taskId}-c${n}`, path: workerPath(WORKER_PATHS.callback, { id: taskId }), taskId };
}

/** A fanned-out render's chunk `n` of task attempt `attempt` (the job named by both, so a duplicate ask is harmless). */
export function chunkJob(taskId: string, attempt: number, n: number): Job {
  return { queue: 'render', name: `${taskId}-a${attempt}-k${n}`, path: `${workerPath(WORKER_PATHS.chunk, { id: taskId, n })}?attempt=${attempt}`, taskId };
}

/** The `n`th delivery asked for to send a batch's callback (once every item has ended). */
export function batchCallbackJob(batchId: string, n: number): Job {
  return { queue: 'callbacks', name: `${batchId}-bc${n}`, path: workerPath(WORKER_PATHS.batchCallback, { id: batchId }), taskId: batchId };
}
