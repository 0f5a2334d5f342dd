// Stock footage from the Pexels Videos API: search (broadening the query when it finds too little),
// pick the smallest rendition that still fills the output frame, choose clips with the request's
// seed, then download them in parallel, probe each and replace any that is broken.
import { rm } from 'node:fs/promises';
import { join } from 'node:path';

import { TaskError } from '../errors.ts';
import type { Logger } from '../log.ts';
import { probeInput } from '../media/probe.ts';
import type { MediaTools } from '../media/tools.ts';
import { downloadToFile, type DownloadLimits } from '../net/download.ts';
import type { FootageProvider, FootageRequest, FootageResult } from './ports.ts';
import { DEFAULT_RETRY_POLICY, parseRetryAfter, withRetries, type RetryPolicy } from '../net/retry.ts';
import { seededRandom, shuffle } from '../lib/seeded-random.ts';
import type { Credit, SourceClip } from '../domain/media.ts';
import { describeError } from '../net/describe-error.ts';
import { mapLimit } from '../lib/concurrency.ts';
import { stage } from '../lib/stage-timings.ts';
import { USER_AGENT } from '../net/user-agent.ts';
import { SlidingWindowLimit, TtlCache, untilAborted } from '../lib/ttl-cache.ts';

/** Pexels' edge refuses library default user agents (python-requests, undici's "node"): say who we are. */
export const PEXELS_DEFAULT_USER_AGENT = USER_AGENT;
const MAX_PER_PAGE = 80;

export interface PexelsLimits {
  /** Largest clip file accepted. */
  maxDownloadBytes: number;
  downloadTimeoutMs: number;
  /** Downloads running at once per find(). */
  downloadConcurrency: number;
  /** Deadline for one search request. */
  searchTimeoutMs: number;
  /** Pages read per query before broadening instead. */
  maxPagesPerQuery: number;
  /** Clips shorter than this are not worth a cut. */
  minClipS: number;
  /** Longer videos are skipped: a few seconds of them are used, but every byte is downloaded. */
  maxClipS: number;
}

export const DEFAULT_PEXELS_LIMITS: PexelsLimits = {
  maxDownloadBytes: 150 * 1024 * 1024,
  downloadTimeoutMs: 120_000,
  downloadConcurrency: 3,
  searchTimeoutMs: 20_000,
  maxPagesPerQuery: 2,
  minClipS: 1,
  maxClipS: 120,
};

export interface PexelsOptions {
  apiKey: string;
  /** PEXELS_BASE_URL. */
  baseUrl: string;
  tools: MediaTools;
  userAgent?: string;
  /** Results per search page, at most 80 (Pexels' maximum; fewer requests against the hourly limit). */
  perPage?: number;
  /** The last resort before giving up on Pexels. */
  genericQuery?: string;
  limits?: Partial<PexelsLimits>;
  retry?: Partial<RetryPolicy>;
  /** Lets clip links reach loopback/private addresses (tests against the fake, development). */
  allowPrivate?: boolean;
  log?: Logger;
  random?: () => number;
  /** Searches this process makes per hour at most: Pexels allows 200 an hour per key by default. */
  hourlyLimit?: number;
  /** How long a search answer is reused; Pexels asks clients to cache. */
  cacheTtlMs?: number;
  /** Clock of the cache and the hourly window (tests). */
  now?: () => number;
}

/** Pexels' default request limit per key and hour (its API guidelines); more is granted on request. */
export const PEXELS_HOURLY_LIMIT = 200;
const HOUR_MS = 3_600_000;

/** The monthly quota as Pexels last reported it (X-Ratelimit-* come on 2xx answers only). */
export interface PexelsQuota {
  limit: number | null;
  remaining: number | null;
  /** Epoch ms when the monthly period rolls over. */
  resetAt: number | null;
}

interface PexelsVideoFile {
  id?: number;
  quality?: string | null;
  file_type?: string | null;
  width?: number | null;
  height?: number | null;
  link?: string | null;
}

interface PexelsVideo {
  id: number;
  width?: number;
  height?: number;
  url?: string;
  duration?: number;
  user?: { name?: string; url?: string } | null;
  video_files?: PexelsVideoFile[];
}

interface Candidate {
  videoId: number;
  /** The search that found it. */
  query: string;
  fileId: number | string;
  link: string;
  width: number;
  height: number;
  declaredS: number;
  credit: Credit;
}

type SearchOutcome = { ok: true; videos: PexelsVideo[]; hasNext: boolean } | { ok: false; warning: string };

