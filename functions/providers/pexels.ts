// Stock footage from Pexels: videos (the Videos API) or photos (the Photos API), by one client
// that both share (pexels-client.ts). Search (broadening the query when it finds too little), pick
// the smallest file that still fills the output frame, choose with the request's seed, then
// download in parallel, probe each and replace any that is broken.
import { rm } from 'node:fs/promises';
import { join } from 'node:path';

import { STILL_SHOT_S, type Credit, type SourceClip } from '../domain/media.ts';
import { TaskError } from '../errors.ts';
import { mapLimit } from '../lib/concurrency.ts';
import { stage } from '../lib/stage-timings.ts';
import { seededRandom, shuffle } from '../lib/seeded-random.ts';
import type { Logger } from '../log.ts';
import { probeInput, probeStill, sniffStill } from '../media/probe.ts';
import type { MediaTools } from '../media/tools.ts';
import { downloadToFile, type DownloadLimits } from '../net/download.ts';
import type { RetryPolicy } from '../net/retry.ts';
import { PexelsClient, type PexelsMedia, type PexelsQuota } from './pexels-client.ts';
import { photoCandidate } from './pexels-photos.ts';
import type { FootageProvider, FootageRequest, FootageResult } from './ports.ts';

export { PEXELS_DEFAULT_USER_AGENT, PEXELS_HOURLY_LIMIT, type PexelsQuota } from './pexels-client.ts';

export interface PexelsLimits {
  /** Largest clip file accepted. */
  maxDownloadBytes: number;
  /** Largest photo file accepted (a rendition sized for the frame is a few MB at most). */
  maxPhotoBytes: number;
  downloadTimeoutMs: number;
  /** Downloads running at once per find(). */
  downloadConcurrency: number;
  /** Deadline for one search request. */
  searchTimeoutMs: number;
  /** Pages read per query before broadening instead. */
  maxPagesPerQuery: number;
  /** Clips shorter than this are not worth a cut. */
  minClipS: number;
  /** Longer videos are skipped: a few seconds of them are used, but every byte is downloaded. */
  maxClipS: number;
}

export const DEFAULT_PEXELS_LIMITS: PexelsLimits = {
  maxDownloadBytes: 150 * 1024 * 1024,
  maxPhotoBytes: 30 * 1024 * 1024,
  downloadTimeoutMs: 120_000,
  downloadConcurrency: 3,
  searchTimeoutMs: 20_000,
  maxPagesPerQuery: 2,
  minClipS: 1,
  maxClipS: 120,
};

export interface PexelsOptions {
  /** The process's Pexels client, shared by its video and photo footage; made from the options below when absent. */
  client?: PexelsClient;
  apiKey?: string;
  /** PEXELS_BASE_URL. */
  baseUrl?: string;
  /** Videos (the default) or photos. */
  media?: PexelsMedia;
  tools: MediaTools;
  userAgent?: string;
  /** Results per search page, at most 80 (Pexels' maximum; fewer requests against the hourly limit). */
  perPage?: number;
  /** The last resort before giving up on Pexels. */
  genericQuery?: string;
  limits?: Partial<PexelsLimits>;
  retry?: Partial<RetryPolicy>;
  /** Lets file links reach loopback/private addresses (tests against the fake, development). */
  allowPrivate?: boolean;
  log?: Logger;
  random?: () => number;
  /** Searches this process makes per hour at most: Pexels allows 200 an hour per key by default. */
  hourlyLimit?: number;
  /** How long a search answer is reused; Pexels asks clients to cache. */
  cacheTtlMs?: number;
  /** Clock of the cache and the hourly window (tests). */
  now?: () => number;
}

/** One video or photo worth downloading: the file picked for the frame, and what it is owed. */
export interface Candidate {
  /** Pexels' id of the video or photo. */
  mediaId: number;
  /** The search that found it. */
  query: string;
  /** Which file of it (a rendition id, or the photo's size). */
  fileKey: string;
  link: string;
  width: number;
  height: number;
  /** Seconds it can fill: a video's duration, a photo's shot. */
  declaredS: number;
  credit: Credit;
}

