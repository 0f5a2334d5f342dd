// The public HTTP API (DESIGN §4): submit, poll, download, cancel, health.
import { createHash, randomUUID } from 'node:crypto';
import type { z } from 'zod';
import type { Config } from '../config.ts';
import type { AdmissionLimits, Refusal } from '../domain/admission.ts';
import { isFinal, newTask, type TaskRecord } from '../domain/task.ts';
import { askRender } from '../delivery/ask-render.ts';
import { requestCallback } from '../delivery/deliver.ts';
import { VideoRequestSchema, type VideoRequest } from '../domain/video-request.ts';
import { AppError, conflict, gone, invalid, keyQueueFull, notFound, queueFull, rateLimited, TaskError, type ErrorDetail } from '../errors.ts';
import type { Logger } from '../log.ts';
import { assertPublicUrl } from '../net/url-guard.ts';
import type { BlobStore, Dispatcher, TaskStore } from '../platform/ports.ts';
import type { ApiKeys } from './auth.ts';
import { baseUrlOf, readJson, sendJson, type Request, type Response } from './http.ts';
import { toView } from '../domain/task-view.ts';
import { checkMusicMood, type MusicLibrary } from '../providers/music-library.ts';

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

function idempotencyKeyOf(req: Request): string | null {
  const v = req.headers['idempotency-key'];
  if (v === undefined) return null;
  if (typeof v !== 'string' || v.length < 1 || v.length > 255 || !/^[\x21-\x7e]+$/.test(v)) {
    throw invalid([{ path: 'Idempotency-Key', message: 'must be 1 to 255 visible ASCII characters, e.g. a UUID' }]);
  }
  return v;
}

export function createApi(deps: ApiDeps) {
  const { cfg, store, blobs, dispatcher, keys } = deps;

  async function ownedTask(req: Request, id: string): Promise<TaskRecord> {
    const owner = keys.ownerOf(req);
    const task = await store.get(id);
    // Another key's task answers exactly like an unknown one: no way to probe for ids.
    if (!task || (keys.enabled && task.owner !== owner)) throw notFound(`task ${id}`);
    return task;
  }

  return {
    async submit(req: Request, res: Response): Promise<void> {
      const owner = keys.ownerOf(req);
      const idempotencyKey = idempotencyKeyOf(req);
      const raw = await readJson(req, cfg.MAX_BODY_BYTES);
      const parsed = VideoRequestSchema.safeParse(raw);
      if (!parsed.success) throw invalid(zodDetails(parsed.error));
      await checkUrls(parsed.data, cfg.ALLOW_PRIVATE_URLS, cfg.ALLOWED_URL_PORTS);
      await checkMusicMood(deps.music, parsed.data.music);

      const task = newTask({
        id: randomUUID(),
        owner,
        request: parsed.data,
        now: new Date(),
        retentionDays: cfg.RETENTION_DAYS,
        idempotencyKey,
        requestHash: idempotencyKey ? requestHash(raw) : null,
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
      const base = baseUrlOf(req, cfg.PUBLIC_URL);
      sendJson(res, outcome.kind === 'created' ? 202 : 200, {
        task_id: t.id,
        status: t.status,
        status_url: `${base}/task/${t.id}`,
        download_url: `${base}/download/${t.id}`,
      });
    },

    async status(req: Request, res: Response, id: string): Promise<void> {
      const task = await ownedTask(req, id);
      sendJson(res, 200, await toView(task, blobs, cfg.SIGNED_URL_TTL_S));
    },

    async download(req: Request, res: Response, id: string): Promise<void> {
      const task = await ownedTask(req, id);
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
      res.writeHead(302, { location: url.url, 'cache-control': 'no-store' });
      res.end();
    },

    async cancel(req: Request, res: Response, id: string): Promise<void> {
      const before = await ownedTask(req, id);
      if (isFinal(before.status)) {
        throw conflict('already_finished', `task ${id} is already ${before.status}; only queued or processing tasks can be cancelled`);
      }
      const after = (await store.cancel(id)) ?? before;
      deps.stopRunning(id);
      // The cancelled event is in the outbox already; ask for its delivery before answering
      // (on Cloud Run, work after the answer may get no CPU).
      if (after.callback?.state === 'pending') await requestCallback(store, dispatcher, id, deps.log);
      sendJson(res, 200, await toView(after, blobs, cfg.SIGNED_URL_TTL_S));
    },
  };
}
