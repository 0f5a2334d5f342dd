// Which ffmpeg/ffprobe binaries to run, and a start-up check that they can do what the renderer needs.
import { accessSync, constants, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { delimiter, dirname, join } from 'node:path';
import { execFile } from 'node:child_process';
import { DEFAULT_MEDIA_LIMITS, type MediaLimits } from './limits.ts';

export interface MediaTools {
  ffmpeg: string;
  ffprobe: string;
  /** What outside media must be within (MEDIA_MAX_*); DEFAULT_MEDIA_LIMITS when absent. */
  limits?: MediaLimits;
}

/** The MEDIA_MAX_* settings of Config (names kept apart so tests and benches can pass a few). */
export interface MediaToolsConfig {
  FFMPEG_PATH?: string | undefined;
  FFPROBE_PATH?: string | undefined;
  MEDIA_MAX_SIDE?: number | undefined;
  MEDIA_MAX_PIXELS?: number | undefined;
  MEDIA_MAX_FPS?: number | undefined;
  MEDIA_MAX_DURATION_S?: number | undefined;
  MEDIA_MAX_STREAMS?: number | undefined;
  MEDIA_MAX_STILL_SIDE?: number | undefined;
  MEDIA_MAX_STILL_PIXELS?: number | undefined;
}

/**
 * FFMPEG_PATH → `ffmpeg` on PATH → ffmpeg-static (only if its binary really exists: the package
 * is an optional dependency whose install download often fails) → `ffmpeg`. The system's ffmpeg
 * comes first because it is the one the image runs and scripts/setup.sh installs, with the
 * distribution's fontconfig and its font caches: `npm start` then renders with the same ffmpeg as
 * the service in production (issue 22: a downloaded static build was preferred, and `npm start`
 * ran another ffmpeg than the image, beside Debian's ffprobe). ffprobe is resolved the same way;
 * when ffmpeg comes from an explicit path, an ffprobe beside it is preferred.
 */
export function resolveMediaTools(cfg: MediaToolsConfig, path = process.env.PATH ?? ''): MediaTools {
  const ffmpeg = cfg.FFMPEG_PATH || (onPath('ffmpeg', path) ? 'ffmpeg' : ffmpegStatic()) || 'ffmpeg';
  let ffprobe = cfg.FFPROBE_PATH || '';
  if (!ffprobe && ffmpeg.includes('/')) {
    const beside = join(dirname(ffmpeg), 'ffprobe');
    if (existsSync(beside)) ffprobe = beside;
  }
  return { ffmpeg, ffprobe: ffprobe || 'ffprobe', limits: mediaLimits(cfg) };
}

export function mediaLimits(cfg: MediaToolsConfig): MediaLimits {
  const d = DEFAULT_MEDIA_LIMITS;
  return {
    maxSide: cfg.MEDIA_MAX_SIDE ?? d.maxSide,
    maxPixels: cfg.MEDIA_MAX_PIXELS ?? d.maxPixels,
    maxFps: cfg.MEDIA_MAX_FPS ?? d.maxFps,
    maxDurationS: cfg.MEDIA_MAX_DURATION_S ?? d.maxDurationS,
    maxStreams: cfg.MEDIA_MAX_STREAMS ?? d.maxStreams,
    maxStillSide: cfg.MEDIA_MAX_STILL_SIDE ?? d.maxStillSide,
    maxStillPixels: cfg.MEDIA_MAX_STILL_PIXELS ?? d.maxStillPixels,
  };
}

/** Whether an executable `name` is in one of PATH's directories. */
function onPath(name: string, path: string): boolean {
  return path.split(delimiter).some((d) => {
    if (!d) return false;
    try {
      accessSync(join(d, name), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

function ffmpegStatic(): string | null {
  try {
    const p = createRequire(import.meta.url)('ffmpeg-static') as string | null;
    return p && existsSync(p) ? p : null;
  } catch {
    return null;
  }
}

function capture(bin: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(bin, args, { timeout: 15_000, maxBuffer: 8 * 1024 * 1024 }, (err, stdout) => {
      if (err) reject(err);
      else resolve(stdout);
    });
  });
}

/** Fails fast, at start-up, with a message saying what to install, instead of failing every task later. */
export async function checkMediaTools(tools: MediaTools): Promise<void> {
  const hint = 'install ffmpeg (Debian: apt-get install ffmpeg) or set FFMPEG_PATH / FFPROBE_PATH';
  // The three at once: each start of Debian's ffmpeg loads some 200 libraries, and a cold start waits for all three.
  const [listed, probe] = await Promise.allSettled([Promise.all([capture(tools.ffmpeg, ['-hide_banner', '-filters']), capture(tools.ffmpeg, ['-hide_banner', '-encoders'])]), capture(tools.ffprobe, ['-hide_banner', '-version'])]);
  if (listed.status === 'rejected') {
    throw new Error(`ffmpeg is not runnable at "${tools.ffmpeg}": ${(listed.reason as Error).message}; ${hint}`, { cause: listed.reason });
  }
  if (probe.status === 'rejected') {
    throw new Error(`ffprobe is not runnable at "${tools.ffprobe}": ${(probe.reason as Error).message}; ${hint}`, { cause: probe.reason });
  }
  const [filters, encoders] = listed.value;
  const missing: string[] = [];
  if (!/^\s*\S+\s+ass\s/m.test(filters)) missing.push('the "ass" filter (ffmpeg built with --enable-libass)');
  if (!/^\s*\S+\s+sidechaincompress\s/m.test(filters)) missing.push('the "sidechaincompress" filter');
  if (!/^\s*\S+\s+loudnorm\s/m.test(filters)) missing.push('the "loudnorm" filter');
  if (!/^\s*\S+\s+rubberband\s/m.test(filters)) missing.push('the "rubberband" filter (ffmpeg built with --enable-librubberband; it speeds voices up to fit max_duration_s)');
  if (!/^\s*V\S*\s+libx264\s/m.test(encoders)) missing.push('the libx264 encoder (--enable-libx264)');
  if (!/^\s*A\S*\s+aac\s/m.test(encoders)) missing.push('the aac encoder');
  if (missing.length > 0) {
    throw new Error(`ffmpeg at "${tools.ffmpeg}" lacks ${missing.join(', ')}; ${hint}`);
  }
}
