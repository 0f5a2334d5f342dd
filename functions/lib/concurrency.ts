// Bounded concurrency for async work over a list.

/**
 * Runs `fn` over `items` with at most `limit` in flight, results in input order. After the first
 * failure no new item starts; the error is rethrown once the running ones have settled, so no
 * work is left running behind the caller's back (its temp files are still being written).
 */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  let failed: { err: unknown } | null = null;
  const worker = async () => {
    while (!failed && next < items.length) {
      const i = next++;
      try {
        results[i] = await fn(items[i] as T, i);
      } catch (err) {
        failed ??= { err };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  if (failed) throw (failed as { err: unknown }).err;
  return results;
}
