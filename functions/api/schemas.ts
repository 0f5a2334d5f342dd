// The shapes the API answers with, as zod schemas: routes declare them, the OpenAPI document is
// generated from those declarations, and clients (api/client.ts, the studio) take their types
// from them (z.infer). Each carries an example, checked against it by the tests. The task view's
// schema is in domain/task-view.ts, beside the code that makes the view.
import { z } from 'zod';
import { TASK_STATUSES } from '../domain/task.ts';
import { EXAMPLE_VIEW, TaskViewSchema } from '../domain/task-view.ts';
import { StoryboardVideoSchema, VideoRequestSchema } from '../domain/video-request.ts';

/** Task ids as the service makes them (UUIDs), and as Cloud Tasks allows them in task names. */
export const TASK_ID_PATTERN = /^[A-Za-z0-9_-]{1,128}$/;

const EXAMPLE_ID = EXAMPLE_VIEW.task_id;

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
export type ErrorBody = z.infer<typeof ErrorSchema>;

export const VideoRequestBody = VideoRequestSchema.meta({
  id: 'VideoRequest',
  description: 'A script to render. Send `script_text` or `scenes` (one of them, not both). Unknown fields are rejected.',
});

export const StoryboardVideoBody = StoryboardVideoSchema.meta({
  id: 'StoryboardVideoRequest',
  description:
    'A storyboard to render as it stands (POST /v1/storyboards made it): its script, voice audio, clips and settings. ' +
    'Only callback_url and metadata may come with storyboard_id.',
});

/** POST /v1/videos and /generate-video: a script, or a storyboard to render; checked once, by this schema. */
export const VideoSubmissionBody = z.union([VideoRequestBody, StoryboardVideoBody]).meta({
  id: 'VideoSubmission',
  description: 'A script to render (VideoRequest), or a storyboard to render as it stands (StoryboardVideoRequest: storyboard_id alone, with callback_url and metadata at most).',
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
export type SubmitResponse = z.infer<typeof SubmitResponseSchema>;

export const TaskListSchema = z
  .strictObject({
    data: z.array(TaskViewSchema).meta({ description: 'Newest first' }),
    next_cursor: z.string().nullable().meta({ description: 'Pass as `cursor` for the next page; null on the last page' }),
  })
  .meta({
    id: 'TaskList',
    examples: [{ data: [EXAMPLE_VIEW], next_cursor: 'WyIyMDI2LTExLTMwVDEwOjE1OjAwLjAwMFoiLCI1ZjBjIl0' }],
  });
export type TaskList = z.infer<typeof TaskListSchema>;

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
export type VoiceList = z.infer<typeof VoiceListSchema>;

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

export const RETRY_AFTER = z.object({ 'retry-after': z.string().meta({ description: 'Seconds to wait before retrying' }) });

export const errorContent = (code: string, message: string) => ({
  'application/json': { schema: ErrorSchema, example: { error: { code, message } } },
});

/** The documented error answers of a route, all in the one error shape. */
/** A submit's 422 (videos and storyboards): invalid fields, or a video its workers' scratch could never hold. */
export const SUBMIT_UNPROCESSABLE = {
  422: {
    description:
      'Invalid fields (`invalid_request`; `details` names each one), or a video too long for the worker’s scratch space (`video_too_large`: its largest output is estimated over TASK_SCRATCH_BYTES; the message says how many seconds fit and what to change)',
    content: errorContent('invalid_request', 'invalid request: script_text: required: send script_text or scenes'),
  },
};

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

