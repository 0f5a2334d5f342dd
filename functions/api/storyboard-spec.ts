// The storyboard routes' declarations and the shapes they answer with (zod; the OpenAPI document
// is generated from them): make a storyboard, poll it, swap a piece's clip, cancel it, and the
// worker's delivery that prepares it. Rendering one is POST /v1/videos with storyboard_id.
import { createRoute, z } from '@hono/zod-openapi';
import { STAGES, TASK_STATUSES } from '../domain/task.ts';
import { StoryboardRequestSchema } from '../domain/video-request.ts';
import { SECURITY } from './auth.ts';
import { CloudTasksHeaders, DELIVERY_RETRIES, DeliveryOutcomeSchema, errorContent, errorResponses, jsonContent, SubmitHeaders, TaskIdParams } from './schemas.ts';

const EXAMPLE_ID = '7c1e9a40-3b2d-4f6e-8a1c-5d9b0e2f4a61';
const EXAMPLE_TIME = '2026-11-30T10:15:00.000Z';
/** A storyboard past RETENTION_DAYS: deleted, and answered 410 on every route that names it. */
const EXPIRED = { description: 'Expired and deleted (`expired`)', content: errorContent('expired', `storyboard ${EXAMPLE_ID} has expired; make a new one`) };
const FILES = `http://localhost:8080/files/storyboards/${EXAMPLE_ID}/thumbs`;

export const StoryboardRequestBody = StoryboardRequestSchema.meta({
  id: 'StoryboardRequest',
  description:
    'A video request to plan without rendering: the same fields as POST /v1/videos except callback_url (send it with the ' +
    'video made from the storyboard). Send `script_text` or `scenes`.',
});

export const StoryboardSubmitSchema = z
  .strictObject({
    storyboard_id: z.string(),
    status: z.enum(TASK_STATUSES),
    status_url: z.url().meta({ description: 'GET it until status is completed' }),
  })
  .meta({
    id: 'StoryboardSubmitResponse',
    examples: [{ storyboard_id: EXAMPLE_ID, status: 'queued', status_url: `http://localhost:8080/v1/storyboards/${EXAMPLE_ID}` }],
  });

const Timed = z.strictObject({ start_s: z.number(), end_s: z.number(), text: z.string() });

const ClipSchema = z
  .strictObject({
    clip_id: z.number().int().meta({ description: 'Send it to PUT /v1/storyboards/{id}/pieces/{n} to play this clip in that piece' }),
    provider: z.string().meta({ description: 'pexels, footage_dir, clip_urls or generated' }),
    source_id: z.string().nullable().meta({ description: "The provider's id of the clip (a Pexels video id, a file name)" }),
    author: z.string().nullable(),
    author_url: z.string().nullable(),
    video_url: z.string().nullable().meta({ description: "The clip's page at the provider" }),
    duration_s: z.number().meta({ description: 'Length of the source' }),
    source_start_s: z.number().meta({ description: 'Where in the source the piece plays (would play, for a candidate)' }),
    source_end_s: z.number(),
    thumbnail_url: z.url().meta({ description: 'A small JPEG of the clip as the video crops it; signed, expires like the video URLs' }),
  })
  .meta({ id: 'StoryboardClip' });

const exampleClip = (clipId: number, author: string, start: number, end: number) => ({
  clip_id: clipId,
  provider: 'pexels',
  source_id: String(1_448_735 + clipId),
  author,
  author_url: `https://www.pexels.com/@${author.toLowerCase().replace(' ', '-')}`,
  video_url: `https://www.pexels.com/video/${1_448_735 + clipId}/`,
  duration_s: 12,
  source_start_s: start,
  source_end_s: end,
  thumbnail_url: `${FILES}/${clipId}.jpg?expires=1796040941&sig=4hQx`,
});

const EXAMPLE_STORYBOARD = {
  storyboard_id: EXAMPLE_ID,
  status: 'completed' as const,
  stage: 'done' as const,
  progress: 100,
  created_at: EXAMPLE_TIME,
  updated_at: '2026-11-30T10:15:06.000Z',
  expires_at: '2026-12-07T10:15:00.000Z',
  error: null,
  storyboard: {
    duration_s: 5.2,
    width: 1080,
    height: 1920,
    scenes: [
      { index: 0, start_s: 0, end_s: 2.6, text: 'Mountains are older than you think.', search_terms: [], query: 'mountains', found_by: ['mountains'] },
      { index: 1, start_s: 2.6, end_s: 5.2, text: 'Rivers carve them, grain by grain.', search_terms: [], query: 'river canyon', found_by: ['river canyon'] },
    ],
    sentences: [
      { start_s: 0, end_s: 2.45, text: 'Mountains are older than you think.' },
      { start_s: 2.75, end_s: 5.0, text: 'Rivers carve them, grain by grain.' },
    ],
    captions: [
      { start_s: 0, end_s: 1.3, text: 'Mountains are older' },
      { start_s: 1.3, end_s: 2.75, text: 'than you think.' },
      { start_s: 2.75, end_s: 5.2, text: 'Rivers carve them, grain by grain.' },
    ],
    pieces: [
      { index: 0, start_s: 0, end_s: 2.6, scene: 0, swapped: false, clip: exampleClip(0, 'Kelly Lacy', 4.1, 6.7), candidates: [exampleClip(2, 'Taryn Elliott', 4.7, 7.3)] },
      { index: 1, start_s: 2.6, end_s: 5.2, scene: 1, swapped: true, clip: exampleClip(3, 'Pressmaster', 4.7, 7.3), candidates: [exampleClip(1, 'Mikhail Nilov', 0, 2.6)] },
    ],
    credits: [
      { provider: 'pexels', author: 'Kelly Lacy', author_url: 'https://www.pexels.com/@kelly-lacy', video_url: 'https://www.pexels.com/video/1448735/' },
      { provider: 'pexels', author: 'Pressmaster', author_url: 'https://www.pexels.com/@pressmaster', video_url: 'https://www.pexels.com/video/1448738/' },
    ],
    estimate: { render_s: 4.4, render_cpu_s: 6.6, cloud_run_usd: 0.000233, preset: 'veryfast', measured_preset: true },
    usage: { speech_provider: 'elevenlabs', speech_characters: 70, pexels_requests: 2, clip_downloads: 8 },
  },
  warnings: [],
  metadata: null,
};

