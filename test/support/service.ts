// Start reelsmith as a child process, exactly as `npm start` does, on a free port with its own
// DATA_DIR; stop it with a signal or kill it hard (restart tests).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';

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

export async function startService(
  env: Record<string, string> = {},
  opts: { dataDir?: string; entry?: string[]; timeoutMs?: number } = {},
): Promise<Service> {
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'reelsmith-test-'));
  const args = opts.entry ?? ['functions/local.ts'];
  const proc = spawn(process.execPath, args, {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      PORT: '0',
      DATA_DIR: dataDir,
      ALLOW_PRIVATE_URLS: 'true',
      LOG_LEVEL: 'info',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: string[] = [];
  const url = await new Promise<string>((resolveUrl, reject) => {
    const timer = setTimeout(() => reject(new Error(`service did not start:\n${logs.join('\n')}`)), opts.timeoutMs ?? 30_000);
    for (const stream of [proc.stdout!, proc.stderr!]) {
      createInterface({ input: stream }).on('line', (line) => {
        logs.push(line);
        const m = /listening on :(\d+)/.exec(line);
        if (m) {
          clearTimeout(timer);
          resolveUrl(`http://127.0.0.1:${m[1]}`);
        }
      });
    }
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`service exited with ${code} before listening:\n${logs.join('\n')}`));
    });
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
