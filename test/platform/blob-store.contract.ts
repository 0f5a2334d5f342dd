// The BlobStore contract: every adapter (local files + HMAC URLs, Cloud Storage) runs this suite.
// Signed URLs are fetched over HTTP exactly as a client would, so "the URL works" is tested, not assumed.
import assert from 'node:assert/strict';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import type { BlobStore } from '../../functions/platform/ports.ts';
import { tempDir } from '../support/temp-dir.ts';

export interface BlobStoreHarness {
  store: BlobStore;
  cleanup?: () => Promise<void>;
}

/** A fresh store whose clock is `now`; signed URLs it makes must be fetchable over loopback HTTP. */
export type BlobStoreFactory = (now: () => Date) => Promise<BlobStoreHarness>;

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

export function blobStoreContract(name: string, factory: BlobStoreFactory, opts: { skip?: string | false } = {}): void {
  describe(`BlobStore contract: ${name}`, { skip: opts.skip ?? false }, () => {
    let dir: string;
    let h: BlobStoreHarness;
    let store: BlobStore;
    const now = () => new Date();

    before(async () => {
      dir = tempDir('reelsmith-blob-contract-');
    });
    after(async () => {
      await rm(dir, { recursive: true, force: true });
    });
    beforeEach(async () => {
      h = await factory(now);
      store = h.store;
    });
    afterEach(async () => {
      await h.cleanup?.();
    });

    async function localFile(bytes: Uint8Array): Promise<string> {
      const p = join(dir, randomUUID());
      await writeFile(p, bytes);
      return p;
    }

    async function download(url: string): Promise<{ status: number; body: Buffer; contentType: string | null }> {
      const res = await fetch(url);
      return { status: res.status, body: Buffer.from(await res.arrayBuffer()), contentType: res.headers.get('content-type') };
    }

    it('streams a file in and serves the same bytes through a signed URL', async () => {
      // Large enough to span several stream chunks; random so a truncated or shifted body shows.
      const bytes = randomBytes(3 * 1024 * 1024 + 17);
      const key = `videos/${randomUUID()}/video.mp4`;
      assert.equal(await store.exists(key), false);
      const put = await store.put(key, await localFile(bytes), { contentType: 'video/mp4', cacheControl: 'private, max-age=3600' });
      assert.equal(put.sizeBytes, bytes.length);
      assert.equal(await store.exists(key), true);

      const signed = await store.signedUrl(key, 600, 'my video.mp4');
      const got = await download(signed.url);
      assert.equal(got.status, 200);
      assert.equal(got.contentType, 'video/mp4');
      assert.equal(got.body.length, bytes.length);
      assert.equal(sha(got.body), sha(bytes));
    });

    it('a second put to the same key replaces the object whole', async () => {
      const key = `videos/${randomUUID()}/captions.vtt`;
      await store.put(key, await localFile(Buffer.from('WEBVTT\n\nfirst attempt, longer text\n')), { contentType: 'text/vtt' });
      const second = Buffer.from('WEBVTT\n\nretry\n');
      const put = await store.put(key, await localFile(second), { contentType: 'text/vtt' });
      assert.equal(put.sizeBytes, second.length);
      const got = await download((await store.signedUrl(key, 60)).url);
      assert.equal(got.status, 200);
      assert.deepEqual(got.body, second);
    });

    it('signed URLs expire after the TTL asked for', async () => {
      const key = `videos/${randomUUID()}/thumbnail.jpg`;
      await store.put(key, await localFile(randomBytes(1000)), { contentType: 'image/jpeg' });
      const before = Date.now();
      const signed = await store.signedUrl(key, 3600);
      const left = signed.expiresAt.getTime() - before;
      assert.ok(left > 3598_000 && left <= 3600_000, `expires in ${left} ms`);
      assert.notEqual(signed.url, (await store.signedUrl(`videos/${randomUUID()}/thumbnail.jpg`, 3600)).url);
    });

    it('empty files are stored too', async () => {
      const key = `videos/${randomUUID()}/credits.json`;
      const put = await store.put(key, await localFile(new Uint8Array(0)), { contentType: 'application/json' });
      assert.equal(put.sizeBytes, 0);
      assert.equal(await store.exists(key), true);
    });

    it('get streams an object back to a file, byte for byte; a missing one is an error', async () => {
      const bytes = randomBytes(2 * 1024 * 1024 + 5);
      const key = `work/${randomUUID()}/clip-1.mp4`;
      await store.put(key, await localFile(bytes), { contentType: 'application/octet-stream' });
      const dest = join(dir, `${randomUUID()}.mp4`);
      await store.get(key, dest);
      assert.equal(sha(await readFile(dest)), sha(bytes));
      const missing = join(dir, `${randomUUID()}.mp4`);
      await assert.rejects(store.get(`work/${randomUUID()}/nothing`, missing));
      assert.equal(existsSync(missing), false, 'no half file left behind');
    });

    it('deletePrefix removes everything under a prefix and nothing else', async () => {
      const id = randomUUID();
      const keep = `work/${randomUUID()}/plan.json`;
      for (const k of [`work/${id}/plan.json`, `work/${id}/clips/a.mp4`, keep]) {
        await store.put(k, await localFile(Buffer.from(k)), { contentType: 'application/octet-stream' });
      }
      await store.deletePrefix(`work/${id}/`);
      assert.equal(await store.exists(`work/${id}/plan.json`), false);
      assert.equal(await store.exists(`work/${id}/clips/a.mp4`), false);
      assert.equal(await store.exists(keep), true);
      await store.deletePrefix(`work/${randomUUID()}/`);
    });
  });
}
