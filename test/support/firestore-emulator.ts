// The gcloud Firestore emulator for tests. One emulator serves a whole test file (or the whole
// run, when global-setup.ts or the caller started one: TEST_FIRESTORE_EMULATOR_HOST or
// FIRESTORE_EMULATOR_HOST); every user gets its
// own project id, so resetting one project (the emulator's DELETE endpoint) never touches the
// data of a test running in parallel.
import { randomBytes } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { freePort, startDetached, waitUntilReady, type EmulatorProcess } from './emulator-process.ts';

export interface FirestoreEmulator {
  /** host:port, the form FIRESTORE_EMULATOR_HOST takes. */
  host: string;
  /** A project id of its own: data under it is this user's alone. */
  projectId: string;
  /** Delete every document of `projectId`. */
  reset(): Promise<void>;
  stop(): Promise<void>;
}

/** Why the emulator cannot run here, or null when it can. */
export function firestoreEmulatorUnavailable(): string | null {
  const r = spawnSync('gcloud', ['--version'], { encoding: 'utf8' });
  if (r.error || r.status !== 0) return 'gcloud is not installed (needs the cloud-firestore-emulator component and Java)';
  const j = spawnSync('java', ['-version'], { encoding: 'utf8' });
  if (j.error || j.status !== 0) return 'java is not installed (the Firestore emulator needs Java 17+)';
  return null;
}

/**
 * Skip reason for tests that need the emulator: null when it can run. In CI (CI=true) a missing
 * emulator is a failure, so this throws instead of skipping.
 */
export function skipUnlessFirestoreEmulator(): string | false {
  if (sharedHost()) return false;
  const why = firestoreEmulatorUnavailable();
  if (why && process.env.CI === 'true') throw new Error(`Firestore emulator required in CI: ${why}`);
  return why ?? false;
}

/** An emulator started for the whole run (global-setup.ts) or by the caller (CI, a developer). */
function sharedHost(): string | undefined {
  return process.env.TEST_FIRESTORE_EMULATOR_HOST || process.env.FIRESTORE_EMULATOR_HOST || undefined;
}

async function resetProject(host: string, projectId: string): Promise<void> {
  const res = await fetch(`http://${host}/emulator/v1/projects/${projectId}/databases/(default)/documents`, {
    method: 'DELETE',
  });
  await res.arrayBuffer();
  if (!res.ok) throw new Error(`Firestore emulator reset failed: HTTP ${res.status}`);
}

export async function startFirestoreEmulator(): Promise<FirestoreEmulator> {
  const projectId = `demo-reelsmith-${randomBytes(4).toString('hex')}`;
  const shared = sharedHost();
  if (shared) {
    return { host: shared, projectId, reset: () => resetProject(shared, projectId), stop: async () => resetProject(shared, projectId) };
  }
  const port = await freePort();
  const host = `127.0.0.1:${port}`;
  const proc: EmulatorProcess = startDetached('gcloud', ['emulators', 'firestore', 'start', `--host-port=${host}`, '--quiet'], {
    env: { ...process.env, CLOUDSDK_CORE_DISABLE_PROMPTS: '1' },
  });
  // The root answers "Ok" once the emulator accepts requests.
  await waitUntilReady(
    proc,
    async () => {
      const res = await fetch(`http://${host}/`, { signal: AbortSignal.timeout(1000) });
      await res.arrayBuffer();
      return res.ok;
    },
    'gcloud Firestore emulator',
    180_000,
  );
  return { host, projectId, reset: () => resetProject(host, projectId), stop: () => proc.stop() };
}
