// Contract tests of Pexels photos as footage against the loopback fake: the Photos API search,
// the image CDN's sizes, the credit Pexels asks for, and the key's limits shared with videos.
import assert from 'node:assert/strict';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, beforeEach, describe, test } from 'node:test';
import { STILL_SHOT_S, type SourceClip } from '../../functions/domain/media.ts';
import { TaskError } from '../../functions/errors.ts';
import { resolveMediaTools } from '../../functions/media/tools.ts';
import { PexelsClient } from '../../functions/providers/pexels-client.ts';
import { PHOTO_OVERSCAN, photoRendition } from '../../functions/providers/pexels-photos.ts';
import { PexelsFootage, type PexelsOptions } from '../../functions/providers/pexels.ts';
import type { FootageContext, FootageRequest } from '../../functions/providers/ports.ts';
import { defaultCatalog, defaultPhotos, startFakePexels, type FakePexels, type FakePexelsPhoto } from '../fakes/pexels.ts';
import { ffprobe } from '../support/ffprobe.ts';
import { tempDir } from '../support/temp-dir.ts';

// The work's signal: nothing here is cancelled. A wall-clock signal (AbortSignal.timeout) would cut
// the work short on a busy machine and fail the test with the wrong error.
const NEVER = new AbortController().signal;

const tools = resolveMediaTools({});
const FAST_RETRY = { baseDelayMs: 20, maxDelayMs: 100, retries: 2 };
const PORTRAIT_720: FootageRequest = { query: 'ocean waves', count: 2, minTotalS: 9, orientation: 'portrait', width: 720, height: 1280, seed: 7 };

