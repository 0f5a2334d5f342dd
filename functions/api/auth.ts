// API keys: with API_KEYS set, every request but /healthz needs one, and a task belongs to the key
// that created it. Keys are compared in constant time and stored only as a hash.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import { unauthorized } from '../errors.ts';
import type { ApiEnv } from './http.ts';

const digest = (key: string) => createHash('sha256').update(key).digest();

export class ApiKeys {
  readonly #hashes: Buffer[];
  constructor(keys: string[]) {
    this.#hashes = keys.map(digest);
  }

  get enabled(): boolean {
    return this.#hashes.length > 0;
  }

  /** The owner id for a request's headers (null when keys are off); throws 401 on a missing or unknown key. */
  ownerOf(header: (name: string) => string | undefined): string | null {
    if (!this.enabled) return null;
    const key = header('x-api-key') || /^Bearer\s+(.+)$/i.exec(header('authorization') ?? '')?.[1]?.trim();
    if (!key) throw unauthorized();
    const h = digest(key);
    if (!this.#hashes.some((k) => timingSafeEqual(k, h))) throw unauthorized();
    return h.toString('hex').slice(0, 32);
  }

  /** Route middleware: 401 without a valid key; sets `owner` for the handler. */
  required(): MiddlewareHandler<ApiEnv> {
    return async (c, next) => {
      c.set('owner', this.ownerOf((name) => c.req.header(name)));
      await next();
    };
  }
}

/** Both ways of sending a key, as the OpenAPI document names them. */
export const SECURITY: Record<string, string[]>[] = [{ bearer: [] }, { apiKey: [] }];
