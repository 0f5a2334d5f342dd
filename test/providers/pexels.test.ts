// Contract tests of the Pexels footage provider against the loopback fake.
import assert from 'node:assert/strict';
import { readdir, rm } from 'node:fs/promises';
import { after, before, beforeEach, describe, test } from 'node:test';
import { CancelledError, TaskError } from '../../functions/errors.ts';
import { resolveMediaTools } from '../../functions/media/tools.ts';
import { broaderQueries, PexelsFootage, pickRendition, type PexelsOptions } from '../../functions/providers/pexels.ts';
import type { FootageContext, FootageRequest } from '../../functions/providers/ports.ts';
import type { SourceClip } from '../../functions/domain/media.ts';
import { defaultCatalog, startFakePexels, type FakePexels, type FakePexelsVideo } from '../fakes/pexels.ts';
import { ffprobe } from '../support/ffprobe.ts';
import { tempDir } from '../support/temp-dir.ts';
import { waitFor } from '../support/wait.ts';

// The work's signal: nothing here is cancelled. A wall-clock signal (AbortSignal.timeout) would cut
// the work short on a busy machine and fail the test with the wrong error.
const NEVER = new AbortController().signal;

const tools = resolveMediaTools({});
const FAST_RETRY = { baseDelayMs: 20, maxDelayMs: 100, retries: 2 };
const PORTRAIT_720: FootageRequest = { query: 'ocean waves', count: 3, minTotalS: 9, orientation: 'portrait', width: 720, height: 1280, seed: 7 };

const dirs: string[] = [];
async function newDir() {
  const d = tempDir('pexels-test-');
  dirs.push(d);
  return d;
}

function provider(fake: FakePexels, extra: Partial<PexelsOptions> = {}) {
  return new PexelsFootage({ apiKey: fake.options.apiKey, baseUrl: fake.url, tools, allowPrivate: true, retry: FAST_RETRY, ...extra });
}

const videoIdOf = (path: string) => Number(/pexels-(\d+)-/.exec(path)?.[1]);
const searches = (fake: FakePexels) => fake.requests.filter((r) => r.path.endsWith('/search'));

/**
 * The default catalogue in flat colour: these tests look at searches, renditions, credits and
 * durations, never at the picture, and a flat clip is far cheaper for the fake to make and serve.
 */
function catalog(): FakePexelsVideo[] {
  return defaultCatalog().map((v) => ({ ...v, pattern: 'color' as const }));
}

function tagged(tags: string[][]): FakePexelsVideo[] {
  return catalog().slice(0, tags.length).map((v, i) => ({ ...v, tags: tags[i] ?? [] }));
}

