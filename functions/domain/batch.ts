// Batches: up to MAX_BATCH_ITEMS videos asked for at once (POST /v1/batches), each item a video
// request or a topic merged over the batch's defaults (and a template's settings). A batch is
// all or nothing: every item must be valid and every task passes the admission limits in the
// same transaction that creates them with the batch. Each item is an ordinary task; when one ends
// it owes its batch word of it, through the task's callback outbox (task.ts), and the batch
// records the item ended. Once every item has, the batch owes its own callback_url one event,
// through the batch's outbox, delivered like a task's (delivery/deliver.ts). Pure.
import { zodDetails, type ErrorDetail } from '../errors.ts';
import { isFinal, type CallbackOutbox, type FinalStatus, type TaskRecord, type TaskStatus } from './task.ts';
import { isObject, layered } from './request-layers.ts';
import { VideoRequestSchema, type VideoRequest } from './video-request.ts';

export const MAX_BATCH_ITEMS = 100;
/**
 * The requests of one batch, defaults merged into each, as JSON: they are written in one
 * transaction, and Firestore takes at most 10 MiB a request; kept well under it.
 */
export const MAX_BATCH_REQUEST_BYTES = 4 * 1024 * 1024;

/** What a batch says for all of its items: `callback_url` and `metadata` are the batch's, not an item's. */
const BATCH_ONLY = ['callback_url', 'metadata'] as const;

export interface BatchItem {
  task_id: string;
  /** How the item's task ended, once the batch has heard of it; null while it runs. */
  ended: FinalStatus | null;
}

export interface BatchRecord {
  id: string;
  /** Hash of the API key that made it; null when the service runs without keys. */
  owner: string | null;
  created_at: string;
  updated_at: string;
  /** RETENTION_DAYS after it was made, like its tasks. */
  expire_at: string;
  /** Its items in the order sent: item i is task items[i].task_id. */
  items: BatchItem[];
  callback_url: string | null;
  metadata: Record<string, unknown> | null;
  /** When its last item ended; null while any runs. */
  completed_at: string | null;
  /** What its end owes callback_url: one event, `batch.completed`. */
  callback: CallbackOutbox | null;
  idempotency_key: string | null;
  request_hash: string | null;
}

export const BATCH_STATUSES = ['running', 'completed'] as const;
export type BatchStatus = (typeof BATCH_STATUSES)[number];

export const batchStatus = (b: Pick<BatchRecord, 'completed_at'>): BatchStatus => (b.completed_at ? 'completed' : 'running');

/** A batch body's fields besides its items, as sent (validated by the route's schema). */
export interface BatchBody {
  defaults?: Record<string, unknown> | undefined;
  items: Record<string, unknown>[];
  template_id?: string | undefined;
  callback_url?: string | undefined;
  metadata?: Record<string, unknown> | undefined;
}

/** An item as it will be made: its request, merged and validated, and the template it names (the item's own, else the batch's). */
export interface BatchItemRequest {
  index: number;
  request: VideoRequest;
}

/**
 * Every item's request: its template's settings (`templates` maps each template_id to them; the
 * item's own, else the batch's), the batch's defaults, then the item itself, validated as a whole.
 * Either every item's request, or every problem of every item, each path under `items.<i>` (or
 * `defaults.` where the batch's defaults alone are wrong for every item).
 */
export function batchRequests(body: BatchBody, templates: ReadonlyMap<string, Record<string, unknown>>): { ok: true; items: BatchItemRequest[] } | { ok: false; details: ErrorDetail[] } {
  const details: ErrorDetail[] = [];
  const defaults = body.defaults ?? {};
  for (const k of BATCH_ONLY) {
    if (defaults[k] !== undefined) details.push({ path: `defaults.${k}`, message: batchOnly(k) });
  }
  const items: BatchItemRequest[] = [];
  body.items.forEach((item, index) => {
    const own: ErrorDetail[] = [];
    for (const k of BATCH_ONLY) if (item[k] !== undefined) own.push({ path: `items.${index}.${k}`, message: batchOnly(k) });
    const templateId = typeof item.template_id === 'string' ? item.template_id : typeof defaults.template_id === 'string' ? defaults.template_id : (body.template_id ?? null);
    const settings = templateId ? templates.get(templateId) : undefined;
    if (templateId && !settings) own.push({ path: item.template_id !== undefined ? `items.${index}.template_id` : 'template_id', message: unknownTemplate(templateId) });
    if (own.length) return void details.push(...own);
    const merged = layered([settings, withoutBatchFields(defaults)], item);
    if (templateId) merged.template_id = templateId;
    const parsed = VideoRequestSchema.safeParse(merged);
    if (parsed.success) items.push({ index, request: parsed.data });
    else details.push(...zodDetails(parsed.error, ['items', index]));
  });
  return details.length ? { ok: false, details } : { ok: true, items };
}

