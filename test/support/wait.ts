// Waiting for an event in a test: the condition is polled until it holds, however long that takes
// on a busy machine. No clock of its own: a test that never sees its event is ended by the
// runner's per-test timeout (package.json), the one hang guard. The pause between polls does not
// keep the process alive by itself: once nothing is left that could bring the event about (every
// service, server and child stopped), the wait ends instead of holding the test file open.
export async function waitFor<T>(probe: () => T | Promise<T>, _what: string, opts: { everyMs?: number } = {}): Promise<NonNullable<T>> {
  for (;;) {
    const v = await probe();
    if (v) return v as NonNullable<T>;
    await pause(opts.everyMs ?? 50);
  }
}

/** A pause between two looks at something a test waits for (see waitFor). */
export function pause(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms).unref());
}
