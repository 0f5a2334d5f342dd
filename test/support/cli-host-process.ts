// The child side of cli-host.ts: runs `reelsmith` commands one after another in this process, each
// with the environment, working directory and arguments it is sent, its stdout and stderr captured,
// and answers with its exit code and output.
import { main } from '../../functions/cli/main.ts';

export interface CliRequest {
  id: number;
  args: string[];
  env: Record<string, string | undefined>;
  cwd: string;
}

export interface CliReply {
  id: number;
  code: number;
  stdout: string;
  stderr: string;
}

const CLI = new URL('../../functions/cli/main.ts', import.meta.url).pathname;

/** Replaces the whole environment, as a new process would start with only `env`. */
function setEnv(env: Record<string, string | undefined>): void {
  for (const k of Object.keys(process.env)) delete process.env[k];
  for (const [k, v] of Object.entries(env)) if (v !== undefined) process.env[k] = v;
}

async function run(req: CliRequest): Promise<CliReply> {
  setEnv(req.env);
  process.chdir(req.cwd);
  process.exitCode = undefined;
  const out = { stdout: '', stderr: '' };
  const writes = { stdout: process.stdout.write, stderr: process.stderr.write };
  for (const name of ['stdout', 'stderr'] as const) {
    process[name].write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
      out[name] += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
      const done = rest.find((r) => typeof r === 'function') as (() => void) | undefined;
      done?.();
      return true;
    }) as typeof process.stdout.write;
  }
  try {
    const code = await main([process.execPath, CLI, ...req.args]);
    return { id: req.id, code, ...out };
  } finally {
    process.stdout.write = writes.stdout;
    process.stderr.write = writes.stderr;
    process.exitCode = undefined;
  }
}

// One command at a time, in the order they come: each owns the environment and the directory while it runs.
let queue = Promise.resolve();
process.on('message', (req: CliRequest) => {
  queue = queue.then(async () => {
    const reply = await run(req).catch((err: Error) => ({ id: req.id, code: -1, stdout: '', stderr: `cli-host: ${err.stack ?? err}` }));
    process.send!(reply);
  });
});
// The parent closes the channel when it is done.
process.on('disconnect', () => process.exit(0));