interface PexelsVideoFile {
  id?: number;
  quality?: string | null;
  file_type?: string | null;
  width?: number | null;
  height?: number | null;
  link?: string | null;
}

interface PexelsVideo {
  id: number;
  width?: number;
  height?: number;
  url?: string;
  duration?: number;
  user?: { name?: string; url?: string } | null;
  video_files?: PexelsVideoFile[];
}

/** What differs between searching videos and photos. */
interface MediaKind {
  /** "video" or "photo", for warnings. */
  noun: string;
  candidate(item: unknown, query: string, width: number, height: number, limits: PexelsLimits): Candidate | null;
  /** Identity across tasks (freshness) and within one (no clip twice). */
  clipId(c: Candidate): string;
}

const KINDS: Record<PexelsMedia, MediaKind> = {
  videos: { noun: 'video', candidate: (v, q, w, h, l) => videoCandidate(v, q, w, h, l), clipId: (c) => `pexels:${c.mediaId}` },
  photos: { noun: 'photo', candidate: (p, q, w, h) => photoCandidate(p, q, w, h), clipId: (c) => `pexels-photo:${c.mediaId}` },
};

export class PexelsFootage implements FootageProvider {
  readonly name: string;
  private readonly client: PexelsClient;
  private readonly media: PexelsMedia;
  private readonly kind: MediaKind;
  private readonly tools: MediaTools;
  private readonly genericQuery: string;
  private readonly limits: PexelsLimits;
  private readonly allowPrivate: boolean;
  private readonly log: Logger | undefined;

  constructor(opts: PexelsOptions) {
    this.limits = { ...DEFAULT_PEXELS_LIMITS, ...opts.limits };
    this.client =
      opts.client ??
      new PexelsClient({
        apiKey: opts.apiKey ?? '',
        baseUrl: opts.baseUrl ?? 'https://api.pexels.com',
        searchTimeoutMs: this.limits.searchTimeoutMs,
        ...(opts.userAgent ? { userAgent: opts.userAgent } : {}),
        ...(opts.perPage ? { perPage: opts.perPage } : {}),
        ...(opts.retry ? { retry: opts.retry } : {}),
        ...(opts.log ? { log: opts.log } : {}),
        ...(opts.random ? { random: opts.random } : {}),
        ...(opts.hourlyLimit ? { hourlyLimit: opts.hourlyLimit } : {}),
        ...(opts.cacheTtlMs ? { cacheTtlMs: opts.cacheTtlMs } : {}),
        ...(opts.now ? { now: opts.now } : {}),
      });
    this.media = opts.media ?? 'videos';
    this.kind = KINDS[this.media];
    this.name = this.media === 'videos' ? 'pexels' : 'pexels_photos';
    this.tools = opts.tools;
    this.genericQuery = opts.genericQuery ?? 'nature';
    this.allowPrivate = opts.allowPrivate ?? false;
    this.log = opts.log;
  }

  /** What Pexels last said about the monthly quota (shared by videos and photos). */
  quota(): PexelsQuota {
    return this.client.quota();
  }

  async find(req: FootageRequest, dir: string, signal: AbortSignal): Promise<FootageResult> {
    const warnings: string[] = [];
    const need = { count: Math.max(1, req.count), seconds: Math.max(0, req.minTotalS) };
    const paused = this.client.paused();
    if (paused) return { clips: [], warnings: [paused] };

    const pool = await this.searchPool(req, need, signal, warnings);
    if (pool.length === 0) return { clips: [], warnings };

    // Pexels ranks by relevance: the seed shuffles the best few, the rest stay in reserve in rank
    // order to replace files that fail to download. What the owner's recent videos used comes last.
    const recent = req.context?.recent;
    const id = (c: Candidate) => this.kind.clipId(c);
    const fresh = recent ? pool.filter((c) => !recent.has(id(c))) : pool;
    const stale = recent ? pool.filter((c) => recent.has(id(c))) : [];
    const window = Math.max(need.count * 3, 12);
    const order = [...shuffle(fresh.slice(0, window), seededRandom(req.seed)), ...fresh.slice(window), ...stale];
    const clips = await this.downloadEnough(order, need, req, dir, signal);

    const total = clips.reduce((s, c) => s + c.durationS, 0);
    const what = this.media === 'videos' ? 'clip' : 'photo';
    if (clips.length === 0) {
      warnings.push(`no Pexels ${what} for "${req.query}" could be downloaded; used other footage`);
    } else if (total < need.seconds) {
      warnings.push(`Pexels had ${total.toFixed(1)} s of usable ${this.media === 'videos' ? 'footage' : 'photos'} for "${req.query}" where ${need.seconds.toFixed(1)} s were needed; the rest comes from other footage`);
    }
    return { clips, warnings };
  }