class AttemptFailure extends Error {
  readonly kind: 'rate_limited' | 'unavailable' | 'timeout' | 'rejected';
  readonly retryAfterMs: number | undefined;
  constructor(kind: AttemptFailure['kind'], message: string, retryAfterMs?: number) {
    super(message);
    this.kind = kind;
    this.retryAfterMs = retryAfterMs;
  }
}

export class PexelsFootage implements FootageProvider {
  readonly name = 'pexels';
  private readonly apiKey: string;
  private readonly baseUrl: string;
  private readonly tools: MediaTools;
  private readonly userAgent: string;
  private readonly perPage: number;
  private readonly genericQuery: string;
  private readonly limits: PexelsLimits;
  private readonly policy: RetryPolicy;
  private readonly allowPrivate: boolean;
  private readonly log: Logger | undefined;
  private readonly random: () => number;
  private quotaState: PexelsQuota = { limit: null, remaining: null, resetAt: null };
  /** Set when the quota ran out: until then searches are not even tried. */
  private exhaustedUntil = 0;
  private readonly now: () => number;
  /** Answers by query, orientation and page: the same search is not asked twice within the TTL. */
  private readonly searches: TtlCache<SearchOutcome>;
  private readonly hourly: SlidingWindowLimit;

  constructor(opts: PexelsOptions) {
    if (!opts.apiKey) throw new Error('PexelsFootage needs an apiKey');
    this.apiKey = opts.apiKey;
    this.baseUrl = opts.baseUrl.replace(/\/+$/, '');
    this.tools = opts.tools;
    this.userAgent = opts.userAgent ?? PEXELS_DEFAULT_USER_AGENT;
    this.perPage = Math.max(1, Math.min(MAX_PER_PAGE, opts.perPage ?? MAX_PER_PAGE));
    this.genericQuery = opts.genericQuery ?? 'nature';
    this.limits = { ...DEFAULT_PEXELS_LIMITS, ...opts.limits };
    // A rate-limited search is better answered by other footage soon than by Pexels much later.
    this.policy = { ...DEFAULT_RETRY_POLICY, retries: 2, maxRetryAfterMs: 30_000, ...opts.retry };
    this.allowPrivate = opts.allowPrivate ?? false;
    this.log = opts.log;
    this.random = opts.random ?? Math.random;
    this.now = opts.now ?? Date.now;
    const hourlyLimit = opts.hourlyLimit ?? PEXELS_HOURLY_LIMIT;
    // No more answers than searches an hour can make are worth keeping.
    this.searches = new TtlCache({ ttlMs: opts.cacheTtlMs ?? HOUR_MS, maxEntries: hourlyLimit, now: this.now });
    this.hourly = new SlidingWindowLimit(hourlyLimit, HOUR_MS, this.now);
  }

  /** What Pexels last said about the monthly quota. */
  quota(): PexelsQuota {
    return { ...this.quotaState };
  }

  async find(req: FootageRequest, dir: string, signal: AbortSignal): Promise<FootageResult> {
    const warnings: string[] = [];
    const need = { count: Math.max(1, req.count), seconds: Math.max(0, req.minTotalS) };
    if (this.now() < this.exhaustedUntil) {
      return { clips: [], warnings: [`Pexels quota is used up until ${new Date(this.exhaustedUntil).toISOString()}; used other footage`] };
    }

    const pool = await this.searchPool(req, need, signal, warnings);
    if (pool.length === 0) return { clips: [], warnings };

    // Pexels ranks by relevance: the seed shuffles the best few, the rest stay in reserve in rank
    // order to replace clips that fail to download. Clips the owner's recent videos used come last.
    const recent = req.context?.recent;
    const fresh = recent ? pool.filter((c) => !recent.has(clipId(c))) : pool;
    const stale = recent ? pool.filter((c) => recent.has(clipId(c))) : [];
    const window = Math.max(need.count * 3, 12);
    const order = [...shuffle(fresh.slice(0, window), seededRandom(req.seed)), ...fresh.slice(window), ...stale];
    const clips = await this.downloadEnough(order, need, req, dir, signal);

    const total = clips.reduce((s, c) => s + c.durationS, 0);
    if (clips.length === 0) {
      warnings.push(`no Pexels clip for "${req.query}" could be downloaded; used other footage`);
    } else if (total < need.seconds) {
      warnings.push(`Pexels had ${total.toFixed(1)} s of usable footage for "${req.query}" where ${need.seconds.toFixed(1)} s were needed; the rest comes from other footage`);
    }
    return { clips, warnings };
  }

