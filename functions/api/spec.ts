// Every public route's declaration: method, path, parameters, bodies and answers, as zod schemas.
// The app registers handlers for them, and the OpenAPI document is generated from them, with the
// storyboard routes (storyboard-spec.ts) and the worker's (worker-spec.ts, marked `x-worker-only`).
import { createRoute, z } from '@hono/zod-openapi';
import { TaskViewSchema } from '../domain/task-view.ts';
import { UploadRecordSchema } from '../domain/uploads.ts';
import { MAX_OUTPUTS } from '../domain/video-request.ts';
import { SECURITY } from './auth.ts';
import {
  errorContent,
  errorResponses,
  HealthSchema,
  jsonContent,
  ListQuery,
  MoodListSchema,
  SUBMIT_UNPROCESSABLE,
  SubmitHeaders,
  SubmitResponseSchema,
  TaskIdParams,
  TaskListSchema,
  VideoSubmissionBody,
  VoiceListSchema,
} from './schemas.ts';
import { STORYBOARD_ROUTES } from './storyboard-spec.ts';
import { writeScriptRoute } from './script-spec.ts';
import { BATCH_ROUTES } from './batch-spec.ts';
import { TEMPLATE_ROUTES } from './template-spec.ts';
import { WORKER_ROUTES } from './worker-spec.ts';

const SUBMIT_EXAMPLES = {
  script: {
    summary: 'A script, vertical 720p',
    value: { script_text: 'The ocean covers most of our planet. Its waves carry energy across the world.', search_query: 'ocean', resolution: '720p' },
  },
  scenes: {
    summary: 'Scene by scene, square, karaoke captions, with a callback',
    value: {
      scenes: [
        { text: 'Mountains are older than you think.', search_query: 'mountains' },
        { text: 'Rivers carve them, grain by grain.', search_query: 'river canyon' },
      ],
      aspect_ratio: '1:1',
      resolution: '720p',
      captions: { style: 'karaoke', position: 'center' },
      callback_url: 'https://example.com/hooks/reelsmith',
      metadata: { post_id: 'abc' },
    },
  },
  clips: {
    summary: 'Your own clips and music, no captions',
    value: {
      script_text: 'Two clips make this video. The first is wide. The second is tall.',
      clip_urls: ['https://example.com/clips/a.mp4', 'https://example.com/clips/b.mp4'],
      music: { url: 'https://example.com/music/calm.mp3', volume: 0.15 },
      captions: false,
      seed: 42,
    },
  },
  storyboard: {
    summary: 'A storyboard as it stands (POST /v1/storyboards made it), with a callback',
    value: { storyboard_id: '7c1e9a40-3b2d-4f6e-8a1c-5d9b0e2f4a61', callback_url: 'https://example.com/hooks/reelsmith' },
  },
};

export const submitRoute = (path: '/v1/videos' | '/generate-video', summary: string) =>
  createRoute({
    method: 'post',
    path,
    operationId: path === '/v1/videos' ? 'createVideo' : 'generateVideo',
    tags: ['videos'],
    summary,
    description:
      'Queues a script for rendering. Answers 202 with the task id; poll `status_url` or wait for the callback. ' +
      'A repeated `Idempotency-Key` with the same body answers 200 with the first task. With `storyboard_id` it renders that ' +
      'storyboard’s plan as it stands (409 `storyboard_not_ready` until it is completed).',
    security: SECURITY,
    request: {
      headers: SubmitHeaders,
      body: { required: true, content: { 'application/json': { schema: VideoSubmissionBody, examples: SUBMIT_EXAMPLES } } },
    },
    responses: {
      202: { description: 'Accepted: the task is queued', content: jsonContent(SubmitResponseSchema) },
      200: { description: 'The task made by an earlier request with the same Idempotency-Key and body', content: jsonContent(SubmitResponseSchema) },
      ...errorResponses(400, 401, 409, 413, 415, 422, 429, 503),
      ...SUBMIT_UNPROCESSABLE,
      404: { description: 'With storyboard_id: no such storyboard, or another key’s (`not_found`)', content: errorContent('not_found', 'storyboard 7c1e9a40-3b2d-4f6e-8a1c-5d9b0e2f4a61 not found') },
      410: { description: 'With storyboard_id: the storyboard has expired (`expired`)', content: errorContent('expired', 'storyboard 7c1e9a40-3b2d-4f6e-8a1c-5d9b0e2f4a61 has expired; make a new one') },
    },
  });

