// The shapes the API answers with, as zod schemas: routes declare them, and the OpenAPI document
// is generated from those declarations. Each carries an example, checked against it by the tests.
import { z } from '@hono/zod-openapi';
import { CALLBACK_STATES, STAGES, TASK_STATUSES, type TaskView } from '../domain/task.ts';
import { TIMING_STAGES } from '../domain/task-timings.ts';
import { ASPECT_RATIOS, RESOLUTIONS, VideoRequestSchema } from '../domain/video-request.ts';

/** Task ids as the service makes them (UUIDs), and as Cloud Tasks allows them in task names. */
export const TASK_ID_PATTERN = /^[A-Za-z0-9_-]{1,128}$/;

const EXAMPLE_ID = '5f0c2a9e-7b1d-4c3e-9a8f-2d6b1e4c7a90';
const EXAMPLE_TIME = '2026-11-30T10:15:00.000Z';

export const ErrorSchema = z
  .strictObject({
    error: z.strictObject({
      code: z.string().meta({ description: 'Stable, machine-readable: see the status codes in the API reference' }),
      message: z.string().meta({ description: 'What went wrong and how to fix it, for people' }),
      details: z
        .array(z.strictObject({ path: z.string(), message: z.string() }))
        .optional()
        .meta({ description: 'The failing fields (422), e.g. `captions.style`' }),
    }),
  })
  .meta({
    id: 'Error',
    examples: [
      {
        error: {
          code: 'invalid_request',
          message: 'invalid request: aspect_ratio: Invalid option: expected one of "9:16"|"1:1"|"16:9"',
          details: [{ path: 'aspect_ratio', message: 'Invalid option: expected one of "9:16"|"1:1"|"16:9"' }],
        },
      },
    ],
  });

export const VideoRequestBody = VideoRequestSchema.meta({
  id: 'VideoRequest',
  description: 'A script to render. Send `script_text` or `scenes` (one of them, not both). Unknown fields are rejected.',
});

export const SubmitResponseSchema = z
  .strictObject({
    task_id: z.string(),
    status: z.enum(TASK_STATUSES),
    status_url: z.url().meta({ description: 'GET it for the task view' }),
    download_url: z.url().meta({ description: 'GET it for a redirect to the MP4 once completed' }),
  })
  .meta({
    id: 'SubmitResponse',
    examples: [
      {
        task_id: EXAMPLE_ID,
        status: 'queued',
        status_url: `http://localhost:8080/task/${EXAMPLE_ID}`,
        download_url: `http://localhost:8080/download/${EXAMPLE_ID}`,
      },
    ],
  });

const CreditSchema = z
  .strictObject({ provider: z.string(), author: z.string().nullable(), author_url: z.string().nullable(), video_url: z.string().nullable() })
  .meta({ id: 'Credit', description: 'Who made a clip the video uses' });

/** One video of the example task: its files are under `folder` (the main video's at the top). */
const exampleVideo = (folder: string, width: number, height: number, size_bytes: number, sig: string) => {
  const url = (file: string, s: string) => `http://localhost:8080/files/videos/${EXAMPLE_ID}/${folder}${file}?expires=1796040941&sig=${s}${sig}`;
  return {
    video_url: url('video.mp4', '2Kx3'),
    expires_at: '2026-11-30T11:15:41.000Z',
    duration_s: 9.83,
    width,
    height,
    size_bytes,
    captions_url: url('captions.vtt', '9fQa'),
    captions_srt_url: url('captions.srt', 'Uu7b'),
    thumbnail_url: url('thumbnail.jpg', 'c0Lm'),
  };
};
const EXAMPLE_MAIN = exampleVideo('', 1080, 1920, 2817731, '');

