// The public view of a task: its schema (the body of GET /task/{id} and of callbacks, and the
// OpenAPI document's TaskView with its example), the type clients read, inferred from it, and the
// view made from a stored record. Signed URLs are minted from the stored keys when the task is
// read, so a stored task never holds a URL that has expired.
import { z } from 'zod';
import { downloadStem, type OutputFiles } from './outputs.ts';
import { postingOf, WrittenScriptSchema } from './script.ts';
import { CALLBACK_STATES, STAGES, TASK_STATUSES, type TaskRecord } from './task.ts';
import { TIMING_STAGES, type TaskTimings } from './task-timings.ts';
import { ASPECT_RATIOS, RESOLUTIONS } from './video-request.ts';
import { outputsOf } from './video-spec.ts';

const EXAMPLE_ID = '5f0c2a9e-7b1d-4c3e-9a8f-2d6b1e4c7a90';
/** A task's summary text is at most this long. */
const SUMMARY_CHARS = 60;
const EXAMPLE_TIME = '2026-11-30T10:15:00.000Z';

export const CreditSchema = z
  .strictObject({
    provider: z.string(),
    author: z.string().nullable(),
    author_url: z.string().nullable(),
    video_url: z.string().nullable().meta({ description: "The video's page at the provider; null for a photo" }),
    photo_url: z.string().nullable().optional().meta({ description: "The photo's page at the provider; null for a video (absent on videos made before photos)" }),
    attribution: z.string().optional().meta({ description: 'The credit line the provider asks for, e.g. "Photo by Joey Farina on Pexels" (absent on videos made before photos)' }),
  })
  .meta({ id: 'Credit', description: 'Who made a video clip or photo the video uses' });

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
  .meta({ id: 'TaskTimings', description: 'Where a task\'s seconds went, stage by stage, with the CPU of its media processes' }) satisfies z.ZodType<TaskTimings>;

const OutputViewSchema = z
  .strictObject({ aspect_ratio: z.enum(ASPECT_RATIOS), resolution: z.enum(RESOLUTIONS), ...VIDEO_FIELDS })
  .meta({ id: 'OutputView', description: 'One video of a task' });

/** The words a video is posted with: the request's, else its written script's (absent on tasks made before them). */
export const POSTING = {
  title: z.string().nullable().meta({ description: 'For posting: the request’s title, else the written script’s; null when neither has one' }),
  description: z.string().nullable().meta({ description: 'For posting: the request’s description, else the written script’s' }),
  hashtags: z.array(z.string()).meta({ description: 'For posting, each with its "#": the request’s, else the written script’s' }),
};

const TaskViewShape = z
  .strictObject({
    task_id: z.string(),
    status: z.enum(TASK_STATUSES),
    stage: z.enum(STAGES),
    progress: z.number().int().min(0).max(100).meta({ description: 'Only grows' }),
    created_at: z.iso.datetime(),
    updated_at: z.iso.datetime(),
    summary: z
      .strictObject({
        text: z.string().meta({ description: `The script's first words (at most ${SUMMARY_CHARS} characters, markdown marks left out)` }),
        aspect_ratio: z.enum(ASPECT_RATIOS).meta({ description: "The main video's" }),
        resolution: z.enum(RESOLUTIONS),
      })
      .meta({ description: 'What the video is, to tell tasks apart in a list (known from the request, before it renders)' }),
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
        ...POSTING,
      })
      .nullable()
      .meta({ description: 'Set once the task is completed; the top-level fields describe the main (first) video' }),
    script: WrittenScriptSchema.nullable().meta({ description: 'The script written from the request’s topic (its first stage, `script`); null when the request sent its own' }),
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
  });

