// Start reelsmith as a child process, exactly as `npm start` does, on a free port with its own
// DATA_DIR; stop it with a signal or kill it hard (restart tests).
import { spawn, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { childEnv } from './child-env.ts';
import { startFirestoreEmulator } from './firestore-emulator.ts';
import { freePort } from './emulator-process.ts';
import { startGcsEmulator } from './gcs-emulator.ts';
import { tempDir } from './temp-dir.ts';

const ROOT = resolve(import.meta.dirname, '../..');

export interface Service {
  url: string;
  dataDir: string;
  proc: ChildProcess;
  logs: string[];
  /** SIGTERM and wait for exit. */
  stop(): Promise<number | null>;
  /** SIGKILL: no cleanup at all, as when a machine dies. */
  kill(): Promise<void>;
}

export interface StartOptions {
  dataDir?: string;
  entry?: string[];
  /**
   * Give up when the service has not listened after this long. None by default: a test waits for
   * the service's "listening" line or its exit, however slow a busy machine is (the runner's
   * per-test timeout is the hang guard); a command a person runs may want a bound.
   */
  timeoutMs?: number;
  echo?: string;
  /**
   * The environment the service starts from, below the test's own settings: PATH and HOME by
   * default (and node's compile cache: childEnv), so tests are not swayed by the shell they run in; `npm run cloud-local` passes the
   * caller's whole environment (their keys, FANOUT_MIN_SECONDS, LOG_LEVEL, ...).
   */
  inherit?: NodeJS.ProcessEnv;
}

export async function startService(env: Record<string, string> = {}, opts: StartOptions = {}): Promise<Service> {
  const dataDir = opts.dataDir ?? tempDir('reelsmith-test-');
  const args = opts.entry ?? ['functions/local.ts'];
  const proc = spawn(process.execPath, args, {
    cwd: ROOT,
    env: {
      ALLOW_PRIVATE_URLS: 'true',
      LOG_LEVEL: 'info',
      ...(opts.inherit ?? childEnv()),
      PORT: '0',
      DATA_DIR: dataDir,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // A service on a known port is also found by its health check: with LOG_LEVEL=warn it never
  // logs that it listens.
  const port = Number(env.PORT ?? 0);
  const logs: string[] = [];
  const url = await new Promise<string>((resolveUrl, reject) => {
    let probe: NodeJS.Timeout | undefined;
    const settle = (err: Error | null, found?: string) => {
      if (timer) clearTimeout(timer);
      clearInterval(probe);
      if (err) reject(err);
      else resolveUrl(found!);
    };
    const timer =
      opts.timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            // Never leave a half-started service behind.
            proc.kill('SIGKILL');
            settle(new Error(`service did not start in ${opts.timeoutMs} ms:\n${logs.join('\n')}`));
          }, opts.timeoutMs);
    for (const stream of [proc.stdout!, proc.stderr!]) {
      createInterface({ input: stream }).on('line', (line) => {
        logs.push(line);
        if (opts.echo) process.stdout.write(`${opts.echo} ${line}\n`);
        const m = /listening on :(\d+)/.exec(line);
        if (m) settle(null, `http://127.0.0.1:${m[1]}`);
      });
    }
    proc.once('exit', (code) => settle(new Error(`service exited with ${code} before listening:\n${logs.join('\n')}`)));
    if (port > 0) {
      probe = setInterval(() => {
        fetch(`http://127.0.0.1:${port}/healthz`).then(
          (res) => res.status === 200 && settle(null, `http://127.0.0.1:${port}`),
          () => undefined,
        );
      }, 100);
    }
  });
  const exited = new Promise<number | null>((r) => {
    if (proc.exitCode !== null) r(proc.exitCode);
    else proc.once('exit', (code) => r(code));
  });
  return {
    url,
    dataDir,
    proc,
    logs,
    async stop() {
      proc.kill('SIGTERM');
      return exited;
    },
    async kill() {
      proc.kill('SIGKILL');
      await exited;
    },
  };
}

export interface CloudPath extends Service {
  /** The worker processes running now, each with a scratch dir of its own (`workerScratch[i]`). */
  workers: Service[];
  workerScratch: string[];
  /** Every worker process started so far, restarted ones too (their logs). */
  workerRuns: Service[];
  /** SIGKILL worker `i`, as when its instance dies, and start a new one on the same port. */
  crashWorker(i?: number): Promise<void>;
  firestore: { host: string; projectId: string };
  gcsEndpoint: string;
  bucket: string;
}

/**
 * The cloud path on one machine: Firestore and GCS emulators, the worker(s) and the api as separate
 * processes (the local dispatchers deliver to the least busy worker over HTTP, as Cloud Tasks would).
 * The returned Service is the api; stopping it stops everything it started. `firestore` is an
 * emulator the caller owns (and stops), e.g. one it restarts.
 */
export async function startCloudPath(
  env: Record<string, string> = {},
  opts: {
    apiPort?: string;
    echo?: boolean;
    workers?: number;
    firestore?: { host: string; projectId: string };
    entry?: string[];
    /** The environment every process starts from (see StartOptions.inherit). */
    inherit?: NodeJS.ProcessEnv;
  } = {},
): Promise<CloudPath> {
  const dataDir = tempDir('reelsmith-cloud-');
  const [own, gcs] = await Promise.all([opts.firestore ? null : startFirestoreEmulator(), startGcsEmulator()]);
  const firestore = opts.firestore ?? own!;
  // Signing V4 URLs needs a service-account key outside Cloud Run; any RSA key will do here.
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const keyFile = join(dataDir, 'service-account.json');
  writeFileSync(
    keyFile,
    JSON.stringify({
      type: 'service_account',
      project_id: firestore.projectId,
      client_email: `reelsmith@${firestore.projectId}.iam.gserviceaccount.com`,
      private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }),
    }),
  );
  const cloud = {
    TASK_STORE: 'firestore',
    BLOB_STORE: 'gcs',
    // The local dispatchers stand in for Cloud Tasks, whatever the caller's environment says.
    DISPATCHER: 'local',
    GOOGLE_CLOUD_PROJECT: firestore.projectId,
    FIRESTORE_EMULATOR_HOST: firestore.host,
    STORAGE_EMULATOR_HOST: gcs.endpoint,
    GCS_BUCKET: `reelsmith-e2e-${randomBytes(4).toString('hex')}`,
    GOOGLE_APPLICATION_CREDENTIALS: keyFile,
    ...env,
  };
  // Every process knows every worker up front (the chunks of a long video go to any of them), so the ports are chosen first.
  const ports = await Promise.all(Array.from({ length: opts.workers ?? 1 }, () => freePort()));
  const workerUrls = ports.map((p) => `http://127.0.0.1:${p}`).join(',');
  // Each worker sweeps its scratch dir at start-up: with several, each needs its own (one keeps
  // the default, $DATA_DIR/scratch).
  const workerScratch = ports.map((_, i) => join(dataDir, ports.length > 1 ? `scratch-worker-${i + 1}` : 'scratch'));
  const start = { ...(opts.entry ? { entry: opts.entry } : {}), ...(opts.inherit ? { inherit: opts.inherit } : {}) };
  const startWorker = (i: number) =>
    startService(
      {
        ...cloud,
        FUNCTION_TARGET: 'worker',
        PORT: String(ports[i]),
        LOCAL_WORKER_URLS: workerUrls,
        SCRATCH_DIR: workerScratch[i]!,
      },
      { dataDir, ...start, ...(opts.echo ? { echo: `[worker ${i + 1}]` } : {}) },
    );
  const workers = await Promise.all(ports.map((_, i) => startWorker(i)));
  const workerRuns = [...workers];
  const api = await startService(
    { ...cloud, FUNCTION_TARGET: 'api', LOCAL_WORKER_URLS: workerUrls, ...(opts.apiPort ? { PORT: opts.apiPort } : {}) },
    { dataDir, ...start, ...(opts.echo ? { echo: '[api]' } : {}) },
  );
  return {
    ...api,
    logs: api.logs,
    workers,
    workerScratch,
    workerRuns,
    async crashWorker(i = 0) {
      await workers[i]!.kill();
      workers[i] = await startWorker(i);
      workerRuns.push(workers[i]);
    },
    firestore: { host: firestore.host, projectId: firestore.projectId },
    gcsEndpoint: gcs.endpoint,
    bucket: cloud.GCS_BUCKET,
    async stop() {
      const code = await api.stop();
      await Promise.all(workers.map((w) => w.stop()));
      await Promise.all([own?.stop(), gcs.stop()]);
      return code;
    },
    async kill() {
      await Promise.all([api.kill(), ...workers.map((w) => w.kill())]);
      await Promise.all([own?.stop(), gcs.stop()]);
    },
  };
}
