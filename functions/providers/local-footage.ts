// Footage without a stock-video account, tried in this order by the pipeline: clips the request
// names by URL, video files in FOOTAGE_DIR, and generated backgrounds (which never run out).
import { createHash, randomBytes } from 'node:crypto';
import { rm, readdir, stat } from 'node:fs/promises';
import { extname, join, relative } from 'node:path';
import { CancelledError, TaskError } from '../errors.ts';
import { probeMedia, type MediaInfo } from '../media/probe.ts';
import type { MediaTools } from '../media/tools.ts';
import { downloadToFile, mapLimit } from '../net/download.ts';
import type { FootageProvider, FootageRequest, FootageResult, SourceClip } from './ports.ts';
import { deriveSeed, seededRandom, shuffle, type Random } from './seeded-random.ts';

export const VIDEO_EXTENSIONS = ['.mp4', '.m4v', '.mov', '.webm', '.mkv', '.avi', '.mpg', '.mpeg', '.ts'] as const;

// ---- clip_urls ----

export interface UrlFootageOptions {
  tools: MediaTools;
  urls: string[];
  /** The request field of each URL, for warnings and errors; `clip_urls[i]` by default. */
  fields?: string[];
  /** ALLOW_PRIVATE_URLS. */
  allowPrivate: boolean;
  maxBytes?: number;
  timeoutMs?: number;
  retries?: number;
  concurrency?: number;
}

/**
 * Downloads the clips the request names into the task dir and keeps those ffmpeg can read as
 * video. A URL that is permanently unusable (404, too large, forbidden, not a video) is skipped
 * with a warning so the next source can fill in; a transient failure fails the attempt so the
 * task is retried, rather than silently rendering without the clips that were asked for.
 */
export class UrlFootage implements FootageProvider {
  readonly name = 'clip_urls';
  readonly #o: Required<Omit<UrlFootageOptions, 'fields'>> & { fields: string[] };

