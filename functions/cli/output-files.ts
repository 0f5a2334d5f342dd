// The blob store of an in-process render: the published video goes to the -o path, its sidecars
// beside it with their own extensions (out.mp4 → out.jpg, out.vtt, out.srt), each written under a
// temporary name and renamed, so an interrupted render leaves no half-written output. Anything
// else the pipeline stores (its plan, kept for a retried attempt) stays in the render's scratch dir.
import { existsSync } from 'node:fs';
import { copyFile, mkdir, rename, rm, stat } from 'node:fs/promises';
import { dirname, extname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { BlobStore, PutOptions, SignedUrl } from '../platform/ports.ts';

/** Published files (pipeline/blob-keys.ts): `videos/{task}/a{attempt}/video.mp4` and its sidecars. */
const PUBLISHED = /^videos\//;

export class OutputFiles implements BlobStore {
  readonly #video: string;
  readonly #scratch: string;
  /** What was written, by extension (mp4, jpg, vtt, srt). */
  readonly written = new Map<string, string>();

  constructor(videoPath: string, scratchDir: string) {
    this.#video = videoPath;
    this.#scratch = scratchDir;
  }

  /** Where an output of this extension goes. */
  pathFor(ext: string): string {
    if (ext === 'mp4') return this.#video;
    const base = extname(this.#video) ? this.#video.slice(0, -extname(this.#video).length) : this.#video;
    return `${base}.${ext}`;
  }

  #pathOf(key: string): string {
    return PUBLISHED.test(key) ? this.pathFor(extname(key).slice(1)) : join(this.#scratch, key);
  }

  async put(key: string, filePath: string, _opts: PutOptions): Promise<{ sizeBytes: number }> {
    const target = this.#pathOf(key);
    const partial = `${target}.partial-${process.pid}`;
    try {
      await mkdir(dirname(target), { recursive: true });
      await copyFile(filePath, partial);
      await rename(partial, target);
    } catch (err) {
      await rm(partial, { force: true });
      throw err;
    }
    if (PUBLISHED.test(key)) this.written.set(extname(key).slice(1), target);
    return { sizeBytes: (await stat(target)).size };
  }

  async get(key: string, filePath: string): Promise<void> {
    await copyFile(this.#pathOf(key), filePath);
  }

  async exists(key: string): Promise<boolean> {
    return existsSync(this.#pathOf(key));
  }

  async deletePrefix(prefix: string): Promise<void> {
    if (!PUBLISHED.test(prefix)) await rm(join(this.#scratch, prefix), { recursive: true, force: true });
  }

  async signedUrl(key: string): Promise<SignedUrl> {
    return { url: pathToFileURL(this.#pathOf(key)).href, expiresAt: new Date(8.64e15) };
  }

  /** Remove what a failed or interrupted render wrote. */
  async removeWritten(): Promise<void> {
    await Promise.all([...this.written.values()].map((p) => rm(p, { force: true })));
    this.written.clear();
  }
}
