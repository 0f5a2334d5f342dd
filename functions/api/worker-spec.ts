// The worker's routes, declared with their zod schemas like the public ones (the OpenAPI document
// lists them, marked `x-worker-only`): one delivery of the render queue (a task, a storyboard, a
// chunk of a long video), one of the callbacks queue, and Cloud Scheduler's sweep. Their paths are
// the ones the dispatcher's jobs are POSTed to (platform/jobs.ts), declared there once.
import { createRoute, z } from '@hono/zod-openapi';
import { WORKER_PATHS } from '../platform/jobs.ts';
import { CloudTasksHeaders, DeliveryOutcomeSchema, errorResponses, jsonContent, SweepReportSchema, TaskIdParams } from './schemas.ts';

const retryHeaders = z.object({ 'retry-after': z.string() });

/** A queue delivery's answers that ask for it again (worker/run-task.ts, DeliveryOutcome), after Retry-After. */
const RETRIES = {
  409: {
    description:
      'Deliver this job again, at the queue’s own backoff: its task (or chunk) is held by another delivery, or this attempt failed in passing. ' +
      'Not 503, which would slow the whole queue down',
    headers: retryHeaders,
    content: jsonContent(DeliveryOutcomeSchema),
  },
  503: {
    description: 'This worker cannot take work now: it is shutting down (the task was handed back), or every render slot (MAX_CONCURRENT_TASKS) is taken (`busy`)',
    headers: retryHeaders,
    content: jsonContent(DeliveryOutcomeSchema),
  },
};

/** A render queue delivery's answers: any 2xx ends it, 409 and 503 ask the queue for another. */
function deliveryAnswers<const S extends number>(over: string, ...errors: S[]) {
  return {
    200: { description: over, content: jsonContent(DeliveryOutcomeSchema) },
    ...errorResponses(...errors),
    ...RETRIES,
  };
}

/** POST /tasks/{id}/run: only Cloud Tasks (or the local dispatcher) calls it, on the worker service. */
export const runRoute = createRoute({
  method: 'post',
  path: WORKER_PATHS.task,
  operationId: 'runTask',
  tags: ['worker'],
  summary: 'Worker only: render a task (one Cloud Tasks delivery)',
  description:
    'Served by the worker service (FUNCTION_TARGET=worker or local), never by the api service. Cloud Tasks calls it with an ' +
    'OIDC token; a local process requires its dispatcher’s X-Reelsmith-Dispatch-Token. Any 2xx ends the delivery (done or ' +
    'failed for good); 409 and 503 ask Cloud Tasks to deliver it again after Retry-After.',
  'x-worker-only': true,
  request: { params: TaskIdParams, headers: CloudTasksHeaders },
  responses: deliveryAnswers('This delivery is over: the task completed, failed for good, or was already finished', 403, 404),
});

/** POST /storyboards/{id}/run: the render queue's delivery that prepares a storyboard. */
export const storyboardRunRoute = createRoute({
  method: 'post',
  path: WORKER_PATHS.storyboard,
  operationId: 'runStoryboard',
  tags: ['worker'],
  summary: 'Worker only: prepare a storyboard (one delivery of the render queue)',
  description: 'As POST /tasks/{id}/run, for a storyboard: any 2xx ends the delivery; 409 and 503 ask the queue to deliver it again after Retry-After.',
  'x-worker-only': true,
  request: { params: TaskIdParams, headers: CloudTasksHeaders },
  responses: deliveryAnswers('This delivery is over', 403, 404),
});

/** POST /tasks/{id}/chunks/{n}/run: one chunk of a fanned-out render. */
export const chunkRoute = createRoute({
  method: 'post',
  path: WORKER_PATHS.chunk,
  operationId: 'runChunk',
  tags: ['worker'],
  summary: 'Worker only: render one chunk of a long video (one delivery of the render queue)',
  description:
    'A task longer than FANOUT_MIN_SECONDS is rendered by one delivery per chunk, on any worker. The delivery that finishes ' +
    'the last chunk joins them and completes the task. Any 2xx ends the delivery (chunk done, task ended, or a stale ' +
    'attempt); 409 asks the queue to deliver it again (the chunk is held elsewhere, or failed in passing), 503 that this worker cannot take it now.',
  'x-worker-only': true,
  request: {
    params: TaskIdParams.extend({
      n: z
        .string()
        .regex(/^\d{1,5}$/)
        .transform(Number)
        .meta({ param: { name: 'n', in: 'path' }, description: 'The chunk, from 0', examples: ['3'] }),
    }),
    query: z.object({
      attempt: z
        .string()
        .regex(/^[1-9]\d{0,5}$/, 'the task attempt that planned the chunks, a positive integer')
        .transform(Number)
        .meta({ param: { name: 'attempt', in: 'query' }, description: 'The task attempt that planned the chunks', examples: ['1'] }),
    }),
  },
  responses: deliveryAnswers('This delivery is over', 403, 422),
});

/** POST /tasks/{id}/callback: the callbacks queue's delivery of a task's owed callback. */
export const callbackRoute = createRoute({
  method: 'post',
  path: WORKER_PATHS.callback,
  operationId: 'deliverCallback',
  tags: ['worker'],
  summary: 'Worker only: send the callback a task owes (one delivery of the callbacks queue)',
  description:
    'Any 2xx ends the delivery (sent, given up, or nothing owed); 409 asks the queue to deliver again at its own backoff (the receiver did not take ' +
    'the event, or another delivery is sending it).',
  'x-worker-only': true,
  request: { params: TaskIdParams },
  responses: {
    200: { description: 'This delivery is over', content: jsonContent(DeliveryOutcomeSchema) },
    ...errorResponses(403),
    409: RETRIES[409],
  },
});

/** POST /batches/{id}/callback: the callbacks queue's delivery of a batch's callback, once every item has ended. */
export const batchCallbackRoute = createRoute({
  method: 'post',
  path: WORKER_PATHS.batchCallback,
  operationId: 'deliverBatchCallback',
  tags: ['worker'],
  summary: 'Worker only: send the callback a batch owes once every item has ended (one delivery of the callbacks queue)',
  description:
    'As POST /tasks/{id}/callback, for a batch: any 2xx ends the delivery (sent, given up, or nothing owed); 409 asks the queue to deliver again ' +
    'at its own backoff.',
  'x-worker-only': true,
  request: { params: TaskIdParams },
  responses: {
    200: { description: 'This delivery is over', content: jsonContent(DeliveryOutcomeSchema) },
    ...errorResponses(403),
    409: RETRIES[409],
  },
});

/** POST /tasks/sweep: Cloud Scheduler's periodic sweep. */
export const sweepRoute = createRoute({
  method: 'post',
  path: WORKER_PATHS.sweep,
  operationId: 'sweep',
  tags: ['worker'],
  summary: 'Worker only: re-ask for lost deliveries and callbacks, fail exhausted tasks (Cloud Scheduler calls it)',
  'x-worker-only': true,
  responses: { 200: { description: 'What the sweep did', content: jsonContent(SweepReportSchema) }, ...errorResponses(403) },
});

/** The worker's routes, in the order the document lists them. */
export const WORKER_ROUTES = [runRoute, storyboardRunRoute, chunkRoute, callbackRoute, batchCallbackRoute, sweepRoute];
