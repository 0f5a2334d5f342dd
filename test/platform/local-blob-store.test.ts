// The local blob store: the BlobStore contract, then what only it does (HMAC-signed URLs for the
// /files/ route, keys kept inside its dir, a signing key that survives restarts).
// The contract: Its signed URLs point at the local server's
// /files/ route; here a minimal loopback server plays that route through LocalBlobStore.open(),
// the same check-then-serve call the real server makes.
import assert from 'node:assert/strict';
import { createReadStream, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { FILES_ROUTE, LocalBlobStore } from '../../functions/platform/local-blob-store.ts';
import { tempDir } from '../support/temp-dir.ts';
import { blobStoreContract } from './blob-store.contract.ts';

blobStoreContract('LocalBlobStore (files + HMAC URLs)', async (now) => {
  const dir = tempDir('reelsmith-blobs-');
  let store: LocalBlobStore | undefined;
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (!store || !url.pathname.startsWith(FILES_ROUTE)) return void res.writeHead(404).end();
    const key = url.pathname.slice(FILES_ROUTE.length).split('/').map(decodeURIComponent).join('/');
    store.open(key, url.searchParams).then(
      (opened) => {
        if (!opened.ok) return void res.writeHead(opened.status).end(opened.reason);
        res.writeHead(200, { 'content-type': opened.blob.contentType, 'content-length': opened.blob.sizeBytes });
        createReadStream(opened.blob.path).pipe(res);
      },
      () => res.writeHead(500).end(),
    );
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  store = new LocalBlobStore({ dir: join(dir, 'blobs'), publicUrl: `http://127.0.0.1:${port}`, now });
  return {
    store,
    cleanup: async () => {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
      await rm(dir, { recursive: true, force: true });
    },
  };
});

describe('local blob store signed URLs', () => {
  const dir = tempDir('blobs-');
  let now = new Date('2026-03-01T12:00:00Z');
  const store = new LocalBlobStore({ dir, publicUrl: 'http://localhost:8080/', now: () => now });
  const src = join(dir, 'src.bin');
  writeFileSync(src, 'hello video');

  it('put then open through the signed URL', async () => {
    assert.deepEqual(await store.put('videos/t1/video.mp4', src, { contentType: 'video/mp4' }), { sizeBytes: 11 });
    assert.equal(await store.exists('videos/t1/video.mp4'), true);
    const { url, expiresAt } = await store.signedUrl('videos/t1/video.mp4', 600, 't1.mp4');
    assert.equal(expiresAt.toISOString(), '2026-03-01T12:10:00.000Z');
    const u = new URL(url);
    assert.equal(u.origin + u.pathname, 'http://localhost:8080/files/videos/t1/video.mp4');
    const opened = await store.open('videos/t1/video.mp4', u.searchParams);
    assert.ok(opened.ok);
    assert.equal(opened.blob.contentType, 'video/mp4');
    assert.equal(opened.downloadName, 't1.mp4');
  });

  it('refuses a tampered key, name, signature or expiry, and an expired URL', async () => {
    const { url } = await store.signedUrl('videos/t1/video.mp4', 600, 't1.mp4');
    const q = new URL(url).searchParams;
    assert.equal((await store.open('videos/t2/video.mp4', q)).ok, false);
    const renamed = new URLSearchParams(q);
    renamed.set('name', 'x.mp4');
    assert.deepEqual(await store.open('videos/t1/video.mp4', renamed), { ok: false, status: 403, reason: 'the URL signature does not match; request a fresh URL' });
    const extended = new URLSearchParams(q);
    extended.set('expires', String(Number(q.get('expires')) + 1));
    assert.equal((await store.open('videos/t1/video.mp4', extended)).ok, false);
    assert.equal((await store.open('videos/t1/video.mp4', new URLSearchParams())).ok, false);
    now = new Date(now.getTime() + 601_000);
    const expired = await store.open('videos/t1/video.mp4', q);
    assert.ok(!expired.ok);
    assert.equal(expired.status, 410);
  });

  it('refuses keys that escape its directory', async () => {
    await assert.rejects(store.put('../escape', src, { contentType: 'text/plain' }), /invalid blob key/);
  });

  it('keeps its signing key across restarts', async () => {
    const again = new LocalBlobStore({ dir, publicUrl: 'http://localhost:8080', now: () => now });
    const { url } = await store.signedUrl('videos/t1/video.mp4', 600);
    assert.ok((await again.open('videos/t1/video.mp4', new URL(url).searchParams)).ok);
  });
});