const dirs: string[] = [];
function newDir() {
  const d = tempDir('pexels-photos-test-');
  dirs.push(d);
  return d;
}
after(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

const photosOf = (fake: FakePexels, extra: Partial<PexelsOptions> = {}) =>
  new PexelsFootage({ apiKey: fake.options.apiKey, baseUrl: fake.url, media: 'photos', tools, allowPrivate: true, retry: FAST_RETRY, ...extra });
const photoSearches = (fake: FakePexels) => fake.requests.filter((r) => r.path === '/v1/search');
const file = (c: SourceClip | undefined) => {
  assert.equal(c?.kind, 'file');
  return c as Extract<SourceClip, { kind: 'file' }>;
};
const photoIdOf = (c: SourceClip) => Number(/pexels-photo-(\d+)-/.exec(file(c).path)?.[1]);

describe('Pexels photos: search, sizes, credits', () => {
  let fake: FakePexels;
  before(async () => {
    fake = await startFakePexels();
  });
  after(() => fake.close());
  beforeEach(() => {
    fake.requests.length = 0;
  });

  test('searches GET /v1/search with the raw key, a descriptive User-Agent, the orientation and 80 per page', async () => {
    await photosOf(fake).find(PORTRAIT_720, newDir(), NEVER);
    const s = photoSearches(fake);
    assert.equal(s.length, 1);
    assert.equal(s[0]!.headers.authorization, fake.options.apiKey, 'no "Bearer" prefix');
    assert.match(s[0]!.headers['user-agent'] ?? '', /^reelsmith\//);
    assert.deepEqual(s[0]!.query, { query: 'ocean waves', orientation: 'portrait', per_page: '80', page: '1' });
    assert.equal(fake.requests.filter((r) => r.path.includes('/videos/')).length, 0, 'no video search');
  });

  test('downloads each photo from the image CDN at the size that covers the frame with room for motion; a still clip, credited as Pexels asks', async () => {
    const dir = newDir();
    const { clips, warnings } = await photosOf(fake).find(PORTRAIT_720, dir, NEVER);
    assert.deepEqual(warnings, []);
    assert.equal(clips.length, 2, 'two photos of a 5 s shot each cover 9 s');
    // 4000x6000 originals for a 720x1280 frame: cover scale 0.2133, ×1.25 → 1067x1600.
    const w = Math.ceil(4000 * (1280 / 6000) * PHOTO_OVERSCAN);
    const h = Math.ceil(6000 * (1280 / 6000) * PHOTO_OVERSCAN);
    for (const r of fake.photoRequests()) {
      assert.match(r.path, /^\/photos\/\d+\/pexels-photo-\d+\.jpeg$/);
      assert.deepEqual(r.query, { auto: 'compress', cs: 'tinysrgb', w: String(w), h: String(h) });
      assert.match(r.headers['user-agent'] ?? '', /^reelsmith\//);
    }
    for (const c of clips.map(file)) {
      const p = fake.photos.find((x) => x.id === photoIdOf(c))!;
      assert.equal(c.still, 'jpeg');
      assert.equal(c.durationS, STILL_SHOT_S);
      const probed = ffprobe(c.path).streams[0]!;
      assert.deepEqual([probed.codec_name, probed.width, probed.height], ['mjpeg', c.width, c.height]);
      assert.ok(Math.abs(c.width - w) <= 1 && Math.abs(c.height - h) <= 1, `${c.width}x${c.height}`);
      assert.ok(c.width >= 720 * PHOTO_OVERSCAN && c.height >= 1280 * PHOTO_OVERSCAN, 'covers the frame with room to zoom');
      assert.equal(c.id, `pexels-photo:${p.id}`);
      assert.equal(c.query, 'ocean waves');
      assert.deepEqual(c.credit, {
        provider: 'pexels',
        author: p.photographer.name,
        author_url: p.photographer.url,
        video_url: null,
        photo_url: `https://www.pexels.com/photo/fake-${p.id}/`,
        attribution: `Photo by ${p.photographer.name} on Pexels`,
      });
    }
  });

  test('a landscape frame gets landscape photos; PNG and WebP originals are stills of their own format', async () => {
    const photos: FakePexelsPhoto[] = [
      { ...defaultPhotos()[8]!, id: 4_000_001, format: 'png' },
      { ...defaultPhotos()[9]!, id: 4_000_002, format: 'webp' },
    ];
    const own = await startFakePexels({ photos });
    try {
      const { clips } = await photosOf(own).find({ ...PORTRAIT_720, orientation: 'landscape', width: 1280, height: 720 }, newDir(), NEVER);
      assert.equal(photoSearches(own)[0]!.query.orientation, 'landscape');
      assert.deepEqual(clips.map((c) => file(c).still).sort(), ['png', 'webp']);
      for (const c of clips.map(file)) assert.ok(c.width > c.height);
    } finally {
      await own.close();
    }
  });

  test('too few portrait photos: landscape ones of the same query fill in, with a warning', async () => {
    const own = await startFakePexels({ photos: defaultPhotos().filter((p, i) => i === 0 || p.width > p.height) });
    try {
      const { clips, warnings } = await photosOf(own).find({ ...PORTRAIT_720, count: 3, minTotalS: 14 }, newDir(), NEVER);
      assert.deepEqual(photoSearches(own).map((r) => r.query.orientation), ['portrait', 'landscape']);
      assert.equal(clips.length, 3);
      assert.ok(clips.some((c) => file(c).width > file(c).height), 'landscape photos were used');
      assert.ok(warnings.some((w) => /too few portrait photos for "ocean waves"; used landscape ones, cropped to the frame/.test(w)), warnings.join('; '));
    } finally {
      await own.close();
    }
  });

  test('a photo too small for the frame is not downloaded at all', async () => {
    const own = await startFakePexels({ photos: [{ ...defaultPhotos()[0]!, width: 400, height: 600 }, defaultPhotos()[1]!] });
    try {
      const { clips } = await photosOf(own).find({ ...PORTRAIT_720, count: 2 }, newDir(), NEVER);
      assert.deepEqual(clips.map(photoIdOf), [own.photos[1]!.id]);
      assert.ok(own.photoRequests().every((r) => r.path.includes(String(own.photos[1]!.id))));
    } finally {
      await own.close();
    }
  });
});

describe('Pexels photos: one key, one set of limits with videos', () => {
  test('photo and video searches share the hourly limit, the video budget and the monthly quota; their answers are cached apart', async () => {
    // The video side's clips in flat colour: their picture is not the point, and one is far cheaper to make.
    const videos = defaultCatalog().map((v) => ({ ...v, pattern: 'color' as const }));
    const fake = await startFakePexels({ videos, rateLimit: { limit: 20_000, remaining: 5_000, resetAt: 1_900_000_000 } });
    try {
      const client = new PexelsClient({ apiKey: fake.options.apiKey, baseUrl: fake.url, hourlyLimit: 3, retry: FAST_RETRY });
      const videos = new PexelsFootage({ client, tools, allowPrivate: true });
      const photos = new PexelsFootage({ client, media: 'photos', tools, allowPrivate: true });
      const ctx: FootageContext = { searchesLeft: 10, taken: new Set(), recent: new Set() };
      const want = { ...PORTRAIT_720, count: 1, minTotalS: 1, context: ctx };
      await videos.find(want, newDir(), NEVER);
      await photos.find(want, newDir(), NEVER);
      assert.equal(fake.requests.filter((r) => r.path.endsWith('/search')).length, 2, 'the same query for photos is its own search');
      assert.equal(ctx.searchesLeft, 8, 'both count against the video\'s budget');
      // The monthly quota Pexels reported on the photo answer is what the video side knows.
      assert.equal(videos.quota().remaining, 4_998);
      await photos.find({ ...want, query: 'forest' }, newDir(), NEVER);
      const { clips, warnings } = await videos.find({ ...want, query: 'desert' }, newDir(), NEVER);
      assert.deepEqual(clips, []);
      assert.ok(warnings.some((w) => /hourly request limit is used up until/.test(w)), warnings.join('; '));
    } finally {
      await fake.close();
    }
  });

  test('a used-up monthly quota (429) on a photo search pauses the video searches too', async () => {
    const fake = await startFakePexels({ rateLimit: { limit: 10, remaining: 0, resetAt: Math.floor(Date.now() / 1000) + 3600 } });
    try {
      const client = new PexelsClient({ apiKey: fake.options.apiKey, baseUrl: fake.url, retry: { ...FAST_RETRY, retries: 0 } });
      const photos = new PexelsFootage({ client, media: 'photos', tools, allowPrivate: true });
      const first = await photos.find(PORTRAIT_720, newDir(), NEVER);
      assert.ok(first.warnings.some((w) => /rate-limiting/.test(w)), first.warnings.join('; '));
      const before = fake.requests.length;
      const again = await new PexelsFootage({ client, tools, allowPrivate: true }).find(PORTRAIT_720, newDir(), NEVER);
      assert.deepEqual(again.clips, []);
      assert.ok(again.warnings.some((w) => /quota is used up until/.test(w)), again.warnings.join('; '));
      assert.equal(fake.requests.length, before, 'not even tried');
    } finally {
      await fake.close();
    }
  });
});

describe('Pexels photos: failures', () => {
  test('a corrupt or missing photo file is replaced by the next photo', async () => {
    const photos = defaultPhotos().slice(0, 4);
    photos[0]!.corrupt = true;
    photos[1]!.missing = true;
    const fake = await startFakePexels({ photos });
    try {
      const dir = newDir();
      const { clips, warnings } = await photosOf(fake).find({ ...PORTRAIT_720, count: 2, minTotalS: 10, seed: 1 }, dir, NEVER);
      assert.deepEqual(warnings, []);
      assert.deepEqual(clips.map(photoIdOf).sort(), [photos[2]!.id, photos[3]!.id]);
    } finally {
      await fake.close();
    }
  });

  test('a bad key is a permanent footage_auth_failed, as for videos', async () => {
    const fake = await startFakePexels();
    try {
      await assert.rejects(photosOf(fake, { apiKey: 'wrong' }).find(PORTRAIT_720, newDir(), NEVER), (err: unknown) => {
        assert.ok(err instanceof TaskError);
        assert.equal(err.code, 'footage_auth_failed');
        assert.equal(err.retryable, false);
        return true;
      });
    } finally {
      await fake.close();
    }
  });

  test('nothing found: an empty list and a warning naming the query', async () => {
    const fake = await startFakePexels({ photos: defaultPhotos().map((p) => ({ ...p, tags: ['forest'] })) });
    try {
      const { clips, warnings } = await photosOf(fake).find({ ...PORTRAIT_720, fallbacks: [] }, newDir(), NEVER);
      assert.deepEqual(clips, []);
      assert.ok(warnings.some((w) => /Pexels found no usable photo for "ocean waves"/.test(w)), warnings.join('; '));
    } finally {
      await fake.close();
    }
  });
});

describe('photoRendition (pure)', () => {
  const src = (original: string) => ({ original });
  test('the original through the CDN, sized to cover the frame with PHOTO_OVERSCAN to spare, its aspect kept', () => {
    const r = photoRendition({ width: 6000, height: 4000, src: src('https://images.pexels.com/photos/1/pexels-photo-1.jpeg') }, 1080, 1920);
    // A landscape photo for a portrait frame: its height decides (1920/4000), ×1.25.
    assert.deepEqual(r, { link: 'https://images.pexels.com/photos/1/pexels-photo-1.jpeg?auto=compress&cs=tinysrgb&w=3600&h=2400', width: 3600, height: 2400 });
  });
  test('an original no larger than that is taken as it is; one too small for the frame is not taken', () => {
    assert.deepEqual(photoRendition({ width: 1200, height: 2000, src: src('https://x/p.jpeg') }, 1080, 1920), { link: 'https://x/p.jpeg', width: 1200, height: 2000 });
    assert.equal(photoRendition({ width: 640, height: 960, src: src('https://x/p.jpeg') }, 1080, 1920), null, 'a 2x upscale');
  });
  test('no sizes or no usable original: null', () => {
    assert.equal(photoRendition({ src: src('https://x/p.jpeg') }, 720, 1280), null);
    assert.equal(photoRendition({ width: 4000, height: 6000 }, 720, 1280), null);
    assert.equal(photoRendition({ width: 4000, height: 6000, src: src('file:///etc/passwd') }, 720, 1280), null);
    assert.equal(photoRendition({ width: 4000, height: 6000, src: src('not a url') }, 720, 1280), null);
  });
});

describe('the fake Pexels photos keep to the contract', () => {
  test('GET /v1/search: the envelope, the eight src sizes, next_page only when there is one, X-Ratelimit-* only on 2xx', async () => {
    const fake = await startFakePexels({ rateLimit: { limit: 10, remaining: 3, resetAt: 1_900_000_000 } });
    try {
      const headers = { authorization: fake.options.apiKey, 'user-agent': 'reelsmith-test' };
      const page1 = await fetch(`${fake.url}/v1/search?query=x&orientation=portrait&per_page=5`, { headers });
      const body = (await page1.json()) as { page: number; per_page: number; total_results: number; photos: Record<string, unknown>[]; next_page?: string; prev_page?: string };
      assert.equal(page1.status, 200);
      assert.equal(page1.headers.get('x-ratelimit-remaining'), '2');
      assert.deepEqual([body.page, body.per_page, body.total_results, body.photos.length], [1, 5, 8, 5]);
      assert.equal('prev_page' in body, false);
      assert.equal(body.next_page, `${fake.url}/v1/search/?page=2&per_page=5&query=x`);
      const p = body.photos[0]!;
      assert.deepEqual(Object.keys(p).sort(), ['alt', 'avg_color', 'height', 'id', 'liked', 'photographer', 'photographer_id', 'photographer_url', 'src', 'url', 'width']);
      assert.deepEqual(Object.keys(p.src as object).sort(), ['landscape', 'large', 'large2x', 'medium', 'original', 'portrait', 'small', 'tiny']);
      const page2 = (await (await fetch(`${fake.url}/v1/search?query=x&orientation=portrait&per_page=5&page=2`, { headers })).json()) as { photos: unknown[]; next_page?: string; prev_page?: string };
      assert.deepEqual([page2.photos.length, 'next_page' in page2, typeof page2.prev_page], [3, false, 'string']);
      assert.equal((await fetch(`${fake.url}/v1/photos/${fake.photos[0]!.id}`, { headers })).status, 200);
      const limited = await fetch(`${fake.url}/v1/search?query=x`, { headers });
      assert.equal(limited.status, 429, 'one quota for videos and photos');
      assert.equal(limited.headers.get('x-ratelimit-remaining'), null);
      fake.options.rateLimit.remaining = 5;
      assert.equal((await fetch(`${fake.url}/v1/search`, { headers })).status, 400, 'query is required');
      assert.equal((await fetch(`${fake.url}/v1/photos/1`, { headers })).status, 404);
      assert.equal((await fetch(`${fake.url}/v1/curated?per_page=2`, { headers })).status, 200);
      assert.equal((await fetch(`${fake.url}/v1/search?query=x`, { headers: { 'user-agent': 'reelsmith-test' } })).status, 403, 'no key');
    } finally {
      await fake.close();
    }
  });

  test('the image CDN serves the size its parameters ask for, as imgix does, and never more than the original', async () => {
    const fake = await startFakePexels({ photos: [{ ...defaultPhotos()[0]!, width: 400, height: 600 }] });
    try {
      const p = fake.photos[0]!;
      const original = `${fake.url}/photos/${p.id}/pexels-photo-${p.id}.jpeg`;
      const sizeOf = async (query: string) => {
        const res = await fetch(`${original}${query}`, { headers: { 'user-agent': 'reelsmith-test' } });
        assert.equal(res.headers.get('content-type'), 'image/jpeg');
        const path = join(newDir(), 'x.jpeg');
        await writeFile(path, Buffer.from(await res.arrayBuffer()));
        const s = ffprobe(path).streams[0]!;
        return `${s.width}x${s.height}`;
      };
      assert.equal(await sizeOf(''), '400x600');
      assert.equal(await sizeOf('?auto=compress&cs=tinysrgb&h=300'), '200x300');
      assert.equal(await sizeOf('?auto=compress&cs=tinysrgb&h=650&w=940'), '400x600', 'inside the box, not enlarged');
      assert.equal(await sizeOf('?auto=compress&cs=tinysrgb&w=100&h=200'), '100x150');
      assert.equal(await sizeOf('?auto=compress&cs=tinysrgb&fit=crop&h=200&w=280'), '280x200');
      assert.equal(await sizeOf('?auto=compress&cs=tinysrgb&dpr=2&fit=crop&h=100&w=140'), '280x200');
    } finally {
      await fake.close();
    }
  });
});
