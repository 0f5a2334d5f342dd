// Started once per `node --test` run (--test-global-setup=test/support/global-setup.ts): one
// Firestore emulator and one GCS emulator for every test file, instead of one per file. Their
// addresses go to the test processes in TEST_* variables (not FIRESTORE_EMULATOR_HOST /
// STORAGE_EMULATOR_HOST, which the client libraries would pick up in every test, including those
// that must talk to the production endpoints offline). The helpers in firestore-emulator.ts and
// gcs-emulator.ts reuse them; each user still gets a project id or bucket of its own.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { firestoreEmulatorUnavailable, startFirestoreEmulator, type FirestoreEmulator } from './firestore-emulator.ts';
import { skipUnlessGcsEmulator, startGcsEmulator, type GcsEmulator } from './gcs-emulator.ts';

let firestore: FirestoreEmulator | undefined;
let gcs: GcsEmulator | undefined;
let fixtureCache: string | undefined;

export async function globalSetup(): Promise<void> {
  // Every test process (and, through childEnv, every service and CLI they start) reuses the code
  // node compiled before, instead of stripping types and compiling the code base again: about half
  // of each start-up's CPU, and a run starts a few hundred. The cache is keyed by each file's content.
  process.env.NODE_COMPILE_CACHE ??= join(tmpdir(), 'reelsmith-node-compile-cache');
  // Generated fixture media, each distinct file made once for the whole run (fixture-cache.ts),
  // keyed with the ffmpeg version read here once rather than by every test process.
  if (!process.env.TEST_FIXTURE_CACHE_DIR) {
    fixtureCache = mkdtempSync(join(tmpdir(), 'reelsmith-fixtures-'));
    process.env.TEST_FIXTURE_CACHE_DIR = fixtureCache;
    try {
      const bin = process.env.FFMPEG_PATH || 'ffmpeg';
      process.env.TEST_FIXTURE_CACHE_TOOLS = `${bin}: ${execFileSync(bin, ['-version'], { encoding: 'utf8' }).split('\n')[0]}`;
    } catch {
      // No ffmpeg: the tests that need it say so themselves.
    }
  }
  const ci = process.env.CI === 'true';
  const [fs, st] = await Promise.allSettled([
    firestoreEmulatorUnavailable() ? Promise.resolve(undefined) : startFirestoreEmulator(),
    skipUnlessGcsEmulator() ? Promise.resolve(undefined) : startGcsEmulator(),
  ]);
  // Without a shared emulator each test file starts its own (or skips, outside CI); in CI a
  // failure here is a failure of the run.
  if (fs.status === 'fulfilled' && fs.value) {
    firestore = fs.value;
    process.env.TEST_FIRESTORE_EMULATOR_HOST = firestore.host;
  } else if (fs.status === 'rejected' && ci) throw fs.reason;
  if (st.status === 'fulfilled' && st.value) {
    gcs = st.value;
    process.env.TEST_GCS_EMULATOR_ENDPOINT = gcs.endpoint;
  } else if (st.status === 'rejected' && ci) throw st.reason;
}

export async function globalTeardown(): Promise<void> {
  await Promise.all([firestore?.stop(), gcs?.stop()]);
  if (fixtureCache) rmSync(fixtureCache, { recursive: true, force: true });
}
