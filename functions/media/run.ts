// ffmpeg and ffprobe runs: their common flags, the input guard (input-guard.ts) on every input,
// progress from `-progress pipe:1`, and the error a failed run carries. The process itself is run
// by lib/run-process.ts.
import { runProcess, type ProcessOptions } from '../lib/run-process.ts';
import { globalGuard, guardFfmpegArgs, guardFfprobeArgs } from './input-guard.ts';
import type { MediaTools } from './tools.ts';
import type { ImageFormat } from '../domain/media.ts';

export interface RunOptions {
  cwd?: string;
  signal?: AbortSignal;
  /** Seconds of output written so far, parsed from ffmpeg's `-progress` stream. */
  onProgress?: (outSeconds: number) => void;
  /** Error code for a non-zero exit; `ffmpeg_failed` (`ffprobe_failed`) unless the caller knows better. */
  errorCode?: string;
  /** ffprobe only: the file is a still image of this format, opened by its own demuxer. */
  still?: ImageFormat;
  /** ffmpeg only: inputs it reads from pipes (`pipe:3`, …), written while it runs (lib/run-process.ts). */
  pipes?: ProcessOptions['pipes'];
}

/** stdout is only collected for ffprobe JSON (and -version); anything bigger is not what we asked for. */
const MAX_STDOUT_BYTES = 4 * 1024 * 1024;
const INSTALL_HINT = 'install ffmpeg (Debian: apt-get install ffmpeg) or set FFMPEG_PATH / FFPROBE_PATH';

/**
 * Runs ffmpeg with `args` (inputs, filters, outputs; the common flags and the input guard are
 * added here). Resolves with stdout when ffmpeg exits 0 (empty when `onProgress` consumes it).
 */
export async function runFfmpeg(tools: MediaTools, args: string[], opts: RunOptions = {}): Promise<{ stdout: string }> {
  const full = [
    '-hide_banner', '-nostdin', '-nostats', '-loglevel', 'error', '-progress', 'pipe:1', '-y',
    ...globalGuard(tools.limits),
    ...guardFfmpegArgs(args, tools.limits),
  ];
  const { onProgress } = opts;
  const r = await runProcess(tools.ffmpeg, full, {
    label: 'ffmpeg',
    errorCode: opts.errorCode ?? 'ffmpeg_failed',
    maxStdoutBytes: MAX_STDOUT_BYTES,
    installHint: INSTALL_HINT,
    ...(opts.cwd ? { cwd: opts.cwd } : {}),
    ...(opts.signal ? { signal: opts.signal } : {}),
    ...(opts.pipes ? { pipes: opts.pipes } : {}),
    ...(onProgress
      ? {
          onStdoutLine: (line: string) => {
            const s = parseProgressLine(line);
            if (s !== null) onProgress(s);
          },
        }
      : {}),
  });
  return { stdout: r.stdout.toString('utf8') };
}

/**
 * Runs ffprobe and returns its stdout (callers ask for `-of json`) and the tail of its stderr
 * (the guard's refusals of a single stream are logged there while ffprobe still exits 0).
 */
export async function runFfprobe(tools: MediaTools, args: string[], opts: RunOptions = {}): Promise<{ stdout: string; stderr: string }> {
  const full = ['-hide_banner', '-loglevel', 'error', ...globalGuard(tools.limits), ...guardFfprobeArgs(args, tools.limits, opts.still)];
  const r = await runProcess(tools.ffprobe, full, {
    label: 'ffprobe',
    errorCode: opts.errorCode ?? 'ffprobe_failed',
    maxStdoutBytes: MAX_STDOUT_BYTES,
    installHint: INSTALL_HINT,
    ...(opts.cwd ? { cwd: opts.cwd } : {}),
    ...(opts.signal ? { signal: opts.signal } : {}),
  });
  return { stdout: r.stdout.toString('utf8'), stderr: r.stderrTail.join('\n') };
}

/** `out_time_us=1234567` → 1.234567; other keys and `N/A` → null. */
export function parseProgressLine(line: string): number | null {
  const m = /^out_time_us=(\d+)\s*$/.exec(line.trim());
  if (!m) return null;
  return Number(m[1]) / 1_000_000;
}
