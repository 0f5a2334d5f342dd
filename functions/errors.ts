// Typed errors: each carries a stable code and the HTTP status it maps to (one handler maps them).
import type { z } from 'zod';

export interface ErrorDetail {
  path: string;
  message: string;
}

/** The fields a zod parse refused, as the API and the CLI name them: `captions.style`, `scenes.0.text`. */
export function zodDetails(error: { issues: readonly z.core.$ZodIssue[] }, prefix: PropertyKey[] = []): ErrorDetail[] {
  return error.issues.flatMap((i): ErrorDetail[] => {
    const at = [...prefix, ...i.path];
    const path = at.map(String).join('.');
    if (i.code === 'unrecognized_keys') {
      // zod's own words ("Unrecognized key") become ours; a schema that words it itself keeps its words.
      const message = i.message.startsWith('Unrecognized key') ? 'unknown field; remove it (see the API reference for accepted fields)' : i.message;
      return i.keys.map((k) => ({ path: path ? `${path}.${k}` : k, message }));
    }
    if (i.code === 'invalid_union') {
      // Report the alternative the client evidently meant: not one that refuses a field the body
      // sends as another alternative's (storyboard_id in a script), and of the others the one whose
      // errors reach deepest (captions: {style: "comic"} is a bad style, not "not false").
      const forbids = (branch: readonly z.core.$ZodIssue[]) => branch.some((b) => b.code === 'custom' && b.params?.['otherAlternative'] === true);
      const meant = i.errors.filter((branch) => !forbids(branch));
      const depth = (branch: readonly z.core.$ZodIssue[]) => Math.max(...branch.map((b) => b.path.length));
      const best = [...(meant.length ? meant : i.errors)].sort((a, b) => depth(b) - depth(a))[0];
      if (best && depth(best) > 0) return zodDetails({ issues: best }, at);
    }
    return [{ path: path || '(body)', message: i.message }];
  });
}

export class AppError extends Error {
  readonly code: string;
  readonly status: number;
  readonly details: ErrorDetail[] | undefined;
  readonly headers: Record<string, string>;
  constructor(
    code: string,
    status: number,
    message: string,
    opts: { details?: ErrorDetail[]; headers?: Record<string, string>; cause?: unknown } = {},
  ) {
    super(message, { cause: opts.cause });
    this.name = 'AppError';
    this.code = code;
    this.status = status;
    this.details = opts.details;
    this.headers = opts.headers ?? {};
  }
}

export const badJson = (message: string) => new AppError('invalid_json', 400, message);
export const unsupportedMedia = () =>
  new AppError('unsupported_media_type', 415, 'send the body as JSON with content-type: application/json');
export const invalid = (details: ErrorDetail[]) =>
  new AppError('invalid_request', 422, `invalid request: ${details.map((d) => `${d.path}: ${d.message}`).join('; ')}`, {
    details,
  });
export const tooLarge = (limit: number) =>
  new AppError('payload_too_large', 413, `request body exceeds ${limit} bytes; send a shorter script`);
export const unauthorized = () =>
  new AppError('unauthorized', 401, 'missing or unknown API key: send Authorization: Bearer <key> or X-API-Key: <key>');
export const notFound = (what: string) => new AppError('not_found', 404, `${what} not found`);
export const conflict = (code: string, message: string) => new AppError(code, 409, message);
export const gone = (message: string) => new AppError('expired', 410, message);
export const queueFull = (retryAfterS: number) =>
  new AppError('queue_full', 503, 'too many tasks are waiting; retry later', {
    headers: { 'retry-after': String(retryAfterS) },
  });
export const keyQueueFull = (retryAfterS: number) =>
  new AppError('key_queue_full', 503, 'this API key has too many tasks waiting (MAX_QUEUED_PER_KEY); retry once some have finished', {
    headers: { 'retry-after': String(retryAfterS) },
  });
export const rateLimited = (retryAfterS: number) =>
  new AppError('rate_limited', 429, `this API key submits faster than SUBMITS_PER_MINUTE allows; retry in ${retryAfterS} s`, {
    headers: { 'retry-after': String(retryAfterS) },
  });

/** A setting, or a file a setting points at (a key file, the task database), that stops start-up. */
export class ConfigError extends Error {}

/**
 * A failure inside the pipeline. `retryable` decides whether the worker hands the task back to
 * the queue (transient: network, provider 5xx) or fails it for good (bad input, no credits).
 * `message` is what the client reads in the task view: what failed and what to do, in its own
 * words. `detail` is for the operator only (ffmpeg's stderr with scratch paths, a provider's
 * answer): the worker logs it with the task id and never stores it in the task.
 */
export class TaskError extends Error {
  readonly code: string;
  readonly retryable: boolean;
  readonly detail: string | undefined;
  constructor(code: string, message: string, opts: { retryable?: boolean; cause?: unknown; detail?: string } = {}) {
    super(message, { cause: opts.cause });
    this.name = 'TaskError';
    this.code = code;
    this.retryable = opts.retryable ?? false;
    this.detail = opts.detail;
  }
}

/**
 * The scratch volume filled up (ENOSPC) while `what` wrote to it: for good. A render holds one
 * output's files at a time and the api refuses at submit a video estimated not to fit
 * TASK_SCRATCH_BYTES (media/scratch-need.ts), so a full disk means this video's files are larger
 * than estimated, or the volume is smaller than its tasks' budgets: another attempt would fill it
 * again, after paying for the voice and the footage again.
 */
export function scratchFull(what: string, opts: { cause?: unknown; detail?: string } = {}): TaskError {
  return new TaskError(
    'scratch_full',
    `${what} ran out of the worker's scratch space (no space left on device in SCRATCH_DIR): the video's files did not fit; ` +
      'render a shorter script or a smaller resolution, or ask the operator to raise the scratch volume (worker_scratch_size) and TASK_SCRATCH_BYTES',
    { retryable: false, ...opts },
  );
}

export class CancelledError extends Error {
  constructor() {
    super('task was cancelled');
    this.name = 'CancelledError';
  }
}
