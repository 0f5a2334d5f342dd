// The blob store of an in-process render: the published video goes to the -o path, its sidecars
// beside it with their own extensions (out.mp4 → out.jpg, out.vtt, out.srt), and each further
// output beside them with its label (out-16x9.mp4, out-16x9.jpg, …), each written under a
// temporary name and renamed, so an interrupted render leaves no half-written output. Anything
// else the pipeline stores (its plan, kept for a retried attempt) stays in the render's scratch dir.
import { existsSync } from 'node:fs';
import { copyFile, mkdir, rename, rm, stat } from 'node:fs/promises';
import { dirname, extname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { labelOfKey } from '../pipeline/blob-keys.ts';
import type { BlobStore, PutOptions, SignedUrl } from '../platform/ports.ts';

export class OutputFiles implements BlobStore {
  readonly #video: string;
  readonly #scratch: string;
  /** What was written, by output label ('' for the main video) and extension: `written.get('16x9.mp4')`, `written.get('.jpg')`. */
  readonly written = new Map<string, string>();

  constructor(videoPath: string, scratchDir: string) {
    this.#video = videoPath;
    this.#scratch = scratchDir;
  }

  /** Where a file of this extension goes, for the main video or the output with this label. */
  pathFor(ext: string, label: string | null = null): string {
    const videoExt = extname(this.#video);
    const base = videoExt ? this.#video.slice(0, -videoExt.length) : this.#video;
    if (ext === 'mp4') return label ? `${base}-${label}${videoExt}` : this.#video;
    return `${base}${label ? `-${label}` : ''}.${ext}`;
  }

  /** What was written for the output with this label (null: the main video) and extension. */
  writtenFor(ext: string, label: string | null = null): string | null {
    return this.written.get(`${label ?? ''}.${ext}`) ?? null;
  }

  #pathOf(key: string): string {
    const label = labelOfKey(key);
    return label === undefined ? join(this.#scratch, key) : this.pathFor(extname(key).slice(1), label);
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
    const label = labelOfKey(key);
    if (label !== undefined) this.written.set(`${label ?? ''}${extname(key)}`, target);
    return { sizeBytes: (await stat(target)).size };
  }

  async get(key: string, filePath: string): Promise<void> {
    await copyFile(this.#pathOf(key), filePath);
  }

  async exists(key: string): Promise<boolean> {
    return existsSync(this.#pathOf(key));
  }

  async deletePrefix(prefix: string): Promise<void> {
    if (!prefix.startsWith('videos/')) await rm(join(this.#scratch, prefix), { recursive: true, force: true });
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