  /**
   * Candidates from the query, then its fallbacks (or broader forms of it), each in the frame's
   * orientation and then in the other one (cover-cropped by the renderer), until they could cover
   * the request. Clips another part of the video took do not count.
   */
  private async searchPool(req: FootageRequest, need: { count: number; seconds: number }, signal: AbortSignal, warnings: string[]): Promise<Candidate[]> {
    const pool: Candidate[] = [];
    const seen = new Set<number>();
    const taken = req.context?.taken;
    const covers = (factor: number) => {
      const usable = taken ? pool.filter((c) => !taken.has(clipId(c))) : pool;
      return usable.length >= Math.ceil(need.count * factor) && usable.reduce((s, c) => s + c.declaredS, 0) >= need.seconds * factor;
    };
    const queries = req.fallbacks ? [...new Set([req.query, ...req.fallbacks])] : broaderQueries(req.query, this.genericQuery);
    const orientations = [req.orientation, ...OTHER_ORIENTATIONS[req.orientation]];
    for (const [qi, query] of queries.entries()) {
      for (const [oi, orientation] of orientations.entries()) {
        for (let page = 1; page <= this.limits.maxPagesPerQuery; page++) {
          const outcome = await stage('footage_search', () => this.search(query, page, orientation, signal, req));
          if (!outcome.ok) {
            warnings.push(outcome.warning);
            return pool;
          }
          for (const v of outcome.videos) {
            if (seen.has(v.id)) continue;
            const c = candidateOf(v, query, req.width, req.height, this.limits);
            if (!c) continue;
            seen.add(v.id);
            pool.push(c);
          }
          // Spare candidates (×1.5) replace broken downloads; a further page is cheaper than a worse query.
          if (covers(1.5) || !outcome.hasNext) break;
        }
        if (covers(1)) {
          if (oi > 0) warnings.push(`Pexels had too few ${req.orientation} videos for "${query}"; used ${orientation} ones, cropped to the frame`);
          break;
        }
      }
      if (covers(1)) {
        if (qi > 0) warnings.push(`Pexels found too little for "${req.query}"; used the ${req.fallbacks ? 'topic' : 'broader'} query "${query}"`);
        return pool;
      }
    }
    warnings.push(
      pool.length === 0
        ? `Pexels found no usable video for "${req.query}" (nor for ${req.fallbacks ? 'the topic' : 'broader queries'}); used other footage`
        : `Pexels found only ${pool.length} usable video(s) for "${req.query}" and ${req.fallbacks ? 'the topic' : 'broader queries'}; the rest comes from other footage`,
    );
    return pool;
  }

  /**
   * One search page. Answers are cached (and a search in flight is shared) for the cache TTL;
   * a search that reaches Pexels counts against the video's budget and this process's hourly limit.
   */
  private search(query: string, page: number, orientation: FootageRequest['orientation'], signal: AbortSignal, req: FootageRequest): Promise<SearchOutcome> {
    const key = `${orientation}|${page}|${query.trim().toLowerCase().replace(/\s+/g, ' ')}`;
    const cached = this.searches.get(key);
    if (cached) return untilAborted(cached, signal);
    if (this.now() < this.exhaustedUntil) {
      return Promise.resolve({ ok: false, warning: `Pexels quota is used up until ${new Date(this.exhaustedUntil).toISOString()}; used other footage` });
    }
    const ctx = req.context;
    if (ctx && ctx.searchesLeft <= 0) {
      return Promise.resolve({ ok: false, warning: `this video used all the Pexels searches it may make (PEXELS_SEARCHES_PER_VIDEO); used other footage for "${req.query}"` });
    }
    const slot = this.hourly.take();
    if (!slot.ok) {
      return Promise.resolve({ ok: false, warning: `Pexels' hourly request limit is used up until ${new Date(slot.retryAt).toISOString()}; used other footage` });
    }
    if (ctx) ctx.searchesLeft--;
    const url = new URL(`${this.baseUrl}/videos/search`);
    url.searchParams.set('query', query);
    url.searchParams.set('orientation', orientation);
    url.searchParams.set('per_page', String(this.perPage));
    url.searchParams.set('page', String(page));
    // Not tied to this task's signal: another task may be waiting for the same answer.
    const outcome = this.searches.set(key, this.searchWithRetries(url.href), (o) => o.ok);
    return untilAborted(outcome, signal);
  }

