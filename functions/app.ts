// The HTTP application, built apart from any listening server: the local server, the production
// server and functions-framework all hand requests to `handle` (node:http), tests may call
// `fetch` (web Request/Response). Routes are hono routes declared with their zod schemas
// (api/spec.ts). Which routes exist depends on the role: `api` (public routes), `worker`
// (POST /tasks/{id}/run) or both (local mode).
import { getRequestListener } from '@hono/node-server';
import { OpenAPIHono, type z } from '@hono/zod-openapi';
import type { Context, MiddlewareHandler } from 'hono';
import { PatternRouter } from 'hono/router/pattern-router';
import type { Config, Role } from './config.ts';
import { AppError, invalid, notFound, zodDetails } from './errors.ts';
import type { Logger } from './log.ts';
import { traceFields } from './log.ts';
import { discard, readBody } from './api/body.ts';
import { ReelsmithClient } from './api/client.ts';
import { docsAsset, docsPage } from './api/docs.ts';
import { openApiDocument } from './api/document.ts';
import { serveFile } from './api/files.ts';
import { errorResponse, json, JSON_HEADERS, type ApiEnv, type Handler } from './api/http.ts';
import type { CloudTasksHeaders } from './api/schemas.ts';
import type { ApiDeps } from './api/deps.ts';
import { mountApi } from './api/routes.ts';
import { mountStoryboards } from './api/storyboards.ts';
import { mountScripts } from './api/scripts.ts';
import { mountBatches } from './api/batches.ts';
import { mountTemplates } from './api/templates.ts';
import { mountUploads } from './api/uploads.ts';
import { healthRoute, studioRoute } from './api/spec.ts';
import { studioAsset, studioFont, studioPage } from './api/studio.ts';
import { batchCallbackRoute, callbackRoute, chunkRoute, runRoute, storyboardRunRoute, sweepRoute } from './api/worker-spec.ts';
import type { LocalBlobStore } from './platform/local-blob-store.ts';
import { deliverBatchCallback, deliverCallback, type CallbackDeps, type CallbackOutcome } from './delivery/deliver.ts';
import type { SweepReport } from './delivery/sweep.ts';
import { runChunkDelivery } from './worker/run-chunk.ts';
import { inRenderSlot, runDelivery, type DeliveryMeta, type DeliveryOutcome, type WorkerDeps } from './worker/run-task.ts';
import { runStoryboardDelivery } from './worker/run-storyboard.ts';

export interface AppDeps {
  cfg: Config;
  log: Logger;
  role: Role;
  api: ApiDeps | null;
  worker: WorkerDeps | null;
  /** POST /tasks/{id}/callback: the callbacks queue's deliveries (worker role). */
  callbacks: CallbackDeps | null;
  /** POST /tasks/sweep: Cloud Scheduler's sweep of each store (tasks, storyboards, batches; worker role). */
  sweep: (() => Promise<SweepReport>) | null;
  /** Served under /files/ when the blob store is the local one. */
  localFiles: LocalBlobStore | null;
  /** When set, POST /tasks/{id}/run requires this token (the local dispatcher sends it). */
  dispatchToken: string | null;
}

export interface App {
  /** node:http handler (our server, functions-framework). */
  handle: Handler;
  /** The same app on web Request/Response. */
  fetch: (req: Request) => Promise<Response>;
  /** The routes this app serves (method and hono path), for tests that hold them to the document. */
  routes: () => { method: string; path: string }[];
}

