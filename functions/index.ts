// functions-framework entry: registers the `api` and `worker` HTTP functions, for deployments
// as Cloud Run functions from source (`--function=api`). The container image runs server.ts
// instead, which drains on SIGTERM. Both hand requests to the same app.
import * as ff from '@google-cloud/functions-framework';
import { compose, type Runtime } from './compose.ts';
import { assertSafeToServe, loadConfig, type Role } from './config.ts';
import { createLogger } from './log.ts';

const cfg = loadConfig();
const log = createLogger(cfg.LOG_LEVEL);
const runtimes = new Map<Role, Promise<Runtime>>();

function runtime(role: Role): Promise<Runtime> {
  let r = runtimes.get(role);
  if (!r) {
    if (role !== 'worker') assertSafeToServe(cfg);
    r = compose(cfg, role, { log, selfUrl: () => cfg.WORKER_URL ?? `http://127.0.0.1:${cfg.PORT}` }).then(async (rt) => {
      await rt.start();
      return rt;
    });
    runtimes.set(role, r);
  }
  return r;
}

ff.http('api', async (req, res) => (await runtime('api')).handle(req, res));
ff.http('worker', async (req, res) => (await runtime('worker')).handle(req, res));
