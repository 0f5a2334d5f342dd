// `npm run cloud-local` as a user runs it, with settings of their own in the environment: the api
// and both workers get them (the test helper that starts the cloud path keeps a clean env; this
// command must not).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { after, before, describe, it } from 'node:test';
import { childEnv } from '../support/child-env.ts';
import { freePort } from '../support/emulator-process.ts';
import { skipUnlessFirestoreEmulator } from '../support/firestore-emulator.ts';
import { waitFor } from '../support/wait.ts';

const ROOT = resolve(import.meta.dirname, '../..');

/** The environment of every live process below `pid`, by command line. */
function descendants(pid: number): { cmdline: string; env: Record<string, string> }[] {
  const parentOf = new Map<number, number>();
  for (const name of readdirSync('/proc').filter((n) => /^\d+$/.test(n))) {
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      parentOf.set(Number(name), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // gone while we looked
    }
  }
  const below = (p: number): boolean => p === pid || (parentOf.has(p) && p > 1 && below(parentOf.get(p)!));
  return [...parentOf.keys()]
    .filter((p) => p !== pid && below(p))
    .flatMap((p) => {
      try {
        const env = Object.fromEntries(
          readFileSync(`/proc/${p}/environ`, 'utf8')
            .split('\0')
            .filter(Boolean)
            .map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
        );
        return [{ cmdline: readFileSync(`/proc/${p}/cmdline`, 'utf8').replaceAll('\0', ' '), env }];
      } catch {
        return [];
      }
    });
}

describe('npm run cloud-local', { skip: skipUnlessFirestoreEmulator() }, () => {
  let proc: ReturnType<typeof spawn>;
  let url = '';
  const logs: string[] = [];
  before(async () => {
    const port = await freePort();
    proc = spawn(process.execPath, [join(ROOT, 'scripts/cloud-local.ts')], {
      cwd: ROOT,
      // What a user might have exported before running it; the emulators the test run shares are passed on too.
      env: {
        ...childEnv(),
        ...(process.env.TEST_FIRESTORE_EMULATOR_HOST ? { TEST_FIRESTORE_EMULATOR_HOST: process.env.TEST_FIRESTORE_EMULATOR_HOST } : {}),
        ...(process.env.TEST_GCS_EMULATOR_ENDPOINT ? { TEST_GCS_EMULATOR_ENDPOINT: process.env.TEST_GCS_EMULATOR_ENDPOINT } : {}),
        PORT: String(port),
        API_KEYS: 'cloud-local-key',
        FANOUT_MIN_SECONDS: '15',
        LOG_LEVEL: 'warn',
        // A setting a user's own tooling might use: everything is passed, not a list.
        REELSMITH_TEST_MARKER: 'passed-through',
        // The cloud path's own wiring wins over what the caller's shell says.
        TASK_STORE: 'local',
        DISPATCHER: 'cloudtasks',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    for (const stream of [proc.stdout!, proc.stderr!]) createInterface({ input: stream }).on('line', (l) => logs.push(l));
    // A command that exits before it serves fails the test now, with its output, not at the runner's timeout.
    url = await waitFor(() => {
      const started = /api on (http:\/\/\S+)/.exec(logs.join('\n'))?.[1];
      if (!started && proc.exitCode !== null) throw new Error(`cloud-local exited with code ${proc.exitCode} before serving:\n${logs.join('\n')}`);
      return started;
    }, 'cloud-local to start');
  });
  after(async () => {
    if (proc && proc.exitCode === null) {
      const exited = new Promise((r) => proc.once('exit', r));
      proc.kill('SIGTERM');
      await exited;
    }
  });

  it('the api gets the caller’s API_KEYS: requests without the key are refused', async () => {
    assert.equal((await fetch(`${url}/v1/videos`)).status, 401);
    assert.equal((await fetch(`${url}/v1/videos`, { headers: { authorization: 'Bearer cloud-local-key' } })).status, 200);
  });

  it('the api and both workers run with the caller’s settings, and the cloud path’s own wiring', () => {
    const services = descendants(proc.pid!).filter((p) => p.cmdline.includes('functions/local.ts'));
    assert.deepEqual(services.map((s) => s.env.FUNCTION_TARGET).sort(), ['api', 'worker', 'worker']);
    for (const s of services) {
      assert.equal(s.env.REELSMITH_TEST_MARKER, 'passed-through', s.env.FUNCTION_TARGET);
      assert.equal(s.env.FANOUT_MIN_SECONDS, '15');
      assert.equal(s.env.API_KEYS, 'cloud-local-key');
      assert.equal(s.env.LOG_LEVEL, 'warn');
      assert.equal(s.env.TASK_STORE, 'firestore');
      assert.equal(s.env.DISPATCHER, 'local');
    }
  });
});
