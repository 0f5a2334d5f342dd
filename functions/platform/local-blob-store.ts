// The embedded blob store: files under DATA_DIR/blobs, and expiring URLs signed with an HMAC key
// kept beside them. The local server serves those URLs (GET /files/...) after checking the
// signature and the expiry, so a tampered or expired URL is refused.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { copyFile, mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { dirname, join, resolve, sep } from 'node:path';
import { loadOrCreateSecret } from './local-secret.ts';
import type { BlobStore, PutOptions, SignedUrl } from './ports.ts';

export interface LocalBlobStoreOptions {
  dir: string;
  /** Base URL the signed URLs point at, e.g. http://localhost:8080 (a function: the port may be known only after listen). */
  publicUrl: string | (() => string);
  /** HMAC key; by default one is generated once and kept in `dir`. */
  secret?: Buffer;
  now?: () => Date;
}

export interface StoredBlob {
  path: string;
  contentType: string;
  cacheControl: string | null;
  sizeBytes: number;
}

export const FILES_ROUTE = '/files/';

export class LocalBlobStore implements BlobStore {
  readonly #dir: string;
  readonly #publicUrl: () => string;
  readonly #secret: Buffer;
  readonly #now: () => Date;

  constructor(opts: LocalBlobStoreOptions) {
    this.#dir = resolve(opts.dir);
    const base = opts.publicUrl;
    this.#publicUrl = () => (typeof base === 'string' ? base : base()).replace(/\/+$/, '');
    this.#now = opts.now ?? (() => new Date());
    this.#secret = opts.secret ?? loadOrCreateSecret(join(this.#dir, '.signing-key'));
  }

  #pathOf(key: string): string {
    const p = resolve(this.#dir, key);
    if (!key || key.includes('\0') || !p.startsWith(this.#dir + sep)) throw new Error(`invalid blob key: ${key}`);
    return p;
  }

  async put(key: string, filePath: string, opts: PutOptions): Promise<{ sizeBytes: number }> {
    const dest = this.#pathOf(key);
    await mkdir(dirname(dest), { recursive: true });
    // Copy to a temporary name and rename: a reader never sees half a file, and a retried put
    // replaces the object whole.
    const tmp = `${dest}.${randomBytes(4).toString('hex')}.part`;
    await copyFile(filePath, tmp);
    const { size } = await stat(tmp);
    const meta = { contentType: opts.contentType, cacheControl: opts.cacheControl ?? null, sizeBytes: size };
    await writeFile(`${dest}.meta.json`, JSON.stringify(meta));
    await rename(tmp, dest);
    return { sizeBytes: size };
  }

  async get(key: string, filePath: string): Promise<void> {
    const tmp = `${filePath}.${randomBytes(4).toString('hex')}.part`;
    try {
      await copyFile(this.#pathOf(key), tmp);
      await rename(tmp, filePath);
    } finally {
      await rm(tmp, { force: true });
    }
  }

  /** Removes every object under `prefix` (a folder of keys, e.g. `videos/<task id>/`). */
  async deletePrefix(prefix: string): Promise<void> {
    if (!prefix.endsWith('/')) throw new Error(`a prefix ends with "/", got ${prefix}`);
    await rm(this.#pathOf(prefix.slice(0, -1)), { recursive: true, force: true });
  }

  /** The keys of the objects under `prefix` (local retention reads the upload records with it). */
  async keysUnder(prefix: string): Promise<string[]> {
    if (!prefix.endsWith('/')) throw new Error(`a prefix ends with "/", got ${prefix}`);
    const root = this.#pathOf(prefix.slice(0, -1));
    const names = await readdir(root, { recursive: true, withFileTypes: true }).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return [];
      throw err;
    });
    return names
      .filter((d) => d.isFile() && !d.name.endsWith('.meta.json') && !d.name.endsWith('.part'))
      .map((d) => join(d.parentPath, d.name).slice(this.#dir.length + 1).split(sep).join('/'));
  }

  /** An object's bytes. */
  read(key: string): Promise<Buffer> {
    return readFile(this.#pathOf(key));
  }

  async exists(key: string): Promise<boolean> {
    return existsSync(this.#pathOf(key));
  }

  async signedUrl(key: string, ttlSeconds: number, downloadName?: string): Promise<SignedUrl> {
    const expires = Math.floor(this.#now().getTime() / 1000) + ttlSeconds;
    const name = downloadName ?? '';
    const q = new URLSearchParams({ expires: String(expires) });
    if (name) q.set('name', name);
    q.set('sig', this.#sign(key, expires, name));
    const path = key.split('/').map(encodeURIComponent).join('/');
    return { url: `${this.#publicUrl()}${FILES_ROUTE}${path}?${q}`, expiresAt: new Date(expires * 1000) };
  }

  #sign(key: string, expires: number, name: string): string {
    return createHmac('sha256', this.#secret).update(`${key}\n${expires}\n${name}`).digest('base64url');
  }

  /**
   * Check a request for `FILES_ROUTE + key`; returns the blob to serve, or the reason to refuse.
   */
  async open(
    key: string,
    params: URLSearchParams,
  ): Promise<{ ok: true; blob: StoredBlob; downloadName: string | null } | { ok: false; status: 403 | 404 | 410; reason: string }> {
    const expires = Number(params.get('expires'));
    const sig = params.get('sig') ?? '';
    const name = params.get('name') ?? '';
    if (!Number.isInteger(expires) || !sig) return { ok: false, status: 403, reason: 'the URL is not signed' };
    const want = Buffer.from(this.#sign(key, expires, name));
    const got = Buffer.from(sig);
    if (want.length !== got.length || !timingSafeEqual(want, got)) {
      return { ok: false, status: 403, reason: 'the URL signature does not match; request a fresh URL' };
    }
    if (expires * 1000 < this.#now().getTime()) {
      return { ok: false, status: 410, reason: 'the URL has expired; request a fresh one from GET /download/{task_id}' };
    }
    let path: string;
    try {
      path = this.#pathOf(key);
    } catch {
      return { ok: false, status: 404, reason: 'no such file' };
    }
    try {
      const meta = JSON.parse(await readFile(`${path}.meta.json`, 'utf8')) as Omit<StoredBlob, 'path'>;
      return { ok: true, blob: { ...meta, path }, downloadName: name || null };
    } catch {
      return { ok: false, status: 404, reason: 'no such file' };
    }
  }
}
