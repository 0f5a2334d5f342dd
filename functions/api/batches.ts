// The batch routes (batch-spec.ts): a batch is made whole or not at all. Every item is merged over
// the defaults and its template and validated, its topic, URLs and music mood checked as a single
// submit's are, and then the batch and every task are written in one transaction that counts all
// of them against the admission limits (TaskRecordStore.createBatch). Only then are the renders
// asked for; one the queue refuses is swept later, as for a single submit.
import { randomUUID } from 'node:crypto';
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { askRender } from '../delivery/ask-render.ts';
import { requestCallback } from '../delivery/deliver.ts';
import { beyondLimits } from '../domain/admission.ts';
import { toBatchView } from '../domain/batch-view.ts';
import { batchRequests, batchStatus, batchTemplateIds, itemsEnded, MAX_BATCH_REQUEST_BYTES, newBatch, requestsBytes, type BatchBody, type BatchRecord } from '../domain/batch.ts';
import { isFinal, newTask } from '../domain/task.ts';
import { AppError, conflict, invalid, notFound, type ErrorDetail } from '../errors.ts';
import { mapLimit } from '../lib/concurrency.ts';
import { batchCallbackJob } from '../platform/jobs.ts';
import { checkMusicMood } from '../providers/music-library.ts';
import { cancelBatchRoute, createBatchRoute, getBatchRoute } from './batch-spec.ts';
import { jsonBody } from './body.ts';
import type { ApiDeps } from './deps.ts';
import { baseUrlOf, json, type ApiEnv } from './http.ts';
import { checkTopic, checkUrls, refusal, requestHash, unspeakable } from './submission.ts';
import { ownedTemplate } from './templates.ts';

/** Items checked (URLs resolved, moods looked up) or renders asked for at once. */
const PARALLEL = 8;

/** An item's check, its failure's fields named under `items.<i>.`. */
async function itemProblems(index: number, check: () => Promise<void> | void): Promise<ErrorDetail[]> {
  try {
    await check();
    return [];
  } catch (err) {
    if (!(err instanceof AppError) || !err.details) throw err;
    return err.details.map((d) => ({ path: `items.${index}.${d.path}`, message: d.message }));
  }
}

