// The public HTTP API (DESIGN §4): submit, poll, download, cancel. Each route is declared with its
// zod schemas; the same declarations validate requests and make the OpenAPI document.
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { askRender } from '../delivery/ask-render.ts';
import { requestCallback } from '../delivery/deliver.ts';
import { isFinal, type TaskRecord } from '../domain/task.ts';
import { downloadStem } from '../domain/outputs.ts';
import { storedOutputs, toView } from '../domain/task-view.ts';
import { rendersStoryboard, type StoryboardVideo, type VideoRequest } from '../domain/video-request.ts';
import { AppError, conflict, gone, invalid, notFound, TaskError } from '../errors.ts';
import type { TaskListCursor } from '../platform/ports.ts';
import { checkMusicMood } from '../providers/music-library.ts';
import { jsonBody } from './body.ts';
import type { ApiDeps } from './deps.ts';
import { baseUrlOf, json, type ApiEnv } from './http.ts';
import { cancelRoute, downloadRoute, listRoute, musicRoute, statusRoute, submitRoute, voicesRoute } from './spec.ts';
import { fromStoryboard } from './storyboards.ts';
import { answerEarly, checkTopic, checkUrls, idempotencyConflict, refuseTooLargeForScratch, refusal, submittedTask, unspeakable } from './submission.ts';
import { templated } from './templates.ts';
import { checkVoiceoverUpload } from './uploads.ts';

/** The list position as an opaque token for clients. */
export const encodeCursor = (at: TaskListCursor): string => Buffer.from(JSON.stringify([at.created_at, at.id])).toString('base64url');

