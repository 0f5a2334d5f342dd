/**
 * Runs `fn` every `ms`, never two runs at once, never keeping the process alive by itself; clear
 * with clearInterval. A run that fails goes to `onError` (the next run comes all the same).
 */
export function every(ms: number, fn: () => Promise<unknown>, onError: (err: unknown) => void): NodeJS.Timeout {
  let running = false;
  const t = setInterval(() => {
    if (running) return;
    running = true;
    fn()
      .catch(onError)
      .finally(() => (running = false));
  }, ms);
  t.unref();
  return t;
}
