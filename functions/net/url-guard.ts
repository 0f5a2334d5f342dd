// Refuse URLs that would make the service call into its own network: loopback, private,
// link-local (the metadata server lives there), CGNAT, multicast and unspecified addresses.
import { lookup as lookupCallback, type LookupAddress, type LookupOptions } from 'node:dns';
import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';
import { Agent } from 'undici';
import { TaskError } from '../errors.ts';

const blocked = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16],
  ['172.16.0.0', 12], ['192.0.0.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15], ['224.0.0.0', 4], ['240.0.0.0', 4],
] as const) blocked.addSubnet(net, prefix, 'ipv4');
for (const [net, prefix] of [
  ['::', 128], ['::1', 128], ['fc00::', 7], ['fe80::', 10], ['ff00::', 8], ['64:ff9b::', 96],
] as const) blocked.addSubnet(net, prefix, 'ipv6');

const METADATA_HOSTS = new Set(['metadata', 'metadata.google.internal', 'metadata.google.internal.']);

export function isBlockedAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 0) return true;
  if (family === 6) {
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
    if (mapped?.[1]) return blocked.check(mapped[1], 'ipv4');
    return blocked.check(address, 'ipv6');
  }
  return blocked.check(address, 'ipv4');
}

/**
 * Throws a permanent TaskError naming `field` when `url` is not http(s) or resolves to an address
 * the service must not call. `allowPrivate` is the development switch (ALLOW_PRIVATE_URLS).
 */
export async function assertPublicUrl(url: string, field: string, allowPrivate: boolean): Promise<URL> {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new TaskError('invalid_url', `${field}: not a valid URL`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') {
    throw new TaskError('invalid_url', `${field}: only http and https URLs are allowed`);
  }
  if (allowPrivate) return u;
  const host = u.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (METADATA_HOSTS.has(host)) {
    throw new TaskError('forbidden_url', `${field}: ${u.hostname} is a metadata address; use a public URL`);
  }
  let addresses: string[];
  try {
    addresses = isIP(host) ? [host] : (await lookup(host, { all: true, verbatim: true })).map((a) => a.address);
  } catch (err) {
    throw new TaskError('unresolvable_url', `${field}: cannot resolve ${u.hostname}`, { retryable: true, cause: err });
  }
  const bad = addresses.find(isBlockedAddress);
  if (bad) {
    throw new TaskError(
      'forbidden_url',
      `${field}: ${u.hostname} resolves to ${bad}, a loopback, private, link-local or metadata address; use a public URL`,
    );
  }
  return u;
}

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
    const bad = addresses.find((a) => isBlockedAddress(a.address));
    if (bad) {
      const e: NodeJS.ErrnoException = new Error(`${hostname} resolves to ${bad.address}, a loopback, private, link-local or metadata address`);
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