const taskRoute = <M extends 'get' | 'delete', P extends string>(method: M, path: P, extra: { operationId: string; summary: string }) => ({
  method,
  path,
  tags: ['videos'],
  security: SECURITY,
  request: { params: TaskIdParams },
  ...extra,
});

export const statusRoute = (path: '/v1/videos/{id}' | '/task/{id}', operationId: string) =>
  createRoute({
    ...taskRoute('get', path, { operationId, summary: 'The task view: status, stage, progress, result' }),
    responses: { 200: { description: 'The task', content: jsonContent(TaskViewSchema) }, ...errorResponses(400, 401, 404) },
  });

export const listRoute = createRoute({
  method: 'get',
  path: '/v1/videos',
  operationId: 'listVideos',
  tags: ['videos'],
  summary: "The key's tasks, newest first, a page at a time",
  description: 'With API keys on, only the tasks made with the same key; without keys, every task.',
  security: SECURITY,
  request: { query: ListQuery },
  responses: { 200: { description: 'A page of task views', content: jsonContent(TaskListSchema) }, ...errorResponses(400, 401, 422) },
});

export const voicesRoute = createRoute({
  method: 'get',
  path: '/v1/voices',
  operationId: 'listVoices',
  tags: ['videos'],
  summary: 'The voices a request can name as voice_id',
  description: 'espeak-ng voices when the service runs offline; the ElevenLabs account’s voices when ELEVENLABS_API_KEY is set.',
  security: SECURITY,
  responses: { 200: { description: 'The voices', content: jsonContent(VoiceListSchema) }, ...errorResponses(401, 502) },
});

export const musicRoute = createRoute({
  method: 'get',
  path: '/v1/music',
  operationId: 'listMusicMoods',
  tags: ['videos'],
  summary: 'The moods a request can name as music.mood, with their track counts',
  description: 'The subfolders of the service’s MUSIC_DIR that hold audio files; an empty list when MUSIC_DIR is not set.',
  security: SECURITY,
  responses: { 200: { description: 'The moods', content: jsonContent(MoodListSchema) }, ...errorResponses(401) },
});

export const uploadRoute = createRoute({
  method: 'post',
  path: '/v1/uploads',
  operationId: 'createUpload',
  tags: ['videos'],
  summary: 'Upload your own recording of a script (a voiceover) for a video to use',
  description:
    'The file goes in a multipart part named `file`: MP3, WAV, M4A/AAC, Ogg/Opus or WebM, audio alone, at most ' +
    'MAX_UPLOAD_BYTES (32 MiB by default) and MAX_NARRATION_SECONDS (600 s) long. Send the answered `upload_id` as ' +
    '`voiceover.upload_id` in POST /v1/videos or /v1/storyboards, with the same API key, before `expires_at` (RETENTION_DAYS).',
  security: SECURITY,
  request: {
    body: {
      required: true,
      content: {
        'multipart/form-data': {
          schema: z.object({ file: z.string().meta({ format: 'binary', description: 'The recording' }) }).meta({ id: 'UploadForm' }),
          example: { file: '(MP3 bytes)' },
        },
      },
    },
  },
  responses: {
    201: { description: 'Stored: use `upload_id` as voiceover.upload_id', content: jsonContent(UploadRecordSchema) },
    400: { description: 'A malformed multipart body (`invalid_form`), or one cut off (`upload_incomplete`)', content: errorContent('invalid_form', 'the multipart body is malformed: Unexpected end of form; send it with curl -F file=@voice.mp3 or a FormData') },
    ...errorResponses(401),
    413: {
      description: 'The file is over MAX_UPLOAD_BYTES (`payload_too_large`)',
      content: errorContent('payload_too_large', 'the recording is over MAX_UPLOAD_BYTES (32.0 MiB); send it compressed (MP3, M4A or Ogg/Opus) or shorter'),
    },
    415: {
      description: 'The body is not multipart/form-data (`unsupported_media_type`)',
      content: errorContent('unsupported_media_type', 'send the recording as multipart/form-data, in a part named "file" (curl -F file=@voice.mp3)'),
    },
    503: {
      description:
        'MAX_CONCURRENT_UPLOADS uploads are being received (`uploads_busy`), or the file could not be stored just now ' +
        '(`storage_unavailable`): send it again after Retry-After seconds',
      headers: z.object({ 'retry-after': z.string().meta({ description: 'Seconds to wait before retrying' }) }),
      content: errorContent('storage_unavailable', 'the recording could not be stored just now; send it again in a moment'),
    },
    422: {
      description: 'No `file` part, another part, or a file that is not a narration the service takes (`invalid_request`, details name `file`)',
      content: errorContent('invalid_request', 'invalid request: file: it has a video stream; send the sound alone (MP3, WAV, M4A/AAC, Ogg/Opus or WebM)'),
    },
  },
});

