// What every submit route checks before it stores anything (videos and storyboards alike), and
// how it answers a refusal of the admission limits.
import { createHash, randomUUID } from 'node:crypto';
import type { AdmissionLimits, Refusal } from '../domain/admission.ts';
import { topicWithoutWriter, type WrittenScript } from '../domain/script.ts';
import { newStoryboard, type StoryboardRecord } from '../domain/storyboard.ts';
import { newTask, type LeasedRecord, type NewRecord, type StoryboardChoice, type TaskRecord } from '../domain/task.ts';
import type { VideoRequest } from '../domain/video-request.ts';
import { outputsOf } from '../domain/video-spec.ts';
import { AppError, conflict, invalid, keyQueueFull, queueFull, rateLimited, TaskError, type ErrorDetail } from '../errors.ts';
import { scriptForms } from '../language/spoken-form.ts';
import { FASTEST_CHARS_PER_S, scratchRefusal, type EncodeBound } from '../media/scratch-need.ts';
import { assertPublicUrl, lookedUpHost, resolveHost, type HostLookup } from '../net/url-guard.ts';
import type { RecordStore } from '../platform/ports.ts';
import type { ScriptWriter } from '../providers/ports.ts';

/**
 * Host names one request may make the api resolve: each is a DNS lookup before the answer, and a
 * body could otherwise name some 80 of them (clip_urls, every scene, music, callback).
 */
export const MAX_HOSTS_PER_REQUEST = 10;

