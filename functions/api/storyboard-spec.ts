// The storyboard routes' declarations (zod; the OpenAPI document is generated from them): make a
// storyboard, poll it, swap a piece's clip, cancel it. Their answers' schemas are in
// storyboard-view.ts. Rendering one is POST /v1/videos with storyboard_id.
import { createRoute, z } from '@hono/zod-openapi';
import { StoryboardRequestSchema } from '../domain/video-request.ts';
import { SECURITY } from './auth.ts';
import { errorContent, errorResponses, jsonContent, SUBMIT_UNPROCESSABLE, SubmitHeaders, TaskIdParams } from './schemas.ts';
import { EXAMPLE_STORYBOARD, StoryboardSubmitSchema, StoryboardViewSchema } from './storyboard-view.ts';

const EXAMPLE_ID = EXAMPLE_STORYBOARD.storyboard_id;
/** A storyboard past RETENTION_DAYS: deleted, and answered 410 on every route that names it. */
const EXPIRED = { description: 'Expired and deleted (`expired`)', content: errorContent('expired', `storyboard ${EXAMPLE_ID} has expired; make a new one`) };

export const StoryboardRequestBody = StoryboardRequestSchema.meta({
  id: 'StoryboardRequest',
  description:
    'A video request to plan without rendering: the same fields as POST /v1/videos except callback_url (send it with the ' +
    'video made from the storyboard). Send `script_text` or `scenes`.',
});

const StoryboardParams = z.object({
  id: TaskIdParams.shape.id.meta({ param: { name: 'id', in: 'path' }, examples: [EXAMPLE_ID] }),
});

export const createStoryboardRoute = createRoute({
  method: 'post',
  path: '/v1/storyboards',
  operationId: 'createStoryboard',
  tags: ['storyboards'],
  summary: 'Plan a video without rendering it: voice, timeline, clips, estimate',
  description:
    'Queues the preparation (speech, footage, music, timeline, spare clips, thumbnails); poll `status_url` until completed. ' +
    'Then swap clips if you like and render it with POST /v1/videos {"storyboard_id": …}: the same clips and voice audio, no second voice charge.',
  security: SECURITY,
  request: {
    headers: SubmitHeaders,
    body: {
      required: true,
      content: {
        'application/json': {
          schema: StoryboardRequestBody,
          example: {
            scenes: [
              { text: 'Mountains are older than you think.', search_query: 'mountains' },
              { text: 'Rivers carve them, grain by grain.', search_query: 'river canyon' },
            ],
            resolution: '720p',
          },
        },
      },
    },
  },
  responses: {
    202: { description: 'Accepted: the storyboard is being prepared', content: jsonContent(StoryboardSubmitSchema) },
    200: { description: 'The storyboard made by an earlier request with the same Idempotency-Key and body', content: jsonContent(StoryboardSubmitSchema) },
    ...errorResponses(400, 401, 409, 413, 415, 422, 429, 503),
    ...SUBMIT_UNPROCESSABLE,
  },
});

export const getStoryboardRoute = createRoute({
  method: 'get',
  path: '/v1/storyboards/{id}',
  operationId: 'getStoryboard',
  tags: ['storyboards'],
  summary: 'The storyboard: status, then scenes, pieces with their clips and candidates, captions, estimate',
  security: SECURITY,
  request: { params: StoryboardParams },
  responses: {
    200: { description: 'The storyboard', content: jsonContent(StoryboardViewSchema) },
    ...errorResponses(400, 401, 404),
    410: EXPIRED,
  },
});

export const swapClipRoute = createRoute({
  method: 'put',
  path: '/v1/storyboards/{id}/pieces/{n}',
  operationId: 'swapStoryboardClip',
  tags: ['storyboards'],
  summary: "Set a piece's clip to one of its candidates (or back to the plan's own)",
  description: 'The clip plays in the middle of its source for the piece’s length. Videos asked for earlier keep the clips they were asked with.',
  security: SECURITY,
  request: {
    params: StoryboardParams.extend({
      n: z
        .string()
        .regex(/^\d{1,4}$/)
        .transform(Number)
        .meta({ param: { name: 'n', in: 'path' }, description: 'The piece, from 0', examples: ['1'] }),
    }),
    body: {
      required: true,
      content: { 'application/json': { schema: z.strictObject({ clip_id: z.number().int().min(0) }).meta({ id: 'ClipChoice' }), example: { clip_id: 3 } } },
    },
  },
  responses: {
    200: { description: 'The storyboard with the piece swapped', content: jsonContent(StoryboardViewSchema) },
    ...errorResponses(400, 401, 404, 415),
    409: { description: 'Not ready: still being prepared, or failed (`storyboard_not_ready`)', content: errorContent('storyboard_not_ready', `storyboard ${EXAMPLE_ID} is processing; poll it until it is completed`) },
    410: EXPIRED,
    422: {
      description: 'Not a candidate of that piece (`invalid_request`, details name clip_id)',
      content: errorContent('invalid_request', 'invalid request: clip_id: clip 9 is not a candidate of piece 1; its candidates are 1, 4, 5'),
    },
  },
});

export const cancelStoryboardRoute = createRoute({
  method: 'delete',
  path: '/v1/storyboards/{id}',
  operationId: 'cancelStoryboard',
  tags: ['storyboards'],
  summary: 'Stop preparing a storyboard',
  security: SECURITY,
  request: { params: StoryboardParams },
  responses: {
    200: { description: 'The storyboard, now cancelled', content: jsonContent(StoryboardViewSchema) },
    ...errorResponses(400, 401, 404, 409),
    410: EXPIRED,
  },
});

export const STORYBOARD_ROUTES = [createStoryboardRoute, getStoryboardRoute, swapClipRoute, cancelStoryboardRoute];