export function decodeCursor(cursor: string): TaskListCursor {
  try {
    const [createdAt, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown[];
    if (typeof createdAt === 'string' && !Number.isNaN(Date.parse(createdAt)) && typeof id === 'string') return { created_at: createdAt, id };
  } catch {
    // not base64url JSON: answered below
  }
  throw invalid([{ path: 'cursor', message: 'not a next_cursor from this API; start again without cursor' }]);
}

/** Registers the public routes on `app`. */
export function mountApi(app: OpenAPIHono<ApiEnv>, deps: ApiDeps): void {
  const { cfg, store, blobs, dispatcher, keys } = deps;
  const auth = keys.required();
  const body = jsonBody(cfg.MAX_BODY_BYTES);

  async function ownedTask(c: Context<ApiEnv>, id: string): Promise<TaskRecord> {
    const task = await store.get(id);
    // Another key's task answers exactly like an unknown one: no way to probe for ids.
    if (!task || (keys.enabled && task.owner !== c.get('owner'))) throw notFound(`task ${id}`);
    return task;
  }

  /** A submit that is not a replay: its checks, then the task, created under the limits. */
  async function submitNew(owner: string | null, sent: VideoRequest | StoryboardVideo, raw: unknown, idempotencyKey: string | null) {
    // With storyboard_id, the storyboard's request and its pieces as they stand now.
    const { request, from, script, durationS } = rendersStoryboard(sent) ? await fromStoryboard(deps, owner, sent) : { request: sent, from: null, script: null, durationS: undefined };
    if (!from) checkTopic(request, deps.scripts);
    const silent = from ? [] : unspeakable(request);
    if (silent.length) throw invalid(silent);
    refuseTooLargeForScratch(request, {
      limitBytes: cfg.TASK_SCRATCH_BYTES,
      encode: { preset: cfg.RENDER_PRESET, crf: cfg.RENDER_CRF },
      ...(durationS === undefined ? {} : { storyboardDurationS: durationS }),
    });
    // A storyboard's clips and music are in its plan already: only a new callback_url is checked.
    await checkUrls(from ? { callback_url: request.callback_url } : request, cfg.ALLOW_PRIVATE_URLS, cfg.ALLOWED_URL_PORTS);
    if (!from) await checkMusicMood(deps.music, request.music);
    if (!from) await checkVoiceoverUpload(blobs, owner, request.voiceover);
    const task = submittedTask({ owner, request, retentionDays: cfg.RETENTION_DAYS, idempotencyKey, body: raw, script }, from);
    // The limits are checked again in the transaction that creates the task; a replayed key is never refused.
    const outcome = await store.create(task, deps.limits);
    if (outcome.kind === 'refused') throw refusal(outcome);
    if (outcome.kind === 'conflict') throw idempotencyConflict('task', outcome.task.id);
    return outcome;
  }

  for (const route of [submitRoute('/v1/videos', 'Submit a script to render'), submitRoute('/generate-video', 'Submit a script to render (seed-compatible)')]) {
    app.openapi({ ...route, middleware: [auth, body, templated(deps)] as const }, async (c) => {
      const owner = c.get('owner');
      const sent = c.req.valid('json');
      const idempotencyKey = c.req.valid('header')['idempotency-key'] ?? null;
      // The body as sent, before its template was applied: its hash answers a replayed key.
      const raw = c.get('sent');
      const replay = await answerEarly(store, { owner, idempotencyKey, body: raw, limits: deps.limits, what: 'task' });
      const outcome = replay ? { kind: 'existing' as const, task: replay } : await submitNew(owner, sent, raw, idempotencyKey);
      const t = outcome.task;
      // Ask again for an existing queued task too: the queue de-duplicates the job, and this
      // re-drives a task whose first ask failed. A failed ask still answers 202: the task is
      // stored, and the sweeper asks the queue again (the task records that it is owed one).
      if (t.status === 'queued') await askRender(store, dispatcher, t.id, deps.log);
      const base = baseUrlOf(c, cfg.PUBLIC_URL);
      const answer = { task_id: t.id, status: t.status, status_url: `${base}/task/${t.id}`, download_url: `${base}/download/${t.id}` };
      return outcome.kind === 'created' ? json(c, answer, 202) : json(c, answer, 200);
    });
  }

  for (const route of [statusRoute('/v1/videos/{id}', 'getVideo'), statusRoute('/task/{id}', 'getTask')]) {
    app.openapi({ ...route, middleware: [auth] as const }, async (c) => {
      const task = await ownedTask(c, c.req.valid('param').id);
      return json(c, await toView(task, blobs, cfg.SIGNED_URL_TTL_S), 200);
    });
  }

  app.openapi({ ...listRoute, middleware: [auth] as const }, async (c) => {
    const { limit, cursor } = c.req.valid('query');
    const page = await store.list({
      // Without keys every task is the caller's.
      ...(keys.enabled ? { owner: c.get('owner') } : {}),
      limit,
      after: cursor === undefined ? null : decodeCursor(cursor),
    });
    const data = await Promise.all(page.tasks.map((t) => toView(t, blobs, cfg.SIGNED_URL_TTL_S)));
    return json(c, { data, next_cursor: page.next ? encodeCursor(page.next) : null }, 200);
  });

  app.openapi({ ...voicesRoute, middleware: [auth] as const }, async (c) => {
    const provider = deps.speech.name === 'elevenlabs' ? ('elevenlabs' as const) : ('espeak-ng' as const);
    const voices = await deps.speech.listVoices(c.req.raw.signal).catch((err: unknown) => {
      if (!(err instanceof TaskError)) throw err;
      throw new AppError('voices_unavailable', 502, `${provider} did not list its voices: ${err.message}; retry later`, { cause: err });
    });
    const data = voices.map((v) => ({ voice_id: v.id, name: v.name, provider, language: v.language, description: v.description }));
    return json(c, { data }, 200);
  });

  app.openapi({ ...musicRoute, middleware: [auth] as const }, async (c) => json(c, { moods: deps.music ? await deps.music.listMoods() : [] }, 200));

  app.openapi({ ...downloadRoute, middleware: [auth] as const }, async (c) => {
    const { id } = c.req.valid('param');
    const index = c.req.valid('query').output ?? 0;
    const task = await ownedTask(c, id);
    if (task.status !== 'completed' || !task.output) {
      throw conflict(
        isFinal(task.status) ? `task_${task.status}` : 'not_ready',
        isFinal(task.status)
          ? `task ${id} is ${task.status}; there is no video to download`
          : `task ${id} is ${task.status} (${task.progress}%); poll GET /task/${id} until it is completed`,
      );
    }
    const outputs = storedOutputs(task);
    const video = outputs[index];
    if (!video) {
      const have = outputs.length === 1 ? '1 video (output 0)' : `${outputs.length} videos (output 0 to ${outputs.length - 1})`;
      throw new AppError('not_found', 404, `task ${id} has ${have}; there is no output ${index}`);
    }
    if (Date.parse(task.expire_at) < Date.now() || !(await blobs.exists(video.video_key))) {
      throw gone(`the video of task ${id} has expired and was deleted; submit the script again`);
    }
    const url = await blobs.signedUrl(video.video_key, cfg.SIGNED_URL_TTL_S, `${downloadStem(id, outputs, index)}.mp4`);
    return c.body(null, 302, { location: url.url, 'cache-control': 'no-store' });
  });

  app.openapi({ ...cancelRoute, middleware: [auth] as const }, async (c) => {
    const { id } = c.req.valid('param');
    const before = await ownedTask(c, id);
    if (isFinal(before.status)) {
      throw conflict('already_finished', `task ${id} is already ${before.status}; only queued or processing tasks can be cancelled`);
    }
    const after = (await store.cancel(id)) ?? before;
    deps.stopRunning(id);
    // The cancelled event is in the outbox already; ask for its delivery before answering
    // (on Cloud Run, work after the answer may get no CPU).
    if (after.callback?.state === 'pending') await requestCallback(store, dispatcher, id, deps.log);
    return json(c, await toView(after, blobs, cfg.SIGNED_URL_TTL_S), 200);
  });
}
