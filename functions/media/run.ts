// ffmpeg and ffprobe runs: their common flags, the input guard (input-guard.ts) on every input,
// progress from `-progress pipe:1`, the CPU seconds of an ffmpeg run (`-benchmark`), and the error
// a failed run carries. The process itself is run by lib/run-process.ts.
import { runProcess, type ProcessOptions } from '../lib/run-process.ts';
import { addStageCpu } from '../lib/stage-timings.ts';
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
  /** More stdout than this fails the run (4 MiB unless given: JSON answers are small). */
  maxStdoutBytes?: number;
}

/** stdout is only collected for ffprobe JSON (and -version); anything bigger is not what we asked for. */
const MAX_STDOUT_BYTES = 4 * 1024 * 1024;
const INSTALL_HINT = 'install ffmpeg (Debian: apt-get install ffmpeg) or set FFMPEG_PATH / FFPROBE_PATH';

export interface FfmpegRun {
  stdout: string;
  /**
   * User + system CPU seconds of the run's transcoding, as ffmpeg's `-benchmark` reports it; it
   * leaves out the process's start (loading its ~200 libraries, about 0.05 s) and the opening of
   * its inputs. Null if ffmpeg did not report it.
   */
  cpuS: number | null;
}

/**
 * Runs ffmpeg with `args` (inputs, filters, outputs; the common flags and the input guard are
 * added here). Resolves with stdout when ffmpeg exits 0 (empty when `onProgress` consumes it) and
 * the run's CPU seconds. ffmpeg logs at info level with each line's level, for `-benchmark`'s
 * line at the end; the stderr tail of a failure keeps what `-loglevel error` would have shown.
 */
export async function runFfmpeg(tools: MediaTools, args: string[], opts: RunOptions = {}): Promise<FfmpegRun> {
  const full = [
    '-hide_banner', '-nostdin', '-nostats', '-loglevel', 'level+info', '-benchmark', '-progress', 'pipe:1', '-y',
    ...globalGuard(tools.limits),
    ...guardFfmpegArgs(args, tools.limits),
  ];
  const { onProgress } = opts;
  let cpuS: number | null = null;
  const r = await runProcess(tools.ffmpeg, full, {
    label: 'ffmpeg',
    onStderrLine: (line) => {
      const bench = parseBenchmarkLine(line);
      if (bench !== null) cpuS = bench;
      return errorLevelLine(line);
    },
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
  // The task's account of where its CPU went (result.timings) counts it in the stage this run is part of.
  addStageCpu(cpuS);
  return { stdout: r.stdout.toString('utf8'), cpuS };
}

/** `[info] bench: utime=1.234s stime=0.056s rtime=…` → 1.29; any other line → null. */
export function parseBenchmarkLine(line: string): number | null {
  const m = /\bbench: utime=([\d.]+)s stime=([\d.]+)s/.exec(line);
  return m ? Math.round((Number(m[1]) + Number(m[2])) * 1000) / 1000 : null;
}

const LEVEL_TAG = /\[(panic|fatal|error|warning|info|verbose|debug|trace)\] /;

/**
 * A stderr line of `-loglevel level+info` as `-loglevel error` shows it: errors and worse without
 * their level tag, lines of lower levels dropped (null). Lines without a tag (written by a
 * library itself, e.g. fontconfig's) are kept as they are.
 */
export function errorLevelLine(line: string): string | null {
  const m = LEVEL_TAG.exec(line);
  if (!m) return line;
  return m[1] === 'panic' || m[1] === 'fatal' || m[1] === 'error' ? line.replace(m[0], '') : null;
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
    maxStdoutBytes: opts.maxStdoutBytes ?? MAX_STDOUT_BYTES,
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
