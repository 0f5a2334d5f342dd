import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TaskError } from '../../functions/errors.ts';
import { ipv6Words, isGlobalUnicast } from '../../functions/net/public-address.ts';
import { assertPublicUrl, isBlockedAddress, type HostLookup } from '../../functions/net/url-guard.ts';
import { REFUSED_URLS } from '../support/url-forms.ts';

/** Every form of address the service must not call, with why. */
const NOT_GLOBAL: [string, string][] = [
  ['0.0.0.0', 'this network'],
  ['0.1.2.3', 'this network'],
  ['10.1.2.3', 'private'],
  ['100.64.0.1', 'CGNAT'],
  ['100.127.255.254', 'CGNAT'],
  ['127.0.0.1', 'loopback'],
  ['127.255.255.254', 'loopback'],
  ['169.254.169.254', 'link-local: the metadata server'],
  ['172.16.0.1', 'private'],
  ['172.31.255.255', 'private'],
  ['192.0.0.8', 'IETF protocol assignments'],
  ['192.0.2.10', 'documentation (TEST-NET-1)'],
  ['192.88.99.1', '6to4 relay anycast'],
  ['192.168.1.1', 'private'],
  ['198.18.0.1', 'benchmarking'],
  ['198.51.100.7', 'documentation (TEST-NET-2)'],
  ['203.0.113.9', 'documentation (TEST-NET-3)'],
  ['224.0.0.1', 'multicast'],
  ['239.255.255.250', 'multicast'],
  ['240.0.0.1', 'reserved'],
  ['255.255.255.255', 'broadcast'],
  ['::', 'unspecified'],
  ['::1', 'loopback'],
  ['::7f00:1', 'IPv4-compatible 127.0.0.1'],
  ['::127.0.0.1', 'IPv4-compatible, dotted'],
  ['::a9fe:a9fe', 'IPv4-compatible 169.254.169.254'],
  ['::808:808', 'IPv4-compatible, even of a public address (deprecated form)'],
  ['::ffff:127.0.0.1', 'IPv4-mapped loopback'],
  ['::ffff:7f00:1', 'IPv4-mapped loopback, hex'],
  ['::ffff:a9fe:a9fe', 'IPv4-mapped metadata'],
  ['::ffff:0:a00:1', 'IPv4-translated'],
  ['64:ff9b::7f00:1', 'NAT64 of loopback'],
  ['64:ff9b::a9fe:a9fe', 'NAT64 of the metadata server'],
  ['64:ff9b::10.0.0.1', 'NAT64 of a private address, dotted'],
  ['64:ff9b:1::a9fe:a9fe', 'local-use NAT64'],
  ['64:ff9b:1::808:808', 'local-use NAT64, even of a public address'],
  ['2002:7f00:1::', '6to4 of loopback'],
  ['2002:a9fe:a9fe::1', '6to4 of the metadata server'],
  ['2002:c0a8:101::', '6to4 of 192.168.1.1'],
  ['2001::1', 'Teredo'],
  ['2001:0:4136:e378:8000:63bf:3fff:fdd2', 'Teredo'],
  ['2001:2::1', 'benchmarking'],
  ['2001:20::1', 'ORCHIDv2'],
  ['2001:db8::1', 'documentation'],
  ['3fff::1', 'documentation (RFC 9637)'],
  ['fc00::1', 'unique local'],
  ['fd12:3456::1', 'unique local'],
  ['fe80::1', 'link-local'],
  ['fe80::1%eth0', 'link-local with a zone'],
  ['fec0::1', 'site-local (deprecated)'],
  ['feff::1', 'site-local (deprecated)'],
  ['ff02::1', 'multicast'],
  ['100::1', 'discard-only'],
  ['5f00::1', 'SRv6 SIDs, outside global unicast'],
  ['not-an-ip', 'not an address'],
];

const GLOBAL = ['8.8.8.8', '1.1.1.1', '93.184.215.14', '172.32.0.1', '100.128.0.1', '2606:4700::1111', '2a00:1450:4001:80b::200e', '64:ff9b::808:808', '2002:808:808::1', '::ffff:8.8.8.8'];