export function mountBatches(app: OpenAPIHono<ApiEnv>, deps: ApiDeps): void {
  const { cfg, store, batches } = deps;
  const auth = deps.keys.required();

  async function ownedBatch(c: Context<ApiEnv>, id: string): Promise<BatchRecord> {
    const b = await batches.get(id);
    if (!b || (deps.keys.enabled && b.owner !== c.get('owner'))) throw notFound(`batch ${id}`);
    return b;
  }

  const view = async (c: Context<ApiEnv>, b: BatchRecord) =>
    toBatchView(b, await store.getMany(b.items.map((i) => i.task_id)), deps.blobs, cfg.SIGNED_URL_TTL_S, baseUrlOf(c, cfg.PUBLIC_URL));

  app.openapi({ ...createBatchRoute, middleware: [auth, jsonBody(cfg.MAX_BODY_BYTES)] as const }, async (c) => {
    const owner = c.get('owner');
    c.req.valid('json');
    // The body as sent: items are merged over the defaults field by field, with no default of the
    // schema filled in yet (the schema above checked each field's shape).
    const sent = (await c.req.json()) as BatchBody;
    const idempotencyKey = c.req.valid('header')['idempotency-key'] ?? null;
    const n = sent.items.length;
    const beyond = beyondLimits(n, deps.limits);
    if (beyond) {
      throw new AppError('batch_too_large', 422, `${n} items are more than ${beyond.setting} (${beyond.limit}) ever allows this key at once; split the batch`, {
        details: [{ path: 'items', message: `at most ${beyond.limit} items (${beyond.setting})` }],
      });
    }

    const templates = new Map<string, Record<string, unknown>>();
    for (const id of batchTemplateIds(sent)) {
      const t = await ownedTemplate(deps, owner, id);
      if (t) templates.set(id, t.settings);
    }
    const merged = batchRequests(sent, templates);
    if (!merged.ok) throw invalid(merged.details);
    const items = merged.items;
    // What a single submit checks, item by item; every problem of every item at once.
    const problems = (
      await mapLimit(items, PARALLEL, ({ index, request }) =>
        itemProblems(index, async () => {
          checkTopic(request, deps.scripts);
          const silent = unspeakable(request);
          if (silent.length) throw invalid(silent);
          await checkUrls(request, cfg.ALLOW_PRIVATE_URLS, cfg.ALLOWED_URL_PORTS);
          await checkMusicMood(deps.music, request.music);
        }),
      )
    ).flat();
    if (problems.length) throw invalid(problems);
    const bytes = requestsBytes(items);
    if (bytes > MAX_BATCH_REQUEST_BYTES) {
      throw invalid([{ path: 'items', message: `the items' requests, each with the defaults in it, come to ${Math.ceil(bytes / 1024)} KiB; the limit is ${MAX_BATCH_REQUEST_BYTES / 1024} KiB: split the batch` }]);
    }

    const now = new Date();
    const batchId = randomUUID();
    const tasks = items.map(({ index, request }) => newTask({ id: randomUUID(), owner, request, now, retentionDays: cfg.RETENTION_DAYS, batch: { id: batchId, index } }));
    const batch = newBatch({
      id: batchId,
      owner,
      taskIds: tasks.map((t) => t.id),
      callbackUrl: sent.callback_url ?? null,
      metadata: sent.metadata ?? null,
      now,
      retentionDays: cfg.RETENTION_DAYS,
      idempotencyKey,
      requestHash: idempotencyKey ? requestHash(sent) : null,
    });
    const outcome = await store.createBatch(batch, tasks, deps.limits);
    if (outcome.kind === 'refused') throw refusal(outcome);
    if (outcome.kind === 'conflict') {
      throw conflict('idempotency_conflict', `Idempotency-Key was already used with a different body (batch ${outcome.batch.id}); use a new key for a new batch`);
    }
    const made = outcome.batch;
    // As for a single submit: asked for before answering, again for a replay (the queue drops a duplicate).
    const queued = outcome.kind === 'created' ? made.items.map((i) => i.task_id) : (await store.getMany(made.items.map((i) => i.task_id))).filter((t) => t?.status === 'queued').map((t) => t!.id);
    await mapLimit(queued, PARALLEL, (id) => askRender(store, deps.dispatcher, id, deps.log));
    const answer = {
      batch_id: made.id,
      status: batchStatus(made),
      total: made.items.length,
      task_ids: made.items.map((i) => i.task_id),
      status_url: `${baseUrlOf(c, cfg.PUBLIC_URL)}/v1/batches/${made.id}`,
    };
    return outcome.kind === 'created' ? json(c, answer, 202) : json(c, answer, 200);
  });

  app.openapi({ ...getBatchRoute, middleware: [auth] as const }, async (c) => json(c, await view(c, await ownedBatch(c, c.req.valid('param').id)), 200));

  app.openapi({ ...cancelBatchRoute, middleware: [auth] as const }, async (c) => {
    const { id } = c.req.valid('param');
    const before = await ownedBatch(c, id);
    if (before.completed_at) throw conflict('already_finished', `batch ${id} has completed; every item has ended`);
    const ids = before.items.map((i) => i.task_id);
    const cancelled = await mapLimit(ids, PARALLEL, async (taskId) => {
      const t = await store.cancel(taskId);
      deps.stopRunning(taskId);
      return t;
    });
    // The batch hears of every end at once (each cancelled task's word of it then changes nothing);
    // its callback is asked for before answering, as a cancelled task's is.
    const ended = await batches.update(id, (b, now) => {
      const r = b ? itemsEnded(b, cancelled, now) : ({ kind: 'missing' } as const);
      return { write: r.kind === 'recorded' ? r.batch : null, result: r };
    });
    await mapLimit(
      cancelled.filter((t) => t && isFinal(t.status) && t.callback?.state === 'pending'),
      PARALLEL,
      (t) => requestCallback(store, deps.dispatcher, t!.id, deps.log),
    );
    if (ended.kind === 'recorded' && ended.completed && ended.batch.callback) await requestCallback(batches, deps.dispatcher, id, deps.log, batchCallbackJob);
    return json(c, await view(c, await ownedBatch(c, id)), 200);
  });
}
