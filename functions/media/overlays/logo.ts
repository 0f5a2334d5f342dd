// A watermark's logo brought in from a downloaded file: told by its bytes (PNG, WebP, JPEG or
// SVG), through the probe gate under the image guard, and kept as one RGBA PNG of at most
// LOGO_MAX_SIDE a side beside the video's plan, which every chunk overlays (watermark.ts).
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { LogoFile } from '../../domain/look.ts';
import { CancelledError, TaskError } from '../../errors.ts';
import { probeStill, sniffLogo } from '../probe.ts';
import { runFfmpeg } from '../run.ts';
import type { MediaTools } from '../tools.ts';
import { logoArgs, logoSize } from './watermark.ts';

/** The kept logo's file name in the scratch dir. */
export const LOGO_FILE = 'logo.png';

/**
 * The logo in `path` (downloaded into `dir`) as the PNG the render overlays; the download is
 * removed. A file that is not such an image, or is outside the image limits, is a permanent
 * `invalid_watermark` naming `field` and what to send instead.
 */
export async function prepareLogo(tools: MediaTools, path: string, dir: string, field: string, signal: AbortSignal): Promise<LogoFile> {
  const refuse = (why: string, cause?: unknown) => new TaskError('invalid_watermark', `${field}: ${why}; send a PNG, WebP, SVG or JPEG image`, cause ? { cause } : {});
  try {
    const format = await sniffLogo(path);
    if (!format) throw refuse('the file is not an image (its bytes are neither PNG, WebP, JPEG nor SVG)');
    const info = await probeStill(tools, path, format, signal).catch((err: unknown) => {
      if (err instanceof TaskError && (err.code === 'unsupported_media' || err.code === 'unreadable_media')) throw refuse(`the ${format.toUpperCase()} was refused: ${err.message}`, err);
      throw err;
    });
    const size = logoSize(info.width, info.height, format);
    await runFfmpeg(tools, logoArgs(path, format, size, LOGO_FILE), { cwd: dir, signal, errorCode: 'invalid_watermark' }).catch((err: unknown) => {
      if (err instanceof CancelledError || signal.aborted) throw err;
      throw refuse(`the ${format.toUpperCase()} could not be drawn`, err);
    });
    return { path: join(dir, LOGO_FILE), ...size };
  } finally {
    await rm(path, { force: true });
  }
}
