// The HTTP application, built apart from any listening server: the local server, the production
// server and functions-framework all hand requests to `handle`. Which routes exist depends on
// the role: `api` (public routes), `worker` (POST /tasks/{id}/run) or both (local mode).
import { createReadStream } from 'node:fs';
import type { Config } from './config.ts';
import { AppError, notFound } from './errors.ts';
import type { Logger } from './log.ts';
import { traceFields } from './log.ts';
import { createApi, type ApiDeps } from './api/routes.ts';
import { sendError, sendJson, type Handler, type Request, type Response } from './api/http.ts';
import { FILES_ROUTE, LocalBlobStore } from './platform/local-blob-store.ts';
import { runDelivery, type WorkerDeps } from './worker/run-task.ts';

export type Role = 'api' | 'worker' | 'local';

export interface AppDeps {
  cfg: Config;
  log: Logger;
  role: Role;
  api: ApiDeps | null;
  worker: WorkerDeps | null;
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
  ['POST', new RegExp(`^/tasks/${TASK_ID}/run$`), 'run'],
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
        case 'file':
          return await serveFile(req, res, arg, url.searchParams);
      }
    } catch (err) {
      sendError(res, err, log);
    }
  };

  async function run(req: Request, res: Response, taskId: string): Promise<void> {
    if (!deps.worker) throw notFound(`route ${req.method} /tasks/${taskId}/run`);
    if (deps.dispatchToken && req.headers['x-reelsmith-dispatch-token'] !== deps.dispatchToken) {
      throw new AppError('forbidden', 403, 'only the dispatcher may run tasks');
    }
    req.resume();
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

  async function serveFile(req: Request, res: Response, key: string, params: URLSearchParams): Promise<void> {
    if (!deps.localFiles) throw notFound('route /files');
    const opened = await deps.localFiles.open(key, params);
    if (!opened.ok) {
      throw new AppError(opened.status === 410 ? 'expired' : opened.status === 403 ? 'forbidden' : 'not_found', opened.status, opened.reason);
    }
    const { blob, downloadName } = opened;
    const headers: Record<string, string | number> = {
      'content-type': blob.contentType,
      'accept-ranges': 'bytes',
      ...(blob.cacheControl ? { 'cache-control': blob.cacheControl } : {}),
      ...(downloadName ? { 'content-disposition': `attachment; filename="${downloadName.replace(/[^\w.-]/g, '_')}"` } : {}),
    };
    const range = /^bytes=(\d*)-(\d*)$/.exec(String(req.headers.range ?? ''));
    let start = 0;
    let end = blob.sizeBytes - 1;
    let status = 200;
    if (range && (range[1] || range[2])) {
      start = range[1] ? Number(range[1]) : Math.max(0, blob.sizeBytes - Number(range[2]));
      end = range[1] && range[2] ? Math.min(Number(range[2]), end) : end;
      if (start > end || start >= blob.sizeBytes) {
        res.writeHead(416, { 'content-range': `bytes */${blob.sizeBytes}` });
        res.end();
        return;
      }
      status = 206;
      headers['content-range'] = `bytes ${start}-${end}/${blob.sizeBytes}`;
    }
    headers['content-length'] = end - start + 1;
    res.writeHead(status, headers);
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    await new Promise<void>((resolve, reject) => {
      const stream = createReadStream(blob.path, { start, end });
      stream.on('error', reject);
      res.on('close', () => {
        stream.destroy();
        resolve();
      });
      stream.pipe(res);
    });
  }
}

function need<T>(x: T | null): T {
  if (!x) throw notFound('route');
  return x;
}
