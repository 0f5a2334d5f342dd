// Fetch a URL named in a request (clip, music) to a file in the task dir: streamed to disk, never
// buffered whole; capped in size (per file, and by the task's scratch budget) and time; at most
// MAX_CONCURRENT_DOWNLOADS at once in the process; retried on transient failures; every redirect
// hop checked against the URL guard, because a public URL may redirect to the metadata server.
import { createWriteStream } from 'node:fs';
import { STATUS_CODES } from 'node:http';
import { rename, rm } from 'node:fs/promises';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { TaskError } from '../errors.ts';
import type { ByteBudget } from '../lib/byte-budget.ts';
import { stage } from '../lib/stage-timings.ts';
import type { Semaphore } from '../lib/semaphore.ts';
import { classifyFailedAttempt, DEFAULT_RETRY_POLICY, FailedAttempt, parseRetryAfter, withRetries, type RetryPolicy } from './retry.ts';
import { describeError } from './describe-error.ts';
import { assertPublicUrl, blockedConnection, guardedFetchOptions } from './url-guard.ts';
import { USER_AGENT } from './user-agent.ts';

export interface DownloadOptions {
  /** The request field the URL came from; every error names it so the caller knows what to fix. */
  field: string;
  maxBytes: number;
  /** Deadline for one attempt, headers and body together. */
  timeoutMs: number;
  /** Retries after the first attempt on network errors, 408, 429 and 5xx. Default 3. */
  retries?: number;
  signal: AbortSignal;
  /** Sent with every hop; the User-Agent defaults to USER_AGENT (CDNs refuse library defaults). */
  headers?: Record<string, string>;
  /** Development switch (ALLOW_PRIVATE_URLS): lets loopback and private addresses through. */
  allowPrivate: boolean;
  /** Ports a URL (and every redirect) may name (ALLOWED_URL_PORTS); 80 and 443 by default. */
  allowedPorts?: readonly number[];
  /** Backoff timing; tests shorten it. */
  retryPolicy?: Partial<Omit<RetryPolicy, 'retries'>>;
  /** The check every hop passes; a seam for tests, which cannot resolve a public name offline. */
  guard?: typeof assertPublicUrl;
  /** The task's scratch budget and the process's download slots; unlimited without. */
  limits?: DownloadLimits;
}

/**
 * What bounds a task's downloads: `budget` is the bytes its downloads may hold in its scratch dir
 * (TASK_SCRATCH_BYTES, one per task: what a finished download holds stays taken until the caller
 * gives it back on deleting the file); `slots` the downloads running at once in the whole process
 * (MAX_CONCURRENT_DOWNLOADS, one shared Semaphore).
 */
export interface DownloadLimits {
  budget: ByteBudget;
  slots: Semaphore;
}

export interface DownloadResult {
  sizeBytes: number;
  contentType: string | null;
}

const MAX_REDIRECTS = 5;

/**
 * Downloads `url` to `destPath`. The bytes go to a sibling `.part` file that is renamed into place
 * only when complete, so `destPath` never holds half a file; the `.part` is removed on any failure.
 */
export function downloadToFile(url: string, destPath: string, opts: DownloadOptions): Promise<DownloadResult> {
  return stage('download', () => download(url, destPath, opts));
}

async function download(url: string, destPath: string, opts: DownloadOptions): Promise<DownloadResult> {
  const policy: RetryPolicy = { ...DEFAULT_RETRY_POLICY, ...opts.retryPolicy, retries: opts.retries ?? 3 };
  const partPath = `${destPath}.part`;
  try {
    const result = await withRetries(() => attempt(url, partPath, opts), {
      policy,
      signal: opts.signal,
      classify: classifyFailedAttempt,
    });
    await rename(partPath, destPath);
    return result;
  } catch (err) {
    await rm(partPath, { force: true });
    if (opts.signal.aborted) throw opts.signal.reason;
    if (err instanceof FailedAttempt) throw err.taskError;
    throw err;
  }
}

