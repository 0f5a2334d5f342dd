// The production blob store: Cloud Storage. Uploads stream from the local file through a
// resumable session with a crc32c check (the library deletes the object and fails on a mismatch);
// object names come from the caller (derived from the task id), so a retried attempt overwrites
// the same object. Download URLs are V4 signed URLs: with a key when one is configured (tests,
// machines outside Google Cloud), otherwise through IAM signBlob, which the library calls on its
// own on Cloud Run (the runtime service account needs roles/iam.serviceAccountTokenCreator on itself).
import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { rename, rm, stat } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { Storage, type StorageOptions } from '@google-cloud/storage';
import { GoogleAuth, JWT } from 'google-auth-library';
import { TaskError } from '../errors.ts';
import type { BlobStore, PutOptions, SignedUrl } from './ports.ts';

/** V4 signed URLs cannot live longer than this (the API refuses them). */
export const MAX_SIGNED_URL_TTL_S = 7 * 24 * 3600;

export interface ServiceAccountKey {
  client_email: string;
  private_key: string;
}

export interface GcsBlobStoreOptions {
  /** GCS_BUCKET */
  bucket: string;
  /** GOOGLE_CLOUD_PROJECT */
  projectId?: string;
  /**
   * Another endpoint, e.g. an emulator at http://127.0.0.1:9199. The library also honours
   * STORAGE_EMULATOR_HOST. A custom endpoint gets no auth headers, so it works offline.
   */
  apiEndpoint?: string;
  /**
   * Sign URLs with this key instead of IAM signBlob. Without it the library uses Application
   * Default Credentials: a key file named by GOOGLE_APPLICATION_CREDENTIALS signs locally, the
   * Cloud Run metadata identity signs through IAM.
   */
  signingKey?: ServiceAccountKey;
  /** A client built elsewhere (the options above are then ignored, except `bucket`). */
  storage?: Storage;
  now?: () => Date;
}

export class GcsBlobStore implements BlobStore {
  readonly #storage: Storage;
  readonly #bucket: string;
  readonly #now: () => Date;

  constructor(opts: GcsBlobStoreOptions) {
    this.#bucket = opts.bucket;
    this.#now = opts.now ?? (() => new Date());
    this.#storage = opts.storage ?? new Storage(storageOptions(opts));
  }

  #file(key: string) {
    if (!key || key.startsWith('/') || key.includes('\0')) throw new Error(`invalid blob key: ${JSON.stringify(key)}`);
    return this.#storage.bucket(this.#bucket).file(key);
  }

  async put(key: string, filePath: string, opts: PutOptions): Promise<{ sizeBytes: number }> {
    const file = this.#file(key);
    const { size } = await stat(filePath);
    const upload = file.createWriteStream({
      resumable: true,
      validation: 'crc32c',
      contentType: opts.contentType,
      metadata: { contentType: opts.contentType, ...(opts.cacheControl ? { cacheControl: opts.cacheControl } : {}) },
    });
    try {
      await pipeline(createReadStream(filePath), upload);
    } catch (err) {
      // Network trouble, or a checksum mismatch (the library has deleted the object): a later
      // attempt uploads the same name again.
      throw new TaskError('upload_failed', 'storing the video in Cloud Storage failed; the task will be retried', {
        retryable: true,
        cause: err,
        detail: `uploading ${key}: ${(err as Error).message}`,
      });
    }
    // The crc32c check covers the bytes; the size check catches a file that changed while streaming.
    const stored = Number(file.metadata.size ?? size);
    if (stored !== size) throw new Error(`upload of ${key}: stored ${stored} bytes, expected ${size}`);
    return { sizeBytes: size };
  }

  async get(key: string, filePath: string): Promise<void> {
    const tmp = `${filePath}.${randomBytes(4).toString('hex')}.part`;
    try {
      // validation: the library checks the crc32c of what arrived against the object's.
      await pipeline(this.#file(key).createReadStream({ validation: 'crc32c' }), createWriteStream(tmp));
      await rename(tmp, filePath);
    } catch (err) {
      throw new TaskError('download_failed', `reading ${key} from Cloud Storage failed: ${(err as Error).message}`, {
        retryable: (err as { code?: number }).code !== 404,
        cause: err,
      });
    } finally {
      await rm(tmp, { force: true });
    }
  }

  async deletePrefix(prefix: string): Promise<void> {
    if (!prefix.endsWith('/')) throw new Error(`a prefix ends with "/", got ${prefix}`);
    await this.#storage.bucket(this.#bucket).deleteFiles({ prefix, force: true });
  }

  async exists(key: string): Promise<boolean> {
    const [exists] = await this.#file(key).exists();
    return exists;
  }

  async signedUrl(key: string, ttlSeconds: number, downloadName?: string): Promise<SignedUrl> {
    if (!Number.isInteger(ttlSeconds) || ttlSeconds < 1 || ttlSeconds > MAX_SIGNED_URL_TTL_S) {
      throw new RangeError(`signed URL TTL must be 1..${MAX_SIGNED_URL_TTL_S} seconds, got ${ttlSeconds}`);
    }
    const now = this.#now();
    // Whole seconds: X-Goog-Date has no fraction, so the expiry the URL carries is second-aligned.
    const start = new Date(Math.floor(now.getTime() / 1000) * 1000);
    const expiresAt = new Date(start.getTime() + ttlSeconds * 1000);
    const [url] = await this.#file(key).getSignedUrl({
      version: 'v4',
      action: 'read',
      accessibleAt: start,
      expires: expiresAt,
      ...(downloadName ? { responseDisposition: contentDisposition(downloadName) } : {}),
    });
    return { url, expiresAt };
  }
}

/** `attachment` with an ASCII fallback name and the exact name per RFC 6266 / 5987. */
export function contentDisposition(name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`;
}

function storageOptions(opts: GcsBlobStoreOptions): StorageOptions {
  const o: StorageOptions = {};
  if (opts.projectId) o.projectId = opts.projectId;
  if (opts.apiEndpoint) o.apiEndpoint = opts.apiEndpoint;
  if (opts.signingKey) {
    const { client_email, private_key } = opts.signingKey;
    const auth = new GoogleAuth({
      authClient: new JWT({ email: client_email, key: private_key, scopes: ['https://www.googleapis.com/auth/devstorage.read_write'] }),
      ...(opts.projectId ? { projectId: opts.projectId } : {}),
    });
    // The signer asks getCredentials() for the signing e-mail, which a bare JWT client does not
    // answer; the `credentials` option would, but is deprecated (and warns on every construction).
    auth.jsonContent = { client_email, private_key };
    o.authClient = auth;
  }
  return o;
}