export const StoryboardViewSchema = z
  .strictObject({
    storyboard_id: z.string(),
    status: z.enum(TASK_STATUSES).meta({ description: 'completed: the storyboard is ready to look at and to render' }),
    stage: z.enum(STAGES),
    progress: z.number().int().min(0).max(100),
    created_at: z.iso.datetime(),
    updated_at: z.iso.datetime(),
    expires_at: z.iso.datetime().meta({ description: 'When it and its files are deleted (RETENTION_DAYS); render it before then' }),
    error: z.strictObject({ code: z.string(), message: z.string(), retryable: z.boolean() }).nullable(),
    storyboard: z
      .strictObject({
        duration_s: z.number().meta({ description: 'The video’s length: the narration’s' }),
        width: z.number().int(),
        height: z.number().int(),
        scenes: z
          .array(
            z.strictObject({
              index: z.number().int(),
              start_s: z.number(),
              end_s: z.number(),
              text: z.string(),
              search_terms: z.array(z.string()),
              query: z.string(),
              found_by: z.array(z.string()),
            }),
          )
          .meta({ description: 'The scenes (or sentence groups) whose footage was searched for together' }),
        sentences: z.array(Timed),
        captions: z.array(Timed).meta({ description: 'Caption lines as the video shows them' }),
        pieces: z
          .array(
            z.strictObject({
              index: z.number().int(),
              start_s: z.number(),
              end_s: z.number(),
              scene: z.number().int().meta({ description: 'Index into scenes' }),
              swapped: z.boolean().meta({ description: 'Plays another clip than the one the plan chose' }),
              clip: ClipSchema,
              candidates: z.array(ClipSchema).meta({ description: 'Clips it can be swapped to' }),
            }),
          )
          .meta({ description: 'The timeline: which clip plays when' }),
        credits: z.array(z.strictObject({ provider: z.string(), author: z.string().nullable(), author_url: z.string().nullable(), video_url: z.string().nullable() })),
        estimate: z
          .strictObject({
            render_s: z.number().meta({ description: 'Seconds the render takes on a worker (2 vCPU), from measured figures (docs/storyboards.md "Estimates")' }),
            render_cpu_s: z.number().meta({ description: 'CPU seconds of the render' }),
            cloud_run_usd: z.number().meta({ description: 'What that worker time costs on Cloud Run (request-based billing, tier 1)' }),
            preset: z.string().meta({ description: 'RENDER_PRESET' }),
            measured_preset: z.boolean().meta({ description: 'false: figures for this preset were not measured; veryfast’s are used' }),
          }),
        usage: z
          .strictObject({
            speech_provider: z.string(),
            speech_characters: z.number().int().meta({ description: 'Characters sent to the voice (what ElevenLabs bills); rendering sends none' }),
            pexels_requests: z.number().int().meta({ description: 'Pexels API requests made (cached searches are free); rendering makes none' }),
            clip_downloads: z.number().int(),
          })
          .meta({ description: 'What making this storyboard used; rendering it uses none of it again' }),
      })
      .nullable()
      .meta({ description: 'Set once status is completed' }),
    warnings: z.array(z.string()),
    metadata: z.record(z.string(), z.unknown()).nullable(),
  })
  .meta({ id: 'Storyboard', description: 'A video planned and not rendered', examples: [EXAMPLE_STORYBOARD] });

export type StoryboardView = z.infer<typeof StoryboardViewSchema>;

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

/** POST /storyboards/{id}/run: the render queue's delivery that prepares a storyboard. */
export const storyboardRunRoute = createRoute({
  method: 'post',
  path: '/storyboards/{id}/run',
  operationId: 'runStoryboard',
  tags: ['worker'],
  summary: 'Worker only: prepare a storyboard (one delivery of the render queue)',
  description: 'As POST /tasks/{id}/run, for a storyboard: any 2xx ends the delivery; 409 and 503 ask the queue to deliver it again after Retry-After.',
  'x-worker-only': true,
  request: { params: TaskIdParams, headers: CloudTasksHeaders },
  responses: {
    200: { description: 'This delivery is over', content: jsonContent(DeliveryOutcomeSchema) },
    ...errorResponses(403, 404),
    ...DELIVERY_RETRIES,
  },
});

export const STORYBOARD_ROUTES = [createStoryboardRoute, getStoryboardRoute, swapClipRoute, cancelStoryboardRoute];