  /**
   * Candidates from the query, then its fallbacks (or broader forms of it), each in the frame's
   * orientation and then in the other one (cover-cropped by the renderer), until they could cover
   * the request. What another part of the video took does not count.
   */
  private async searchPool(req: FootageRequest, need: { count: number; seconds: number }, signal: AbortSignal, warnings: string[]): Promise<Candidate[]> {
    const pool: Candidate[] = [];
    const seen = new Set<number>();
    const taken = req.context?.taken;
    const id = (c: Candidate) => this.kind.clipId(c);
    const covers = (factor: number) => {
      const usable = taken ? pool.filter((c) => !taken.has(id(c))) : pool;
      return usable.length >= Math.ceil(need.count * factor) && usable.reduce((s, c) => s + c.declaredS, 0) >= need.seconds * factor;
    };
    const queries = req.fallbacks ? [...new Set([req.query, ...req.fallbacks])] : broaderQueries(req.query, this.genericQuery);
    const orientations = [req.orientation, ...OTHER_ORIENTATIONS[req.orientation]];
    const noun = this.kind.noun;
    for (const [qi, query] of queries.entries()) {
      for (const [oi, orientation] of orientations.entries()) {
        for (let page = 1; page <= this.limits.maxPagesPerQuery; page++) {
          const outcome = await stage('footage_search', () => this.client.search(this.media, query, page, orientation, signal, req.context, req.query));
          if (!outcome.ok) {
            warnings.push(outcome.warning);
            return pool;
          }
          for (const item of outcome.items) {
            const c = this.kind.candidate(item, query, req.width, req.height, this.limits);
            if (!c || seen.has(c.mediaId)) continue;
            seen.add(c.mediaId);
            pool.push(c);
          }
          // Spare candidates (×1.5) replace broken downloads; a further page is cheaper than a worse query.
          if (covers(1.5) || !outcome.hasNext) break;
        }
        if (covers(1)) {
          if (oi > 0) warnings.push(`Pexels had too few ${req.orientation} ${noun}s for "${query}"; used ${orientation} ones, cropped to the frame`);
          break;
        }
      }
      if (covers(1)) {
        if (qi > 0) warnings.push(`Pexels found too few ${noun}s for "${req.query}"; used the ${req.fallbacks ? 'topic' : 'broader'} query "${query}"`);
        return pool;
      }
    }
    warnings.push(
      pool.length === 0
        ? `Pexels found no usable ${noun} for "${req.query}" (nor for ${req.fallbacks ? 'the topic' : 'broader queries'}); used other footage`
        : `Pexels found only ${pool.length} usable ${noun}(s) for "${req.query}" and ${req.fallbacks ? 'the topic' : 'broader queries'}; the rest comes from other footage`,
    );
    return pool;
  }

