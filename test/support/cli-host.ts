// `reelsmith` commands run in one long-lived child process instead of a node process each: a node
// start-up of the CLI costs more CPU than most commands it runs (argument errors, --help, the
// remote commands). The child is a real process, so a command's stdout, stderr, exit code,
// environment and working directory are its own, as when a user runs it; what only a process of
// its own shows (signals, stdin, the progress of one run) is tested with a real spawn.
import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { childEnv } from './child-env.ts';
import type { CliReply, CliRequest } from './cli-host-process.ts';

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface CliHost {
  /** Runs `reelsmith ...args` with exactly `env` (PATH and HOME are the caller's to add) in `cwd`. */
  run(args: string[], env: Record<string, string | undefined>, cwd: string): Promise<CliRun>;
  close(): void;
}

export function startCliHost(): CliHost {
  let child: ChildProcess | undefined;
  let next = 0;
  const waiting = new Map<number, (r: CliRun) => void>();
  const host = () => {
    if (child) return child;
    // Its own output, outside the commands it runs, is only ever a crash: kept for the message.
    let own = '';
    child = fork(join(import.meta.dirname, 'cli-host-process.ts'), [], { env: childEnv(), stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
    child.stdout!.on('data', (c) => (own += c));
    child.stderr!.on('data', (c) => (own += c));
    child.on('message', (reply: CliReply) => {
      waiting.get(reply.id)?.({ code: reply.code, stdout: reply.stdout, stderr: reply.stderr });
      waiting.delete(reply.id);
    });
    child.on('exit', (code) => {
      for (const resolve of waiting.values()) resolve({ code: null, stdout: '', stderr: `cli-host exited with ${code}: ${own}` });
      waiting.clear();
      child = undefined;
    });
    return child;
  };
  return {
    run(args, env, cwd) {
      const id = next++;
      return new Promise((resolve) => {
        waiting.set(id, resolve);
        host().send({ id, args, env, cwd } satisfies CliRequest);
      });
    },
    close() {
      child?.disconnect();
    },
  };
}
