// The public view of a batch: its schema (the body of GET /v1/batches/{id} and of the batch's
// callback, and the OpenAPI document's Batch with its example), the type clients read, and the
// view made from the batch and its items' tasks as they stand. Each item's video URL is minted
// when the view is made, like a task's.
import { z } from 'zod';
import { batchStatus, BATCH_STATUSES, countsOf, type BatchRecord } from './batch.ts';
import { postingOf } from './script.ts';
import { CALLBACK_STATES, STAGES, TASK_STATUSES, type TaskRecord, type TaskStatus } from './task.ts';
import { storedOutputs, type UrlSigner } from './task-view.ts';

const EXAMPLE_ID = '0b6f3c1e-9d2a-4e7b-8c5f-1a2b3c4d5e6f';
const EXAMPLE_TASKS = ['5f0c2a9e-7b1d-4c3e-9a8f-2d6b1e4c7a90', '8e2d4b61-0c3a-4f5e-9b7d-6a1c2e3f4a5b'];

const Counts = z.strictObject(Object.fromEntries(TASK_STATUSES.map((s) => [s, z.number().int()])) as Record<TaskStatus, z.ZodNumber>);

const BatchItemViewSchema = z
  .strictObject({
    index: z.number().int().meta({ description: 'Its place in the items sent, from 0' }),
    task_id: z.string().meta({ description: 'A task like any other: GET /v1/videos/{task_id} has all of it' }),
    status: z.enum(TASK_STATUSES),
    stage: z.enum(STAGES),
    progress: z.number().int().min(0).max(100),
    error: z.strictObject({ code: z.string(), message: z.string(), retryable: z.boolean() }).nullable(),
    title: z.string().nullable().meta({ description: 'Its title for posting, once known (sent, or written with its script)' }),
    video_url: z.url().nullable().meta({ description: 'Once completed: the main video, signed and short-lived like a task’s' }),
    download_url: z
      .url()
      .nullable()
      .meta({ description: 'Once completed: GET /download/{task_id}, which redirects to a fresh signed URL (null in a callback from a worker that does not know PUBLIC_URL)' }),
  })
  .meta({ id: 'BatchItem' });

const BatchViewShape = z.strictObject({
  batch_id: z.string(),
  status: z.enum(BATCH_STATUSES).meta({ description: 'completed once every item has ended (completed, failed or cancelled): see counts' }),
  created_at: z.iso.datetime(),
  updated_at: z.iso.datetime(),
  completed_at: z.iso.datetime().nullable(),
  expires_at: z.iso.datetime().meta({ description: 'When the batch and its videos are deleted (RETENTION_DAYS)' }),
  total: z.number().int(),
  counts: Counts.meta({ description: 'Items by status' }),
  items: z.array(BatchItemViewSchema).meta({ description: 'In the order sent' }),
  metadata: z.record(z.string(), z.unknown()).nullable().meta({ description: 'As sent with the batch' }),
  callback: z
    .strictObject({
      delivery_id: z.string(),
      event: z.string().meta({ examples: ['batch.completed'] }),
      state: z.enum(CALLBACK_STATES),
      attempts: z.number().int(),
      last_status: z.number().int().nullable(),
      last_attempt_at: z.iso.datetime().nullable(),
    })
    .nullable()
    .meta({ description: 'Where the batch’s one callback stands; null without callback_url or before every item has ended' }),
});

export type BatchView = z.infer<typeof BatchViewShape>;

export const EXAMPLE_BATCH: BatchView = {
  batch_id: EXAMPLE_ID,
  status: 'running',
  created_at: '2026-11-30T10:15:00.000Z',
  updated_at: '2026-11-30T10:15:41.000Z',
  completed_at: null,
  expires_at: '2026-12-07T10:15:00.000Z',
  total: 2,
  counts: { queued: 0, processing: 1, completed: 1, failed: 0, cancelled: 0 },
  items: [
    {
      index: 0,
      task_id: EXAMPLE_TASKS[0]!,
      status: 'completed',
      stage: 'done',
      progress: 100,
      error: null,
      title: 'Why octopuses have three hearts',
      video_url: `http://localhost:8080/files/videos/${EXAMPLE_TASKS[0]}/a1/video.mp4?expires=1796040941&sig=2Kx3`,
      download_url: `http://localhost:8080/download/${EXAMPLE_TASKS[0]}`,
    },
    { index: 1, task_id: EXAMPLE_TASKS[1]!, status: 'processing', stage: 'render', progress: 45, error: null, title: null, video_url: null, download_url: null },
  ],
  metadata: { channel: 'facts' },
  callback: null,
};

export const BatchViewSchema = BatchViewShape.meta({
  id: 'Batch',
  description: 'A batch as clients see it: the body of GET /v1/batches/{id} and of its callback',
  examples: [EXAMPLE_BATCH],
});

/**
 * The view of a batch and its items' tasks (`tasks[i]` is item i's, null once it is gone). An item
 * whose task is gone counts as the batch recorded its end (failed when it never heard).
 */
export async function toBatchView(batch: BatchRecord, tasks: readonly (TaskRecord | null)[], blobs: UrlSigner, ttlSeconds: number, baseUrl: string | null): Promise<BatchView> {
  const items = await Promise.all(
    batch.items.map(async (item, index) => {
      const t = tasks[index] ?? null;
      const status: TaskStatus = t?.status ?? item.ended ?? 'failed';
      const main = t && t.status === 'completed' ? storedOutputs(t)[0] : undefined;
      const video = main ? await blobs.signedUrl(main.video_key, ttlSeconds, `${item.task_id}.mp4`) : null;
      return {
        index,
        task_id: item.task_id,
        status,
        stage: t?.stage ?? 'done',
        progress: t?.progress ?? 100,
        error: t ? t.error : { code: 'expired', message: `task ${item.task_id} has expired and was deleted`, retryable: false },
        title: t ? postingOf(t.request, t.script).title : null,
        video_url: video?.url ?? null,
        download_url: video && baseUrl ? `${baseUrl}/download/${item.task_id}` : null,
      };
    }),
  );
  const cb = batch.callback;
  return {
    batch_id: batch.id,
    status: batchStatus(batch),
    created_at: batch.created_at,
    updated_at: batch.updated_at,
    completed_at: batch.completed_at,
    expires_at: batch.expire_at,
    total: batch.items.length,
    counts: countsOf(items.map((i) => i.status)),
    items,
    metadata: batch.metadata,
    callback: cb
      ? { delivery_id: cb.delivery_id, event: cb.event, state: cb.state, attempts: cb.attempts, last_status: cb.last_status, last_attempt_at: cb.last_attempt_at }
      : null,
  };
}
