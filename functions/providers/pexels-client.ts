// The Pexels API as this process uses it: one client per key, shared by the video and the photo
// searches, because Pexels counts both against the same hourly and monthly limits. It sends the
// raw key and a descriptive User-Agent, caches answers (Pexels asks clients to), keeps under the
// hourly limit, reads the monthly quota from X-Ratelimit-* on 2xx answers, and retries what
// waiting can fix.
import { TaskError } from '../errors.ts';
import type { Logger } from '../log.ts';
import { SlidingWindowLimit, TtlCache, untilAborted } from '../lib/ttl-cache.ts';
import { describeError } from '../net/describe-error.ts';
import { DEFAULT_RETRY_POLICY, parseRetryAfter, withRetries, type RetryPolicy } from '../net/retry.ts';
import { USER_AGENT } from '../net/user-agent.ts';
import type { FootageContext, FootageRequest } from './ports.ts';

/** Pexels' edge refuses library default user agents (python-requests, undici's "node"): say who we are. */
export const PEXELS_DEFAULT_USER_AGENT = USER_AGENT;
/** Pexels' default request limit per key and hour (its API guidelines); more is granted on request. */
export const PEXELS_HOURLY_LIMIT = 200;
const MAX_PER_PAGE = 80;
const HOUR_MS = 3_600_000;

/**
 * What a search asks for: `videos` is `GET /videos/search` (answers list `videos`), `photos` is
 * `GET /v1/search` (answers list `photos`); the parameters and the envelope are otherwise the same.
 */
export type PexelsMedia = 'videos' | 'photos';
const ENDPOINTS: Record<PexelsMedia, string> = { videos: '/videos/search', photos: '/v1/search' };

export interface PexelsClientOptions {
  apiKey: string;
  /** PEXELS_BASE_URL. */
  baseUrl: string;
  userAgent?: string;
  /** Results per search page, at most 80 (Pexels' maximum; fewer requests against the hourly limit). */
  perPage?: number;
  /** Deadline for one search request. */
  searchTimeoutMs?: number;
  retry?: Partial<RetryPolicy>;
  log?: Logger;
  random?: () => number;
  /** Searches this process makes per hour at most: Pexels allows 200 an hour per key by default. */
  hourlyLimit?: number;
  /** How long a search answer is reused; Pexels asks clients to cache. */
  cacheTtlMs?: number;
  /** Clock of the cache and the hourly window (tests). */
  now?: () => number;
}

/** The monthly quota as Pexels last reported it (X-Ratelimit-* come on 2xx answers only). */
export interface PexelsQuota {
  limit: number | null;
  remaining: number | null;
  /** Epoch ms when the monthly period rolls over. */
  resetAt: number | null;
}

/** One page of a search: its items (not yet checked), or why there is none. */
export type SearchOutcome = { ok: true; items: unknown[]; hasNext: boolean } | { ok: false; warning: string };

class AttemptFailure extends Error {
  readonly kind: 'rate_limited' | 'unavailable' | 'timeout' | 'rejected';
  readonly retryAfterMs: number | undefined;
  constructor(kind: AttemptFailure['kind'], message: string, retryAfterMs?: number) {
    super(message);
    this.kind = kind;
    this.retryAfterMs = retryAfterMs;
  }
}

export class PexelsClient {
  readonly userAgent: string;
  private readonly apiKey: string;
  private readonly baseUrl: string;
  private readonly perPage: number;
  private readonly searchTimeoutMs: number;
  private readonly policy: RetryPolicy;
  private readonly log: Logger | undefined;
  private readonly random: () => number;
  private readonly now: () => number;
  private quotaState: PexelsQuota = { limit: null, remaining: null, resetAt: null };
  /** Set when the quota ran out: until then searches are not even tried. */
  private exhaustedUntil = 0;
  /** Answers by media, query, orientation and page: the same search is not asked twice within the TTL. */
  private readonly searches: TtlCache<SearchOutcome>;
  private readonly hourly: SlidingWindowLimit;

