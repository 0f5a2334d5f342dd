// Waiting for an event in a test: the condition is polled until it holds. The bound only keeps a
// broken test from hanging; it is far beyond any real wait, so a slow machine never fails a test.
export async function waitFor<T>(probe: () => T | Promise<T>, what: string, opts: { timeoutMs?: number; everyMs?: number } = {}): Promise<NonNullable<T>> {
  const deadline = Date.now() + (opts.timeoutMs ?? 180_000);
  for (;;) {
    const v = await probe();
    if (v) return v as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, opts.everyMs ?? 50));
  }
}