  private async searchWithRetries(url: string): Promise<SearchOutcome> {
    const signal = new AbortController().signal;
    try {
      return await withRetries(() => this.searchOnce(url, signal), {
        policy: this.policy,
        signal,
        random: this.random,
        classify: (err) => {
          if (!(err instanceof AttemptFailure) || err.kind === 'rejected') return { retry: false };
          // The monthly quota is gone: waiting a few seconds will not bring it back.
          if (err.kind === 'rate_limited' && this.quotaState.remaining === 0) return { retry: false };
          return { retry: true, retryAfterMs: err.retryAfterMs };
        },
        onRetry: ({ attempt, delayMs, error }) =>
          this.log?.warn({ provider: this.name, attempt: attempt + 1, delayMs, err: (error as Error).message }, 'Pexels search failed; retrying'),
      });
    } catch (err) {
      if (!(err instanceof AttemptFailure)) throw err;
      if (err.kind === 'rate_limited') {
        const resetAt = this.quotaState.remaining === 0 && this.quotaState.resetAt ? this.quotaState.resetAt : this.now() + 60_000;
        this.exhaustedUntil = resetAt;
        return {
          ok: false,
          warning:
            this.quotaState.remaining === 0
              ? `Pexels monthly quota is used up (resets ${new Date(resetAt).toISOString()}); used other footage`
              : `Pexels is rate-limiting this key (429); used other footage`,
        };
      }
      return { ok: false, warning: `Pexels search failed (${err.message}); used other footage` };
    }
  }

  private async searchOnce(url: string, signal: AbortSignal): Promise<SearchOutcome> {
    const timeout = AbortSignal.timeout(this.limits.searchTimeoutMs);
    let res: Response;
    let text: string;
    try {
      res = await fetch(url, {
        headers: { authorization: this.apiKey, 'user-agent': this.userAgent, accept: 'application/json' },
        signal: AbortSignal.any([signal, timeout]),
      });
      text = await res.text();
    } catch (err) {
      if (timeout.aborted) throw new AttemptFailure('timeout', `no answer within ${Math.round(this.limits.searchTimeoutMs / 1000)} s`);
      throw new AttemptFailure('unavailable', `cannot reach Pexels: ${describeError(err)}`);
    }
    if (res.status === 401 || res.status === 403) {
      throw new TaskError(
        'footage_auth_failed',
        `Pexels refused the request (${res.status}); check PEXELS_API_KEY (sent as "Authorization: <key>") ` +
          `and that the User-Agent is not a library default, which Pexels' edge blocks`,
        { detail: `Pexels answered ${res.status}${errorText(text)}` },
      );
    }
    if (res.status === 429) {
      throw new AttemptFailure('rate_limited', `Pexels answered 429${errorText(text)}`, parseRetryAfter(res.headers.get('retry-after')));
    }
    if (res.status >= 500 || res.status === 408) {
      throw new AttemptFailure('unavailable', `Pexels answered ${res.status}${errorText(text)}`, parseRetryAfter(res.headers.get('retry-after')));
    }
    if (!res.ok) throw new AttemptFailure('rejected', `Pexels answered ${res.status}${errorText(text)}`);
    this.readQuota(res.headers);
    let body: { videos?: unknown; next_page?: unknown };
    try {
      body = JSON.parse(text) as typeof body;
    } catch {
      throw new AttemptFailure('unavailable', 'Pexels answered 200 with a body that is not JSON');
    }
    if (!Array.isArray(body.videos)) throw new AttemptFailure('unavailable', 'Pexels answered 200 without a videos list');
    const videos = body.videos.filter((v): v is PexelsVideo => !!v && typeof v === 'object' && typeof (v as PexelsVideo).id === 'number');
    return { ok: true, videos, hasNext: typeof body.next_page === 'string' && body.next_page.length > 0 };
  }

  private readQuota(h: Headers): void {
    const num = (name: string) => {
      const v = h.get(name);
      const n = v === null ? NaN : Number(v);
      return Number.isFinite(n) ? n : null;
    };
    const limit = num('x-ratelimit-limit');
    const remaining = num('x-ratelimit-remaining');
    const reset = num('x-ratelimit-reset');
    if (limit === null && remaining === null && reset === null) return;
    this.quotaState = { limit, remaining, resetAt: reset === null ? null : reset * 1000 };
    // This answer still counts; the next request would get 429 until the period rolls over.
    if (remaining === 0 && this.quotaState.resetAt) this.exhaustedUntil = this.quotaState.resetAt;
    if (remaining !== null && remaining < Math.max(10, (limit ?? 0) * 0.02)) {
      this.log?.warn({ provider: this.name, ...this.quotaState }, 'Pexels monthly quota is nearly used up');
    }
  }