/** A completed task, as the docs show it. */
const EXAMPLE_VIEW: TaskView = {
  task_id: EXAMPLE_ID,
  status: 'completed',
  stage: 'done',
  progress: 100,
  created_at: EXAMPLE_TIME,
  updated_at: '2026-11-30T10:15:41.000Z',
  error: null,
  result: {
    ...EXAMPLE_MAIN,
    credits: [{ provider: 'pexels', author: 'Jane Doe', author_url: 'https://www.pexels.com/@jane', video_url: 'https://www.pexels.com/video/123/' }],
    pieces: [
      { start_s: 0, end_s: 4.1, text: 'The ocean covers most of our planet.', search_terms: ['ocean', 'planet'], query: 'ocean planet', found_by: ['ocean planet'] },
      { start_s: 4.1, end_s: 9.83, text: 'Its waves carry energy across the world.', search_terms: ['waves', 'energy'], query: 'waves energy', found_by: ['waves energy'] },
    ],
    outputs: [
      { aspect_ratio: '9:16', resolution: '1080p', ...EXAMPLE_MAIN },
      { aspect_ratio: '16:9', resolution: '1080p', ...exampleVideo('16x9/', 1920, 1080, 3120554, 'w') },
    ],
    timings: {
      total_s: 41.2,
      queued_s: 0.04,
      run_s: 41.16,
      other_s: 0.21,
      cpu_s: 66.5,
      stages: [
        { stage: 'speech', output: null, seconds: 3.1, runs: 1, cpu_s: null },
        { stage: 'footage_search', output: null, seconds: 0.6, runs: 2, cpu_s: null },
        { stage: 'download', output: null, seconds: 4.2, runs: 4, cpu_s: null },
        { stage: 'probe', output: null, seconds: 0.3, runs: 4, cpu_s: null },
        { stage: 'loudness', output: null, seconds: 0.5, runs: 1, cpu_s: 0.42 },
        { stage: 'timeline', output: null, seconds: 0.001, runs: 1, cpu_s: null },
        { stage: 'plan_store', output: null, seconds: 0.08, runs: 2, cpu_s: null },
        { stage: 'captions', output: null, seconds: 0.02, runs: 1, cpu_s: null },
        { stage: 'soundtrack', output: null, seconds: 0.4, runs: 1, cpu_s: 0.31 },
        { stage: 'render', output: 0, seconds: 16.4, runs: 4, cpu_s: 31.2 },
        { stage: 'render', output: 1, seconds: 17.1, runs: 4, cpu_s: 32.9 },
        { stage: 'join', output: 0, seconds: 0.3, runs: 1, cpu_s: 0.12 },
        { stage: 'join', output: 1, seconds: 0.3, runs: 1, cpu_s: 0.13 },
        { stage: 'validation', output: 0, seconds: 0.05, runs: 1, cpu_s: null },
        { stage: 'validation', output: 1, seconds: 0.05, runs: 1, cpu_s: null },
        { stage: 'thumbnail', output: 0, seconds: 0.2, runs: 1, cpu_s: 0.16 },
        { stage: 'thumbnail', output: 1, seconds: 0.2, runs: 1, cpu_s: 0.15 },
        { stage: 'upload', output: null, seconds: 0.6, runs: 2, cpu_s: null },
      ],
    },
  },
  warnings: [],
  metadata: { channel: 'facts' },
  callback: {
    delivery_id: `${EXAMPLE_ID}.completed`,
    event: 'task.completed',
    state: 'delivered',
    attempts: 1,
    last_status: 204,
    last_attempt_at: '2026-11-30T10:15:42.000Z',
  },
};

/** What each video of a task shows: its signed URLs and what ffprobe read of it. */
const VIDEO_FIELDS = {
  video_url: z.url().meta({ description: 'Signed, expires at expires_at; `GET /download/{id}` (`?output=<index>` for another video) redirects to a fresh one' }),
  expires_at: z.iso.datetime(),
  duration_s: z.number(),
  width: z.number().int(),
  height: z.number().int(),
  size_bytes: z.number().int(),
  captions_url: z.url().nullable().meta({ description: 'WebVTT, laid out for this frame' }),
  captions_srt_url: z.url().nullable(),
  thumbnail_url: z.url().nullable().meta({ description: 'JPEG' }),
};

const OutputViewSchema = z
  .strictObject({ aspect_ratio: z.enum(ASPECT_RATIOS), resolution: z.enum(RESOLUTIONS), ...VIDEO_FIELDS })
  .meta({ id: 'OutputView', description: 'One video of a task' });

