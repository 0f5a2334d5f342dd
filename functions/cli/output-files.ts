// The blob store of an in-process render: the video goes to the -o path, its sidecars beside it
// with their own extensions (out.mp4 → out.jpg, out.vtt, out.srt). Each file is written under a
// temporary name and renamed, so an interrupted render leaves no half-written output.
import { copyFile, mkdir, rename, rm, stat } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { dirname, extname } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { BlobStore, PutOptions, SignedUrl } from '../platform/ports.ts';

export class OutputFiles implements BlobStore {
  readonly #video: string;
  /** What was written, by extension (mp4, jpg, vtt, srt). */
  readonly written = new Map<string, string>();

  constructor(videoPath: string) {
    this.#video = videoPath;
  }

  /** Where a stored object of this extension goes. */
  pathFor(ext: string): string {
    if (ext === 'mp4') return this.#video;
    const base = extname(this.#video) ? this.#video.slice(0, -extname(this.#video).length) : this.#video;
    return `${base}.${ext}`;
  }

  async put(key: string, filePath: string, _opts: PutOptions): Promise<{ sizeBytes: number }> {
    const ext = extname(key).slice(1);
    const target = this.pathFor(ext);
    const partial = `${target}.partial-${process.pid}`;
    try {
      await mkdir(dirname(target), { recursive: true });
      await copyFile(filePath, partial);
      await rename(partial, target);
    } catch (err) {
      await rm(partial, { force: true });
      throw err;
    }
    this.written.set(ext, target);
    return { sizeBytes: (await stat(target)).size };
  }

  /** Remove what a failed or interrupted render wrote. */
  async removeWritten(): Promise<void> {
    await Promise.all([...this.written.values()].map((p) => rm(p, { force: true })));
    this.written.clear();
  }

  async exists(key: string): Promise<boolean> {
    return existsSync(this.pathFor(extname(key).slice(1)));
  }

  async signedUrl(key: string): Promise<SignedUrl> {
    return { url: pathToFileURL(this.pathFor(extname(key).slice(1))).href, expiresAt: new Date(8.64e15) };
  }
}
