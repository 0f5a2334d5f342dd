// What to say about a failed fetch: the system error code (ECONNREFUSED, ENOTFOUND) when there is
// one, since fetch wraps it in a generic "fetch failed".
export function describeError(err: unknown): string {
  const cause = err instanceof Error && err.cause instanceof Error ? err.cause : err;
  if (cause instanceof Error) return 'code' in cause && typeof cause.code === 'string' ? cause.code : cause.message;
  return String(cause);
}
