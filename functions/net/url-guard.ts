// Refuse URLs that would make the service call into its own network: loopback, private,
// link-local (the metadata server lives there), CGNAT, multicast and unspecified addresses.
import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';
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
