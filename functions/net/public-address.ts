// Which IP addresses the service may call on a user's behalf: global unicast only. Everything
// else reaches into the service's own network or nowhere: loopback, private, link-local (the
// metadata server), CGNAT, multicast, reserved and documentation ranges, and the IPv6 forms that
// carry an IPv4 address inside them (IPv4-mapped and -compatible, 6to4, NAT64, Teredo), whose
// embedded address is what the packets really go to. Pure.
import { isIP } from 'node:net';

/** [first address, prefix length] of IPv4 ranges that are not globally reachable (IANA special-purpose registry). */
const IPV4_NOT_GLOBAL: [string, number][] = [
  ['0.0.0.0', 8], // "this network"
  ['10.0.0.0', 8], // private
  ['100.64.0.0', 10], // CGNAT shared space
  ['127.0.0.0', 8], // loopback
  ['169.254.0.0', 16], // link-local: the metadata server lives here
  ['172.16.0.0', 12], // private
  ['192.0.0.0', 24], // IETF protocol assignments
  ['192.0.2.0', 24], // documentation (TEST-NET-1)
  ['192.88.99.0', 24], // deprecated 6to4 relay anycast
  ['192.168.0.0', 16], // private
  ['198.18.0.0', 15], // benchmarking
  ['198.51.100.0', 24], // documentation (TEST-NET-2)
  ['203.0.113.0', 24], // documentation (TEST-NET-3)
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, and the broadcast address
];

/** IPv6 ranges inside global unicast 2000::/3 that are still not global. */
const IPV6_NOT_GLOBAL: [string, number][] = [
  ['2001::', 23], // IETF protocol assignments: Teredo (2001::/32), benchmarking, ORCHID
  ['2001:db8::', 32], // documentation
  ['3fff::', 20], // documentation (RFC 9637)
];

/** True when `address` (an IPv4 or IPv6 literal) is a global unicast address. */
export function isGlobalUnicast(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return isGlobalIpv4(ipv4Number(address));
  if (family === 6) {
    const words = ipv6Words(address);
    return words !== null && isGlobalIpv6(words);
  }
  return false;
}

function isGlobalIpv4(n: number): boolean {
  return !IPV4_NOT_GLOBAL.some(([net, prefix]) => inIpv4(n, ipv4Number(net), prefix));
}

function isGlobalIpv6(w: number[]): boolean {
  const embedded = embeddedIpv4(w);
  if (embedded !== undefined) return embedded !== null && isGlobalIpv4(embedded);
  if (w[0]! >> 13 !== 0b001) return false; // not 2000::/3: ULA, link- and site-local, multicast, loopback, reserved…
  return !IPV6_NOT_GLOBAL.some(([net, prefix]) => inIpv6(w, ipv6Words(net)!, prefix));
}

/**
 * The IPv4 address an IPv6 address carries and forwards to: IPv4-mapped (::ffff:a.b.c.d), NAT64
 * well-known prefix (64:ff9b::a.b.c.d) and 6to4 (2002:aabb:ccdd::). null for forms that are
 * never to be called whatever they carry: IPv4-compatible (::a.b.c.d, deprecated), IPv4-translated
 * (::ffff:0:a.b.c.d), local-use NAT64 (64:ff9b:1::/48). undefined when there is no IPv4 inside.
 */
function embeddedIpv4(w: number[]): number | null | undefined {
  const low32 = ((w[6]! << 16) | w[7]!) >>> 0;
  const zeros = (from: number, to: number) => w.slice(from, to).every((x) => x === 0);
  if (zeros(0, 5) && w[5] === 0xffff) return low32; // IPv4-mapped
  if (zeros(0, 4) && w[4] === 0xffff && w[5] === 0) return null; // IPv4-translated
  if (zeros(0, 6) && low32 > 1) return null; // IPv4-compatible (:: and ::1 are handled as themselves)
  if (w[0] === 0x64 && w[1] === 0xff9b) return zeros(2, 6) ? low32 : null; // NAT64 WKP, or local-use 64:ff9b:1::/48
  if (w[0] === 0x2002) return ((w[1]! << 16) | w[2]!) >>> 0; // 6to4
  return undefined;
}

function ipv4Number(a: string): number {
  return a.split('.').reduce((n, part) => ((n << 8) | Number(part)) >>> 0, 0);
}

function inIpv4(n: number, net: number, prefix: number): boolean {
  const mask = prefix === 0 ? 0 : (~0 << (32 - prefix)) >>> 0;
  return (n & mask) >>> 0 === (net & mask) >>> 0;
}

function inIpv6(w: number[], net: number[], prefix: number): boolean {
  for (let i = 0, bits = prefix; bits > 0; i++, bits -= 16) {
    const mask = bits >= 16 ? 0xffff : (0xffff << (16 - bits)) & 0xffff;
    if ((w[i]! & mask) !== (net[i]! & mask)) return false;
  }
  return true;
}

/** The eight 16-bit words of an IPv6 literal (zone id dropped, a dotted IPv4 tail folded in); null if malformed. */
export function ipv6Words(address: string): number[] | null {
  let a = address.split('%')[0]!.toLowerCase();
  const dotted = /^(.*:)(\d+\.\d+\.\d+\.\d+)$/.exec(a);
  if (dotted) {
    if (isIP(dotted[2]!) !== 4) return null;
    const n = ipv4Number(dotted[2]!);
    a = `${dotted[1]}${(n >>> 16).toString(16)}:${(n & 0xffff).toString(16)}`;
  }
  const halves = a.split('::');
  if (halves.length > 2) return null;
  const part = (s: string | undefined) => (s ? s.split(':') : []);
  const head = part(halves[0]);
  const tail = part(halves[1]);
  const fill = halves.length === 2 ? 8 - head.length - tail.length : 0;
  if (fill < 0 || (halves.length === 1 && head.length !== 8)) return null;
  const words = [...head, ...Array<string>(fill).fill('0'), ...tail].map((h) => (/^[0-9a-f]{1,4}$/.test(h) ? parseInt(h, 16) : NaN));
  return words.length === 8 && words.every((x) => Number.isInteger(x)) ? words : null;
}
