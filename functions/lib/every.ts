/** Runs `fn` every `ms`, never two runs at once, never keeping the process alive by itself; clear with clearInterval. */
export function every(ms: number, fn: () => Promise<unknown>): NodeJS.Timeout {
  let running = false;
  const t = setInterval(() => {
    if (running) return;
    running = true;
    fn()
      .catch(() => undefined)
      .finally(() => (running = false));
  }, ms);
  t.unref();
  return t;
}