export function createApp(deps: AppDeps): App {
  const app = new OpenAPIHono<ApiEnv>({
    defaultHook: (result, c) => {
      if (result.success) return;
      // A path parameter that is not a task id: no such route, as before routes had schemas.
      if (result.target === 'param') throw notFound(`route ${c.req.method} ${rawPath(c.req.url)}`);
      const details = zodDetails(result.error);
      throw invalid(result.target === 'header' ? details.map((d) => ({ ...d, path: headerName(d.path) })) : details);
    },
  });

  app.use('*', async (c, next) => {
    const path = rawPath(c.req.url);
    c.set(
      'log',
      deps.log.child({ method: c.req.method, path, ...traceFields(c.req.header('x-cloud-trace-context'), deps.cfg.GOOGLE_CLOUD_PROJECT) }),
    );
    try {
      decodeURIComponent(path);
    } catch {
      throw new AppError('invalid_path', 400, `the path ${path} has a malformed % escape; send "%" as %25`);
    }
    await next();
  });
  app.onError((err, c) => errorResponse(c, err, c.get('log') ?? deps.log));
  app.notFound((c) => {
    const path = rawPath(c.req.url);
    const allow = allowedMethods(path);
    const err = allow.length
      ? new AppError('method_not_allowed', 405, `${c.req.method} is not allowed on ${path}`, { headers: { allow: allow.join(', ') } })
      : notFound(`route ${c.req.method} ${path}`);
    return errorResponse(c, err, c.get('log') ?? deps.log);
  });

  // /health too: Google's front end reserves some paths ending in z, so /healthz is for probes.
  for (const path of ['/healthz', '/health'] as const) {
    app.openapi(healthRoute(path), (c) => json(c, { status: 'ok' as const, role: deps.role }, 200));
  }

  // The reference needs no key: a client generator or a person must be able to read it first.
  let document: string | null = null;
  app.get('/openapi.json', (c) =>
    c.body((document ??= JSON.stringify(openApiDocument({ publicUrl: deps.cfg.PUBLIC_URL }))), 200, { ...JSON_HEADERS, 'cache-control': 'no-cache' }),
  );
  app.get('/docs', () => docsPage());
  // The studio page loads without a key; the API calls it makes carry one.
  for (const path of ['/', '/studio'] as const) app.openapi(studioRoute(path), () => studioPage() as never);
  app.get('/studio/assets/:name', (c) => {
    const asset = studioAsset(c.req.param('name')) ?? studioFont(c.req.param('name'));
    if (!asset) throw notFound(`route GET ${rawPath(c.req.url)}`);
    return asset;
  });
  app.get('/docs/:name', (c) => {
    const asset = docsAsset(c.req.param('name'));
    if (!asset) throw notFound(`route GET ${rawPath(c.req.url)}`);
    return asset;
  });

  if (deps.api) {
    mountApi(app, deps.api);
    mountStoryboards(app, deps.api);
    mountScripts(app, deps.api);
    mountBatches(app, deps.api);
    mountTemplates(app, deps.api);
    mountUploads(app, deps.api);
    // MCP over streamable HTTP, behind the API key. Its tools call this app in process with the
    // caller's own key headers, so they see exactly what the caller may see. The MCP SDK loads
    // on the first request (it costs about 45 ms of start-up otherwise).
    const auth = deps.api.keys.required();
    app.post('/mcp', auth, mcpBody(deps.cfg.MAX_BODY_BYTES), async (c) => {
      const { mcpHttp } = await import('./mcp/server.ts');
      const headers: Record<string, string> = {};
      for (const name of ['authorization', 'x-api-key']) {
        const v = c.req.header(name);
        if (v) headers[name] = v;
      }
      const client = new ReelsmithClient({ baseUrl: new URL(c.req.url).origin, headers, fetch: async (req) => app.fetch(req) });
      return mcpHttp.fetch(c.req.raw, { authInfo: { token: '', clientId: c.get('owner') ?? 'anonymous', scopes: [], extra: { client } } });
    });
  }

  /** Worker routes are for the dispatcher (and Cloud Scheduler) alone. */
  const workerOnly =
    (what: string): MiddlewareHandler<ApiEnv> =>
    async (c, next) => {
      if (deps.dispatchToken && c.req.header('x-reelsmith-dispatch-token') !== deps.dispatchToken) {
        throw new AppError('forbidden', 403, `only the dispatcher may ${what}`);
      }
      // The body says nothing we need; read it off so the request is complete while the work runs.
      if (c.env?.incoming) void discard(c.env.incoming);
      await next();
    };
  /** A queue delivery's answer: 2xx ends it, 409 or 503 asks for another (worker/run-task.ts, DeliveryOutcome), after Retry-After. */
  const retryAfter = (o: { retryAfterS?: number }): Record<string, string> => (o.retryAfterS ? { 'retry-after': String(o.retryAfterS) } : {});
  const deliveryAnswer = (c: Context, o: DeliveryOutcome) =>
    o.status === 409 ? json(c, o.body, 409, retryAfter(o)) : o.status === 503 ? json(c, o.body, 503, retryAfter(o)) : json(c, o.body, 200);
  const callbackAnswer = (c: Context, o: CallbackOutcome) => (o.status === 409 ? json(c, o.body, 409, retryAfter(o)) : json(c, o.body, 200));

  const worker = deps.worker;
  if (worker) {
    app.openapi({ ...runRoute, middleware: [workerOnly('run tasks')] as const }, async (c) =>
      deliveryAnswer(c, await inRenderSlot(worker, c.req.valid('param').id, () => runDelivery(worker, c.req.valid('param').id, deliveryMeta(c.req.valid('header'))))),
    );
  }
  if (worker) {
    app.openapi({ ...storyboardRunRoute, middleware: [workerOnly('prepare storyboards')] as const }, async (c) =>
      deliveryAnswer(c, await inRenderSlot(worker, c.req.valid('param').id, () => runStoryboardDelivery(worker, c.req.valid('param').id, deliveryMeta(c.req.valid('header'))))),
    );
    app.openapi({ ...chunkRoute, middleware: [workerOnly('render chunks')] as const }, async (c) => {
      const { id, n } = c.req.valid('param');
      return deliveryAnswer(c, await inRenderSlot(worker, id, () => runChunkDelivery(worker, id, n, c.req.valid('query').attempt)));
    });
  }
  const callbacks = deps.callbacks;
  if (callbacks) {
    app.openapi({ ...callbackRoute, middleware: [workerOnly('send callbacks')] as const }, async (c) =>
      callbackAnswer(c, await deliverCallback(callbacks, c.req.valid('param').id)),
    );
    app.openapi({ ...batchCallbackRoute, middleware: [workerOnly('send callbacks')] as const }, async (c) =>
      callbackAnswer(c, await deliverBatchCallback(callbacks, c.req.valid('param').id)),
    );
  }
  const sweep = deps.sweep;
  if (sweep) {
    app.openapi({ ...sweepRoute, middleware: [workerOnly('sweep')] as const }, async (c) => json(c, await sweep(), 200));
  }

  const files = deps.localFiles;
  if (files) app.on(['GET', 'HEAD'], '/files/:key{.+}', (c) => serveFile(files, c.req.raw, c.req.param('key')));

  // 405 needs to know which methods a path has: a second router over the registered routes,
  // built once all of them are in (task ids only as the routes accept them).
  let methods: PatternRouter<string> | null = null;
  function allowedMethods(path: string): string[] {
    if (!methods) {
      methods = new PatternRouter<string>();
      for (const r of app.routes) {
        if (r.method !== 'ALL') methods.add(r.method, r.path.replace(/:id\b/g, ':id{[A-Za-z0-9_-]{1,128}}'), r.method);
      }
    }
    const found = new Set(METHODS.flatMap((m) => methods!.match(m, path)[0].map(([h]) => h)));
    // hono answers HEAD on every GET route.
    if (found.has('GET')) found.add('HEAD');
    return METHODS.filter((m) => found.has(m));
  }

  // Keep Node's own Request/Response globals; bodies we did not read are discarded by us (below),
  // with a byte bound but no timer, so a client still sending can read our answer.
  const listener = getRequestListener(app.fetch, { overrideGlobalObjects: false, autoCleanupIncoming: false });
  return {
    routes: () => [...new Map(app.routes.filter((r) => r.method !== 'ALL').map(({ method, path }) => [`${method} ${path}`, { method, path }])).values()],
    fetch: async (req) => app.fetch(req),
    handle: async (req, res) => {
      res.once('finish', () => void discard(req));
      await listener(req, res);
    },
  };
}

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'];

