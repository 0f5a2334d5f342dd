// A watermark's logo (watermark.image_url): downloaded by the worker through the URL guard and the
// download budget like clips and music, then through the probe gate under the image guard and
// kept as the PNG every chunk overlays (media/overlays/logo.ts).
import { join } from 'node:path';
import type { LogoFile } from '../domain/look.ts';
import type { VideoSpec } from '../domain/video-spec.ts';
import { prepareLogo } from '../media/overlays/logo.ts';
import { downloadToFile, type DownloadLimits } from '../net/download.ts';
import type { PipelineDeps } from './pipeline-deps.ts';

const FIELD = 'watermark.image_url';
/** A logo larger than this is not a logo. */
export const LOGO_MAX_BYTES = 10 * 1024 * 1024;

/** The video's logo in `dir`, or null when its watermark is none or text. */
export async function watermarkLogo(
  deps: Pick<PipelineDeps, 'tools' | 'allowPrivateUrls' | 'allowedUrlPorts'>,
  spec: Pick<VideoSpec, 'overlays'>,
  dir: string,
  signal: AbortSignal,
  downloads: DownloadLimits | undefined,
): Promise<LogoFile | null> {
  const mark = spec.overlays.watermark;
  if (mark?.kind !== 'image') return null;
  const path = join(dir, 'logo.input');
  const { sizeBytes } = await downloadToFile(mark.url, path, {
    field: FIELD,
    maxBytes: LOGO_MAX_BYTES,
    timeoutMs: 60_000,
    retries: 2,
    signal,
    allowPrivate: deps.allowPrivateUrls,
    ...(deps.allowedUrlPorts ? { allowedPorts: deps.allowedUrlPorts } : {}),
    ...(downloads ? { limits: downloads } : {}),
  });
  try {
    return await prepareLogo(deps.tools, path, dir, FIELD, signal);
  } finally {
    // The download is gone (the kept PNG is a few KB): its bytes go back to the task's budget.
    downloads?.budget.give(sizeBytes);
  }
}
