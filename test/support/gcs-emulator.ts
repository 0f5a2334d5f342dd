// Starts the offline GCS-API emulator (gcs-emulator.cjs) for a test file: its own port, its own
// temp dir for the object bytes, its own process group, stopped by the test.
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, startDetached, waitUntilReady } from './emulator-process.ts';

export interface GcsEmulator {
  /** http://127.0.0.1:PORT, the form STORAGE_EMULATOR_HOST and Storage's apiEndpoint take. */
  endpoint: string;
  projectId: string;
  stop(): Promise<void>;
}

/** Why the emulator cannot run here (firebase-tools missing), or false. Throws in CI instead of skipping. */
export function skipUnlessGcsEmulator(): string | false {
  try {
    createRequire(import.meta.url).resolve('firebase-tools/package.json');
    return false;
  } catch {
    const why = 'firebase-tools (devDependency) is not installed';
    if (process.env.CI === 'true') throw new Error(`GCS emulator required in CI: ${why}`);
    return why;
  }
}

export async function startGcsEmulator(projectId = 'demo-reelsmith'): Promise<GcsEmulator> {
  // One started for the whole run (global-setup.ts): share it; users keep to buckets of their own.
  const shared = process.env.TEST_GCS_EMULATOR_ENDPOINT;
  if (shared) return { endpoint: shared, projectId, stop: async () => {} };
  const port = await freePort();
  const dir = await mkdtemp(join(tmpdir(), 'reelsmith-gcs-'));
  const script = fileURLToPath(new URL('./gcs-emulator.cjs', import.meta.url));
  const proc = startDetached(process.execPath, [script, String(port), projectId], {
    env: { ...process.env, TMPDIR: dir },
  });
  const endpoint = `http://127.0.0.1:${port}`;
  await waitUntilReady(
    proc,
    async () => {
      const res = await fetch(`${endpoint}/storage/v1/b`, { signal: AbortSignal.timeout(1000) });
      await res.arrayBuffer();
      return res.status < 500;
    },
    'GCS emulator',
    30_000,
  );
  return {
    endpoint,
    projectId,
    async stop() {
      await proc.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