  /**
   * Downloads candidates in order, `downloadConcurrency` at a time, until the accepted ones cover
   * the request; a candidate that fails (too big, unreachable, not a readable video or image) is
   * replaced by the next one.
   */
  private async downloadEnough(
    order: Candidate[],
    need: { count: number; seconds: number },
    req: FootageRequest,
    dir: string,
    signal: AbortSignal,
  ): Promise<SourceClip[]> {
    const accepted: SourceClip[] = [];
    const taken = req.context?.taken;
    let next = 0;
    while (next < order.length) {
      const have = accepted.reduce((s, c) => s + c.durationS, 0);
      if (accepted.length >= need.count && have >= need.seconds) break;
      const batch: Candidate[] = [];
      let planned = have;
      while (next < order.length && (accepted.length + batch.length < need.count || planned < need.seconds)) {
        const c = order[next++] as Candidate;
        // Claimed when chosen, so parts of the video searching at the same time never share a clip.
        const id = this.kind.clipId(c);
        if (taken?.has(id)) continue;
        taken?.add(id);
        batch.push(c);
        planned += c.declaredS;
      }
      const results = await mapLimit(batch, this.limits.downloadConcurrency, (c) => this.fetchClip(c, req.seed, dir, signal, req.context?.downloads));
      for (const r of results) if (r) accepted.push(r);
    }
    return accepted;
  }

  /** One clip on disk and probed, or null when it is unusable (the reason is logged). */
  private async fetchClip(c: Candidate, seed: number, dir: string, signal: AbortSignal, downloads: DownloadLimits | undefined): Promise<SourceClip | null> {
    const video = this.media === 'videos';
    // The seed keeps two scenes of one task (different seeds) from writing the same file at once.
    const path = join(dir, `pexels-${video ? '' : 'photo-'}${c.mediaId}-${c.fileKey}-s${seed >>> 0}.${video ? 'mp4' : 'img'}`);
    let sizeBytes = 0;
    try {
      ({ sizeBytes } = await downloadToFile(c.link, path, {
        ...(downloads ? { limits: downloads } : {}),
        field: `Pexels ${this.kind.noun} ${c.mediaId}`,
        maxBytes: video ? this.limits.maxDownloadBytes : this.limits.maxPhotoBytes,
        timeoutMs: this.limits.downloadTimeoutMs,
        retries: 2,
        signal,
        headers: { 'user-agent': this.client.userAgent },
        allowPrivate: this.allowPrivate,
        retryPolicy: this.client.retryDelays(),
      }));
      const clip = { kind: 'file' as const, credit: c.credit, id: this.kind.clipId(c), query: c.query, path };
      if (!video) {
        const still = await sniffStill(path);
        if (!still) throw new TaskError('unreadable_media', `Pexels photo ${c.mediaId} is not a JPEG, PNG or WebP image`);
        const info = await probeStill(this.tools, path, still, signal);
        return { ...clip, durationS: STILL_SHOT_S, width: info.width, height: info.height, still };
      }
      const info = await probeInput(this.tools, path, 'video', signal);
      if (info.durationS < Math.min(this.limits.minClipS, 0.5)) {
        throw new TaskError('unreadable_media', `Pexels video ${c.mediaId} has no usable video stream`);
      }
      return { ...clip, durationS: info.durationS, width: info.width, height: info.height, ...(info.keyframesS ? { keyframesS: info.keyframesS } : {}) };
    } catch (err) {
      await rm(path, { force: true });
      downloads?.budget.give(sizeBytes);
      if (signal.aborted) throw signal.reason;
      this.log?.warn({ provider: this.name, mediaId: c.mediaId, link: c.link, err: (err as Error).message }, `Pexels ${this.kind.noun} skipped`);
      return null;
    }
  }
}

/** The query, then fewer of its words (the first are the most telling), then a generic one. */
export function broaderQueries(query: string, generic: string): string[] {
  const words = query.trim().split(/\s+/).filter(Boolean);
  const out = [words.join(' ')];
  if (words.length > 2) out.push(words.slice(0, 2).join(' '));
  if (words.length > 1) out.push(words[0] as string);
  out.push(generic);
  return [...new Set(out.filter(Boolean))];
}

/** A rendition this many times the frame's pixels is a download out of all proportion to what is shown. */
const MAX_AREA_FACTOR = 4;
/** Upscaling the shown part by up to this much is preferred to such a download. */
const MAX_UPSCALE = 1.5;
/**
 * A rendition that fills the frame without upscaling at no more than this many times the frame's
 * pixels is simply the frame's size (or near it): it is taken.
 */