const route = taskRoute('get', '/download/{id}', {
  operationId: 'downloadVideo',
  summary: 'Redirect to a fresh signed URL of the MP4',
});

export const downloadRoute = createRoute({
  ...route,
  description:
    'The main video by default; `?output=1` (or 2) one of the other videos of a task made with `outputs`, numbered ' +
    'from 0 as in `result.outputs`.',
  request: {
    ...route.request,
    query: z.object({
      output: z
        .string()
        .regex(/^[0-9]$/, `must be the index of a video in result.outputs, from 0 (the main video) to ${MAX_OUTPUTS - 1}`)
        .transform(Number)
        .pipe(z.number().max(MAX_OUTPUTS - 1, `must be the index of a video in result.outputs, from 0 (the main video) to ${MAX_OUTPUTS - 1}`))
        .optional()
        .meta({ param: { name: 'output', in: 'query' }, description: 'Which video, from 0 as in result.outputs (default 0, the main video)', examples: ['1'] }),
    }),
  },
  responses: {
    302: { description: 'Found: `Location` is a signed URL of the MP4, valid for SIGNED_URL_TTL_S', headers: z.object({ location: z.url() }) },
    ...errorResponses(400, 401, 410, 422),
    404: {
      description: 'Unknown task, another key’s task, or an `output` the task does not have (`not_found`)',
      content: errorContent('not_found', 'task 5f0c2a9e-7b1d-4c3e-9a8f-2d6b1e4c7a90 has 2 videos (output 0 to 1); there is no output 2'),
    },
    409: {
      description: 'Not completed: `not_ready` (poll again), `task_failed` or `task_cancelled`',
      content: errorContent('not_ready', 'task 5f0c2a9e-7b1d-4c3e-9a8f-2d6b1e4c7a90 is processing (40%); poll GET /task/5f0c2a9e-7b1d-4c3e-9a8f-2d6b1e4c7a90 until it is completed'),
    },
  },
});

export const cancelRoute = createRoute({
  ...taskRoute('delete', '/v1/videos/{id}', {
    operationId: 'cancelVideo',
    summary: 'Cancel a queued or running task (its ffmpeg is killed)',
  }),
  responses: {
    200: { description: 'The task, now cancelled', content: jsonContent(TaskViewSchema) },
    ...errorResponses(400, 401, 404, 409),
  },
});

export const healthRoute = (path: '/healthz' | '/health') =>
  createRoute({
    method: 'get',
    path,
    operationId: path === '/healthz' ? 'healthz' : 'health',
    tags: ['health'],
    summary:
      path === '/healthz'
        ? 'Liveness, no key needed (Cloud Run probes; Google’s front end reserves it from outside)'
        : 'Liveness, no key needed, reachable from outside Cloud Run',
    responses: { 200: { description: 'Serving', content: jsonContent(HealthSchema) } },
  });

