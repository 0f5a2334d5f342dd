// The HTTP application, built apart from any listening server: the local server, the production
// server and functions-framework all hand requests to `handle`. Which routes exist depends on
// the role: `api` (public routes), `worker` (POST /tasks/{id}/run) or both (local mode).
import type { Config, Role } from './config.ts';
import { AppError, notFound } from './errors.ts';
import type { Logger } from './log.ts';
import { traceFields } from './log.ts';
import { createApi, type ApiDeps } from './api/routes.ts';
import { sendError, sendJson, type Handler, type Request, type Response } from './api/http.ts';
import { serveFile } from './api/files.ts';
import type { LocalBlobStore } from './platform/local-blob-store.ts';
import { deliverCallback, type CallbackDeps } from './delivery/deliver.ts';
import { sweep, type SweepDeps } from './delivery/sweep.ts';
import { runChunkDelivery } from './worker/run-chunk.ts';
import { runDelivery, type WorkerDeps } from './worker/run-task.ts';

export interface AppDeps {
  cfg: Config;
  log: Logger;
  role: Role;
  api: ApiDeps | null;
  worker: WorkerDeps | null;
  /** POST /tasks/{id}/callback: the callbacks queue's deliveries (worker role). */
  callbacks: CallbackDeps | null;
  /** POST /tasks/sweep: Cloud Scheduler's sweep (worker role). */
  sweeper: SweepDeps | null;
  /** Served under /files/ when the blob store is the local one. */
  localFiles: LocalBlobStore | null;
  /** When set, POST /tasks/{id}/run requires this token (the local dispatcher sends it). */
  dispatchToken: string | null;
}

const TASK_ID = '([A-Za-z0-9_-]{1,128})';
const routes: [string, RegExp, string][] = [
  // /health too: Google's front end reserves some paths ending in z, so /healthz is for probes.
  ['GET', /^\/healthz?$/, 'health'],
  ['POST', /^\/generate-video$/, 'submit'],
  ['POST', /^\/v1\/videos$/, 'submit'],
  ['GET', new RegExp(`^/task/${TASK_ID}$`), 'status'],
  ['GET', new RegExp(`^/v1/videos/${TASK_ID}$`), 'status'],
  ['DELETE', new RegExp(`^/v1/videos/${TASK_ID}$`), 'cancel'],
  ['GET', new RegExp(`^/download/${TASK_ID}$`), 'download'],
  ['POST', /^\/tasks\/sweep$/, 'sweep'],
  ['POST', new RegExp(`^/tasks/${TASK_ID}/run$`), 'run'],
  ['POST', new RegExp(`^/tasks/${TASK_ID}/callback$`), 'callback'],
  ['POST', new RegExp(`^/tasks/${TASK_ID}/chunks/(\\d{1,5})/run$`), 'chunk'],
  ['GET', /^\/files\/(.+)$/, 'file'],
  ['HEAD', /^\/files\/(.+)$/, 'file'],
];

export function createApp(deps: AppDeps): Handler {
  const api = deps.api ? createApi(deps.api) : null;

  return async function handle(req: Request, res: Response): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://local');
    const log = deps.log.child({
      method: req.method,
      path: url.pathname,
      ...traceFields(req.headers['x-cloud-trace-context'] as string | undefined, deps.cfg.GOOGLE_CLOUD_PROJECT),
    });
    try {
      const matches = routes.filter(([, re]) => re.test(url.pathname));
      const route = matches.find(([m]) => m === req.method);
      if (!route) {
        if (matches.length) {
          throw new AppError('method_not_allowed', 405, `${req.method} is not allowed on ${url.pathname}`, {
            headers: { allow: [...new Set(matches.map(([m]) => m))].join(', ') },
          });
        }
        throw notFound(`route ${req.method} ${url.pathname}`);
      }
      const arg = decodeURIComponent(route[1].exec(url.pathname)?.[1] ?? '');
      switch (route[2]) {
        case 'health':
          return sendJson(res, 200, { status: 'ok', role: deps.role });
        case 'submit':
          return await need(api).submit(req, res);
        case 'status':
          return await need(api).status(req, res, arg);
        case 'download':
          return await need(api).download(req, res, arg);
        case 'cancel':
          return await need(api).cancel(req, res, arg);
        case 'run':
          return await run(req, res, arg);
        case 'callback':
          return await callback(req, res, arg);
        case 'chunk':
          return await chunk(req, res, arg, Number(route[1].exec(url.pathname)?.[2]), url.searchParams);
        case 'sweep':
          return await sweepNow(req, res);
        case 'file':
          if (!deps.localFiles) throw notFound('route /files');
          return await serveFile(deps.localFiles, req, res, arg, url.searchParams);
      }
    } catch (err) {
      sendError(res, err, log);
    }
  };

  /** Worker routes are for the dispatcher (and Cloud Scheduler) alone. */
  function workerOnly(req: Request, what: string): void {
    if (deps.dispatchToken && req.headers['x-reelsmith-dispatch-token'] !== deps.dispatchToken) {
      throw new AppError('forbidden', 403, `only the dispatcher may ${what}`);
    }
    req.resume();
  }

  async function chunk(req: Request, res: Response, taskId: string, n: number, params: URLSearchParams): Promise<void> {
    if (!deps.worker) throw notFound(`route ${req.method} /tasks/${taskId}/chunks/${n}/run`);
    workerOnly(req, 'render chunks');
    const attempt = Number(params.get('attempt'));
    if (!Number.isInteger(attempt) || attempt < 1) throw new AppError('invalid_request', 400, 'attempt: the query names the task attempt of the chunk, a positive integer');
    const outcome = await runChunkDelivery(deps.worker, taskId, n, attempt);
    sendJson(res, outcome.status, outcome.body, outcome.retryAfterS ? { 'retry-after': String(outcome.retryAfterS) } : {});
  }

  async function callback(req: Request, res: Response, taskId: string): Promise<void> {
    if (!deps.callbacks) throw notFound(`route ${req.method} /tasks/${taskId}/callback`);
    workerOnly(req, 'send callbacks');
    const outcome = await deliverCallback(deps.callbacks, taskId);
    sendJson(res, outcome.status, outcome.body, outcome.retryAfterS ? { 'retry-after': String(outcome.retryAfterS) } : {});
  }

  async function sweepNow(req: Request, res: Response): Promise<void> {
    if (!deps.sweeper) throw notFound(`route ${req.method} /tasks/sweep`);
    workerOnly(req, 'sweep');
    sendJson(res, 200, await sweep(deps.sweeper));
  }

  async function run(req: Request, res: Response, taskId: string): Promise<void> {
    if (!deps.worker) throw notFound(`route ${req.method} /tasks/${taskId}/run`);
    workerOnly(req, 'run tasks');
    const header = (name: string) => {
      const v = req.headers[name];
      return typeof v === 'string' ? v : undefined;
    };
    const outcome = await runDelivery(deps.worker, taskId, {
      queue: header('x-cloudtasks-queuename'),
      taskName: header('x-cloudtasks-taskname'),
      retryCount: header('x-cloudtasks-taskretrycount'),
      executionCount: header('x-cloudtasks-taskexecutioncount'),
    });
    sendJson(res, outcome.status, outcome.body, outcome.retryAfterS ? { 'retry-after': String(outcome.retryAfterS) } : {});
  }
}

function need<T>(x: T | null): T {
  if (!x) throw notFound('route');
  return x;
}
