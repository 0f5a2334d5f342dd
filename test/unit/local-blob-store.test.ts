import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { LocalBlobStore } from '../../functions/platform/local-blob-store.ts';

describe('local blob store signed URLs', () => {
  const dir = mkdtempSync(join(tmpdir(), 'blobs-'));
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