export const openApiRoute = createRoute({
  method: 'get',
  path: '/openapi.json',
  operationId: 'openapi',
  tags: ['docs'],
  summary: 'This document (OpenAPI 3.1), no key needed',
  responses: {
    200: {
      description: 'The OpenAPI document',
      content: {
        'application/json': {
          schema: z.looseObject({ openapi: z.string(), info: z.looseObject({ title: z.string(), version: z.string() }) }),
          example: { openapi: '3.1.0', info: { title: 'reelsmith', version: '0.1.0' }, paths: {} },
        },
      },
    },
  },
});

export const docsRoute = createRoute({
  method: 'get',
  path: '/docs',
  operationId: 'docs',
  tags: ['docs'],
  summary: 'API reference page (Swagger UI, served by the service itself, works offline), no key needed',
  responses: {
    200: {
      description: 'An HTML page that renders /openapi.json',
      content: { 'text/html': { schema: z.string(), example: '<!doctype html><html lang="en">…</html>' } },
    },
  },
});

export const studioRoute = (path: '/' | '/studio') =>
  createRoute({
    method: 'get',
    path,
    operationId: path === '/' ? 'home' : 'studio',
    tags: ['studio'],
    summary: 'The studio: a web page to write a short, see its storyboard, render it and download it; no key needed to load it',
    description: 'Served from static assets built at install time (functions/studio). With API_KEYS the page asks for a key once and keeps it in the browser.',
    responses: {
      200: { description: 'The page', content: { 'text/html': { schema: z.string(), example: '<!doctype html><html lang="en">…</html>' } } },
      503: {
        description: 'The page was not built (`studio_not_built`): run npm run build:studio',
        content: errorContent('studio_not_built', 'the studio page is not built: run npm run build:studio (npm start and the Dockerfile do it)'),
      },
    },
  });

/** What the service stores for a task: the video, its thumbnail, its captions. */
const binary = (example: string) => ({ schema: z.string().meta({ format: 'binary' }), example });
const STORED_FILES = {
  'video/mp4': binary('(MP4 bytes)'),
  'image/jpeg': binary('(JPEG bytes)'),
  'text/vtt': binary('WEBVTT\n\n00:00.000 --> 00:01.200\nThe ocean covers most of our planet.\n'),
  'application/x-subrip': binary('1\n00:00:00,000 --> 00:00:01,200\nThe ocean covers most of our planet.\n'),
};

export const filesRoute = createRoute({
  method: 'get',
  path: '/files/{key}',
  operationId: 'file',
  tags: ['files'],
  summary: 'Local mode only: a stored file behind a signed URL (byte ranges, HEAD)',
  description:
    'The URLs in a task view point here when BLOB_STORE=local; on Google Cloud they point at Cloud Storage instead. ' +
    'Take them from the task view as they are: `key` may contain slashes, and `expires` and `sig` sign it.',
  'x-local-only': true,
  request: {
    params: z.object({ key: z.string().meta({ param: { name: 'key', in: 'path' }, examples: ['videos/5f0c/video.mp4'] }) }),
    query: z.object({
      expires: z.string().meta({ description: 'Unix seconds', examples: ['1796040941'] }),
      sig: z.string().meta({ description: 'HMAC of key and expiry', examples: ['2Kx3'] }),
      name: z.string().optional().meta({ description: 'Download file name (Content-Disposition)', examples: ['5f0c.mp4'] }),
    }),
    headers: z.object({ range: z.string().optional().meta({ examples: ['bytes=0-1023'] }) }),
  },
  responses: {
    200: { description: 'The whole file', content: STORED_FILES },
    206: { description: 'The requested byte range', content: STORED_FILES },
    ...errorResponses(403, 404, 410),
    416: { description: 'The range is outside the file; Content-Range: bytes */size' },
  },
});

const JsonRpc = z.looseObject({
  jsonrpc: z.literal('2.0'),
  id: z.union([z.string(), z.number()]).optional(),
  method: z.string().optional(),
  params: z.record(z.string(), z.unknown()).optional(),
  result: z.unknown().optional(),
  error: z.unknown().optional(),
});