/**
 * /mcp's body under MAX_BODY_BYTES like every other body (the MCP SDK would read up to its own
 * 4 MiB): read here first, and refused in the JSON-RPC error shape an MCP client understands.
 */
function mcpBody(limit: number): MiddlewareHandler<ApiEnv> {
  return async (c, next) => {
    let bytes: Buffer;
    try {
      bytes = await readBody(c, limit);
    } catch (err) {
      if (!(err instanceof AppError) || err.status !== 413) throw err;
      // -32000: the code the SDK gives its own 413 (JSON-RPC's range for server errors).
      const error = { code: -32000, message: `request body exceeds ${limit} bytes (MAX_BODY_BYTES); send a smaller MCP message` };
      return c.body(JSON.stringify({ jsonrpc: '2.0', error, id: null }), 413, JSON_HEADERS);
    }
    c.req.raw = new Request(c.req.raw.url, { method: c.req.method, headers: c.req.raw.headers, body: new Uint8Array(bytes) });
    await next();
  };
}

/** A delivery's X-CloudTasks-* headers, as the worker logs them. */
function deliveryMeta(h: z.infer<typeof CloudTasksHeaders>): DeliveryMeta {
  return {
    queue: h['x-cloudtasks-queuename'],
    taskName: h['x-cloudtasks-taskname'],
    retryCount: h['x-cloudtasks-taskretrycount'],
    executionCount: h['x-cloudtasks-taskexecutioncount'],
  };
}

/** The path as sent (still percent-encoded): error messages show what the client wrote. */
function rawPath(url: string): string {
  return new URL(url).pathname;
}

/** `idempotency-key` → `Idempotency-Key`: headers are named in errors as the docs name them. */
function headerName(path: string): string {
  return path.replace(/^[a-z0-9-]+/, (h) => h.replace(/(^|-)([a-z])/g, (_m, d: string, ch: string) => d + ch.toUpperCase()));
}
