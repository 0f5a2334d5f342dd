// The public HTTP API (DESIGN §4): submit, poll, download, cancel. Each route is declared with its
// zod schemas; the same declarations validate requests and make the OpenAPI document.
import { createHash, randomUUID } from 'node:crypto';
import type { OpenAPIHono, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { Config } from '../config.ts';
import type { AdmissionLimits, Refusal } from '../domain/admission.ts';
import { askRender } from '../delivery/ask-render.ts';
import { requestCallback } from '../delivery/deliver.ts';
import { isFinal, newTask, type TaskRecord } from '../domain/task.ts';
import type { VideoRequest } from '../domain/video-request.ts';
import { toView } from '../domain/task-view.ts';
import { AppError, conflict, gone, invalid, keyQueueFull, notFound, queueFull, rateLimited, TaskError, type ErrorDetail } from '../errors.ts';
import type { Logger } from '../log.ts';
import { assertPublicUrl } from '../net/url-guard.ts';
import type { BlobStore, Dispatcher, TaskListCursor, TaskStore } from '../platform/ports.ts';
import type { SpeechProvider } from '../providers/ports.ts';
import { checkMusicMood, type MusicLibrary } from '../providers/music-library.ts';
import type { ApiKeys } from './auth.ts';
import { jsonBody } from './body.ts';
import { baseUrlOf, json, type ApiEnv } from './http.ts';
import { cancelRoute, downloadRoute, listRoute, statusRoute, submitRoute, voicesRoute } from './spec.ts';

export interface ApiDeps {
  cfg: Config;
  store: TaskStore;
  blobs: BlobStore;
  dispatcher: Dispatcher;
  keys: ApiKeys;
  log: Logger;
  /** Stop a task running in this process at once (cancel). */
  stopRunning: (taskId: string) => void;
  /** Limits a new task must pass (MAX_QUEUED_TASKS, MAX_QUEUED_PER_KEY, SUBMITS_PER_MINUTE). */
  limits: AdmissionLimits;
  /** MUSIC_DIR's tracks by mood, or null when it is not set. */
  music: MusicLibrary | null;
  /** The speech provider: its name and the voices it offers. */
  speech: Pick<SpeechProvider, 'name' | 'listVoices'>;
}

export function zodDetails(error: { issues: readonly z.core.$ZodIssue[] }, prefix: PropertyKey[] = []): ErrorDetail[] {
  return error.issues.flatMap((i): ErrorDetail[] => {
    const at = [...prefix, ...i.path];
    const path = at.map(String).join('.');
    if (i.code === 'unrecognized_keys') {
      return i.keys.map((k) => ({
        path: path ? `${path}.${k}` : k,
        message: 'unknown field; remove it (see the API reference for accepted fields)',
      }));
    }
    if (i.code === 'invalid_union') {
      // Report the alternative the client evidently meant: the one whose errors reach deepest
      // (captions: {style: "comic"} is a bad style, not "not false").
      const depth = (branch: readonly z.core.$ZodIssue[]) => Math.max(...branch.map((b) => b.path.length));
      const best = [...i.errors].sort((a, b) => depth(b) - depth(a))[0];
      if (best && depth(best) > 0) return zodDetails({ issues: best }, at);
    }
    return [{ path: path || '(body)', message: i.message }];
  });
}

/** Refuse, at submission, URLs the worker would refuse later: the client hears it now. */
async function checkUrls(req: VideoRequest, allowPrivate: boolean, ports: readonly number[] | undefined): Promise<void> {
  const urls: [string, string][] = [];
  if (req.callback_url) urls.push(['callback_url', req.callback_url]);
  if (req.music?.url) urls.push(['music.url', req.music.url]);
  req.clip_urls?.forEach((u, i) => urls.push([`clip_urls.${i}`, u]));
  req.scenes?.forEach((s, i) => s.clip_url && urls.push([`scenes.${i}.clip_url`, s.clip_url]));
  const details: ErrorDetail[] = [];
  await Promise.all(
    urls.map(async ([path, url]) => {
      try {
        await assertPublicUrl(url, path, allowPrivate, ports);
      } catch (err) {
        // An unresolvable host is the client's to fix too; only the message differs.
        if (err instanceof TaskError) details.push({ path, message: err.message.replace(`${path}: `, '') });
        else throw err;
      }
    }),
  );
  if (details.length) throw invalid(details.sort((a, b) => a.path.localeCompare(b.path)));
}

function refusal(r: Refusal): AppError {
  if (r.reason === 'rate_limited') return rateLimited(r.retryAfterS);
  return r.reason === 'key_queue_full' ? keyQueueFull(r.retryAfterS) : queueFull(r.retryAfterS);
}

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

/** Same body, same hash, whatever the key order. */
function requestHash(body: unknown): string {
  const canonical = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(canonical)
      : v && typeof v === 'object'
        ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b)).map(([k, x]) => [k, canonical(x)]))
        : v;
  return createHash('sha256').update(JSON.stringify(canonical(body))).digest('hex');
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

  for (const route of [submitRoute('/v1/videos', 'Submit a script to render'), submitRoute('/generate-video', 'Submit a script to render (seed-compatible)')]) {
    app.openapi({ ...route, middleware: [auth, body] as const }, async (c) => {
      const owner = c.get('owner');
      const request = c.req.valid('json');
      const idempotencyKey = c.req.valid('header')['idempotency-key'] ?? null;
      await checkUrls(request, cfg.ALLOW_PRIVATE_URLS, cfg.ALLOWED_URL_PORTS);
      await checkMusicMood(deps.music, request.music);

      const task = newTask({
        id: randomUUID(),
        owner,
        request,
        now: new Date(),
        retentionDays: cfg.RETENTION_DAYS,
        idempotencyKey,
        requestHash: idempotencyKey ? requestHash(await c.req.json()) : null,
      });
      // The limits are checked in the transaction that creates the task; a replayed key is never refused.
      const outcome = await store.create(task, deps.limits);
      if (outcome.kind === 'refused') throw refusal(outcome);
      if (outcome.kind === 'conflict') {
        throw conflict(
          'idempotency_conflict',
          `Idempotency-Key was already used with a different body (task ${outcome.task.id}); use a new key for a new video`,
        );
      }
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

  app.openapi({ ...downloadRoute, middleware: [auth] as const }, async (c) => {
    const { id } = c.req.valid('param');
    const task = await ownedTask(c, id);
    if (task.status !== 'completed' || !task.output) {
      throw conflict(
        isFinal(task.status) ? `task_${task.status}` : 'not_ready',
        isFinal(task.status)
          ? `task ${id} is ${task.status}; there is no video to download`
          : `task ${id} is ${task.status} (${task.progress}%); poll GET /task/${id} until it is completed`,
      );
    }
    if (Date.parse(task.expire_at) < Date.now() || !(await blobs.exists(task.output.video_key))) {
      throw gone(`the video of task ${id} has expired and was deleted; submit the script again`);
    }
    const url = await blobs.signedUrl(task.output.video_key, cfg.SIGNED_URL_TTL_S, `${id}.mp4`);
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
