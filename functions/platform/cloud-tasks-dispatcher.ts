// The production dispatcher: one Cloud Tasks HTTP task per job (platform/jobs.ts), on the job's
// queue: renders on TASKS_QUEUE, callbacks on TASKS_CALLBACK_QUEUE (its own retry policy: a day).
// The Cloud Tasks task is named after the job, so a second enqueue (an api retry, a replay) is
// de-duplicated by the queue itself (ALREADY_EXISTS counts as success). Cloud Tasks calls the
// worker with an OIDC token for the invoker service account (audience = the worker's URL, which
// Cloud Run checks) and waits up to 30 minutes per attempt; non-2xx answers are retried with the
// queue's backoff.
import { CloudTasksClient, protos } from '@google-cloud/tasks';
import type { Job, QueueName } from './jobs.ts';
import type { Dispatcher } from './ports.ts';

type ClientOptions = ConstructorParameters<typeof CloudTasksClient>[0];

/** Cloud Tasks' maximum for HTTP targets; the worker keeps its own deadline below it. */
export const DISPATCH_DEADLINE_S = 1800;
/** A callback attempt waits 10 s for the receiver; a minute is plenty. */
export const CALLBACK_DEADLINE_S = 60;

export interface CloudTasksDispatcherOptions {
  /** GOOGLE_CLOUD_PROJECT */
  projectId: string;
  /** TASKS_LOCATION, e.g. europe-west1 */
  location: string;
  /** Cloud Tasks queue of each job queue: TASKS_QUEUE, TASKS_CALLBACK_QUEUE. */
  queues: Record<QueueName, string>;
  /** WORKER_URL: the worker service's base URL; also the OIDC audience. */
  workerUrl: string;
  /** TASKS_INVOKER_SA: the identity in the OIDC token (needs run.invoker on the worker). */
  invokerServiceAccount: string;
  /** Extra headers on the delivery, e.g. a shared token the worker checks as well. */
  headers?: Record<string, string>;
  /** Per queue; renders default to Cloud Tasks' maximum, callbacks to a minute. */
  dispatchDeadlineSeconds?: Partial<Record<QueueName, number>>;
  /** Passed to CloudTasksClient (tests: REST transport to a loopback server). */
  clientOptions?: ClientOptions;
  /** A client built elsewhere; the dispatcher then leaves closing it to its owner. */
  client?: CloudTasksClient;
  /** Attempts at createTask on transient errors (named tasks make retrying safe). */
  maxCreateAttempts?: number;
  retryDelayMs?: number;
}

const Code = { DEADLINE_EXCEEDED: 4, ALREADY_EXISTS: 6, RESOURCE_EXHAUSTED: 8, INTERNAL: 13, UNAVAILABLE: 14 } as const;
const TRANSIENT = new Set<number>([Code.DEADLINE_EXCEEDED, Code.RESOURCE_EXHAUSTED, Code.INTERNAL, Code.UNAVAILABLE]);

/** Cloud Tasks task ids: letters, digits, hyphens, underscores; at most 500 characters. */
const TASK_ID = /^[A-Za-z0-9_-]{1,500}$/;

export class CloudTasksDispatcher implements Dispatcher {
  readonly #client: CloudTasksClient;
  readonly #ownsClient: boolean;
  readonly #opts: CloudTasksDispatcherOptions;
  readonly #workerUrl: string;

  constructor(opts: CloudTasksDispatcherOptions) {
    this.#opts = opts;
    this.#ownsClient = !opts.client;
    this.#client = opts.client ?? new CloudTasksClient(opts.clientOptions);
    this.#workerUrl = opts.workerUrl.replace(/\/+$/, '');
  }

  /** The CreateTask request for `job` (exported shape for tests and the runbook). */
  request(job: Job): protos.google.cloud.tasks.v2.ICreateTaskRequest {
    if (!TASK_ID.test(job.name)) throw new Error(`job name ${JSON.stringify(job.name)} is not a valid Cloud Tasks task id`);
    const o = this.#opts;
    const queue = o.queues[job.queue];
    return {
      parent: this.#client.queuePath(o.projectId, o.location, queue),
      task: {
        name: this.#client.taskPath(o.projectId, o.location, queue, job.name),
        dispatchDeadline: { seconds: o.dispatchDeadlineSeconds?.[job.queue] ?? (job.queue === 'render' ? DISPATCH_DEADLINE_S : CALLBACK_DEADLINE_S) },
        httpRequest: {
          httpMethod: protos.google.cloud.tasks.v2.HttpMethod.POST,
          url: `${this.#workerUrl}${job.path}`,
          headers: { ...o.headers, 'Content-Type': 'application/json' },
          body: Buffer.from(JSON.stringify({ task_id: job.taskId })),
          oidcToken: { serviceAccountEmail: o.invokerServiceAccount, audience: this.#workerUrl },
        },
      },
    };
  }

  async enqueue(job: Job): Promise<void> {
    const req = this.request(job);
    const attempts = this.#opts.maxCreateAttempts ?? 4;
    const delay = this.#opts.retryDelayMs ?? 250;
    for (let attempt = 1; ; attempt++) {
      try {
        await this.#client.createTask(req);
        return;
      } catch (err) {
        const code = (err as { code?: unknown }).code;
        // The named task exists (or ran within the last hour): the work is already asked for.
        if (code === Code.ALREADY_EXISTS) return;
        if (typeof code !== 'number' || !TRANSIENT.has(code) || attempt >= attempts) throw err;
        await new Promise((r) => setTimeout(r, delay * 2 ** (attempt - 1)));
      }
    }
  }

  async close(): Promise<void> {
    if (this.#ownsClient) await this.#client.close();
  }
}