  /**
   * Downloads candidates in order, `downloadConcurrency` at a time, until the accepted ones cover
   * the request; a candidate that fails (too big, unreachable, not a readable video) is replaced
   * by the next one.
   */
  private async downloadEnough(
    order: Candidate[],
    need: { count: number; seconds: number },
    req: FootageRequest,
    dir: string,
    signal: AbortSignal,
  ): Promise<SourceClip[]> {
    const accepted: SourceClip[] = [];
    const taken = req.context?.taken;
    let next = 0;
    while (next < order.length) {
      const have = accepted.reduce((s, c) => s + c.durationS, 0);
      if (accepted.length >= need.count && have >= need.seconds) break;
      const batch: Candidate[] = [];
      let planned = have;
      while (next < order.length && (accepted.length + batch.length < need.count || planned < need.seconds)) {
        const c = order[next++] as Candidate;
        // Claimed when chosen, so parts of the video searching at the same time never share a clip.
        if (taken?.has(clipId(c))) continue;
        taken?.add(clipId(c));
        batch.push(c);
        planned += c.declaredS;
      }
      const results = await mapLimit(batch, this.limits.downloadConcurrency, (c) => this.fetchClip(c, req.seed, dir, signal, req.context?.downloads));
      for (const r of results) if (r) accepted.push(r);
    }
    return accepted;
  }

  /** One clip on disk and probed, or null when it is unusable (the reason is logged). */
  private async fetchClip(c: Candidate, seed: number, dir: string, signal: AbortSignal, downloads: DownloadLimits | undefined): Promise<SourceClip | null> {
    // The seed keeps two scenes of one task (different seeds) from writing the same file at once.
    const path = join(dir, `pexels-${c.videoId}-${c.fileId}-s${seed >>> 0}.mp4`);
    let sizeBytes = 0;
    try {
      ({ sizeBytes } = await downloadToFile(c.link, path, {
        ...(downloads ? { limits: downloads } : {}),
        field: `Pexels video ${c.videoId}`,
        maxBytes: this.limits.maxDownloadBytes,
        timeoutMs: this.limits.downloadTimeoutMs,
        retries: 2,
        signal,
        headers: { 'user-agent': this.userAgent },
        allowPrivate: this.allowPrivate,
        retryPolicy: { baseDelayMs: this.policy.baseDelayMs, maxDelayMs: this.policy.maxDelayMs },
      }));
      const info = await probeInput(this.tools, path, 'video', signal);
      if (info.durationS < Math.min(this.limits.minClipS, 0.5)) {
        throw new TaskError('unreadable_media', `Pexels video ${c.videoId} has no usable video stream`);
      }
      const keyframes = info.keyframesS ? { keyframesS: info.keyframesS } : {};
      return { kind: 'file', path, durationS: info.durationS, width: info.width, height: info.height, credit: c.credit, id: clipId(c), query: c.query, ...keyframes };
    } catch (err) {
      await rm(path, { force: true });
      downloads?.budget.give(sizeBytes);
      if (signal.aborted) throw signal.reason;
      this.log?.warn({ provider: this.name, videoId: c.videoId, link: c.link, err: (err as Error).message }, 'Pexels clip skipped');
      return null;
    }
  }
}

/** The query, then fewer of its words (the first are the most telling), then a generic one. */
export function broaderQueries(query: string, generic: string): string[] {
  const words = query.trim().split(/\s+/).filter(Boolean);
  const out = [words.join(' ')];
  if (words.length > 2) out.push(words.slice(0, 2).join(' '));
  if (words.length > 1) out.push(words[0] as string);
  out.push(generic);
  return [...new Set(out.filter(Boolean))];
}

/** A rendition this many times the frame's pixels is a download out of all proportion to what is shown. */
const MAX_AREA_FACTOR = 4;
/** Upscaling the shown part by up to this much is preferred to such a download. */
const MAX_UPSCALE = 1.5;
/**
 * A rendition that fills the frame without upscaling at no more than this many times the frame's
 * pixels is simply the frame's size (or near it): it is taken.
 */
