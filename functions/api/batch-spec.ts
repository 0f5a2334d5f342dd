// The batch routes' declarations (zod; the OpenAPI document is generated from them): submit up to
// MAX_BATCH_ITEMS videos at once, follow them, cancel the unfinished ones. Items are merged over
// the batch's defaults (and a template's settings) and each validated as a whole by the handler
// (domain/batch.ts), so the schema here checks each field's shape and documents it.
import { createRoute, z } from '@hono/zod-openapi';
import { BatchViewSchema, EXAMPLE_BATCH } from '../domain/batch-view.ts';
import { MAX_BATCH_ITEMS } from '../domain/batch.ts';
import { RequestFields, TemplateIdSchema } from '../domain/video-request.ts';
import { SECURITY } from './auth.ts';
import { errorContent, errorResponses, jsonContent, SubmitHeaders, TaskIdParams } from './schemas.ts';

const EXAMPLE_ID = EXAMPLE_BATCH.batch_id;

/** What an item or the defaults may hold: any request field but the batch's own (callback_url, metadata); checked whole once merged. */
const BatchRequestFields = RequestFields.omit({ storyboard_id: true, callback_url: true, metadata: true }).partial();

export const BatchBodySchema = z
  .strictObject({
    defaults: BatchRequestFields.optional().meta({ description: 'Fields every item gets unless it sends its own (objects such as captions merge field by field)' }),
    items: z
      .array(BatchRequestFields.meta({ id: 'BatchItemRequest', description: 'A video request (script_text, scenes or topic, and any other field), over the defaults' }))
      .min(1)
      .max(MAX_BATCH_ITEMS)
      .meta({ description: `1 to ${MAX_BATCH_ITEMS} videos; each becomes a task` }),
    template_id: TemplateIdSchema.optional().meta({ description: 'A template applied under every item (an item’s own template_id wins)' }),
    callback_url: RequestFields.shape.callback_url.meta({ description: 'Called once, with the batch’s view, when every item has ended' }),
    metadata: RequestFields.shape.metadata.meta({ description: 'Echoed in the batch’s view and callback' }),
  })
  .meta({ id: 'BatchRequest', description: 'Videos to make at once: all of them, or (when any item is invalid or a limit says no) none' });

export const BatchSubmitSchema = z
  .strictObject({
    batch_id: z.string(),
    status: z.enum(['running', 'completed']),
    total: z.number().int(),
    task_ids: z.array(z.string()).meta({ description: 'Item i’s task, in the order sent' }),
    status_url: z.url().meta({ description: 'GET it for the batch: counts and each item' }),
  })
  .meta({
    id: 'BatchSubmitResponse',
    examples: [{ batch_id: EXAMPLE_ID, status: 'running', total: 2, task_ids: EXAMPLE_BATCH.items.map((i) => i.task_id), status_url: `http://localhost:8080/v1/batches/${EXAMPLE_ID}` }],
  });
export type BatchSubmit = z.infer<typeof BatchSubmitSchema>;

const BatchParams = z.object({ id: TaskIdParams.shape.id.meta({ param: { name: 'id', in: 'path' }, examples: [EXAMPLE_ID] }) });

export const createBatchRoute = createRoute({
  method: 'post',
  path: '/v1/batches',
  operationId: 'createBatch',
  tags: ['batches'],
  summary: `Submit up to ${MAX_BATCH_ITEMS} videos at once`,
  description:
    'Each item is a video request (or a topic to write one from), merged over `defaults` and then over the template, and ' +
    'validated as a whole. Nothing is created unless every item is valid: a bad item is named by its index (`items.3.script_text`). ' +
    'Every item counts against the admission limits (SUBMITS_PER_MINUTE, MAX_QUEUED_PER_KEY, MAX_QUEUED_TASKS): all fit, or none is made. ' +
    'Each item is a task of its own (GET /v1/videos/{id}); `callback_url` is called once, when every item has ended.',
  security: SECURITY,
  request: {
    headers: SubmitHeaders,
    body: {
      required: true,
      content: {
        'application/json': {
          schema: BatchBodySchema,
          example: {
            defaults: { resolution: '720p', captions: { style: 'karaoke' }, duration_s: 30 },
            items: [{ topic: 'why octopuses have three hearts' }, { script_text: 'Honey never spoils. Jars from ancient tombs are still edible.' }],
            callback_url: 'https://example.com/hooks/reelsmith',
            metadata: { channel: 'facts' },
          },
        },
      },
    },
  },
  responses: {
    202: { description: 'Accepted: every item is queued', content: jsonContent(BatchSubmitSchema) },
    200: { description: 'The batch made by an earlier request with the same Idempotency-Key and body', content: jsonContent(BatchSubmitSchema) },
    ...errorResponses(400, 401, 409, 413, 415, 429, 503),
    422: {
      description: 'An invalid item (`invalid_request`, details name each: `items.3.captions.style`), or more items than a limit ever allows (`batch_too_large`)',
      content: errorContent('invalid_request', 'invalid request: items.3.script_text: required: send script_text, scenes, or a topic to write the script from'),
    },
  },
});

export const getBatchRoute = createRoute({
  method: 'get',
  path: '/v1/batches/{id}',
  operationId: 'getBatch',
  tags: ['batches'],
  summary: 'The batch: counts by status, and each item’s task, status and download URL',
  security: SECURITY,
  request: { params: BatchParams },
  responses: { 200: { description: 'The batch', content: jsonContent(BatchViewSchema) }, ...errorResponses(400, 401, 404) },
});

export const cancelBatchRoute = createRoute({
  method: 'delete',
  path: '/v1/batches/{id}',
  operationId: 'cancelBatch',
  tags: ['batches'],
  summary: 'Cancel every item not yet finished',
  description: 'Finished items keep their videos. The batch then completes at once, and its callback is sent.',
  security: SECURITY,
  request: { params: BatchParams },
  responses: {
    200: { description: 'The batch, its unfinished items now cancelled', content: jsonContent(BatchViewSchema) },
    ...errorResponses(400, 401, 404),
    409: { description: 'Every item has ended already (`already_finished`)', content: errorContent('already_finished', `batch ${EXAMPLE_ID} has completed; every item has ended`) },
  },
});

export const BATCH_ROUTES = [createBatchRoute, getBatchRoute, cancelBatchRoute];
