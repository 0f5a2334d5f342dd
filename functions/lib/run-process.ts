// The one child-process runner (ffmpeg, ffprobe, espeak-ng): argument arrays only, never a shell;
// an AbortSignal that SIGKILLs and reaps; an optional deadline; stdout collected up to a bound
// (or streamed line by line); the tail of stderr kept for the logs (the error's detail).
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { CancelledError, scratchFull, TaskError } from '../errors.ts';

export interface ProcessOptions {
  /** Names the program in messages: "ffmpeg exited with code 1: …". */
  label: string;
  /** Code of the TaskError for a failed run. */
  errorCode: string;
  cwd?: string;
  signal?: AbortSignal;
  /** Written to stdin, which is then closed; without it stdin is /dev/null. */
  input?: string | Buffer;
  /** Kill the process after this long; the failure is retryable. */
  timeoutMs?: number;
  /** stdout beyond this is an error (the process is killed): it is not what we asked for. */
  maxStdoutBytes?: number;
  /** Streams stdout line by line instead of collecting it (ffmpeg's -progress). */
  onStdoutLine?: (line: string) => void;
  /** Appended to "could not be started", e.g. "install espeak-ng or set ESPEAK_PATH". */
  installHint?: string;
  /**
   * Inputs streamed to the process through pipes of their own: `count` pipes become its file
   * descriptors 3, 4, … (ffmpeg reads them as `pipe:3`, …), and `write` fills them while it
   * runs. If `write` fails the process is killed and the run fails with its error; if the
   * process fails first, its own error is the run's (the writes' broken pipes are its echo).
   */
  pipes?: { count: number; write: (pipes: Writable[]) => Promise<void> };
  /** Each stderr line before it is kept for the tail: the line to keep (possibly rewritten), or null to drop it. */
  onStderrLine?: (line: string) => string | null;
}

export interface ProcessResult {
  stdout: Buffer;
  stderrTail: string[];
}

/** How many stderr lines end up in an error message. */
export const STDERR_TAIL_LINES = 20;
const DEFAULT_MAX_STDOUT_BYTES = 16 * 1024 * 1024;
/** What a write to a pipe the reading process has closed fails with. */
const PIPE_CLOSED = new Set(['EPIPE', 'ECONNRESET', 'ERR_STREAM_PREMATURE_CLOSE', 'ERR_STREAM_DESTROYED']);
/** How ffmpeg, ffprobe and espeak-ng report ENOSPC. */
const NO_SPACE = /No space left on device|ENOSPC/i;

/**
 * Resolves when the process exits 0. Rejects with CancelledError once the signal aborts (after
 * the process is SIGKILLed and reaped), or with a TaskError whose detail is the stderr tail. A
 * process killed by a signal from outside (the OOM killer) is worth another attempt; another
 * non-zero exit is not, nor one out of disk space (`scratch_full`).
 */