export const mcpRoute = createRoute({
  method: 'post',
  path: '/mcp',
  operationId: 'mcp',
  tags: ['mcp'],
  summary: 'Model Context Protocol (streamable HTTP, stateless): tools create_video, get_video, cancel_video, list_voices, write_script, create_batch, get_batch, list_templates',
  description:
    'For MCP clients (agents), not for hand-written requests: point an MCP client at this URL with the API key as a Bearer ' +
    'token. The tools call this API as the caller, so they see only the caller’s tasks.',
  security: SECURITY,
  request: {
    body: {
      required: true,
      content: {
        'application/json': {
          schema: JsonRpc,
          example: { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'get_video', arguments: { task_id: '5f0c2a9e-7b1d-4c3e-9a8f-2d6b1e4c7a90' } } },
        },
      },
    },
  },
  responses: {
    200: {
      description: 'The JSON-RPC answer, as JSON or as a server-sent event stream',
      content: {
        'application/json': { schema: JsonRpc, example: { jsonrpc: '2.0', id: 1, result: { content: [{ type: 'text', text: 'task 5f0c…: processing (stage render, 45%)' }] } } },
        'text/event-stream': { schema: z.string(), example: 'event: message\ndata: {"jsonrpc":"2.0","id":1,"result":{}}\n\n' },
      },
    },
    202: { description: 'A notification was accepted' },
    ...errorResponses(401),
  },
});

/** The callback, as an OpenAPI 3.1 webhook: POSTed to the request's callback_url when a task ends. */
export const callbackWebhook = {
  method: 'post' as const,
  path: 'taskFinished',
  operationId: 'taskFinished',
  tags: ['callbacks'],
  summary: 'Sent to callback_url when a task completes, fails or is cancelled',
  description:
    'The body is the task view. Verify `X-Reelsmith-Signature: t=<unix seconds>,v1=<hex>` before trusting it: v1 is ' +
    'HMAC-SHA256 of `<t>.<raw body>` keyed with CALLBACK_SECRET; compare in constant time and refuse a t more than ' +
    '5 minutes away from now (see docs/webhooks.md). Retried with backoff until a 2xx.',
  request: {
    headers: z.object({
      'x-reelsmith-signature': z
        .string()
        .regex(/^t=\d+,v1=[0-9a-f]{64}$/)
        .meta({ examples: ['t=1796040941,v1=5e1c0d1f8f9b7c2b5a0f3e6d4c1b2a39876f5e4d3c2b1a0f9e8d7c6b5a493827'] }),
      'x-reelsmith-event': z.enum(['task.completed', 'task.failed', 'task.cancelled']).meta({ examples: ['task.completed'] }),
      'x-reelsmith-delivery-id': z
        .string()
        .meta({ description: 'The same on every retry of one event: de-duplicate by it', examples: ['5f0c2a9e-7b1d-4c3e-9a8f-2d6b1e4c7a90.completed'] }),
    }),
    body: { required: true, content: jsonContent(TaskViewSchema) },
  },
  responses: { 200: { description: 'Any 2xx acknowledges; anything else is retried' } },
};

/** Every route the service has, in the order the document lists them. */
export const ALL_ROUTES = [
  submitRoute('/v1/videos', 'Submit a script to render'),
  listRoute,
  statusRoute('/v1/videos/{id}', 'getVideo'),
  voicesRoute,
  musicRoute,
  uploadRoute,
  cancelRoute,
  ...STORYBOARD_ROUTES,
  writeScriptRoute,
  ...BATCH_ROUTES,
  ...TEMPLATE_ROUTES,
  submitRoute('/generate-video', 'Submit a script to render (seed-compatible)'),
  statusRoute('/task/{id}', 'getTask'),
  downloadRoute,
  mcpRoute,
  healthRoute('/healthz'),
  healthRoute('/health'),
  openApiRoute,
  docsRoute,
  studioRoute('/'),
  studioRoute('/studio'),
  filesRoute,
  ...WORKER_ROUTES,
];