const TaskTimingsSchema = z
  .strictObject({
    total_s: z.number().meta({ description: 'From the task\'s creation to its completion: queued_s + run_s' }),
    queued_s: z.number().meta({ description: 'Before the attempt that made the video started: in the queue, and any earlier attempts' }),
    run_s: z.number().meta({ description: 'That attempt, start to end (fanned out over workers: from planning to the join)' }),
    other_s: z.number().meta({ description: 'Seconds of run_s in no stage: store writes, waits for a CPU slot, the queue between fanned-out deliveries' }),
    cpu_s: z.number().meta({ description: 'CPU seconds (user + system) of the task\'s ffmpeg processes' }),
    stages: z
      .array(
        z.strictObject({
          stage: z.enum(TIMING_STAGES),
          output: z.number().int().nullable().meta({ description: 'The video (index in `outputs`) a per-video stage was for; null for the shared stages' }),
          seconds: z.number().meta({ description: 'Wall seconds during which at least one run of it was going' }),
          runs: z.number().int().meta({ description: 'Times it ran: one ffmpeg process per chunk for `render`, one call per clip for `probe`' }),
          cpu_s: z.number().nullable().meta({ description: 'CPU seconds of its ffmpeg processes; null when it ran none' }),
        }),
      )
      .meta({ description: 'Every stage that ran, in the order each first started; they may overlap (speech and footage run at once)' }),
  })
  .meta({ id: 'TaskTimings', description: 'Where a task\'s seconds went, stage by stage, with the CPU of its media processes' });

export const TaskViewSchema = z
  .strictObject({
    task_id: z.string(),
    status: z.enum(TASK_STATUSES),
    stage: z.enum(STAGES),
    progress: z.number().int().min(0).max(100).meta({ description: 'Only grows' }),
    created_at: z.iso.datetime(),
    updated_at: z.iso.datetime(),
    error: z
      .strictObject({
        code: z.string(),
        message: z.string(),
        retryable: z.boolean().meta({ description: 'true only on a queued task whose next attempt is coming' }),
      })
      .nullable(),
    result: z
      .strictObject({
        ...VIDEO_FIELDS,
        credits: z.array(CreditSchema),
        pieces: z
          .array(
            z.strictObject({
              start_s: z.number(),
              end_s: z.number(),
              text: z.string().meta({ description: 'Its words, as the captions show them' }),
              search_terms: z.array(z.string()),
              query: z.string().meta({ description: 'What was searched for it' }),
              found_by: z.array(z.string()).meta({ description: 'The queries whose results it shows' }),
            }),
          )
          .meta({ description: 'The timeline: which words each piece of footage covers and how it was found' }),
        outputs: z
          .array(OutputViewSchema)
          .meta({ description: 'Every video of the task (one per entry of the request\'s `outputs`, or one): the first is the main video the fields above describe' }),
        timings: TaskTimingsSchema.nullable().meta({ description: 'Where the task\'s time went; null on tasks completed before it was recorded' }),
      })
      .nullable()
      .meta({ description: 'Set once the task is completed; the top-level fields describe the main (first) video' }),
    warnings: z.array(z.string()),
    metadata: z.record(z.string(), z.unknown()).nullable().meta({ description: 'As sent in the request' }),
    callback: z
      .strictObject({
        delivery_id: z.string().meta({ description: 'X-Reelsmith-Delivery-Id of the event' }),
        event: z.string().meta({ examples: ['task.completed'] }),
        state: z.enum(CALLBACK_STATES),
        attempts: z.number().int(),
        last_status: z.number().int().nullable(),
        last_attempt_at: z.iso.datetime().nullable(),
      })
      .nullable()
      .meta({ description: 'Where the callback stands; null without callback_url or before the task ends' }),
  })
  .meta({
    id: 'TaskView',
    description: 'A task as clients see it: the body of GET /task/{id} and of callbacks',
    examples: [EXAMPLE_VIEW],
  }) satisfies z.ZodType<TaskView>;

export const TaskListSchema = z
  .strictObject({
    data: z.array(TaskViewSchema).meta({ description: 'Newest first' }),
    next_cursor: z.string().nullable().meta({ description: 'Pass as `cursor` for the next page; null on the last page' }),
  })
  .meta({
    id: 'TaskList',
    examples: [{ data: [EXAMPLE_VIEW], next_cursor: 'WyIyMDI2LTExLTMwVDEwOjE1OjAwLjAwMFoiLCI1ZjBjIl0' }],
  });