/** A completed task, as the docs show it. */
export const EXAMPLE_VIEW: TaskView = {
  task_id: EXAMPLE_ID,
  status: 'completed',
  stage: 'done',
  progress: 100,
  created_at: EXAMPLE_TIME,
  updated_at: '2026-11-30T10:15:41.000Z',
  summary: { text: 'The ocean covers most of our planet. Its waves carry…', aspect_ratio: '9:16', resolution: '1080p' },
  error: null,
  result: {
    ...EXAMPLE_MAIN,
    credits: [
      { provider: 'pexels', author: 'Jane Doe', author_url: 'https://www.pexels.com/@jane', video_url: 'https://www.pexels.com/video/123/', photo_url: null, attribution: 'Video by Jane Doe on Pexels' },
      { provider: 'pexels', author: 'Joey Farina', author_url: 'https://www.pexels.com/@joey', video_url: null, photo_url: 'https://www.pexels.com/photo/brown-rocks-during-golden-hour-2014422/', attribution: 'Photo by Joey Farina on Pexels' },
    ],
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
    title: 'The ocean in ten seconds',
    description: 'How much of the planet the sea covers, and what its waves carry.',
    hashtags: ['#ocean', '#facts'],
  },
  script: null,
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

export const TaskViewSchema = TaskViewShape.meta({
  id: 'TaskView',
  description: 'A task as clients see it: the body of GET /task/{id} and of callbacks',
  examples: [EXAMPLE_VIEW],
});

/** A task as clients see it (api/client.ts, the CLI, the MCP tools and the studio import this type). */
export type TaskView = z.infer<typeof TaskViewShape>;
/** One video as the task view shows it. */
export type OutputView = z.infer<typeof OutputViewSchema>;

/** Mints a download URL for a stored object (the blob store does). */
export interface UrlSigner {
  signedUrl(key: string, ttlSeconds: number, downloadName?: string): Promise<{ url: string; expiresAt: Date }>;
}

export async function toView(task: TaskRecord, blobs: UrlSigner, ttlSeconds: number): Promise<TaskView> {
  let result: TaskView['result'] = null;
  const out = task.output;
  if (task.status === 'completed' && out) {
    const files = storedOutputs(task);
    const outputs = await Promise.all(files.map((f, i) => signOutput(f, downloadStem(task.id, files, i), blobs, ttlSeconds)));
    const { aspect_ratio: _a, resolution: _r, ...main } = outputs[0]!;
    result = { ...main, credits: out.credits, pieces: out.pieces ?? [], outputs, timings: out.timings ?? null, ...postingOf(task.request, task.script) };
  }
  return {
    task_id: task.id,
    status: task.status,
    stage: task.stage,
    progress: task.progress,
    created_at: task.created_at,
    updated_at: task.updated_at,
    summary: summaryOf(task.request),
    error: task.error,
    result,
    script: task.script,
    warnings: task.warnings,
    metadata: (task.request.metadata as Record<string, unknown> | undefined) ?? null,
    // An item of a batch owes its batch word of its end (the same outbox): not a callback of its own.
    callback: task.callback && task.request.callback_url
      ? {
          delivery_id: task.callback.delivery_id,
          event: task.callback.event,
          state: task.callback.state,
          attempts: task.callback.attempts,
          last_status: task.callback.last_status,
          last_attempt_at: task.callback.last_attempt_at,
        }
      : null,
  };
}

/** What a task's video is, from its request: its first words and its main shape. */
export function summaryOf(req: TaskRecord['request']): TaskView['summary'] {
  const script = req.script_text ?? (req.scenes ?? []).map((s) => s.text).join(' ');
  // The marks a script may carry (**emphasis**, # headings, `code`), not what they mark.
  const plain = script.replace(/[*_`#>~]+/g, '').replace(/\[([^\]]*)\]\([^)]*\)/g, '$1').replace(/\s+/g, ' ').trim();
  const chars = [...plain];
  let text = plain;
  if (chars.length > SUMMARY_CHARS) {
    const cut = chars.slice(0, SUMMARY_CHARS - 1).join('');
    const space = cut.lastIndexOf(' ');
    text = `${(space > SUMMARY_CHARS / 2 ? cut.slice(0, space) : cut).replace(/[\s,.;:!?-]+$/u, '')}…`;
  }
  const main = outputsOf(req)[0]!;
  return { text, aspect_ratio: main.aspect_ratio, resolution: main.resolution };
}

/** A completed task's videos, the main one first; a task completed before there could be several has its one video at the top level. */
export function storedOutputs(task: TaskRecord): OutputFiles[] {
  const out = task.output;
  if (!out) return [];
  if (out.outputs?.length) return out.outputs;
  const main = outputsOf(task.request)[0]!;
  return [
    {
      aspect_ratio: main.aspect_ratio,
      resolution: main.resolution,
      video_key: out.video_key,
      captions_vtt_key: out.captions_vtt_key,
      captions_srt_key: out.captions_srt_key,
      thumbnail_key: out.thumbnail_key,
      duration_s: out.duration_s,
      width: out.width,
      height: out.height,
      size_bytes: out.size_bytes,
    },
  ];
}

/** One video's signed URLs; downloads are named `<name>.mp4`, `<name>.vtt`, … */
async function signOutput(f: OutputFiles, name: string, blobs: UrlSigner, ttlSeconds: number): Promise<OutputView> {
  const sign = (key: string | null, ext: string) => (key ? blobs.signedUrl(key, ttlSeconds, `${name}.${ext}`).then((s) => s.url) : Promise.resolve(null));
  const [video, vtt, srt, thumb] = await Promise.all([
    blobs.signedUrl(f.video_key, ttlSeconds, `${name}.mp4`),
    sign(f.captions_vtt_key, 'vtt'),
    sign(f.captions_srt_key, 'srt'),
    sign(f.thumbnail_key, 'jpg'),
  ]);
  return {
    aspect_ratio: f.aspect_ratio,
    resolution: f.resolution,
    video_url: video.url,
    expires_at: video.expiresAt.toISOString(),
    duration_s: f.duration_s,
    width: f.width,
    height: f.height,
    size_bytes: f.size_bytes,
    captions_url: vtt,
    captions_srt_url: srt,
    thumbnail_url: thumb,
  };
}