after(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

describe('Pexels: search, renditions, credits', () => {
  let fake: FakePexels;
  before(async () => {
    fake = await startFakePexels({ videos: catalog() });
  });
  after(() => fake.close());
  beforeEach(() => {
    fake.requests.length = 0;
  });

  test('searches /videos/search with the raw key, a descriptive User-Agent, the orientation and 80 per page', async () => {
    // One clip: the search request is the point here, not the downloads.
    await provider(fake).find({ ...PORTRAIT_720, count: 1, minTotalS: 1 }, await newDir(), NEVER);
    const s = searches(fake);
    assert.equal(s.length, 1, 'one page of 80 is enough');
    const r = s[0]!;
    assert.equal(r.path, '/videos/search');
    assert.equal(r.headers.authorization, fake.options.apiKey, 'no "Bearer" prefix');
    assert.match(r.headers['user-agent'] ?? '', /^reelsmith\//);
    assert.deepEqual(r.query, { query: 'ocean waves', orientation: 'portrait', per_page: '80', page: '1' });
  });

  test('downloads the smallest rendition that covers the frame, never hls or uhd, and probes it', async () => {
    const dir = await newDir();
    const { clips, warnings } = await provider(fake).find(PORTRAIT_720, dir, NEVER);
    assert.deepEqual(warnings, []);
    assert.equal(clips.length, 3);
    for (const f of fake.fileRequests()) assert.match(f.path, /-hd_720_1280_25fps\.mp4$/);
    for (const c of clips) {
      assert.equal(c.kind, 'file');
      if (c.kind !== 'file') continue;
      const v = fake.videos.find((x) => x.id === videoIdOf(c.path))!;
      const probed = ffprobe(c.path);
      assert.equal(probed.streams[0]?.width, 720);
      assert.equal(probed.streams[0]?.height, 1280);
      assert.ok(Math.abs(c.durationS - v.durationS) < 0.1);
      assert.equal(c.width, 720);
      assert.equal(c.height, 1280);
      assert.deepEqual(c.credit, {
        provider: 'pexels',
        author: v.user.name,
        author_url: v.user.url,
        video_url: `https://www.pexels.com/video/fake-${v.id}/`,
        photo_url: null,
        attribution: `Video by ${v.user.name} on Pexels`,
      });
    }
    assert.equal(new Set(clips.map((c) => (c.kind === 'file' ? videoIdOf(c.path) : 0))).size, 3, 'three different videos');
    assert.ok(clips.reduce((s, c) => s + c.durationS, 0) >= PORTRAIT_720.minTotalS);
  });

  test('a 1080p frame takes the 1080×1920 files; a landscape frame the landscape videos', async () => {
    await provider(fake).find({ ...PORTRAIT_720, width: 1080, height: 1920, count: 1, minTotalS: 2 }, await newDir(), NEVER);
    assert.match(fake.fileRequests()[0]!.path, /-hd_1080_1920_25fps\.mp4$/);
    fake.requests.length = 0;
    const { clips } = await provider(fake).find(
      { ...PORTRAIT_720, orientation: 'landscape', width: 1280, height: 720, count: 2, minTotalS: 4 },
      await newDir(),
      NEVER,
    );
    assert.equal(searches(fake)[0]!.query.orientation, 'landscape');
    assert.equal(clips.length, 2);
    for (const f of fake.fileRequests()) assert.match(f.path, /-hd_1280_720_25fps\.mp4$/);
  });

  test('the same seed picks the same clips; other seeds pick differently', async () => {
    const pick = async (seed: number) => {
      const { clips } = await provider(fake).find({ ...PORTRAIT_720, seed }, await newDir(), NEVER);
      return clips.map((c) => (c.kind === 'file' ? videoIdOf(c.path) : 0));
    };
    const a = await pick(1234);
    assert.deepEqual(await pick(1234), a);
    const others = [await pick(1), await pick(2), await pick(3)];
    assert.ok(others.some((o) => JSON.stringify(o) !== JSON.stringify(a)), 'some other seed chooses otherwise');
  });

  test('reads X-Ratelimit-* from successful answers', async () => {
    const p = provider(fake);
    await p.find({ ...PORTRAIT_720, count: 1, minTotalS: 1 }, await newDir(), NEVER);
    const q = p.quota();
    assert.equal(q.limit, 20_000);
    assert.equal(q.remaining, fake.options.rateLimit.remaining);
    assert.equal(q.resetAt, fake.options.rateLimit.resetAt * 1000);
  });
});

describe('Pexels: too few results', () => {
  test('follows pages until next_page is absent, then stops', async () => {
    const fake = await startFakePexels({ videos: catalog() });
    try {
      const { clips } = await provider(fake, { perPage: 5, limits: { maxPagesPerQuery: 5 } }).find(
        { ...PORTRAIT_720, count: 8, minTotalS: 30 },
        await newDir(),
        NEVER,
      );
      const pages = searches(fake).filter((r) => r.query.query === 'ocean waves').map((r) => r.query.page);
      assert.deepEqual(pages, ['1', '2'], 'eight portrait videos: two pages of five, no third');
      assert.equal(new Set(clips.map((c) => (c.kind === 'file' ? videoIdOf(c.path) : 0))).size, clips.length, 'no video twice');
    } finally {
      await fake.close();
    }
  });

  test('broadens the query (fewer words, then generic), de-duplicates, and warns', async () => {
    const fake = await startFakePexels({ videos: tagged([['ocean'], ['ocean'], ['nature'], ['nature', 'ocean'], ['city']]) });
    try {
      const { clips, warnings } = await provider(fake).find(
        { ...PORTRAIT_720, query: 'ocean sunset waves', count: 4, minTotalS: 12 },
        await newDir(),
        NEVER,
      );
      // Each query in the frame's orientation, then in the other one (cropped), before a broader query.
      assert.deepEqual(
        searches(fake).map((r) => `${r.query.query}|${r.query.orientation}`),
        ['ocean sunset waves', 'ocean sunset', 'ocean', 'nature'].flatMap((q) => [`${q}|portrait`, `${q}|landscape`]).slice(0, -1),
      );
      // "ocean sunset waves" already finds the three ocean videos; "nature" adds only the fourth.
      const ids = clips.map((c) => (c.kind === 'file' ? videoIdOf(c.path) : 0)).sort();
      assert.deepEqual(ids, [1_000_001, 1_000_002, 1_000_003, 1_000_004]);
      assert.ok(warnings.some((w) => /broader query "nature"/.test(w)), warnings.join('; '));
    } finally {
      await fake.close();
    }
  });

  test('videos too short or too long to be worth downloading are left out', async () => {
    const videos = tagged([[], [], []]);
    videos[0]!.durationS = 0;
    videos[1]!.durationS = 600;
    const fake = await startFakePexels({ videos });
    try {
      const { clips } = await provider(fake).find({ ...PORTRAIT_720, count: 3, minTotalS: 3 }, await newDir(), NEVER);
      assert.deepEqual(clips.map((c) => (c.kind === 'file' ? videoIdOf(c.path) : 0)), [videos[2]!.id]);
      assert.equal(fake.fileRequests().length, 1);
    } finally {
      await fake.close();
    }
  });

  test('returns what it has with a warning when even the generic query is not enough', async () => {
    const fake = await startFakePexels({ videos: tagged([['nature']]) });
    try {
      const { clips, warnings } = await provider(fake).find(
        { ...PORTRAIT_720, query: 'purple elephant', count: 3, minTotalS: 20 },
        await newDir(),
        NEVER,
      );
      assert.equal(clips.length, 1);
      assert.ok(warnings.some((w) => /found only 1 usable video/.test(w)), warnings.join('; '));
      assert.ok(warnings.some((w) => /rest comes from other footage/.test(w)));
    } finally {
      await fake.close();
    }
  });

  test('nothing anywhere: an empty list (the pipeline falls back to local footage) and a warning, quickly', async () => {
    const fake = await startFakePexels({ videos: tagged([['city']]) });
    try {
      const { clips, warnings } = await provider(fake).find({ ...PORTRAIT_720, query: 'purple elephant' }, await newDir(), new AbortController().signal);
      assert.deepEqual(clips, []);
      assert.ok(warnings.some((w) => /no usable video/.test(w)));
      assert.equal(fake.fileRequests().length, 0);
    } finally {
      await fake.close();
    }
  });
});

describe('Pexels: cache, budgets, orientation, freshness', () => {
  const ctx = (over: Partial<FootageContext> = {}): FootageContext => ({ searchesLeft: 20, taken: new Set(), recent: new Set(), ...over });
  const ids = (clips: SourceClip[]) => clips.map((c) => (c.kind === 'file' ? videoIdOf(c.path) : 0));

  test('the same search is asked once an hour: repeated and concurrent finds share the answer', async () => {
    const fake = await startFakePexels({ videos: catalog() });
    let clock = Date.now();
    try {
      const p = provider(fake, { now: () => clock });
      // One clip a find: the search is the point here, not the downloads.
      const one = { ...PORTRAIT_720, count: 1, minTotalS: 1 };
      await Promise.all([p.find(one, await newDir(), NEVER), p.find({ ...one, query: ' Ocean  WAVES' }, await newDir(), NEVER)]);
      await p.find({ ...one, seed: 99 }, await newDir(), NEVER);
      assert.equal(searches(fake).length, 1, 'one request for three finds of the same query');
      clock += 59 * 60_000;
      await p.find(one, await newDir(), NEVER);
      assert.equal(searches(fake).length, 1, 'still fresh after 59 minutes');
      clock += 2 * 60_000;
      await p.find(one, await newDir(), NEVER);
      assert.equal(searches(fake).length, 2, 'asked again after an hour');
    } finally {
      await fake.close();
    }
  });

  test('a failed search is not cached', async () => {
    const fake = await startFakePexels({ videos: catalog() });
    try {
      const p = provider(fake, { retry: { ...FAST_RETRY, retries: 0 } });
      fake.failNext({ status: 503, body: { error: 'busy' } });
      const first = await p.find(PORTRAIT_720, await newDir(), NEVER);
      assert.deepEqual(first.clips, []);
      const second = await p.find(PORTRAIT_720, await newDir(), NEVER);
      assert.equal(second.clips.length, 3);
      assert.equal(searches(fake).length, 2);
    } finally {
      await fake.close();
    }
  });

  test('a video stops searching at its budget; cached answers cost nothing', async () => {
    const fake = await startFakePexels({ videos: tagged([['nature']]) });
    try {
      const p = provider(fake);
      const c = ctx({ searchesLeft: 3 });
      const { warnings } = await p.find({ ...PORTRAIT_720, query: 'purple elephant dance', context: c }, await newDir(), NEVER);
      assert.equal(searches(fake).length, 3);
      assert.equal(c.searchesLeft, 0);
      assert.ok(warnings.some((w) => /used all the Pexels searches it may make \(PEXELS_SEARCHES_PER_VIDEO\)/.test(w)), warnings.join('; '));
      // The first query's answers are cached: asking again needs no budget.
      await p.find({ ...PORTRAIT_720, query: 'purple elephant dance', count: 1, minTotalS: 0, fallbacks: [], context: ctx({ searchesLeft: 0 }) }, await newDir(), NEVER);
      assert.equal(searches(fake).length, 3);
    } finally {
      await fake.close();
    }
  });

  test('the process keeps under the hourly request limit, naming when it frees up', async () => {
    const fake = await startFakePexels({ videos: tagged([['nature']]) });
    try {
      const { warnings } = await provider(fake, { hourlyLimit: 2 }).find({ ...PORTRAIT_720, query: 'purple elephant' }, await newDir(), NEVER);
      assert.equal(searches(fake).length, 2);
      assert.ok(warnings.some((w) => /hourly request limit is used up until \d{4}-/.test(w)), warnings.join('; '));
    } finally {
      await fake.close();
    }
  });

  test('too few portrait videos: landscape ones of the same query fill in before anything else', async () => {
    // Four portrait videos of 3–4 s for 20 s of speech, and landscape ones nobody used.
    const videos = catalog().filter((v, i) => i < 4 || (v.width > v.height));
    const fake = await startFakePexels({ videos });
    try {
      const { clips, warnings } = await provider(fake).find({ ...PORTRAIT_720, count: 6, minTotalS: 20 }, await newDir(), NEVER);
      assert.deepEqual(searches(fake).map((r) => r.query.orientation), ['portrait', 'landscape']);
      const landscape = clips.filter((c) => c.kind === 'file' && c.width > c.height);
      assert.ok(landscape.length >= 1, 'landscape clips were used');
      // Landscape files come in the 1080p rendition: its crop fills the frame with a small upscale.
      const landscapeFiles = fake.fileRequests().filter((r) => !/_720_1280_/.test(r.path));
      assert.ok(landscapeFiles.length >= 1);
      for (const f of landscapeFiles) assert.match(f.path, /_1920_1080_/);
      assert.ok(warnings.some((w) => /too few portrait videos for "ocean waves"; used landscape ones, cropped to the frame/.test(w)), warnings.join('; '));
    } finally {
      await fake.close();
    }
  });

  test('clips used by recent videos are chosen only when nothing else is left; parts of one video never share a clip', async () => {
    const fake = await startFakePexels({ videos: catalog().slice(0, 6) });
    try {
      const p = provider(fake);
      const all = fake.videos.map((v) => v.id);
      const recent = new Set(all.slice(0, 4).map((id) => `pexels:${id}`));
      const { clips } = await p.find({ ...PORTRAIT_720, count: 2, minTotalS: 6, context: ctx({ recent }) }, await newDir(), NEVER);
      assert.deepEqual(ids(clips).sort(), all.slice(4, 6).sort(), 'the two clips no recent video used');
      // Every one used recently: still a video, from the recent ones.
      const everything = new Set(all.map((id) => `pexels:${id}`));
      const again = await p.find({ ...PORTRAIT_720, count: 1, minTotalS: 3, context: ctx({ recent: everything }) }, await newDir(), NEVER);
      assert.equal(again.clips.length, 1);
      // Two parts of one video searching at once split the videos between them.
      const shared = ctx();
      const [a, b] = await Promise.all([
        p.find({ ...PORTRAIT_720, count: 3, minTotalS: 9, seed: 1, context: shared }, await newDir(), NEVER),
        p.find({ ...PORTRAIT_720, count: 3, minTotalS: 9, seed: 1, context: shared }, await newDir(), NEVER),
      ]);
      const both = [...ids(a.clips), ...ids(b.clips)];
      assert.equal(new Set(both).size, both.length, `no video twice: ${both.join(', ')}`);
      assert.equal(clips[0]?.kind === 'file' && clips[0].id, `pexels:${ids(clips)[0]}`);
      assert.equal(clips[0]?.kind === 'file' && clips[0].query, 'ocean waves');
    } finally {
      await fake.close();
    }
  });
});

describe('Pexels: failures', () => {
  let fake: FakePexels;
  before(async () => {
    fake = await startFakePexels({ videos: catalog() });
  });
  after(() => fake.close());
  beforeEach(() => {
    fake.requests.length = 0;
    Object.assign(fake.options, { delayMs: 0, fileDelayMs: 0, retryAfterOn429: null, badKeyStatus: 403 });
    fake.options.rateLimit.remaining = 19_000;
    for (const v of fake.videos) Object.assign(v, { corrupt: false, missing: false });
  });

  for (const status of [401, 403] as const) {
    test(`a bad key (${status}) is a permanent footage_auth_failed, not retried`, async () => {
      fake.options.badKeyStatus = status;
      await assert.rejects(provider(fake, { apiKey: 'Bearer wrong' }).find(PORTRAIT_720, await newDir(), NEVER), (err: unknown) => {
        assert.ok(err instanceof TaskError);
        assert.equal(err.code, 'footage_auth_failed');
        assert.equal(err.retryable, false);
        assert.match(err.detail ?? '', /Access to this API has been disallowed/, 'what Pexels said goes to the logs');
        assert.doesNotMatch(err.message, /disallowed/);
        return true;
      });
      assert.equal(searches(fake).length, 1);
    });
  }

  test('a library default User-Agent is refused by the edge, and the error says so', async () => {
    await assert.rejects(provider(fake, { userAgent: 'python-requests/2.31.0' }).find(PORTRAIT_720, await newDir(), NEVER), /User-Agent/);
  });

  test('429 with Retry-After is waited out, then the search succeeds', async () => {
    fake.failNext({ status: 429, headers: { 'retry-after': '1' }, body: { error: 'Rate limit exceeded' } });
    const t0 = Date.now();
    const { clips } = await provider(fake).find(PORTRAIT_720, await newDir(), NEVER);
    assert.ok(Date.now() - t0 >= 1000);
    assert.equal(searches(fake).length, 2);
    assert.equal(clips.length, 3);
  });

  test('429 without Retry-After backs off and succeeds', async () => {
    fake.failNext({ status: 429, body: { error: 'Rate limit exceeded' } });
    const { clips } = await provider(fake).find(PORTRAIT_720, await newDir(), NEVER);
    assert.equal(searches(fake).length, 2);
    assert.equal(clips.length, 3);
  });

  test('quota used up (429 on every call): bounded retries, then an empty result with a clear warning, and a pause', async () => {
    fake.options.rateLimit.remaining = 0;
    const p = provider(fake);
    const { clips, warnings } = await p.find(PORTRAIT_720, await newDir(), NEVER);
    assert.deepEqual(clips, []);
    assert.equal(searches(fake).length, FAST_RETRY.retries + 1);
    assert.ok(warnings.some((w) => /rate-limiting/.test(w)), warnings.join('; '));
    // The next task does not hammer an API that just said no.
    const again = await p.find(PORTRAIT_720, await newDir(), NEVER);
    assert.deepEqual(again.clips, []);
    assert.equal(searches(fake).length, FAST_RETRY.retries + 1);
    assert.ok(again.warnings.some((w) => /quota is used up until/.test(w)));
  });

  test('X-Ratelimit-Remaining reaching 0 stops further searches until the reset, naming it', async () => {
    fake.options.rateLimit.remaining = 1;
    const p = provider(fake);
    const first = await p.find(PORTRAIT_720, await newDir(), NEVER);
    assert.equal(first.clips.length, 3);
    const second = await p.find(PORTRAIT_720, await newDir(), NEVER);
    assert.deepEqual(second.clips, []);
    assert.equal(searches(fake).length, 1);
    const reset = new Date(fake.options.rateLimit.resetAt * 1000).toISOString();
    assert.ok(second.warnings.some((w) => w.includes(reset)), second.warnings.join('; '));
  });

  test('5xx is retried, then succeeds', async () => {
    fake.failNext({ status: 502, body: 'bad gateway' }, { status: 500, body: { error: 'oops' } });
    const { clips } = await provider(fake).find(PORTRAIT_720, await newDir(), NEVER);
    assert.equal(searches(fake).length, 3);
    assert.equal(clips.length, 3);
  });

  test('5xx that persists: bounded attempts, an empty result and a warning (the fallback takes over)', async () => {
    fake.failNext(...Array.from({ length: FAST_RETRY.retries + 1 }, () => ({ status: 503, body: 'unavailable' })));
    const { clips, warnings } = await provider(fake).find(PORTRAIT_720, await newDir(), NEVER);
    assert.deepEqual(clips, []);
    assert.equal(searches(fake).length, FAST_RETRY.retries + 1);
    assert.ok(warnings.some((w) => /Pexels search failed \(Pexels answered 503/.test(w)), warnings.join('; '));
  });

  test('a slow search times out, is retried a bounded number of times, and never hangs', async () => {
    // Ten minutes: only the search timeout can end each request.
    fake.options.delayMs = 600_000;
    const { clips, warnings } = await provider(fake, { limits: { searchTimeoutMs: 200 } }).find(PORTRAIT_720, await newDir(), new AbortController().signal);
    assert.deepEqual(clips, []);
    assert.ok(warnings.some((w) => /no answer within/.test(w)));
  });

  test('a corrupt file is skipped and replaced by another video', async () => {
    // Five of eight portrait videos serve garbage: whatever the seed picks, some must be replaced.
    for (const v of fake.videos.slice(0, 5)) v.corrupt = true;
    const dir = await newDir();
    const { clips } = await provider(fake).find(PORTRAIT_720, dir, NEVER);
    assert.equal(clips.length, 3);
    const corrupt = new Set(fake.videos.slice(0, 5).map((v) => v.id));
    for (const c of clips) assert.ok(c.kind === 'file' && !corrupt.has(videoIdOf(c.path)));
    assert.ok(fake.fileRequests().length > 3, 'at least one corrupt file was tried');
    const left = (await readdir(dir)).filter((f) => f.endsWith('.mp4'));
    assert.equal(left.length, 3, 'skipped files are removed from the task dir');
  });

  test('a dead link (404) is skipped and replaced', async () => {
    for (const v of fake.videos.slice(0, 5)) v.missing = true;
    const { clips } = await provider(fake).find(PORTRAIT_720, await newDir(), NEVER);
    assert.equal(clips.length, 3);
    assert.ok(fake.fileRequests().length > 3);
  });

  test('files over the size cap are skipped; with none left the result is empty', async () => {
    const { clips, warnings } = await provider(fake, { limits: { maxDownloadBytes: 1000 } }).find(PORTRAIT_720, await newDir(), NEVER);
    assert.deepEqual(clips, []);
    assert.ok(warnings.some((w) => /could be downloaded/.test(w)));
  });

  test('slow file downloads time out and are skipped; the search ends with what it has, never hanging', async () => {
    // Ten minutes: only the download timeout can end each download.
    fake.options.fileDelayMs = 600_000;
    const { clips } = await provider(fake, { limits: { downloadTimeoutMs: 150 } }).find(
      { ...PORTRAIT_720, count: 1, minTotalS: 1 },
      await newDir(),
      new AbortController().signal,
    );
    assert.deepEqual(clips, []);
  });

  test('cancelling stops the downloads at once', async () => {
    // Ten minutes: only the cancellation can end the downloads.
    fake.options.fileDelayMs = 600_000;
    const ac = new AbortController();
    const p = provider(fake).find(PORTRAIT_720, await newDir(), ac.signal);
    while (fake.fileRequests().length === 0) await new Promise((r) => setTimeout(r, 10));
    ac.abort(new CancelledError());
    await assert.rejects(p, CancelledError);
  });
});

describe('Pexels: parallel downloads', () => {
  test('run at most three at a time', async () => {
    // Held, the downloads pile up to the provider's limit: three in flight at once (a delay instead
    // would let the first end before the third starts on a busy machine).
    let release!: () => void;
    const fake = await startFakePexels({ videos: catalog(), holdFiles: new Promise<void>((r) => (release = r)) });
    try {
      const found = provider(fake).find({ ...PORTRAIT_720, count: 7, minTotalS: 20 }, await newDir(), NEVER);
      await waitFor(() => fake.filesInFlight() === 3, 'three downloads in flight');
      release();
      const { clips } = await found;
      assert.equal(clips.length, 7);
      assert.equal(fake.maxFilesInFlight(), 3);
    } finally {
      await fake.close();
    }
  });
});

describe('Pexels: pure parts', () => {
  test('pickRendition: the frame\'s size, else the smallest whose crop fills it within a third of upscale, else covering, else the largest; hls and null sizes ignored', () => {
    const files = [
      { id: 1, quality: 'hls', width: null, height: null, link: 'https://x/1.m3u8' },
      { id: 2, quality: 'sd', width: 360, height: 640, link: 'https://x/2.mp4', file_type: 'video/mp4' },
      { id: 3, quality: 'hd', width: 1080, height: 1920, link: 'https://x/3.mp4', file_type: 'video/mp4' },
      { id: 4, quality: 'hd', width: 720, height: 1280, link: 'https://x/4.mp4', file_type: 'video/mp4' },
      { id: 5, quality: null, width: 2160, height: 3840, link: 'https://x/5.mp4' },
    ];
    assert.equal(pickRendition(files, 720, 1280)?.id, 4);
    assert.equal(pickRendition(files, 1080, 1920)?.id, 3);
    assert.equal(pickRendition(files, 1080, 1080)?.id, 3);
    assert.equal(pickRendition(files, 4000, 4000)?.id, 5, 'nothing covers: the largest');
    assert.equal(pickRendition([files[0]!], 720, 1280), null);
    // Landscape files for a portrait frame: the crop of the 1080p file needs a 1.2× upscale, the
    // 4K file none but is nine times the frame's pixels: the 1080p one.
    const landscape = [
      { id: 6, quality: 'hd', width: 1280, height: 720, link: 'https://x/6.mp4' },
      { id: 7, quality: 'hd', width: 1920, height: 1080, link: 'https://x/7.mp4' },
      { id: 8, quality: 'uhd', width: 3840, height: 2160, link: 'https://x/8.mp4' },
    ];
    assert.equal(pickRendition(landscape, 720, 1280)?.id, 7);
    assert.equal(pickRendition(landscape, 1080, 1920)?.id, 8, 'at 1080p the 4K file is within bounds');
    assert.equal(pickRendition(landscape, 1280, 720)?.id, 6);
    // With a 2560x1440 file on offer: at 1080p its crop needs a third more (against decoding 4K
    // whole), at 720p the 1080p file's crop needs 1.19× (against 1440p): the smaller one each time.
    const stock = [...landscape, { id: 9, quality: 'uhd', width: 2560, height: 1440, link: 'https://x/9.mp4' }];
    assert.equal(pickRendition(stock, 1080, 1920)?.id, 9);
    assert.equal(pickRendition(stock, 720, 1280)?.id, 7);
    assert.equal(pickRendition(stock, 1920, 1080)?.id, 7, 'a frame of its own shape: the file of its size');
  });

  test('broaderQueries: fewer words, then the generic query', () => {
    assert.deepEqual(broaderQueries('ocean sunset waves', 'nature'), ['ocean sunset waves', 'ocean sunset', 'ocean', 'nature']);
    assert.deepEqual(broaderQueries('nature', 'nature'), ['nature']);
  });
});

describe('the fake Pexels itself keeps to the contract', () => {
  test('serves /v1/videos/search too, omits next_page on the last page, sends X-Ratelimit-* only on 2xx', async () => {
    const fake = await startFakePexels({ rateLimit: { limit: 10, remaining: 1, resetAt: 1_900_000_000 } });
    try {
      const headers = { authorization: fake.options.apiKey, 'user-agent': 'reelsmith-test' };
      const ok = await fetch(`${fake.url}/v1/videos/search?query=x&orientation=portrait&per_page=80`, { headers });
      const body = (await ok.json()) as { videos: { video_files: { quality: string; width: number | null }[] }[]; next_page?: string; per_page: number };
      assert.equal(ok.status, 200);
      assert.equal(ok.headers.get('x-ratelimit-remaining'), '0');
      assert.equal(body.per_page, 80);
      assert.equal('next_page' in body, false);
      assert.ok(body.videos[0]!.video_files.some((f) => f.quality === 'hls' && f.width === null));
      const limited = await fetch(`${fake.url}/videos/search?query=x`, { headers });
      assert.equal(limited.status, 429);
      assert.equal(limited.headers.get('x-ratelimit-remaining'), null);
      const noUa = await fetch(`${fake.url}/videos/search?query=x`, { headers: { authorization: fake.options.apiKey } });
      assert.equal(noUa.status, 403, "Node's default User-Agent is refused like a library's");
    } finally {
      await fake.close();
    }
  });
});