export const ListQuery = z.object({
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(100)
    .default(20)
    .meta({ param: { name: 'limit', in: 'query' }, description: 'Tasks per page, 1 to 100', examples: [20] }),
  cursor: z
    .string()
    .max(512)
    .optional()
    .meta({ param: { name: 'cursor', in: 'query' }, description: 'next_cursor of the previous page' }),
});

export const VoiceListSchema = z
  .strictObject({
    data: z.array(
      z.strictObject({
        voice_id: z.string().meta({ description: 'Send it as voice_id' }),
        name: z.string(),
        provider: z.enum(['espeak-ng', 'elevenlabs']),
        language: z.string().nullable(),
        description: z.string().nullable(),
      }),
    ),
  })
  .meta({
    id: 'VoiceList',
    examples: [
      {
        data: [
          { voice_id: 'en-us', name: 'gmw/en-US', provider: 'espeak-ng', language: 'en-us', description: null },
          { voice_id: 'pt-br', name: 'roa/pt-BR', provider: 'espeak-ng', language: 'pt-br', description: null },
        ],
      },
    ],
  });

export const MoodListSchema = z
  .strictObject({
    moods: z
      .array(
        z.strictObject({
          mood: z.string().meta({ description: 'Send it as music.mood' }),
          tracks: z.number().int().min(1).meta({ description: 'Tracks of this mood; the task\'s seed picks one' }),
        }),
      )
      .meta({ description: 'Moods with at least one track, by name; empty when the service has no MUSIC_DIR' }),
  })
  .meta({
    id: 'MoodList',
    examples: [{ moods: [{ mood: 'chill', tracks: 3 }, { mood: 'dramatic', tracks: 1 }, { mood: 'upbeat', tracks: 2 }] }],
  });

export const HealthSchema = z
  .strictObject({ status: z.literal('ok'), role: z.enum(['local', 'api', 'worker']) })
  .meta({ id: 'Health', examples: [{ status: 'ok', role: 'api' }] });

export const DeliveryOutcomeSchema = z
  .strictObject({
    task_id: z.string(),
    outcome: z.string().meta({ description: 'completed, failed, cancelled, missing, leased, interrupted, …' }),
  })
  .meta({ id: 'DeliveryOutcome', examples: [{ task_id: EXAMPLE_ID, outcome: 'completed' }] });

export const SweepReportSchema = z
  .strictObject({
    looked_at: z.number().int(),
    redispatched: z.array(z.string()).meta({ description: 'Tasks whose delivery was asked for again' }),
    exhausted: z.array(z.string()).meta({ description: 'Tasks failed for good: their attempts were used up' }),
    callbacks: z.array(z.string()).meta({ description: 'Tasks whose owed callback was asked for again' }),
  })
  .meta({ id: 'SweepReport', examples: [{ looked_at: 3, redispatched: [EXAMPLE_ID], exhausted: [], callbacks: [] }] });

/** What Cloud Tasks says about a delivery (worker routes), in its X-CloudTasks-* headers. */
export const CloudTasksHeaders = z.object({
  'x-cloudtasks-taskname': z.string().optional(),
  'x-cloudtasks-queuename': z.string().optional(),
  'x-cloudtasks-taskretrycount': z.string().optional(),
  'x-cloudtasks-taskexecutioncount': z.string().optional(),
});

export const TaskIdParams = z.object({
  id: z.string().regex(TASK_ID_PATTERN).meta({ param: { name: 'id', in: 'path' }, examples: [EXAMPLE_ID] }),
});

export const IDEMPOTENCY_KEY_MESSAGE = 'must be 1 to 255 visible ASCII characters, e.g. a UUID';

export const SubmitHeaders = z.object({
  'idempotency-key': z
    .string()
    .min(1, IDEMPOTENCY_KEY_MESSAGE)
    .max(255, IDEMPOTENCY_KEY_MESSAGE)
    .regex(/^[\x21-\x7e]+$/, IDEMPOTENCY_KEY_MESSAGE)
    .optional()
    .meta({
      description: 'Makes a retried submit safe: the same key and body return the first task (200)',
      examples: ['order-42'],
    }),
});

