import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { BlobStore } from '../../functions/platform/ports.ts';
import { withSignedUrlCache } from '../../functions/platform/signed-url-cache.ts';

function countingStore() {
  let signed = 0;
  let t = 0;
  const store: BlobStore = {
    put: async () => ({ sizeBytes: 1 }),
    exists: async () => true,
    get: async () => {},
    deletePrefix: async () => {},
    signedUrl: async (key, ttl, name) => ({ url: `u${++signed}:${key}:${name ?? ''}`, expiresAt: new Date(t + ttl * 1000) }),
  };
  return { store, signed: () => signed, tick: (ms: number) => (t += ms), now: () => t };
}

describe('signed URL cache', () => {
  it('reuses a URL for the first quarter of its life, then signs again', async () => {
    const c = countingStore();
    const cached = withSignedUrlCache(c.store, { now: c.now });
    const a = await cached.signedUrl('k', 400, 'a.mp4');
    assert.equal((await cached.signedUrl('k', 400, 'a.mp4')).url, a.url);
    assert.equal(c.signed(), 1);
    c.tick(99_000);
    assert.equal((await cached.signedUrl('k', 400, 'a.mp4')).url, a.url);
    c.tick(2_000);
    assert.notEqual((await cached.signedUrl('k', 400, 'a.mp4')).url, a.url);
    assert.equal(c.signed(), 2);
  });

  it('keys by object, lifetime and download name; a put forgets the object', async () => {
    const c = countingStore();
    const cached = withSignedUrlCache(c.store, { now: c.now });
    await cached.signedUrl('k', 400, 'a.mp4');
    await cached.signedUrl('k', 400, 'b.mp4');
    await cached.signedUrl('k', 800, 'a.mp4');
    await cached.signedUrl('j', 400, 'a.mp4');
    assert.equal(c.signed(), 4);
    await cached.put('k', '/dev/null', { contentType: 'video/mp4' });
    await cached.signedUrl('k', 400, 'a.mp4');
    await cached.signedUrl('j', 400, 'a.mp4');
    assert.equal(c.signed(), 5);
  });

  it('stays bounded', async () => {
    const c = countingStore();
    const cached = withSignedUrlCache(c.store, { now: c.now, maxEntries: 2 });
    await cached.signedUrl('a', 400);
    await cached.signedUrl('b', 400);
    await cached.signedUrl('c', 400);
    await cached.signedUrl('a', 400);
    assert.equal(c.signed(), 4);
  });
});