describe('public addresses', () => {
  for (const [address, why] of NOT_GLOBAL) {
    it(`refuses ${address} (${why})`, () => assert.equal(isBlockedAddress(address), true));
  }
  it('allows global unicast, and IPv4-carrying forms whose IPv4 is global', () => {
    for (const a of GLOBAL) assert.equal(isGlobalUnicast(a), true, a);
  });
  it('parses IPv6 literals to words', () => {
    assert.deepEqual(ipv6Words('::ffff:127.0.0.1'), [0, 0, 0, 0, 0, 0xffff, 0x7f00, 1]);
    assert.deepEqual(ipv6Words('2001:db8::1'), [0x2001, 0xdb8, 0, 0, 0, 0, 0, 1]);
    assert.deepEqual(ipv6Words('1:2:3:4:5:6:7:8'), [1, 2, 3, 4, 5, 6, 7, 8]);
    for (const bad of ['1::2::3', '1:2:3', '12345::', '::ffff:300.1.1.1', 'g::1']) assert.equal(ipv6Words(bad), null, bad);
  });
});

async function refusal(url: string, ports?: readonly number[]): Promise<TaskError> {
  try {
    await assertPublicUrl(url, 'callback_url', false, ports);
  } catch (err) {
    assert.ok(err instanceof TaskError, String(err));
    assert.equal(err.retryable, false, err.message);
    assert.match(err.message, /^callback_url: /);
    return err;
  }
  assert.fail(`${url} was allowed`);
}

describe('url guard', () => {
  for (const [url, code, message] of REFUSED_URLS) {
    it(`refuses ${url} (${code})`, async () => {
      const err = await refusal(url);
      assert.equal(err.code, code);
      assert.match(err.message, message);
    });
  }

  it('refuses a name that resolves to loopback without saying what it resolved to', async () => {
    const err = await refusal('http://localhost/x');
    assert.equal(err.code, 'forbidden_url');
    assert.equal(err.message, 'callback_url: localhost does not resolve to a public address; use a public URL');
  });

  it('allows public addresses on the web’s ports, and other ports only when configured', async () => {
    for (const url of ['http://8.8.8.8/x', 'https://8.8.8.8/x', 'http://8.8.8.8:443/x', 'https://[2606:4700::1111]/']) {
      assert.ok(await assertPublicUrl(url, 'callback_url', false), url);
    }
    assert.equal((await assertPublicUrl('https://8.8.8.8:8443/', 'callback_url', false, [443, 8443])).port, '8443');
    assert.match((await refusal('http://8.8.8.8/', [8443])).message, /port 80 is not allowed; use a URL on port 8443/);
  });

  /** A resolver that never answers: only a deadline ends the wait. */
  const hangs: HostLookup = (_host, signal) => new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason), { once: true }));

  it('a lookup that does not answer is cut at its own limit: unresolvable, worth another try', async () => {
    const err = await assertPublicUrl('https://slow-dns.example/hook', 'callback_url', false, undefined, { lookup: hangs, lookupTimeoutMs: 100 }).then(
      () => assert.fail('allowed'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof TaskError, String(err));
    assert.equal(err.code, 'unresolvable_url');
    assert.equal(err.retryable, true);
    assert.equal(err.message, 'callback_url: slow-dns.example did not resolve within 0.1 s');
  });

  it("the caller's deadline ends a lookup too, as the caller's own timeout", async () => {
    const signal = AbortSignal.timeout(50);
    await assert.rejects(assertPublicUrl('https://slow-dns.example/hook', 'callback_url', false, undefined, { lookup: hangs, signal }), (e: unknown) => {
      assert.equal((e as Error).name, 'TimeoutError');
      assert.equal(e, signal.reason);
      return true;
    });
  });

  it('the development switch allows private addresses on any port, never credentials', async () => {
    assert.equal((await assertPublicUrl('http://127.0.0.1:9/x', 'callback_url', true)).port, '9');
    await assert.rejects(assertPublicUrl('http://u:p@127.0.0.1:9/x', 'callback_url', true), /user name or password/);
  });
});
