// What a submit checks of its URLs before it stores anything: at most MAX_HOSTS_PER_REQUEST hosts,
// each looked up once, and nothing looked up for a request that names too many.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkUrls, MAX_HOSTS_PER_REQUEST } from '../../functions/api/submission.ts';
import { AppError } from '../../functions/errors.ts';
import type { HostLookup } from '../../functions/net/url-guard.ts';

/** A resolver that answers a public address for every name, counting what it was asked. */
function countingLookup() {
  const asked: string[] = [];
  const lookup: HostLookup = async (host) => {
    asked.push(host);
    return ['8.8.8.8'];
  };
  return { asked, lookup };
}

describe('checkUrls', () => {
  it(`refuses a request naming more than ${MAX_HOSTS_PER_REQUEST} hosts before looking any up, at the first one past the limit`, async () => {
    const { asked, lookup } = countingLookup();
    const clip_urls = Array.from({ length: MAX_HOSTS_PER_REQUEST + 5 }, (_, i) => `https://cdn${i}.example/clip.mp4`);
    const err = await checkUrls({ clip_urls }, false, undefined, { lookup }).then(
      () => assert.fail('accepted'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof AppError, String(err));
    assert.equal(err.status, 422);
    assert.deepEqual(err.details, [
      {
        path: `clip_urls.${MAX_HOSTS_PER_REQUEST}`,
        message: `the request names more than ${MAX_HOSTS_PER_REQUEST} different hosts in its URLs; serve its clips and music from at most ${MAX_HOSTS_PER_REQUEST} hosts`,
      },
    ]);
    assert.deepEqual(asked, []);
  });

  it('looks each host up once however many URLs name it; IP literals need no lookup', async () => {
    const { asked, lookup } = countingLookup();
    const clip_urls = Array.from({ length: 30 }, (_, i) => `https://cdn${i % 3}.example/clip-${i}.mp4`);
    const scenes = [{ text: 'One.', clip_url: 'https://cdn0.example/scene.mp4' }, { text: 'Two.', clip_url: 'https://8.8.4.4/scene.mp4' }];
    await checkUrls({ clip_urls, scenes, callback_url: 'https://hooks.example/done', music: { url: 'https://cdn1.example/song.mp3', volume: 0.2 } }, false, undefined, { lookup });
    assert.deepEqual(asked.sort(), ['cdn0.example', 'cdn1.example', 'cdn2.example', 'hooks.example']);
  });

  it('the development switch resolves nothing and so counts no hosts', async () => {
    const { asked, lookup } = countingLookup();
    const clip_urls = Array.from({ length: 30 }, (_, i) => `http://host${i}.test:8080/clip.mp4`);
    await checkUrls({ clip_urls }, true, undefined, { lookup });
    assert.deepEqual(asked, []);
  });
});
