// Footage the request names by URL (clip_urls, scenes[].clip_url): downloaded into the task dir
// and kept when ffmpeg can read it as a video, or as a photo (JPEG, PNG, WebP, told by its bytes).
import { createHash, randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { extname, join } from 'node:path';
import type { SourceClip } from '../domain/media.ts';
import { TaskError } from '../errors.ts';
import { mapLimit } from '../lib/concurrency.ts';
import type { MediaTools } from '../media/tools.ts';
import { downloadToFile } from '../net/download.ts';
import { DEFAULT_URL_PORTS } from '../net/url-guard.ts';
import { fileClip, probeFootage, VIDEO_EXTENSIONS } from './footage-files.ts';
import type { FootageProvider, FootageRequest, FootageResult } from './ports.ts';

export interface UrlFootageOptions {
  tools: MediaTools;
  urls: string[];
  /** The request field of each URL, for warnings and errors; `clip_urls[i]` by default. */
  fields?: string[];
  /** ALLOW_PRIVATE_URLS. */
  allowPrivate: boolean;
  /** ALLOWED_URL_PORTS. */
  allowedPorts?: readonly number[];
  maxBytes?: number;
  timeoutMs?: number;
  retries?: number;
  concurrency?: number;
}

/**
 * Downloads the clips the request names into the task dir and keeps those that pass the probe
 * gate. A URL that is permanently unusable (404, too large, forbidden, not a video, outside the
 * media limits) is skipped with a warning so the next source can fill in; when every clip was
 * refused and at least one by the media limits, the task fails for good with the reasons. A
 * transient failure fails the attempt so the task is retried, rather than silently rendering
 * without the clips that were asked for.
 */
export class UrlFootage implements FootageProvider {
  readonly name = 'clip_urls';
  readonly #o: Required<Omit<UrlFootageOptions, 'fields'>> & { fields: string[] };

  constructor(opts: UrlFootageOptions) {
    this.#o = {
      maxBytes: 200 * 1024 * 1024,
      allowedPorts: DEFAULT_URL_PORTS,
      timeoutMs: 120_000,
      retries: 2,
      concurrency: 3,
      ...opts,
      fields: opts.urls.map((_, i) => opts.fields?.[i] ?? `clip_urls[${i}]`),
    };
  }

  async find(req: FootageRequest, dir: string, signal: AbortSignal): Promise<FootageResult> {
    const o = this.#o;
    const downloads = req.context?.downloads;
    // Per URL, so warnings read in request order whatever order the downloads finish in.
    const warningOf: (string | undefined)[] = [];
    // Per URL too: the reasons read in request order.
    const refusedOf: ({ field: string; reason: string; detail: string | undefined } | undefined)[] = [];
    // A failure that ends the attempt stops the other downloads instead of letting them finish.
    const stop = new AbortController();
    const both = AbortSignal.any([signal, stop.signal]);
    const found = await mapLimit(o.urls, o.concurrency, async (url, i): Promise<SourceClip | null> => {
      const field = o.fields[i]!;
      // Random suffix: two scenes may name the same URL and download it at the same time.
      const path = join(dir, `clip-${createHash('sha256').update(url).digest('hex').slice(0, 12)}-${randomBytes(4).toString('hex')}${videoExt(url)}`);
      let sizeBytes: number;
      try {
        ({ sizeBytes } = await downloadToFile(url, path, {
          field,
          maxBytes: o.maxBytes,
          timeoutMs: o.timeoutMs,
          retries: o.retries,
          signal: both,
          allowPrivate: o.allowPrivate,
          allowedPorts: o.allowedPorts,
          ...(downloads ? { limits: downloads } : {}),
        }));
      } catch (err) {
        if (err instanceof TaskError && !err.retryable) {
          warningOf[i] = `${err.message}; the clip was skipped`;
          return null;
        }
        stop.abort();
        throw signal.aborted ? signal.reason : err;
      }
      const probed = await probeFootage(o.tools, path, both);
      if ('reason' in probed) {
        await rm(path, { force: true });
        downloads?.budget.give(sizeBytes);
        warningOf[i] = `${field}: skipped, ${probed.reason}`;
        if (probed.outsideLimits) refusedOf[i] = { field, reason: probed.reason, detail: probed.detail };
        return null;
      }
      return fileClip(path, probed.info, probed.still);
    });
    const clips = found.filter((c): c is SourceClip => c !== null);
    const refused = refusedOf.filter((r) => r !== undefined);
    // The request's own footage all refused by the probe gate: rendering a stand-in instead would
    // hide a problem the client has to fix (a clip too long, too large, in a refused format).
    if (clips.length === 0 && refused.length > 0) {
      const details = refused.filter((r) => r.detail).map((r) => `${r.field}: ${r.detail}`);
      throw new TaskError('unsupported_media', `${refused.map((r) => `${r.field}: ${r.reason}`).join('; ')}; send clips within the accepted limits`, {
        ...(details.length ? { detail: details.join('\n') } : {}),
      });
    }
    return { clips, warnings: warningOf.filter((w): w is string => w !== undefined) };
  }
}

function videoExt(url: string): string {
  try {
    const ext = extname(new URL(url).pathname).toLowerCase();
    return (VIDEO_EXTENSIONS as readonly string[]).includes(ext) ? ext : '.media';
  } catch {
    return '.media';
  }
}
