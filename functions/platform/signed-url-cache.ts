// On Cloud Run every V4 signature is an IAM signBlob call (latency and quota), and clients poll
// GET /task/{id} every few seconds. A URL is reused while most of its lifetime is still ahead.
import type { BlobStore, SignedUrl } from './ports.ts';

export function withSignedUrlCache(
  store: BlobStore,
  opts: { maxEntries?: number; now?: () => number } = {},
): BlobStore {
  const maxEntries = opts.maxEntries ?? 5000;
  const now = opts.now ?? Date.now;
  const cache = new Map<string, { url: SignedUrl; reuseUntil: number }>();
  return {
    put: (key, filePath, o) => {
      // A new object under the key: URLs already handed out stay valid, but mint fresh ones.
      for (const k of cache.keys()) if (k.startsWith(`${key}\n`)) cache.delete(k);
      return store.put(key, filePath, o);
    },
    exists: (key) => store.exists(key),
    get: (key, filePath) => store.get(key, filePath),
    deletePrefix: (prefix) => {
      for (const k of cache.keys()) if (k.startsWith(prefix)) cache.delete(k);
      return store.deletePrefix(prefix);
    },
    async signedUrl(key, ttlSeconds, downloadName) {
      const id = `${key}\n${ttlSeconds}\n${downloadName ?? ''}`;
      const hit = cache.get(id);
      if (hit && hit.reuseUntil > now()) return hit.url;
      const url = await store.signedUrl(key, ttlSeconds, downloadName);
      // Reused for the first quarter of its life, so a client always gets at least 3/4 of the TTL.
      cache.delete(id);
      cache.set(id, { url, reuseUntil: now() + (ttlSeconds * 1000) / 4 });
      if (cache.size > maxEntries) cache.delete(cache.keys().next().value!);
      return url;
    },
  };
}
