// The process entrypoint: `node functions/server.ts` (dev) or `node dist/functions/server.js`
// (image). FUNCTION_TARGET picks the role: `api`, `worker`, or `local` (both, with the embedded
// adapters; the default). A plain node:http server rather than functions-framework, so the
// worker can drain on SIGTERM instead of being answered 500 mid-render (DESIGN §2).
import { EventEmitter, once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { clientErrorReply } from './api/http.ts';
import { pathToFileURL } from 'node:url';
import { assertSafeToServe, loadConfig, type Config, type Role } from './config.ts';
import { ConfigError } from './errors.ts';
import { compose, type Runtime } from './compose.ts';
import { createLogger, type Logger } from './log.ts';

/** After the runtime has stopped, how long requests still being answered get to finish. */
const ANSWER_MS = 1_000;

export interface RunningServer {
  server: Server;
  runtime: Runtime;
  url: string;
  /** Stop accepting requests, hand running tasks back, close the stores. */
  stop(): Promise<void>;
}

export async function startServer(cfg: Config, role: Role, log: Logger = createLogger(cfg.LOG_LEVEL)): Promise<RunningServer> {
  if (role !== 'worker') assertSafeToServe(cfg);
  let url = `http://127.0.0.1:${cfg.PORT}`;
  const runtime = await compose(cfg, role, { log, selfUrl: () => url });
  // Requests being answered: shutdown lets them finish (a worker's last answer is its 503 hand-back).
  let inflight = 0;
  const requests = new EventEmitter();
  // Node's request timeout covers receiving a request, not answering it: a slow or stalled upload
  // is cut, while a worker delivery may render for up to TASK_DEADLINE_SECONDS.
  const requestTimeout = cfg.REQUEST_TIMEOUT_SECONDS * 1000;
  const server = createServer(
    {
      requestTimeout,
      headersTimeout: Math.min(requestTimeout, 20_000),
      connectionsCheckingInterval: Math.min(1_000, requestTimeout / 2),
      keepAliveTimeout: 65_000,
    },
    (req, res) => {
      inflight++;
      res.once('close', () => {
        if (--inflight === 0) requests.emit('idle');
      });
      void runtime.handle(req, res);
    },
  );
  server.on('clientError', (err: NodeJS.ErrnoException, socket) => answerClientError(err, socket as Socket, requestTimeout));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(cfg.PORT, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  url = `http://127.0.0.1:${port}`;
  runtime.setPublicUrl(cfg.PUBLIC_URL ?? `http://localhost:${port}`);
  await runtime.start();
  log.info({ port, role, task_store: cfg.TASK_STORE, blob_store: cfg.BLOB_STORE, dispatcher: cfg.DISPATCHER }, `reelsmith ${role} listening on :${port}`);

  let stopping: Promise<void> | null = null;
  return {
    server,
    runtime,
    url,
    stop() {
      stopping ??= (async () => {
        const closed = new Promise<void>((r) => server.close(() => r()));
        await runtime.close();
        if (inflight > 0) await once(requests, 'idle', { signal: AbortSignal.timeout(ANSWER_MS) }).catch(() => undefined);
        server.closeAllConnections();
        await closed;
      })();
      return stopping;
    },
  };
}

const refused = new WeakSet<Socket>();

/**
 * A request node:http could not parse or that took too long: answer in our JSON shape (431, 408,
 * 400) and keep reading what the client still sends, so it reads the answer instead of a reset.
 */
function answerClientError(err: NodeJS.ErrnoException, socket: Socket, timeoutMs: number): void {
  // The parser reports every further chunk of a refused request again.
  if (refused.has(socket)) return;
  refused.add(socket);
  const answering = (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage?.headersSent;
  if (err.code === 'ECONNRESET' || !socket.writable || answering) {
    socket.destroy();
    return;
  }
  socket.end(clientErrorReply(err));
  socket.setTimeout(timeoutMs, () => socket.destroy());
}

export async function main(defaultRole: Role = 'local'): Promise<void> {
  let cfg: Config;
  try {
    cfg = loadConfig();
    const role = cfg.FUNCTION_TARGET ?? defaultRole;
    const log = createLogger(cfg.LOG_LEVEL);
    const running = await startServer(cfg, role, log);
    for (const sig of ['SIGTERM', 'SIGINT'] as const) {
      process.once(sig, () => {
        log.info({ signal: sig }, 'shutting down');
        // Cloud Run gives 10 s after SIGTERM; running tasks are handed back well within that.
        const force = setTimeout(() => process.exit(1), 9_000);
        force.unref();
        running.stop().then(() => process.exit(0), () => process.exit(1));
      });
    }
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(78);
    }
    throw err;
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main();