async function attempt(url: string, partPath: string, opts: DownloadOptions): Promise<DownloadResult> {
  const { field, limits } = opts;
  // A slot first, so time spent waiting for one is not counted against the download's deadline.
  const release = limits ? await limits.slots.acquire(1, opts.signal) : null;
  const timeout = AbortSignal.timeout(opts.timeoutMs);
  const signal = AbortSignal.any([opts.signal, timeout]);
  let taken = 0;
  try {
    const res = await fetchFollowingRedirects(url, opts, signal);
    const declared = Number(res.headers.get('content-length'));
    if (Number.isFinite(declared) && (declared > opts.maxBytes || (limits && declared > limits.budget.remaining))) {
      await res.body?.cancel().catch(() => {});
      throw declared > opts.maxBytes ? tooLarge(field, opts.maxBytes) : overBudget(field, limits!.budget);
    }
    if (!res.body) throw new FailedAttempt(new TaskError('download_failed', `${field}: the server sent no body`));
    let sizeBytes = 0;
    const cap = new Transform({
      transform(chunk: Buffer, _enc, done) {
        sizeBytes += chunk.length;
        if (sizeBytes > opts.maxBytes) return done(tooLarge(field, opts.maxBytes));
        if (limits && !limits.budget.take(chunk.length)) return done(overBudget(field, limits.budget));
        taken += chunk.length;
        done(null, chunk);
      },
    });
    await pipeline(Readable.fromWeb(res.body as WebReadableStream<Uint8Array>), cap, createWriteStream(partPath), { signal });
    return { sizeBytes, contentType: res.headers.get('content-type') };
  } catch (err) {
    await rm(partPath, { force: true });
    limits?.budget.give(taken);
    if (err instanceof FailedAttempt) throw err;
    if (opts.signal.aborted) throw opts.signal.reason;
    if ((err as NodeJS.ErrnoException).code === 'ENOSPC') {
      // The scratch volume is full (the other task on this instance, or this one's render): passing.
      throw new FailedAttempt(new TaskError('download_failed', `${field}: the worker ran out of scratch space; the task will be retried`, { retryable: true, cause: err }));
    }
    if (err instanceof TaskError) throw new FailedAttempt(err);
    const blocked = blockedConnection(err);
    if (blocked) throw new FailedAttempt(new TaskError('forbidden_url', `${field}: ${blocked.message}; use a public URL`, { cause: err }));
    if (timeout.aborted) {
      throw new FailedAttempt(
        new TaskError('download_timeout', `${field}: the download took longer than ${Math.round(opts.timeoutMs / 1000)} s; use a faster host or a smaller file`, {
          retryable: true,
          cause: err,
        }),
      );
    }
    throw new FailedAttempt(
      new TaskError('download_failed', `${field}: the download failed (${describeError(err)}); check that the URL is reachable`, {
        retryable: true,
        cause: err,
      }),
    );
  } finally {
    release?.();
  }
}

/** fetch with `redirect: 'manual'`, so each hop passes the URL guard before it is requested. */
async function fetchFollowingRedirects(url: string, opts: DownloadOptions, signal: AbortSignal): Promise<Response> {
  const { field } = opts;
  let current = url;
  for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
    // The lookup counts against the attempt's deadline like the transfer does.
    await (opts.guard ?? assertPublicUrl)(current, field, opts.allowPrivate, opts.allowedPorts, { signal });
    const res = await fetch(current, {
      redirect: 'manual',
      signal,
      headers: { 'user-agent': USER_AGENT, ...opts.headers },
      ...guardedFetchOptions(opts.allowPrivate),
    } as RequestInit);
    if (res.status >= 300 && res.status < 400 && res.status !== 304) {
      await res.body?.cancel().catch(() => {});
      const location = res.headers.get('location');
      if (!location) throw new FailedAttempt(new TaskError('download_failed', `${field}: redirect ${res.status} without a Location header`));
      current = new URL(location, current).href;
      continue;
    }
    if (res.ok) return res;
    await res.body?.cancel().catch(() => {});
    const transient = res.status === 408 || res.status === 429 || res.status >= 500;
    throw new FailedAttempt(
      new TaskError(transient ? 'download_unavailable' : 'download_rejected', `${field}: ${refusal(current, res.status, transient)}`, {
        retryable: transient,
      }),
      transient ? parseRetryAfter(res.headers.get('retry-after')) : undefined,
    );
  }
  throw new FailedAttempt(new TaskError('download_failed', `${field}: more than ${MAX_REDIRECTS} redirects; link the file directly`));
}

function overBudget(field: string, budget: ByteBudget): FailedAttempt {
  return new FailedAttempt(
    new TaskError(
      'download_too_large',
      `${field}: the task's downloads may hold ${formatBytes(budget.limit)} in all and ${formatBytes(budget.remaining)} is left; send smaller or fewer files`,
    ),
  );
}

/** What the server refused, in its own terms: the host, the path and the status, no guess at why. */
function refusal(url: string, status: number, transient: boolean): string {
  const { host, pathname } = new URL(url);
  const what = `${host} answered ${status} ${STATUS_CODES[status] ?? ''}`.trimEnd();
  if (transient) return `${what} for ${pathname}; the host is failing or rate-limiting, retry later`;
  if (status === 403) return `${what}: it refused to send ${pathname}; link a file that host lets other services download`;
  if (status === 401) return `${what}: it asks for credentials to send ${pathname}; link a file anyone can download`;
  if (status === 404 || status === 410) return `${what}: ${pathname} is not there; check the URL`;
  return `${what} for ${pathname}; check the URL`;
}

function tooLarge(field: string, maxBytes: number): FailedAttempt {
  return new FailedAttempt(
    new TaskError('download_too_large', `${field}: the file is larger than ${formatBytes(maxBytes)}; send a smaller file`),
  );
}

function formatBytes(n: number): string {
  return n >= 1024 * 1024 ? `${Math.round(n / 1024 / 1024)} MB` : n >= 1024 ? `${Math.round(n / 1024)} KB` : `${n} bytes`;
}
