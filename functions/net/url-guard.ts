// Refuse URLs that would make the service call into its own network or anywhere but a public
// web server: addresses that are not global unicast (public-address.ts), ports other than the
// web's (ALLOWED_URL_PORTS), user:pass@ credentials, and the metadata server by name. Refusals
// never say what a name resolved to: that would let a client map the internal DNS.
import { lookup as lookupCallback, type LookupAddress, type LookupOptions } from 'node:dns';
import { lookup as systemLookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { Agent } from 'undici';
import { TaskError } from '../errors.ts';
import { isGlobalUnicast } from './public-address.ts';

/** The ports a URL may name unless ALLOWED_URL_PORTS says otherwise. */
export const DEFAULT_URL_PORTS: readonly number[] = [80, 443];

const METADATA_HOSTS = new Set(['metadata', 'metadata.google.internal', 'metadata.google.internal.']);
const NOT_PUBLIC = 'a loopback, private, link-local, reserved or documentation address';

/**
 * The longest one name may take to resolve, whatever the caller's own deadline. dns.lookup runs
 * getaddrinfo on libuv's small thread pool and has no timeout of its own: a slow resolver would
 * otherwise hold a submit, a callback or a download hop for as long as it likes.
 */
export const LOOKUP_TIMEOUT_MS = 5_000;

/** Resolves `host` to its addresses; rejects when `signal` aborts. A seam for tests, which cannot make a resolver hang. */
export type HostLookup = (host: string, signal: AbortSignal) => Promise<string[]>;

export interface UrlCheckOptions {
  /** The caller's deadline (a callback's, a download attempt's): the lookup counts against it. */
  signal?: AbortSignal;
  lookup?: HostLookup;
  /** LOOKUP_TIMEOUT_MS unless given. */
  lookupTimeoutMs?: number;
}

/** dns.lookup with an abort: the answer is dropped when `signal` aborts (getaddrinfo itself cannot be stopped). */
export const resolveHost: HostLookup = (host, signal) => {
  signal.throwIfAborted();
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    systemLookup(host, { all: true, verbatim: true }).then(
      (found) => {
        signal.removeEventListener('abort', onAbort);
        resolve(found.map((a) => a.address));
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(err);
      },
    );
  });
};

export function isBlockedAddress(address: string): boolean {
  return !isGlobalUnicast(address);
}

/** The host name of `url` that a check would resolve (not an IP literal), or null. */
export function lookedUpHost(url: string): string | null {
  try {
    const host = new URL(url).hostname.replace(/^\[|\]$/g, '').toLowerCase();
    return host && !isIP(host) ? host : null;
  } catch {
    return null;
  }
}

/**
 * Throws a permanent TaskError naming `field` when `url` is not http(s), carries credentials,
 * names a port outside `ports`, or resolves to an address the service must not call.
 * `allowPrivate` is the development switch (ALLOW_PRIVATE_URLS): it lifts the address and port
 * checks, so local test servers on any port work; credentials stay refused.
 */
export async function assertPublicUrl(
  url: string,
  field: string,
  allowPrivate: boolean,
  ports: readonly number[] = DEFAULT_URL_PORTS,
  opts: UrlCheckOptions = {},
): Promise<URL> {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new TaskError('invalid_url', `${field}: not a valid URL`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') {
    throw new TaskError('invalid_url', `${field}: only http and https URLs are allowed`);
  }
  if (u.username || u.password) {
    throw new TaskError('invalid_url', `${field}: must not contain a user name or password; use a URL that needs no login`);
  }
  if (allowPrivate) return u;
  const port = Number(u.port || (u.protocol === 'https:' ? 443 : 80));
  if (!ports.includes(port)) {
    throw new TaskError('forbidden_url', `${field}: port ${port} is not allowed; use a URL on port ${ports.join(' or ')}`);
  }
  const host = u.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (METADATA_HOSTS.has(host)) {
    throw new TaskError('forbidden_url', `${field}: ${u.hostname} is a metadata address; use a public URL`);
  }
  if (isIP(host)) {
    if (isBlockedAddress(host)) throw new TaskError('forbidden_url', `${field}: ${u.hostname} is ${NOT_PUBLIC}; use a public URL`);
    return u;
  }
  let addresses: string[];
  const limitMs = opts.lookupTimeoutMs ?? LOOKUP_TIMEOUT_MS;
  const ownLimit = AbortSignal.timeout(limitMs);
  try {
    addresses = await (opts.lookup ?? resolveHost)(host, opts.signal ? AbortSignal.any([opts.signal, ownLimit]) : ownLimit);
  } catch (err) {
    // The caller's deadline is the caller's to report (a download's timeout, a callback's "no answer").
    if (opts.signal?.aborted) throw opts.signal.reason;
    // A shared lookup (one per host in a request) may have been cut by another check's limit.
    const why = ownLimit.aborted || (err as Error)?.name === 'TimeoutError' ? `${u.hostname} did not resolve within ${formatSeconds(limitMs)}` : `cannot resolve ${u.hostname}`;
    throw new TaskError('unresolvable_url', `${field}: ${why}`, { retryable: true, cause: err });
  }
  if (addresses.length === 0 || addresses.some(isBlockedAddress)) {
    throw new TaskError('forbidden_url', `${field}: ${u.hostname} does not resolve to a public address; use a public URL`);
  }
  return u;
}

const formatSeconds = (ms: number) => `${Math.round(ms / 100) / 10} s`;

/** Error code of a connection the guarded dispatcher refused. */
export const BLOCKED_ADDRESS = 'EBLOCKEDADDRESS';

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * The check again at connect time, on the very addresses the socket will use: a name that
 * resolved to a public address when assertPublicUrl looked may resolve to a private one a moment
 * later (DNS rebinding).
 */
function guardedLookup(hostname: string, options: LookupOptions, callback: LookupCallback): void {
  lookupCallback(hostname, { ...options, all: true }, (err, addresses: LookupAddress[]) => {
    if (err) return callback(err, []);
    if (addresses.some((a) => isBlockedAddress(a.address))) {
      const e: NodeJS.ErrnoException = new Error(`${hostname} does not resolve to a public address`);
      e.code = BLOCKED_ADDRESS;
      return callback(e, []);
    }
    const first = addresses[0];
    if (options.all) callback(null, addresses);
    else if (first) callback(null, first.address, first.family);
    else callback(Object.assign(new Error(`${hostname} has no address`), { code: 'ENOTFOUND' }), []);
  });
}

let guarded: Agent | undefined;

/** fetch options that refuse, at connect time, addresses the service must not call. */
export function guardedFetchOptions(allowPrivate: boolean): { dispatcher?: Agent } {
  if (allowPrivate) return {};
  guarded ??= new Agent({ connect: { lookup: guardedLookup } });
  return { dispatcher: guarded };
}

/** The refusal, when a fetch failed because the guarded dispatcher refused the address; else null. */
export function blockedConnection(err: unknown): Error | null {
  for (let e: unknown = err; e instanceof Error; e = e.cause) {
    if ((e as NodeJS.ErrnoException).code === BLOCKED_ADDRESS) return e;
  }
  return null;
}
