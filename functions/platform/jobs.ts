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

const route = (taskId: string) => `/tasks/${encodeURIComponent(taskId)}`;

/** The `n`th delivery asked for to render a task. */
export function renderJob(taskId: string, n: number): Job {
  return { queue: 'render', name: `${taskId}-r${n}`, path: `${route(taskId)}/run`, taskId };
}

/** The `n`th delivery asked for to send a task's callback. */
export function callbackJob(taskId: string, n: number): Job {
  return { queue: 'callbacks', name: `${taskId}-c${n}`, path: `${route(taskId)}/callback`, taskId };
}

/** A fanned-out render's chunk `n` of task attempt `attempt` (the job named by both, so a duplicate ask is harmless). */
export function chunkJob(taskId: string, attempt: number, n: number): Job {
  return { queue: 'render', name: `${taskId}-a${attempt}-k${n}`, path: `${route(taskId)}/chunks/${n}/run?attempt=${attempt}`, taskId };
}
