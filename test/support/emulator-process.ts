// Shared plumbing for the emulators the tests start: a free loopback port, a child in its own
// process group (so stopping it also stops the grandchildren, e.g. gcloud → java), readiness
// polling, and a stderr/stdout tail for the error message when start-up fails.
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { createServer } from 'node:net';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (addr && typeof addr === 'object' ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

export interface EmulatorProcess {
  child: ChildProcess;
  /** The last lines the process printed, for error messages. */
  output(): string;
  /** Kill the whole process group and wait for the leader to exit. */
  stop(): Promise<void>;
}

export function startDetached(cmd: string, args: string[], opts: SpawnOptions = {}): EmulatorProcess {
  const child = spawn(cmd, args, { ...opts, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let tail = '';
  const keep = (chunk: Buffer) => {
    tail = (tail + chunk.toString()).slice(-4000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  // A test that forgets to stop the emulator must not leave java running after the test process.
  const onExit = () => killGroup(child, 'SIGKILL');
  process.once('exit', onExit);
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  return {
    child,
    output: () => tail,
    async stop() {
      process.removeListener('exit', onExit);
      if (child.exitCode !== null || child.signalCode !== null) return;
      killGroup(child, 'SIGTERM');
      const timer = setTimeout(() => killGroup(child, 'SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
      // The leader may exit before java does; make sure nothing of the group survives.
      killGroup(child, 'SIGKILL');
    },
  };
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // ESRCH: the group is already gone.
  }
}

/** Poll `probe` until it returns true; fail with the process output when the child dies or time runs out. */
export async function waitUntilReady(
  proc: EmulatorProcess,
  probe: () => Promise<boolean>,
  what: string,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (proc.child.exitCode !== null) {
      throw new Error(`${what} exited with code ${proc.child.exitCode} during start-up:\n${proc.output()}`);
    }
    if (await probe().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  await proc.stop();
  throw new Error(`${what} was not ready after ${timeoutMs} ms:\n${proc.output()}`);
}
