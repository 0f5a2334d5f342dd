// What every submit route checks before it stores anything (videos and storyboards alike), and
// how it answers a refusal of the admission limits.
import { createHash, randomUUID } from 'node:crypto';
import type { Refusal } from '../domain/admission.ts';
import { topicWithoutWriter, type WrittenScript } from '../domain/script.ts';
import { newStoryboard, type StoryboardRecord } from '../domain/storyboard.ts';
import { newTask, type NewRecord, type StoryboardChoice, type TaskRecord } from '../domain/task.ts';
import type { VideoRequest } from '../domain/video-request.ts';
import { AppError, invalid, keyQueueFull, queueFull, rateLimited, TaskError, type ErrorDetail } from '../errors.ts';
import { assertPublicUrl } from '../net/url-guard.ts';
import type { ScriptWriter } from '../providers/ports.ts';

/** Refuse, at submission, URLs the worker would refuse later: the client hears it now. */
export async function checkUrls(
  req: Pick<VideoRequest, 'callback_url' | 'music' | 'clip_urls' | 'scenes'>,
  allowPrivate: boolean,
  ports: readonly number[] | undefined,
): Promise<void> {
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

/** A topic needs the service's language model: without one it is refused now, naming the setting. */
export function checkTopic(req: Pick<VideoRequest, 'topic'>, writer: ScriptWriter | null, path = 'topic'): void {
  if (req.topic !== undefined && !writer) throw invalid([topicWithoutWriter(path)]);
}

export function refusal(r: Refusal): AppError {
  if (r.reason === 'rate_limited') return rateLimited(r.retryAfterS);
  return r.reason === 'key_queue_full' ? keyQueueFull(r.retryAfterS) : queueFull(r.retryAfterS);
}

interface Submit {
  owner: string | null;
  request: VideoRequest;
  retentionDays: number;
  idempotencyKey: string | null;
  /** The body as sent: its hash answers a replayed Idempotency-Key. */
  body: unknown;
  /** Written already (a video made from a storyboard whose script was written from its topic). */
  script?: WrittenScript | null;
}

/** A new video's task for a submit; `from` when it renders a storyboard (storyboard_id). */
export function submittedTask(o: Submit, from: StoryboardChoice | null = null): TaskRecord {
  return newTask({ ...submitted(o), fromStoryboard: from });
}

/** A new storyboard for a submit. */
export function submittedStoryboard(o: Submit): StoryboardRecord {
  return newStoryboard(submitted(o));
}

/** A new record of either kind, with its Idempotency-Key and the hash of the body as sent. */
function submitted(o: Submit): NewRecord {
  return {
    id: randomUUID(),
    owner: o.owner,
    request: o.request,
    now: new Date(),
    retentionDays: o.retentionDays,
    idempotencyKey: o.idempotencyKey,
    requestHash: o.idempotencyKey ? requestHash(o.body) : null,
    script: o.script ?? null,
  };
}

/** Same body, same hash, whatever the key order. */
export function requestHash(body: unknown): string {
  const canonical = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(canonical)
      : v && typeof v === 'object'
        ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b)).map(([k, x]) => [k, canonical(x)]))
        : v;
  return createHash('sha256').update(JSON.stringify(canonical(body))).digest('hex');
}