  constructor(opts: PexelsClientOptions) {
    if (!opts.apiKey) throw new Error('PexelsClient needs an apiKey');
    this.apiKey = opts.apiKey;
    this.baseUrl = opts.baseUrl.replace(/\/+$/, '');
    this.userAgent = opts.userAgent ?? PEXELS_DEFAULT_USER_AGENT;
    this.perPage = Math.max(1, Math.min(MAX_PER_PAGE, opts.perPage ?? MAX_PER_PAGE));
    this.searchTimeoutMs = opts.searchTimeoutMs ?? 20_000;
    // A rate-limited search is better answered by other footage soon than by Pexels much later.
    this.policy = { ...DEFAULT_RETRY_POLICY, retries: 2, maxRetryAfterMs: 30_000, ...opts.retry };
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

  /** Why no search should be tried now (the monthly quota is used up), or null. */
  paused(): string | null {
    return this.now() < this.exhaustedUntil ? `Pexels quota is used up until ${new Date(this.exhaustedUntil).toISOString()}; used other footage` : null;
  }

  /** Retry delays for downloads from Pexels' file hosts, the same as the API's. */
  retryDelays(): { baseDelayMs: number; maxDelayMs: number } {
    return { baseDelayMs: this.policy.baseDelayMs, maxDelayMs: this.policy.maxDelayMs };
  }

  /**
   * One search page. Answers are cached (and a search in flight is shared) for the cache TTL;
   * a search that reaches Pexels counts against the video's budget (`context`) and this
   * process's hourly limit. `forQuery` is the part's own query, for warnings.
   */
  search(
    media: PexelsMedia,
    query: string,
    page: number,
    orientation: FootageRequest['orientation'],
    signal: AbortSignal,
    ctx: FootageContext | undefined,
    forQuery: string,
  ): Promise<SearchOutcome> {
    const key = `${media}|${orientation}|${page}|${query.trim().toLowerCase().replace(/\s+/g, ' ')}`;
    const cached = this.searches.get(key);
    if (cached) return untilAborted(cached, signal);
    const paused = this.paused();
    if (paused) return Promise.resolve({ ok: false, warning: paused });
    if (ctx && ctx.searchesLeft <= 0) {
      return Promise.resolve({ ok: false, warning: `this video used all the Pexels searches it may make (PEXELS_SEARCHES_PER_VIDEO); used other footage for "${forQuery}"` });
    }
    const slot = this.hourly.take();
    if (!slot.ok) {
      return Promise.resolve({ ok: false, warning: `Pexels' hourly request limit is used up until ${new Date(slot.retryAt).toISOString()}; used other footage` });
    }
    if (ctx) ctx.searchesLeft--;
    const url = new URL(`${this.baseUrl}${ENDPOINTS[media]}`);
    url.searchParams.set('query', query);
    url.searchParams.set('orientation', orientation);
    url.searchParams.set('per_page', String(this.perPage));
    url.searchParams.set('page', String(page));
    // Not tied to this task's signal: another task may be waiting for the same answer.
    const outcome = this.searches.set(key, this.searchWithRetries(url.href, media), (o) => o.ok);
    return untilAborted(outcome, signal);
  }

  private async searchWithRetries(url: string, media: PexelsMedia): Promise<SearchOutcome> {
    const signal = new AbortController().signal;
    try {
      return await withRetries(() => this.searchOnce(url, media, signal), {
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
          this.log?.warn({ provider: 'pexels', media, attempt: attempt + 1, delayMs, err: (error as Error).message }, 'Pexels search failed; retrying'),
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

  private async searchOnce(url: string, media: PexelsMedia, signal: AbortSignal): Promise<SearchOutcome> {
    const timeout = AbortSignal.timeout(this.searchTimeoutMs);
    let res: Response;
    let text: string;
    try {
      res = await fetch(url, {
        headers: { authorization: this.apiKey, 'user-agent': this.userAgent, accept: 'application/json' },
        signal: AbortSignal.any([signal, timeout]),
      });
      text = await res.text();
    } catch (err) {
      if (timeout.aborted) throw new AttemptFailure('timeout', `no answer within ${Math.round(this.searchTimeoutMs / 1000)} s`);
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
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(text) as Record<string, unknown>;
    } catch {
      throw new AttemptFailure('unavailable', 'Pexels answered 200 with a body that is not JSON');
    }
    const items = body?.[media];
    if (!Array.isArray(items)) throw new AttemptFailure('unavailable', `Pexels answered 200 without a ${media} list`);
    return { ok: true, items, hasNext: typeof body.next_page === 'string' && body.next_page.length > 0 };
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
      this.log?.warn({ provider: 'pexels', ...this.quotaState }, 'Pexels monthly quota is nearly used up');
    }
  }
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
