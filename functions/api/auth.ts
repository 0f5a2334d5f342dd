// API keys: with API_KEYS set, every request but /healthz needs one, and a task belongs to the key
// that created it. Keys are compared in constant time and stored only as a hash.
import { createHash, timingSafeEqual } from 'node:crypto';
import { unauthorized } from '../errors.ts';
import type { Request } from './http.ts';

const digest = (key: string) => createHash('sha256').update(key).digest();

export class ApiKeys {
  readonly #hashes: Buffer[];
  constructor(keys: string[]) {
    this.#hashes = keys.map(digest);
  }

  get enabled(): boolean {
    return this.#hashes.length > 0;
  }

  /** The owner id for the request's key (null when keys are off); throws 401 on a missing or unknown key. */
  ownerOf(req: Request): string | null {
    if (!this.enabled) return null;
    const header = req.headers['x-api-key'];
    const auth = req.headers.authorization;
    const key = typeof header === 'string' && header ? header : /^Bearer\s+(.+)$/i.exec(auth ?? '')?.[1]?.trim();
    if (!key) throw unauthorized();
    const h = digest(key);
    if (!this.#hashes.some((k) => timingSafeEqual(k, h))) throw unauthorized();
    return h.toString('hex').slice(0, 32);
  }
}
