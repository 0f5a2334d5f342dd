// The two ways the chaos run starts reelsmith, behind one shape: the local path (one process:
// api, worker, SQLite, local files) and the cloud path (api and worker processes, the Firestore
// emulator behind a proxy that a restart cuts, the GCS-API emulator). A "worker crash" is a
// SIGKILL of the process that renders and a new one on the same port.
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { freePort } from '../../test/support/emulator-process.ts';
import { startRestartableFirestoreEmulator } from '../../test/support/firestore-emulator.ts';
import { startCloudPath, startService, type Service } from '../../test/support/service.ts';

export type PathName = 'local' | 'cloud';

export interface Target {
  url: string;
  /** SCRATCH_DIR of the worker: where its renders run. */
  scratchDir: string;
  /** Every line every process printed, in every incarnation. */
  logs(): string[];
  crashWorker(): Promise<void>;
  /** Cloud path only: a Firestore outage that keeps the data. */
  restartFirestore: (() => Promise<void>) | null;
  /** Object names under `prefix` in the blob store. */
  list(prefix: string): Promise<string[]>;
  /** Copies an object to a local file (for ffprobe). */
  download(name: string, dest: string): Promise<void>;
  stop(): Promise<void>;
}

export async function startTarget(path: PathName, env: Record<string, string>): Promise<Target> {
  return path === 'local' ? startLocal(env) : startCloud(env);
}

async function startLocal(env: Record<string, string>): Promise<Target> {
  // A fixed port, so that clients and signed URLs keep working across restarts.
  const port = String(await freePort());
  const runs: Service[] = [await startService({ ...env, PORT: port })];
  const dataDir = runs[0]!.dataDir;
  const blobs = join(dataDir, 'blobs');
  return {
    url: runs[0]!.url,
    scratchDir: join(dataDir, 'scratch'),
    logs: () => runs.flatMap((r) => r.logs),
    async crashWorker() {
      await runs.at(-1)!.kill();
      runs.push(await startService({ ...env, PORT: port }, { dataDir }));
    },
    restartFirestore: null,
    list: (prefix) => listFiles(blobs, prefix),
    download: async (name, dest) => writeFile(dest, await readFile(join(blobs, name))),
    async stop() {
      await runs.at(-1)!.stop();
    },
  };
}

/** Stored objects: files, without the store's own `.meta.json` beside each and `.part` uploads in flight. */
async function listFiles(root: string, prefix: string): Promise<string[]> {
  const entries = await readdir(join(root, prefix), { recursive: true, withFileTypes: true }).catch(() => []);
  return entries
    .filter((e) => e.isFile() && !e.name.endsWith('.meta.json') && !e.name.endsWith('.part'))
    .map((e) => join(e.parentPath, e.name).slice(root.length + 1));
}

async function startCloud(env: Record<string, string>): Promise<Target> {
  const firestore = await startRestartableFirestoreEmulator();
  const cloud = await startCloudPath(env, { firestore });
  const objects = `${cloud.gcsEndpoint}/storage/v1/b/${cloud.bucket}/o`;
  return {
    url: cloud.url,
    scratchDir: join(cloud.dataDir, 'scratch'),
    logs: () => [...cloud.logs, ...cloud.workerRuns.flatMap((w) => w.logs)],
    crashWorker: () => cloud.crashWorker(),
    restartFirestore: () => firestore.restart(),
    async list(prefix) {
      const names: string[] = [];
      let page: string | undefined;
      do {
        const res = await fetch(`${objects}?prefix=${encodeURIComponent(prefix)}${page ? `&pageToken=${page}` : ''}`);
        if (!res.ok) throw new Error(`listing gs://${cloud.bucket}/${prefix}: HTTP ${res.status}`);
        const body = (await res.json()) as { items?: { name: string }[]; nextPageToken?: string };
        names.push(...(body.items ?? []).map((i) => i.name));
        page = body.nextPageToken;
      } while (page);
      return names;
    },
    async download(name, dest) {
      const res = await fetch(`${objects}/${encodeURIComponent(name)}?alt=media`);
      if (!res.ok) throw new Error(`reading gs://${cloud.bucket}/${name}: HTTP ${res.status}`);
      await writeFile(dest, Buffer.from(await res.arrayBuffer()));
    },
    async stop() {
      await cloud.stop();
      await firestore.stop();
    },
  };
}
