// The one place that starts ffmpeg and ffprobe processes: argument arrays only, an AbortSignal that
// kills, progress from `-progress pipe:1`, and the tail of stderr kept for the error message.
import { spawn } from 'node:child_process';
import { CancelledError, TaskError } from '../errors.ts';
import type { MediaTools } from './tools.ts';

export interface RunOptions {
  cwd?: string;
  signal?: AbortSignal;
  /** Seconds of output written so far, parsed from ffmpeg's `-progress` stream. */
  onProgress?: (outSeconds: number) => void;
  /** Error code for a non-zero exit; `ffmpeg_failed` unless the caller knows better. */
  errorCode?: string;
}

/** How many stderr lines end up in an error message. */
const STDERR_TAIL_LINES = 20;
/** stdout is only collected for ffprobe JSON; anything bigger is not what we asked for. */
const MAX_STDOUT_BYTES = 4 * 1024 * 1024;

export interface ProcessResult {
  stdout: string;
  stderrTail: string[];
}

/**
 * Runs ffmpeg with `args` (inputs, filters, outputs; the common flags are added here).
 * Resolves when ffmpeg exits 0; rejects with TaskError(`ffmpeg_failed`) carrying the stderr tail,
 * or CancelledError once the signal aborts (the process is SIGKILLed and reaped first).
 */
export async function runFfmpeg(tools: MediaTools, args: string[], opts: RunOptions = {}): Promise<ProcessResult> {
  const full = ['-hide_banner', '-nostdin', '-nostats', '-loglevel', 'error', '-progress', 'pipe:1', '-y', ...args];
  return runProcess(tools.ffmpeg, full, opts, 'ffmpeg');
}

/** Runs ffprobe and returns its stdout (callers ask for `-of json`). */
export async function runFfprobe(tools: MediaTools, args: string[], opts: RunOptions = {}): Promise<string> {
  const r = await runProcess(tools.ffprobe, ['-hide_banner', '-loglevel', 'error', ...args], opts, 'ffprobe');
  return r.stdout;
}

function runProcess(bin: string, args: string[], opts: RunOptions, label: string): Promise<ProcessResult> {
  const { signal } = opts;
  if (signal?.aborted) return Promise.reject(new CancelledError());
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, {
      cwd: opts.cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
      windowsHide: true,
    });
    const tail: string[] = [];
    let stderrPartial = '';
    let stdout = '';
    let progressPartial = '';
    let aborted = false;
    let spawnError: Error | null = null;

    const onAbort = () => {
      aborted = true;
      // SIGKILL: ffmpeg may ignore or delay SIGTERM/SIGINT while it flushes; a cancelled render's output is discarded anyway.
      child.kill('SIGKILL');
    };
    signal?.addEventListener('abort', onAbort, { once: true });

    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      const lines = (stderrPartial + chunk).split(/\r?\n|\r/);
      stderrPartial = lines.pop() ?? '';
      for (const line of lines) pushTail(tail, line);
    });

    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      if (opts.onProgress) {
        const lines = (progressPartial + chunk).split('\n');
        progressPartial = lines.pop() ?? '';
        for (const line of lines) {
          const s = parseProgressLine(line);
          if (s !== null) opts.onProgress(s);
        }
      } else if (stdout.length < MAX_STDOUT_BYTES) {
        stdout += chunk;
      }
    });

    child.on('error', (err) => {
      spawnError = err;
    });

    child.on('close', (code, sig) => {
      signal?.removeEventListener('abort', onAbort);
      pushTail(tail, stderrPartial);
      if (aborted) return reject(new CancelledError());
      if (spawnError) {
        return reject(
          new TaskError(opts.errorCode ?? `${label}_failed`, `${label} could not be started (${bin}): ${spawnError.message}`, {
            cause: spawnError,
          }),
        );
      }
      if (code === 0) return resolve({ stdout, stderrTail: tail });
      const how = sig ? `was killed by ${sig}` : `exited with code ${code}`;
      const detail = tail.length > 0 ? `:\n${tail.join('\n')}` : '';
      // Killed from outside (e.g. the OOM killer) is worth another attempt; a non-zero exit is not.
      reject(new TaskError(opts.errorCode ?? `${label}_failed`, `${label} ${how}${detail}`, { retryable: sig !== null }));
    });
  });
}

function pushTail(tail: string[], line: string): void {
  const t = line.trimEnd();
  if (!t) return;
  tail.push(t);
  if (tail.length > STDERR_TAIL_LINES) tail.shift();
}

/** `out_time_us=1234567` → 1.234567; other keys and `N/A` → null. */
export function parseProgressLine(line: string): number | null {
  const m = /^out_time_us=(\d+)\s*$/.exec(line.trim());
  if (!m) return null;
  return Number(m[1]) / 1_000_000;
}