export function runProcess(bin: string, args: string[], opts: ProcessOptions): Promise<ProcessResult> {
  const { signal, label } = opts;
  if (signal?.aborted) return Promise.reject(new CancelledError());
  const maxStdout = opts.maxStdoutBytes ?? DEFAULT_MAX_STDOUT_BYTES;
  return new Promise((resolve, reject) => {
    const pipes = opts.pipes?.count ?? 0;
    const child = spawn(bin, args, {
      cwd: opts.cwd,
      stdio: [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe', ...Array<'pipe'>(pipes).fill('pipe')],
      windowsHide: true,
    }) as ChildProcessByStdio<Writable | null, Readable, Readable>;
    const tail: string[] = [];
    let stderrPartial = '';
    const stdout: Buffer[] = [];
    let stdoutBytes = 0;
    let linePartial = '';
    let ended: 'aborted' | 'timeout' | 'overflow' | 'input' | null = null;
    let spawnError: Error | null = null;

    // SIGKILL: ffmpeg may ignore or delay SIGTERM while it flushes; the output is discarded anyway.
    const kill = (why: NonNullable<typeof ended>) => {
      ended ??= why;
      child.kill('SIGKILL');
    };
    const onAbort = () => kill('aborted');
    signal?.addEventListener('abort', onAbort, { once: true });
    const timer = opts.timeoutMs ? setTimeout(() => kill('timeout'), opts.timeoutMs) : null;

    const keep = (line: string) => {
      const kept = opts.onStderrLine ? opts.onStderrLine(line) : line;
      if (kept !== null) pushTail(tail, kept);
    };
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      const lines = (stderrPartial + chunk).split(/\r?\n|\r/);
      stderrPartial = lines.pop() ?? '';
      for (const line of lines) keep(line);
    });

    child.stdout.on('data', (chunk: Buffer) => {
      if (opts.onStdoutLine) {
        const lines = (linePartial + chunk.toString('utf8')).split('\n');
        linePartial = lines.pop() ?? '';
        for (const line of lines) opts.onStdoutLine(line);
        return;
      }
      stdoutBytes += chunk.length;
      if (stdoutBytes > maxStdout) kill('overflow');
      else stdout.push(chunk);
    });

    if (child.stdin) {
      // The program may exit before reading everything (a bad voice); its exit code says so.
      child.stdin.on('error', () => {});
      child.stdin.end(opts.input);
    }

    child.on('error', (err) => {
      spawnError = err;
    });

    const extra = child.stdio.slice(3, 3 + pipes) as Writable[];
    let exited = false;
    // A pipe the process closed (it failed, or stopped reading) errors on the next write: the exit
    // says why. Once it has exited nothing reads them: the writes still waiting end at once.
    for (const p of extra) p.on('error', () => {});
    child.on('exit', () => {
      exited = true;
      for (const p of extra) p.destroy();
    });
    const written: Promise<{ error: unknown } | null> = opts.pipes
      ? opts.pipes.write(extra).then(
          () => null,
          (error: unknown) => {
            // A pipe the process closed is the echo of its own failure (ffmpeg out of disk space
            // closes its inputs as it exits, maybe before node sees the exit): its exit says why.
            if (!exited && !PIPE_CLOSED.has((error as NodeJS.ErrnoException).code ?? '')) kill('input');
            return { error };
          },
        )
      : Promise.resolve(null);

    child.on('close', (code, sig) => void written.then((input) => closed(code, sig, input)));

    function closed(code: number | null, sig: NodeJS.Signals | null, input: { error: unknown } | null) {
      signal?.removeEventListener('abort', onAbort);
      if (timer) clearTimeout(timer);
      if (stderrPartial) keep(stderrPartial);
      // stderr names files in the task dir: it goes to the logs (detail), not to the client.
      const detail = tail.length > 0 ? tail.join('\n') : undefined;
      const fail = (message: string, retryable: boolean, cause?: unknown) =>
        reject(new TaskError(opts.errorCode, message, { retryable, cause, ...(detail ? { detail } : {}) }));
      if (ended === 'aborted') return reject(new CancelledError());
      if (spawnError) {
        const hint = opts.installHint ? `; ${opts.installHint}` : '';
        return fail(`${label} could not be started (${bin}): ${spawnError.message}${hint}`, false, spawnError);
      }
      // What it was given failed (a chunk that could not be read or fetched): that is the error.
      if (ended === 'input' && input) return reject(input.error);
      if (ended === 'timeout') return fail(`${label} took longer than ${Math.round((opts.timeoutMs ?? 0) / 1000)} s`, true);
      if (ended === 'overflow') return fail(`${label} wrote more than ${maxStdout} bytes to stdout`, false);
      if (code === 0 && input) return reject(input.error);
      if (code === 0) return resolve({ stdout: Buffer.concat(stdout), stderrTail: tail });
      // A full disk is for good (errors.ts scratchFull): another attempt would fill it again.
      if (tail.some((l) => NO_SPACE.test(l))) return reject(scratchFull(label, detail ? { detail } : {}));
      const how = sig ? `was killed by ${sig}` : `exited with code ${code}`;
      fail(`${label} ${how}`, sig !== null);
    }
  });
}

function pushTail(tail: string[], line: string): void {
  const t = line.trimEnd();
  if (!t) return;
  tail.push(t);
  if (tail.length > STDERR_TAIL_LINES) tail.shift();
}
