// Footage from a local folder (FOOTAGE_DIR): video files whose names match the query first.
import { readdir, stat } from 'node:fs/promises';
import { extname, join, relative } from 'node:path';
import type { MediaInfo, SourceClip } from '../domain/media.ts';
import { mapLimit } from '../lib/concurrency.ts';
import { deriveSeed, seededRandom, shuffle, type Random } from '../lib/seeded-random.ts';
import type { MediaTools } from '../media/tools.ts';
import { fileClip, probeVideo, queryWords, VIDEO_EXTENSIONS, type Refusal } from './footage-files.ts';
import type { FootageProvider, FootageRequest, FootageResult } from './ports.ts';

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
  result: MediaInfo | Refusal;
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
        if ('reason' in info) warnings.push(`FOOTAGE_DIR: skipped ${relative(this.#o.dir, path)}, ${info.reason}`);
        else if (!enough) {
          clips.push(fileClip(path, info));
          total += info.durationS;
        }
      });
    }
    return { clips, warnings };
  }

  async #probe(path: string, signal: AbortSignal): Promise<MediaInfo | Refusal> {
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


/**
 * Orders relative paths: most query words in the path first (folder names count, so
 * `ocean/clip1.mp4` matches "ocean"), ties in seeded random order. Pure, exported for tests.
 */
export function rankByQuery(paths: string[], query: string, random: Random): string[] {
  const q = new Set(queryWords(query));
  const shuffled = shuffle([...paths].sort(), random);
  const score = (p: string) => {
    const w = new Set(queryWords(p));
    let n = 0;
    for (const x of q) if (w.has(x)) n++;
    return n;
  };
  const scored = shuffled.map((p, i) => ({ p, s: score(p), i }));
  scored.sort((a, b) => b.s - a.s || a.i - b.i);
  return scored.map((x) => x.p);
}