const NEAR_AREA_FACTOR = 2;
/**
 * Otherwise (a source of the other orientation: the frame shows a third of a landscape file's
 * width), a smaller rendition whose crop fills the frame within this upscale is taken instead of
 * the larger one that covers it: the decoder pays for every pixel of the rendition in every frame,
 * and a third more resolution is hard to see after x264 (a 2560x1440 source at 1080x1920 against
 * the 3840x2160 one: SSIM 0.995, 38 dB, for 2.25 times fewer pixels to decode; BENCHMARKS.md,
 * issue 22).
 */
const FILL_UPSCALE = 1.34;

/**
 * The rendition to download for a width×height frame, chosen by the crop it has to fill (the
 * renderer shows the rendition's centre crop to the frame's shape): one that fills the frame
 * without upscaling at no more than twice its pixels; else the smallest whose crop fills it within
 * a third of upscale (a 2560x1440 file for a 1080x1920 frame rather than the 3840x2160 one, a
 * 1920x1080 file for 720x1280 rather than 2560x1440). Failing that, the smallest that fills it
 * without upscaling, unless that is more than four times the frame's pixels: then one needing at
 * most a 1.5× upscale. When nothing covers, the largest there is. HLS playlists and entries
 * without sizes are not files we can cut.
 */
export function pickRendition(files: readonly PexelsVideoFile[], width: number, height: number): PexelsVideoFile | null {
  const usable = files.filter(
    (f) =>
      f.quality !== 'hls' &&
      typeof f.width === 'number' && f.width > 0 &&
      typeof f.height === 'number' && f.height > 0 &&
      typeof f.link === 'string' && /^https?:\/\//.test(f.link) && !/\.m3u8(\?|$)/i.test(f.link) &&
      (f.file_type == null || f.file_type.startsWith('video/')),
  );
  const w = (f: PexelsVideoFile) => f.width as number;
  const h = (f: PexelsVideoFile) => f.height as number;
  const area = (f: PexelsVideoFile) => w(f) * h(f);
  const covers = (f: PexelsVideoFile, upscale: number) =>
    Math.min(w(f), (h(f) * width) / height) * upscale >= width && Math.min(h(f), (w(f) * height) / width) * upscale >= height;
  const smallest = (list: PexelsVideoFile[]) => list.reduce<PexelsVideoFile | null>((a, b) => (!a || area(b) < area(a) ? b : a), null);
  return (
    smallest(usable.filter((f) => covers(f, 1) && area(f) <= NEAR_AREA_FACTOR * width * height)) ??
    smallest(usable.filter((f) => covers(f, FILL_UPSCALE))) ??
    smallest(usable.filter((f) => covers(f, 1) && area(f) <= MAX_AREA_FACTOR * width * height)) ??
    smallest(usable.filter((f) => covers(f, MAX_UPSCALE))) ??
    smallest(usable.filter((f) => covers(f, 1))) ??
    usable.reduce<PexelsVideoFile | null>((a, b) => (!a || area(b) > area(a) ? b : a), null)
  );
}

const OTHER_ORIENTATIONS: Record<FootageRequest['orientation'], FootageRequest['orientation'][]> = {
  portrait: ['landscape'],
  landscape: ['portrait'],
  square: ['landscape', 'portrait'],
};

/** A Pexels video's identity across tasks (freshness) and within one (no clip twice). */
const clipId = (c: Candidate) => `pexels:${c.videoId}`;

function candidateOf(v: PexelsVideo, query: string, width: number, height: number, limits: PexelsLimits): Candidate | null {
  const declaredS = typeof v.duration === 'number' ? v.duration : 0;
  if (declaredS < limits.minClipS || declaredS > limits.maxClipS) return null;
  const file = pickRendition(v.video_files ?? [], width, height);
  if (!file) return null;
  return {
    videoId: v.id,
    query,
    fileId: file.id ?? `${file.width}x${file.height}`,
    link: file.link as string,
    width: file.width as number,
    height: file.height as number,
    declaredS,
    credit: {
      provider: 'pexels',
      author: v.user?.name ?? null,
      author_url: v.user?.url ?? null,
      video_url: v.url ?? null,
    },
  };
}

/** Pexels errors are `{"error": "..."}` (or `{"status":404,"error":...}`); anything else is shown trimmed. */
function errorText(text: string): string {
  try {
    const e = (JSON.parse(text) as { error?: unknown }).error;
    if (typeof e === 'string' && e) return `: ${e}`;
  } catch {
    /* not JSON */
  }
  const t = text.trim().slice(0, 200);
  return t ? `: ${t}` : '';
}