const NEAR_AREA_FACTOR = 2;
/**
 * Otherwise (a source of the other orientation: the frame shows a third of a landscape file's
 * width), a smaller rendition whose crop fills the frame within this upscale is taken instead of
 * the larger one that covers it: the decoder pays for every pixel of the rendition in every frame,
 * and a third more resolution is hard to see after x264 (a 2560x1440 source at 1080x1920 against
 * the 3840x2160 one: SSIM 0.995, 38 dB, for 2.25 times fewer pixels to decode; BENCHMARKS.md,
 * issue 22).
 */
const FILL_UPSCALE = 1.34;

/**
 * The rendition to download for a width×height frame, chosen by the crop it has to fill (the
 * renderer shows the rendition's centre crop to the frame's shape): one that fills the frame
 * without upscaling at no more than twice its pixels; else the smallest whose crop fills it within
 * a third of upscale (a 2560x1440 file for a 1080x1920 frame rather than the 3840x2160 one, a
 * 1920x1080 file for 720x1280 rather than 2560x1440). Failing that, the smallest that fills it
 * without upscaling, unless that is more than four times the frame's pixels: then one needing at
 * most a 1.5× upscale. When nothing covers, the largest there is. HLS playlists and entries
 * without sizes are not files we can cut.
 */
export function pickRendition(files: readonly PexelsVideoFile[], width: number, height: number): PexelsVideoFile | null {
  const usable = files.filter(
    (f) =>
      f.quality !== 'hls' &&
      typeof f.width === 'number' && f.width > 0 &&
      typeof f.height === 'number' && f.height > 0 &&
      typeof f.link === 'string' && /^https?:\/\//.test(f.link) && !/\.m3u8(\?|$)/i.test(f.link) &&
      (f.file_type == null || f.file_type.startsWith('video/')),
  );
  const w = (f: PexelsVideoFile) => f.width as number;
  const h = (f: PexelsVideoFile) => f.height as number;
  const area = (f: PexelsVideoFile) => w(f) * h(f);
  const covers = (f: PexelsVideoFile, upscale: number) =>
    Math.min(w(f), (h(f) * width) / height) * upscale >= width && Math.min(h(f), (w(f) * height) / width) * upscale >= height;
  const smallest = (list: PexelsVideoFile[]) => list.reduce<PexelsVideoFile | null>((a, b) => (!a || area(b) < area(a) ? b : a), null);
  return (
    smallest(usable.filter((f) => covers(f, 1) && area(f) <= NEAR_AREA_FACTOR * width * height)) ??
    smallest(usable.filter((f) => covers(f, FILL_UPSCALE))) ??
    smallest(usable.filter((f) => covers(f, 1) && area(f) <= MAX_AREA_FACTOR * width * height)) ??
    smallest(usable.filter((f) => covers(f, MAX_UPSCALE))) ??
    smallest(usable.filter((f) => covers(f, 1))) ??
    usable.reduce<PexelsVideoFile | null>((a, b) => (!a || area(b) > area(a) ? b : a), null)
  );
}

const OTHER_ORIENTATIONS: Record<FootageRequest['orientation'], FootageRequest['orientation'][]> = {
  portrait: ['landscape'],
  landscape: ['portrait'],
  square: ['landscape', 'portrait'],
};

function videoCandidate(item: unknown, query: string, width: number, height: number, limits: PexelsLimits): Candidate | null {
  if (!item || typeof item !== 'object' || typeof (item as PexelsVideo).id !== 'number') return null;
  const v = item as PexelsVideo;
  const declaredS = typeof v.duration === 'number' ? v.duration : 0;
  if (declaredS < limits.minClipS || declaredS > limits.maxClipS) return null;
  const file = pickRendition(v.video_files ?? [], width, height);
  if (!file) return null;
  const author = v.user?.name ?? null;
  return {
    mediaId: v.id,
    query,
    fileKey: String(file.id ?? `${file.width}x${file.height}`),
    link: file.link as string,
    width: file.width as number,
    height: file.height as number,
    declaredS,
    credit: {
      provider: 'pexels',
      author,
      author_url: v.user?.url ?? null,
      video_url: v.url ?? null,
      photo_url: null,
      attribution: `Video by ${author ?? 'an unnamed videographer'} on Pexels`,
    },
  };
}
