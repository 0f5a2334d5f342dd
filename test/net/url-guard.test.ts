import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assertPublicUrl, isBlockedAddress } from '../../functions/net/url-guard.ts';

describe('url guard', () => {
  it('blocks loopback, private, link-local, CGNAT and mapped addresses', () => {
    for (const a of ['127.0.0.1', '10.1.2.3', '172.20.0.1', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0', '::1', 'fe80::1', 'fd00::1', '::ffff:127.0.0.1']) {
      assert.equal(isBlockedAddress(a), true, a);
    }
    for (const a of ['8.8.8.8', '1.1.1.1', '2606:4700::1111']) assert.equal(isBlockedAddress(a), false, a);
  });

  it('refuses loopback and metadata hosts by name, naming the field', async () => {
    await assert.rejects(assertPublicUrl('http://127.0.0.1:9/x', 'callback_url', false), /callback_url: .*127\.0\.0\.1/);
    await assert.rejects(assertPublicUrl('http://localhost/x', 'clip_urls.0', false), /clip_urls\.0/);
    await assert.rejects(assertPublicUrl('http://metadata.google.internal/', 'music.url', false), /metadata/);
    await assert.rejects(assertPublicUrl('http://[::1]/', 'callback_url', false), /callback_url/);
    await assert.rejects(assertPublicUrl('ftp://example.com/', 'callback_url', false), /only http and https/);
  });

  it('the development switch allows private addresses', async () => {
    assert.equal((await assertPublicUrl('http://127.0.0.1:9/x', 'callback_url', true)).port, '9');
  });
});