  constructor(opts: UrlFootageOptions) {
    this.#o = {
      maxBytes: 200 * 1024 * 1024,
      timeoutMs: 120_000,
      retries: 2,
      concurrency: 3,
      ...opts,
      fields: opts.urls.map((_, i) => opts.fields?.[i] ?? `clip_urls[${i}]`),
    };
  }

  async find(_req: FootageRequest, dir: string, signal: AbortSignal): Promise<FootageResult> {
    const o = this.#o;
    // Per URL, so warnings read in request order whatever order the downloads finish in.
    const warningOf: (string | undefined)[] = [];
    // A failure that ends the attempt stops the other downloads instead of letting them finish.
    const stop = new AbortController();
    const both = AbortSignal.any([signal, stop.signal]);
    const found = await mapLimit(o.urls, o.concurrency, async (url, i): Promise<SourceClip | null> => {
      const field = o.fields[i]!;
      // Random suffix: two scenes may name the same URL and download it at the same time.
      const path = join(dir, `clip-${createHash('sha256').update(url).digest('hex').slice(0, 12)}-${randomBytes(4).toString('hex')}${videoExt(url)}`);
      try {
        await downloadToFile(url, path, {
          field,
          maxBytes: o.maxBytes,
          timeoutMs: o.timeoutMs,
          retries: o.retries,
          signal: both,
          allowPrivate: o.allowPrivate,
        });
      } catch (err) {
        if (err instanceof TaskError && !err.retryable) {
          warningOf[i] = `${err.message}; the clip was skipped`;
          return null;
        }
        stop.abort();
        throw signal.aborted ? signal.reason : err;
      }
      const info = await probeVideo(o.tools, path, both);
      if (typeof info === 'string') {
        await rm(path, { force: true });
        warningOf[i] = `${field}: skipped, ${info}`;
        return null;
      }
      return fileClip(path, info);
    });
    return {
      clips: found.filter((c): c is SourceClip => c !== null),
      warnings: warningOf.filter((w): w is string => w !== undefined),
    };
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

// ---- FOOTAGE_DIR ----

export interface DirFootageOptions {
  tools: MediaTools;
  dir: string;
  /** Probes run at once. */
  concurrency?: number;
  /** At most this many clips per request, as a multiple of the requested count. */
  overfill?: number;
}

interface Probed {
  mtimeMs: number;
  size: number;
  result: MediaInfo | string;
}

/**
 * Video files in a local folder (recursive, by extension). Files whose names share words with
 * the search query come first; the seed orders files within each rank, so the same seed picks
 * the same clips. Probe results are cached per file version across tasks.
 */
export class DirFootage implements FootageProvider {
  readonly name = 'footage_dir';
  readonly #o: Required<DirFootageOptions>;
  readonly #probed = new Map<string, Probed>();

  constructor(opts: DirFootageOptions) {
    this.#o = { concurrency: 2, overfill: 4, ...opts };
  }

  async find(req: FootageRequest, _dir: string, signal: AbortSignal): Promise<FootageResult> {
    const warnings: string[] = [];
    let files: string[];
    try {
      files = await listVideoFiles(this.#o.dir);
    } catch (err) {
      warnings.push(`FOOTAGE_DIR ${this.#o.dir} cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); it was skipped`);
      return { clips: [], warnings };
    }
    const ordered = rankByQuery(files.map((f) => relative(this.#o.dir, f)), req.query, seededRandom(deriveSeed(req.seed, 'footage-dir'))).map((rel) =>
      join(this.#o.dir, rel),
    );

    const clips: SourceClip[] = [];
    const wanted = Math.max(1, req.count);
    const cap = wanted * this.#o.overfill;
    let total = 0;
    for (let i = 0; i < ordered.length && clips.length < cap && (clips.length < wanted || total < req.minTotalS); ) {
      const batch = ordered.slice(i, i + this.#o.concurrency);
      i += batch.length;
      const results = await mapLimit(batch, this.#o.concurrency, (path) => this.#probe(path, signal));
      results.forEach((info, k) => {
        const path = batch[k]!;
        const enough = clips.length >= cap || (clips.length >= wanted && total >= req.minTotalS);
        if (typeof info === 'string') warnings.push(`FOOTAGE_DIR: skipped ${relative(this.#o.dir, path)}, ${info}`);
        else if (!enough) {
          clips.push(fileClip(path, info));
          total += info.durationS;
        }
      });
    }
    return { clips, warnings };
  }

  async #probe(path: string, signal: AbortSignal): Promise<MediaInfo | string> {
    const s = await stat(path);
    const cached = this.#probed.get(path);
    if (cached && cached.mtimeMs === s.mtimeMs && cached.size === s.size) return cached.result;
    const result = await probeVideo(this.#o.tools, path, signal);
    this.#probed.set(path, { mtimeMs: s.mtimeMs, size: s.size, result });
    return result;
  }
}

async function listVideoFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile() && !e.name.startsWith('.') && (VIDEO_EXTENSIONS as readonly string[]).includes(extname(e.name).toLowerCase()))
    .map((e) => join(e.parentPath, e.name))
    .sort();
}

const STOP_WORDS = new Set(['the', 'and', 'for', 'with', 'from', 'into', 'this', 'that', 'are', 'was', 'its', 'our', 'your', 'video', 'clip', 'footage']);

function words(s: string): string[] {
  return s
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .map((w) => (w.length > 3 && w.endsWith('s') ? w.slice(0, -1) : w))
    .filter((w) => w.length >= 3 && !STOP_WORDS.has(w));
}

/**
 * Orders relative paths: most query words in the path first (folder names count, so
 * `ocean/clip1.mp4` matches "ocean"), ties in seeded random order. Pure, exported for tests.
 */
export function rankByQuery(paths: string[], query: string, random: Random): string[] {
  const q = new Set(words(query));
  const shuffled = shuffle([...paths].sort(), random);
  const score = (p: string) => {
    const w = new Set(words(p));
    let n = 0;
    for (const x of q) if (w.has(x)) n++;
    return n;
  };
  const scored = shuffled.map((p, i) => ({ p, s: score(p), i }));
  scored.sort((a, b) => b.s - a.s || a.i - b.i);
  return scored.map((x) => x.p);
}

// ---- shared ----

/** Probes a file as footage: its MediaInfo, or why it cannot be used. Cancellation is rethrown. */
async function probeVideo(tools: MediaTools, path: string, signal: AbortSignal): Promise<MediaInfo | string> {
  try {
    const info = await probeMedia(tools, path, signal);
    if (!info.hasVideo) return 'it has no video stream';
    return info;
  } catch (err) {
    if (err instanceof CancelledError || signal.aborted) throw signal.aborted ? signal.reason : err;
    if (err instanceof TaskError && err.code === 'unreadable_media') return 'not a video ffmpeg can read';
    throw err;
  }
}

function fileClip(path: string, info: MediaInfo): SourceClip {
  return { kind: 'file', path, durationS: info.durationS, width: info.width, height: info.height, credit: null };
}

// ---- generated ----

export interface GeneratedFootageOptions {
  fps?: number;
  /** Gradients are drawn at 1/scale of the frame and scaled up: smooth, and several times cheaper. */
  scale?: number;
  /** At most this many distinct backgrounds per request. */
  maxClips?: number;
}

interface Palette {
  colors: string[];
  tags: string[];
}

/** Hand-picked so every choice looks deliberate; tags steer the choice towards the topic. */
const PALETTES: Palette[] = [
  { colors: ['0x0f2027', '0x203a43', '0x2c5364'], tags: ['ocean', 'sea', 'water', 'night', 'deep', 'rain'] },
  { colors: ['0x00b4db', '0x0083b0', '0x003b5c'], tags: ['ocean', 'sea', 'water', 'sky', 'beach', 'wave', 'blue'] },
  { colors: ['0x134e5e', '0x71b280', '0x1d4d3a'], tags: ['forest', 'nature', 'tree', 'green', 'plant', 'garden'] },
  { colors: ['0x56ab2f', '0xa8e063', '0x2f6e1a'], tags: ['spring', 'grass', 'green', 'field', 'health', 'food'] },
  { colors: ['0xff512f', '0xdd2476', '0x5b0e2d'], tags: ['fire', 'sunset', 'energy', 'love', 'red', 'sport'] },
  { colors: ['0xf7971e', '0xffd200', '0xb35c00'], tags: ['sun', 'summer', 'desert', 'gold', 'money', 'light'] },
  { colors: ['0x41295a', '0x2f0743', '0x0b0220'], tags: ['space', 'star', 'night', 'galaxy', 'dream', 'music'] },
  { colors: ['0x8e2de2', '0x4a00e0', '0x1a0050'], tags: ['tech', 'future', 'neon', 'game', 'purple', 'music'] },
  { colors: ['0x232526', '0x414345', '0x0d0d0d'], tags: ['city', 'business', 'dark', 'mystery', 'history'] },
  { colors: ['0xe0eafc', '0xcfdef3', '0x8fa9c9'], tags: ['snow', 'winter', 'ice', 'cloud', 'calm', 'clean'] },
  { colors: ['0xee9ca7', '0xffdde1', '0xb56576'], tags: ['flower', 'beauty', 'fashion', 'pink', 'baby', 'love'] },
  { colors: ['0x3a1c71', '0xd76d77', '0xffaf7b'], tags: ['sunset', 'evening', 'travel', 'romance', 'sky'] },
];

const GRADIENT_TYPES = ['linear', 'radial', 'circular', 'linear'] as const;

/**
 * Animated colour gradients from ffmpeg's `gradients` source, one per wanted clip, palettes that
 * suit the query first, chosen by seed. The renderer uses each `lavfi` as a `-f lavfi` input.
 */
export class GeneratedFootage implements FootageProvider {
  readonly name = 'generated';
  readonly #o: Required<GeneratedFootageOptions>;

  constructor(opts: GeneratedFootageOptions = {}) {
    this.#o = { fps: 30, scale: 4, maxClips: 6, ...opts };
  }

  async find(req: FootageRequest, _dir: string, signal: AbortSignal): Promise<FootageResult> {
    signal.throwIfAborted();
    const random = seededRandom(deriveSeed(req.seed, 'generated'));
    const n = Math.min(this.#o.maxClips, Math.max(1, req.count));
    const palettes = rankPalettes(req.query, random).slice(0, n);
    // A lavfi source never runs out: each clip may cover everything still needed.
    const durationS = Math.max(5, Math.ceil(req.minTotalS));
    const clips: SourceClip[] = palettes.map((p, i) => ({
      kind: 'generated',
      lavfi: gradientGraph({
        width: req.width,
        height: req.height,
        fps: this.#o.fps,
        scale: this.#o.scale,
        colors: random() < 0.5 ? p.colors : [...p.colors].reverse(),
        type: GRADIENT_TYPES[(i + Math.floor(random() * GRADIENT_TYPES.length)) % GRADIENT_TYPES.length]!,
        speed: round4(0.006 + random() * 0.012),
        seed: Math.floor(random() * 0xffffffff),
      }),
      durationS,
      credit: null,
    }));
    return { clips, warnings: [] };
  }
}

function rankPalettes(query: string, random: Random): Palette[] {
  const q = new Set(words(query));
  const shuffled = shuffle(PALETTES, random);
  const score = (p: Palette) => p.tags.filter((t) => q.has(t)).length;
  return shuffled.map((p, i) => ({ p, s: score(p), i })).sort((a, b) => b.s - a.s || a.i - b.i).map((x) => x.p);
}

export interface GradientSpec {
  width: number;
  height: number;
  fps: number;
  scale: number;
  colors: string[];
  type: (typeof GRADIENT_TYPES)[number];
  speed: number;
  seed: number;
}

/** A lavfi graph: a small animated gradient scaled up to the frame. Pure, exported for tests. */
export function gradientGraph(g: GradientSpec): string {
  const even = (x: number) => Math.max(2, Math.round(x / g.scale / 2) * 2);
  const colors = g.colors.slice(0, 8).map((c, i) => `c${i}=${c}`).join(':');
  return (
    `gradients=s=${even(g.width)}x${even(g.height)}:rate=${g.fps}:${colors}:n=${Math.min(8, g.colors.length)}` +
    `:type=${g.type}:speed=${g.speed}:seed=${g.seed},` +
    `scale=${g.width}:${g.height}:flags=bicubic,format=yuv420p,setsar=1`
  );
}

function round4(x: number): number {
  return Math.round(x * 10_000) / 10_000;
}