/** Every documented error status: what it means, and an example with its `error.code`. */
const ERRORS: Record<number, { description: string; code: string; message: string }> = {
  400: {
    description: 'Malformed JSON or a body that is not UTF-8 (`invalid_json`), or a malformed % escape in the path (`invalid_path`)',
    code: 'invalid_json',
    message: "the request body is not valid JSON: Expected ',' or '}' after property value in JSON at position 22",
  },
  401: {
    description: 'Missing or unknown API key (`unauthorized`)',
    code: 'unauthorized',
    message: 'missing or unknown API key: send Authorization: Bearer <key> or X-API-Key: <key>',
  },
  403: { description: 'Not the dispatcher (`forbidden`)', code: 'forbidden', message: 'only the dispatcher may run tasks' },
  404: {
    description: 'Unknown task, or another key’s task (`not_found`)',
    code: 'not_found',
    message: `task ${EXAMPLE_ID} not found`,
  },
  409: {
    description: 'Conflict: `idempotency_conflict` (the key was used with another body), `already_finished` (cancel after the end)',
    code: 'idempotency_conflict',
    message: `Idempotency-Key was already used with a different body (task ${EXAMPLE_ID}); use a new key for a new video`,
  },
  410: {
    description: 'The video has expired and was deleted (`expired`)',
    code: 'expired',
    message: `the video of task ${EXAMPLE_ID} has expired and was deleted; submit the script again`,
  },
  413: {
    description: 'Body over MAX_BODY_BYTES (`payload_too_large`)',
    code: 'payload_too_large',
    message: 'request body exceeds 262144 bytes; send a shorter script',
  },
  415: {
    description: 'The body is not sent as application/json (`unsupported_media_type`)',
    code: 'unsupported_media_type',
    message: 'send the body as JSON with content-type: application/json',
  },
  422: {
    description: 'Invalid fields or parameters (`invalid_request`); `details` names each one',
    code: 'invalid_request',
    message: 'invalid request: script_text: required: send script_text or scenes',
  },
  429: {
    description: 'This API key submits faster than SUBMITS_PER_MINUTE (`rate_limited`): retry after Retry-After seconds',
    code: 'rate_limited',
    message: 'this API key submits faster than SUBMITS_PER_MINUTE allows; retry in 12 s',
  },
  502: {
    description: 'The voice provider could not be asked (`voices_unavailable`)',
    code: 'voices_unavailable',
    message: 'ElevenLabs did not list its voices: cannot reach ElevenLabs (ECONNRESET); retry later',
  },
  503: {
    description:
      'Busy (`queue_full`: MAX_QUEUED_TASKS are waiting; `key_queue_full`: MAX_QUEUED_PER_KEY of this key’s tasks are): retry after Retry-After seconds',
    code: 'queue_full',
    message: 'too many tasks are waiting; retry later',
  },
};

const RETRY_AFTER = z.object({ 'retry-after': z.string().meta({ description: 'Seconds to wait before retrying' }) });

export const errorContent = (code: string, message: string) => ({
  'application/json': { schema: ErrorSchema, example: { error: { code, message } } },
});

/** The documented error answers of a route, all in the one error shape. */
export function errorResponses<const S extends number>(...statuses: S[]) {
  return Object.fromEntries(
    statuses.map((s) => {
      const e = ERRORS[s];
      if (!e) throw new Error(`no documented error for status ${s}`);
      return [s, { description: e.description, ...(s === 503 || s === 429 ? { headers: RETRY_AFTER } : {}), content: errorContent(e.code, e.message) }];
    }),
  ) as { [K in S]: { description: string; content: ReturnType<typeof errorContent> } };
}

/** A JSON body of `schema`; its example is the one in the schema's own metadata. */
export const jsonContent = <T extends z.ZodType>(schema: T) => ({
  'application/json': { schema, ...(schema.meta()?.examples ? { example: (schema.meta()!.examples as unknown[])[0] } : {}) },
});

