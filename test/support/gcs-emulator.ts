// Starts the offline GCS-API emulator (gcs-emulator.cjs) for a test file: its own port, its own
// temp dir for the object bytes, its own process group, stopped by the test.
import { rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { firebaseToolsDir } from './firebase-tools.ts';
import { freePort, startDetached, waitUntilReady } from './emulator-process.ts';
import { tempDir } from './temp-dir.ts';

export interface GcsEmulator {
  /** http://127.0.0.1:PORT, the form STORAGE_EMULATOR_HOST and Storage's apiEndpoint take. */
  endpoint: string;
  projectId: string;
  stop(): Promise<void>;
}

/** Why the emulator cannot run here (firebase-tools missing), or false. Throws in CI instead of skipping. */
export function skipUnlessGcsEmulator(): string | false {
  if (firebaseToolsDir()) return false;
  const why = 'firebase-tools is not installed in test/emulators (run scripts/setup.sh --test)';
  if (process.env.CI === 'true') throw new Error(`GCS emulator required in CI: ${why}`);
  return why;
}

export async function startGcsEmulator(projectId = 'demo-reelsmith'): Promise<GcsEmulator> {
  // One started for the whole run (global-setup.ts): share it; users keep to buckets of their own.
  const shared = process.env.TEST_GCS_EMULATOR_ENDPOINT;
  if (shared) return { endpoint: shared, projectId, stop: async () => {} };
  const port = await freePort();
  const dir = tempDir('reelsmith-gcs-');
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
    180_000,
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