const batchOnly = (k: string) =>
  k === 'callback_url'
    ? 'a batch sends one callback when every item has ended: set callback_url on the batch, not on its items or defaults'
    : 'metadata belongs to the batch (its callback and GET /v1/batches/{id} echo it): set it on the batch, not on its items or defaults';

export const unknownTemplate = (id: string) => `no template ${id} of this API key; GET /v1/templates lists yours`;

function withoutBatchFields(defaults: Record<string, unknown>): Record<string, unknown> {
  const { callback_url: _c, metadata: _m, ...rest } = defaults;
  return rest;
}

/** The template ids a batch names (its own, its defaults', its items'): each is looked up once. */
export function batchTemplateIds(body: BatchBody): string[] {
  const ids = new Set<string>();
  if (body.template_id) ids.add(body.template_id);
  if (isObject(body.defaults) && typeof body.defaults.template_id === 'string') ids.add(body.defaults.template_id);
  for (const item of body.items) if (typeof item.template_id === 'string') ids.add(item.template_id);
  return [...ids];
}

/** The size of the batch's requests, each with the defaults merged in, as stored: over MAX_BATCH_REQUEST_BYTES is refused. */
export function requestsBytes(items: readonly BatchItemRequest[]): number {
  return items.reduce((n, i) => n + Buffer.byteLength(JSON.stringify(i.request)), 0);
}

export interface NewBatch {
  id: string;
  owner: string | null;
  taskIds: string[];
  callbackUrl: string | null;
  metadata: Record<string, unknown> | null;
  now: Date;
  retentionDays: number;
  idempotencyKey: string | null;
  requestHash: string | null;
}

export function newBatch(b: NewBatch): BatchRecord {
  const now = b.now.toISOString();
  return {
    id: b.id,
    owner: b.owner,
    created_at: now,
    updated_at: now,
    expire_at: new Date(b.now.getTime() + b.retentionDays * 86_400_000).toISOString(),
    items: b.taskIds.map((task_id) => ({ task_id, ended: null })),
    callback_url: b.callbackUrl,
    metadata: b.metadata,
    completed_at: null,
    callback: null,
    idempotency_key: b.idempotencyKey,
    request_hash: b.requestHash,
  };
}

export type ItemEnded =
  /** The batch recorded it (and `completed` says whether that was its last item). */
  | { kind: 'recorded'; batch: BatchRecord; completed: boolean }
  /** Known already, or no such item: nothing to write. */
  | { kind: 'known' }
  | { kind: 'missing' };

/**
 * Item `taskId` of the batch has ended with `status`. Idempotent: a second word of the same end
 * changes nothing. The last item's end completes the batch, which then owes its callback.
 */
export function itemEnded(batch: BatchRecord | null, taskId: string, status: FinalStatus, now: Date): ItemEnded {
  if (!batch) return { kind: 'missing' };
  const i = batch.items.findIndex((it) => it.task_id === taskId);
  if (i < 0 || batch.items[i]!.ended !== null) return { kind: 'known' };
  const items = batch.items.map((it, j) => (j === i ? { ...it, ended: status } : it));
  const completed = items.every((it) => it.ended !== null);
  const at = now.toISOString();
  const next: BatchRecord = { ...batch, items, updated_at: at, ...(completed ? { completed_at: at, callback: oweBatch(batch, now) } : {}) };
  return { kind: 'recorded', batch: next, completed };
}

/** The items' ends the batch records at once (a cancelled batch): the tasks as they stand now. */
export function itemsEnded(batch: BatchRecord, tasks: readonly (Pick<TaskRecord, 'id' | 'status'> | null)[], now: Date): ItemEnded {
  let b = batch;
  let recorded = false;
  let completed = false;
  for (const t of tasks) {
    if (!t || !isFinal(t.status)) continue;
    const r = itemEnded(b, t.id, t.status as FinalStatus, now);
    if (r.kind !== 'recorded') continue;
    b = r.batch;
    recorded = true;
    completed ||= r.completed;
  }
  return recorded ? { kind: 'recorded', batch: b, completed } : { kind: 'known' };
}

/** The end of a batch owes its callback_url one event; a batch without one owes nothing. */
function oweBatch(batch: BatchRecord, now: Date): CallbackOutbox | null {
  if (!batch.callback_url) return null;
  return {
    delivery_id: `${batch.id}.completed`,
    event: 'batch.completed',
    state: 'pending',
    attempts: 0,
    last_status: null,
    last_error: null,
    created_at: now.toISOString(),
    last_attempt_at: null,
    jobs: 0,
    sender: null,
    sending_until: null,
  };
}

/** Items by the status of their tasks (a task gone past its retention counts as failed). */
export function countsOf(statuses: readonly TaskStatus[]): Record<TaskStatus, number> {
  const counts: Record<TaskStatus, number> = { queued: 0, processing: 0, completed: 0, failed: 0, cancelled: 0 };
  for (const s of statuses) counts[s]++;
  return counts;
}
