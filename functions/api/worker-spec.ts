// The worker's routes, declared with their zod schemas like the public ones (the OpenAPI document
// lists them, marked `x-worker-only`): one delivery of the render queue (a task, a storyboard, a
// chunk of a long video), one of the callbacks queue, and Cloud Scheduler's sweep. Their paths are
// the ones the dispatcher's jobs are POSTed to (platform/jobs.ts), declared there once.
import { createRoute, z } from '@hono/zod-openapi';
import { WORKER_PATHS } from '../platform/jobs.ts';
import { CloudTasksHeaders, DeliveryOutcomeSchema, errorResponses, jsonContent, SweepReportSchema, TaskIdParams } from './schemas.ts';

/** A queue delivery's answers: any 2xx ends it, 503 asks the queue for another after Retry-After. */
function deliveryAnswers<const S extends number>(over: string, retry: string, ...errors: S[]) {
  return {
    200: { description: over, content: jsonContent(DeliveryOutcomeSchema) },
    ...errorResponses(...errors),
    503: { description: retry, headers: z.object({ 'retry-after': z.string() }), content: jsonContent(DeliveryOutcomeSchema) },
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
    'failed for good); 503 asks Cloud Tasks to retry after Retry-After.',
  'x-worker-only': true,
  request: { params: TaskIdParams, headers: CloudTasksHeaders },
  responses: deliveryAnswers(
    'This delivery is over: the task completed, failed for good, or was already finished',
    'Retry later: another worker holds the lease, or this worker is shutting down',
    403,
    404,
  ),
});

/** POST /storyboards/{id}/run: the render queue's delivery that prepares a storyboard. */
export const storyboardRunRoute = createRoute({
  method: 'post',
  path: WORKER_PATHS.storyboard,
  operationId: 'runStoryboard',
  tags: ['worker'],
  summary: 'Worker only: prepare a storyboard (one delivery of the render queue)',
  description: 'As POST /tasks/{id}/run, for a storyboard: any 2xx ends the delivery; 503 asks the queue to deliver it again after Retry-After.',
  'x-worker-only': true,
  request: { params: TaskIdParams, headers: CloudTasksHeaders },
  responses: deliveryAnswers('This delivery is over', 'Retry later', 403, 404),
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
    'attempt); 503 asks the queue to deliver it again after Retry-After (the chunk is held elsewhere, or failed in passing).',
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
  responses: deliveryAnswers('This delivery is over', 'Retry later', 403, 422),
});

/** POST /tasks/{id}/callback: the callbacks queue's delivery of a task's owed callback. */
export const callbackRoute = createRoute({
  method: 'post',
  path: WORKER_PATHS.callback,
  operationId: 'deliverCallback',
  tags: ['worker'],
  summary: 'Worker only: send the callback a task owes (one delivery of the callbacks queue)',
  description: 'Any 2xx ends the delivery (sent, given up, or nothing owed); 503 asks the queue to deliver again after Retry-After.',
  'x-worker-only': true,
  request: { params: TaskIdParams },
  responses: deliveryAnswers('This delivery is over', 'Retry later', 403),
});

/** POST /batches/{id}/callback: the callbacks queue's delivery of a batch's callback, once every item has ended. */
export const batchCallbackRoute = createRoute({
  method: 'post',
  path: WORKER_PATHS.batchCallback,
  operationId: 'deliverBatchCallback',
  tags: ['worker'],
  summary: 'Worker only: send the callback a batch owes once every item has ended (one delivery of the callbacks queue)',
  description: 'Any 2xx ends the delivery (sent, given up, or nothing owed); 503 asks the queue to deliver again after Retry-After.',
  'x-worker-only': true,
  request: { params: TaskIdParams },
  responses: deliveryAnswers('This delivery is over', 'Retry later', 403),
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