/** Refuse, at submission, URLs the worker would refuse later: the client hears it now. */
export async function checkUrls(
  req: Pick<VideoRequest, 'callback_url' | 'music' | 'clip_urls' | 'scenes' | 'watermark' | 'voiceover'>,
  allowPrivate: boolean,
  ports: readonly number[] | undefined,
  opts: { lookup?: HostLookup } = {},
): Promise<void> {
  const urls: [string, string][] = [];
  if (req.callback_url) urls.push(['callback_url', req.callback_url]);
  if (req.music?.url) urls.push(['music.url', req.music.url]);
  if (req.voiceover?.url) urls.push(['voiceover.url', req.voiceover.url]);
  req.clip_urls?.forEach((u, i) => urls.push([`clip_urls.${i}`, u]));
  req.scenes?.forEach((s, i) => s.clip_url && urls.push([`scenes.${i}.clip_url`, s.clip_url]));
  if (req.watermark?.image_url) urls.push(['watermark.image_url', req.watermark.image_url]);
  if (!allowPrivate) refuseTooManyHosts(urls);
  // Each host is looked up once, however many URLs name it.
  const lookups = new Map<string, Promise<string[]>>();
  const base = opts.lookup ?? resolveHost;
  const lookup: HostLookup = (host, signal) => {
    if (!lookups.has(host)) lookups.set(host, base(host, signal));
    return lookups.get(host)!;
  };
  const details: ErrorDetail[] = [];
  await Promise.all(
    urls.map(async ([path, url]) => {
      try {
        await assertPublicUrl(url, path, allowPrivate, ports, { lookup });
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

/**
 * A script, or a scene, that leaves the voice nothing to say once emoji and markdown are taken out
 * (an emoji-only script): refused here, naming its field, rather than accepted and failed later
 * as empty_script. The same forms the pipeline speaks.
 */
export function unspeakable(req: Pick<VideoRequest, 'script_text' | 'scenes' | 'language'>): ErrorDetail[] {
  const says = (text: string) => /[\p{L}\p{N}]/u.test(scriptForms([text], req.language).spoken);
  const message = 'there is nothing to speak once emoji and markdown are taken out; send some words';
  if (req.script_text !== undefined) return says(req.script_text) ? [] : [{ path: 'script_text', message }];
  return (req.scenes ?? []).flatMap((s, i) => (says(s.text) ? [] : [{ path: `scenes.${i}.text`, message }]));
}

/**
 * A video whose render could never fit the worker's scratch (TASK_SCRATCH_BYTES), refused before
 * anything is stored: its length is the storyboard's narration, or the shortest the script can be
 * spoken in (capped by max_duration_s, which the narration never exceeds). The worker would
 * otherwise fill its scratch and fail after the voice and footage were paid for.
 */
export function refuseTooLargeForScratch(
  req: Pick<VideoRequest, 'script_text' | 'scenes' | 'topic' | 'duration_s' | 'language' | 'max_duration_s' | 'aspect_ratio' | 'resolution' | 'outputs'>,
  o: { limitBytes: number; encode: EncodeBound; storyboardDurationS?: number },
): void {
  const texts = req.script_text !== undefined ? [req.script_text] : (req.scenes ?? []).map((s) => s.text);
  // A script still to be written from a topic is as long as it was asked to be (the worker checks the narration again).
  const spokenS = req.topic !== undefined ? (req.duration_s ?? 0) : scriptForms(texts, req.language).spoken.length / FASTEST_CHARS_PER_S;
  const durationS = o.storyboardDurationS ?? Math.min(req.max_duration_s ?? Infinity, spokenS);
  const refused = scratchRefusal({
    durationS,
    frames: outputsOf(req).map((out) => out.frame),
    encode: o.encode,
    limitBytes: o.limitBytes,
    from: o.storyboardDurationS === undefined ? 'script' : 'storyboard',
  });
  if (!refused) return;
  const path = refused.path !== 'script_text' ? refused.path : req.topic !== undefined ? 'duration_s' : req.script_text === undefined ? 'scenes' : refused.path;
  throw new AppError('video_too_large', 422, refused.message, { details: [{ path, message: refused.message }] });
}

/** Before any lookup: a request naming more hosts than MAX_HOSTS_PER_REQUEST is refused at the first one past it. */
function refuseTooManyHosts(urls: [string, string][]): void {
  const hosts = new Set<string>();
  for (const [path, url] of urls) {
    const host = lookedUpHost(url);
    if (!host || hosts.has(host)) continue;
    hosts.add(host);
    if (hosts.size > MAX_HOSTS_PER_REQUEST) {
      throw invalid([
        {
          path,
          message: `the request names more than ${MAX_HOSTS_PER_REQUEST} different hosts in its URLs; serve its clips and music from at most ${MAX_HOSTS_PER_REQUEST} hosts`,
        },
      ]);
    }
  }
}

/**
 * What a submit answers before any check that costs or can change its mind (the URLs' DNS, the
 * music library, a storyboard's expiry): a replayed Idempotency-Key gets its task (or 409 for
 * another body) whatever has changed since, and a key over SUBMITS_PER_MINUTE (or a full queue)
 * is refused before a single lookup. Null: go on and check. create() decides again in its
 * transaction, for submits that race.
 */
export async function answerEarly<R extends LeasedRecord>(
  store: Pick<RecordStore<R>, 'findByIdempotencyKey' | 'previewAdmission'>,
  o: { owner: string | null; idempotencyKey: string | null; body: unknown; limits: AdmissionLimits; what: 'task' | 'storyboard' },
): Promise<R | null> {
  if (o.idempotencyKey) {
    const earlier = await store.findByIdempotencyKey(o.owner, o.idempotencyKey);
    if (earlier) {
      if (earlier.request_hash !== requestHash(o.body)) throw idempotencyConflict(o.what, earlier.id);
      return earlier;
    }
  }
  const refused = await store.previewAdmission(o.owner, o.limits);
  if (refused) throw refusal(refused);
  return null;
}

export function idempotencyConflict(what: 'task' | 'storyboard', id: string): AppError {
  const made = what === 'task' ? 'video' : 'storyboard';
  return conflict('idempotency_conflict', `Idempotency-Key was already used with a different body (${what} ${id}); use a new key for a new ${made}`);
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
