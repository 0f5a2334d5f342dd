import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import { TaskError } from '../../functions/errors.ts';
import { resolveMediaTools } from '../../functions/media/tools.ts';
import { DirFootage, rankByQuery } from '../../functions/providers/dir-footage.ts';
import { backgroundGraph, GeneratedFootage, PALETTES } from '../../functions/providers/generated-footage.ts';
import { UrlFootage } from '../../functions/providers/url-footage.ts';
import type { FootageRequest } from '../../functions/providers/ports.ts';
import { seededRandom } from '../../functions/lib/seeded-random.ts';
import { ffprobe } from '../support/ffprobe.ts';
import { makeGarbage, makeImage, makeTone, makeVideo } from '../support/media-fixtures.ts';
import { flatJpeg, makeHighFps, makeLongVideo } from '../support/hostile-media.ts';
import { STILL_SHOT_S, type SourceClip } from '../../functions/domain/media.ts';
import { tempDir } from '../support/temp-dir.ts';
import { defaultCatalog, startFakePexels } from '../fakes/index.ts';
import { USER_AGENT } from '../../functions/net/user-agent.ts';

const tools = resolveMediaTools({});
const live = () => new AbortController().signal;
const want = (over: Partial<FootageRequest> = {}): FootageRequest => ({
  query: 'ocean waves',
  count: 2,
  minTotalS: 3,
  orientation: 'portrait',
  width: 720,
  height: 1280,
  seed: 1,
  ...over,
});
const fileClip = (c: SourceClip | undefined) => {
  assert.equal(c?.kind, 'file');
  return c as Extract<SourceClip, { kind: 'file' }>;
};

let root: string;
let fixtures: string;
before(async () => {
  root = tempDir('footage-test-');
  fixtures = join(root, 'fixtures');
  await mkdir(fixtures);
  await Promise.all([
    makeVideo(join(fixtures, 'portrait.mp4'), { width: 180, height: 320, durationS: 2 }),
    makeVideo(join(fixtures, 'landscape.webm'), { width: 320, height: 180, durationS: 1.5, format: 'webm' }),
    makeTone(join(fixtures, 'tone.wav'), 1),
    makeGarbage(join(fixtures, 'garbage.mp4')),
  ]);
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('UrlFootage', () => {
  let server: Server;
  let base: string;
  const hits = new Map<string, number>();

  before(async () => {
    server = createServer(async (req, res) => {
      const name = (req.url ?? '/').slice(1);
      hits.set(name, (hits.get(name) ?? 0) + 1);
      if (name === 'flaky') return res.writeHead(503).end();
      try {
        const body = await readFile(join(fixtures, name));
        res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(body);
      } catch {
        res.writeHead(404).end();
      }
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => {
    server.closeAllConnections();
    server.close();
  });

  test('downloads and probes the clips in request order, skipping unusable ones with warnings', async () => {
    const dir = await mkdtemp(join(root, 'task-'));
    const provider = new UrlFootage({
      tools,
      allowPrivate: true,
      urls: [`${base}/landscape.webm`, `${base}/garbage.mp4`, `${base}/missing.mp4`, `${base}/tone.wav`, `${base}/portrait.mp4`],
    });
    const { clips, warnings } = await provider.find(want(), dir, live());
    assert.equal(clips.length, 2);
    const [a, b] = [fileClip(clips[0]), fileClip(clips[1])];
    assert.deepEqual([a.width, a.height], [320, 180]);
    assert.ok(Math.abs(a.durationS - 1.5) < 0.1);
    assert.deepEqual([b.width, b.height], [180, 320]);
    assert.ok(a.path.startsWith(dir) && a.path.endsWith('.webm'));
    assert.equal(ffprobe(b.path).streams[0]?.codec_name, 'h264');
    assert.equal(warnings.length, 3, warnings.join('\n'));
    assert.match(warnings[0]!, /^clip_urls\[1\]: skipped, not a video/);
    assert.match(warnings[1]!, /^clip_urls\[2\]: .*404.*skipped/);
    assert.match(warnings[2]!, /^clip_urls\[3\]: skipped, it has no video stream/);
    // Only the usable downloads stay in the task dir: no corrupt files, no partial files.
    assert.deepEqual((await readdir(dir)).sort(), [a.path, b.path].map((p) => p.slice(dir.length + 1)).sort());
  });

  test('clips outside the media limits are skipped naming the limit; when all the request named are, the task fails for good', async () => {
    await Promise.all([makeHighFps(join(fixtures, 'fast.mp4'), 1000), makeLongVideo(join(fixtures, 'long.mp4'))]);
    const mixed = new UrlFootage({ tools, allowPrivate: true, urls: [`${base}/fast.mp4`, `${base}/portrait.mp4`] });
    const { clips, warnings } = await mixed.find(want(), await mkdtemp(join(root, 'task-')), live());
    assert.equal(clips.length, 1);
    assert.match(warnings[0]!, /^clip_urls\[0\]: skipped, it runs at 1000 frames a second; at most 240 are accepted/);

    const dir = await mkdtemp(join(root, 'task-'));
    const onlyBad = new UrlFootage({ tools, allowPrivate: true, urls: [`${base}/fast.mp4`, `${base}/long.mp4`], fields: ['scenes.0.clip_url', 'scenes.0.clip_url'] });
    await assert.rejects(onlyBad.find(want(), dir, live()), (err: unknown) => {
      assert.ok(err instanceof TaskError);
      assert.equal(err.code, 'unsupported_media');
      assert.equal(err.retryable, false);
      assert.match(err.message, /scenes\.0\.clip_url: it runs at 1000 frames a second.*; scenes\.0\.clip_url: it is 10 h long; at most 30 min is accepted/);
      return true;
    });
    assert.deepEqual(await readdir(dir), [], 'refused downloads are removed');
  });

  test('photos (JPEG, PNG, WebP, told by their bytes whatever the name) are clips too: stills shown for a shot', async () => {
    await Promise.all([
      makeImage(join(fixtures, 'photo.jpg'), { width: 400, height: 300, format: 'jpeg', exifRotate90: true }),
      makeImage(join(fixtures, 'photo-png.mp4'), { width: 200, height: 320, format: 'png' }),
      makeImage(join(fixtures, 'photo'), { width: 360, height: 240, format: 'webp' }),
      writeFile(join(fixtures, 'huge.jpg'), flatJpeg(16_000)),
      makeImage(join(fixtures, 'broken.png'), { width: 64, height: 64, format: 'png' }).then(async (p) => writeFile(p, (await readFile(p)).subarray(0, 40))),
    ]);
    const dir = await mkdtemp(join(root, 'task-'));
    const urls = ['photo.jpg', 'photo-png.mp4', 'photo', 'huge.jpg', 'broken.png', 'portrait.mp4'].map((n) => `${base}/${n}`);
    const { clips, warnings } = await new UrlFootage({ tools, allowPrivate: true, urls }).find(want({ count: 6 }), dir, live());
    const got = clips.map(fileClip);
    assert.deepEqual(
      got.map((c) => [c.still ?? 'video', c.width, c.height, c.durationS]),
      [['jpeg', 300, 400, STILL_SHOT_S], ['png', 200, 320, STILL_SHOT_S], ['webp', 360, 240, STILL_SHOT_S], ['video', 180, 320, got[3]!.durationS]],
    );
    assert.deepEqual(warnings, [
      'clip_urls[3]: skipped, its frame is 16000x16000, more pixels than accepted',
      'clip_urls[4]: skipped, not an image ffmpeg can read',
    ]);
    assert.deepEqual((await readdir(dir)).length, 4, 'the refused downloads are removed');

    // The request's own footage all refused by the gate fails the task, naming the limit.
    await assert.rejects(
      new UrlFootage({ tools, allowPrivate: true, urls: [`${base}/huge.jpg`] }).find(want(), await mkdtemp(join(root, 'task-')), live()),
      (err: unknown) => err instanceof TaskError && err.code === 'unsupported_media' && /^clip_urls\[0\]: its frame is 16000x16000, more pixels than accepted; send clips within the accepted limits$/.test(err.message),
    );
  });

  test('names scene fields in warnings when given', async () => {
    const dir = await mkdtemp(join(root, 'task-'));
    const provider = new UrlFootage({ tools, allowPrivate: true, urls: [`${base}/garbage.mp4`], fields: ['scenes[2].clip_url'] });
    const { clips, warnings } = await provider.find(want(), dir, live());
    assert.deepEqual(clips, []);
    assert.match(warnings[0]!, /^scenes\[2\]\.clip_url: skipped/);
  });

  test('a private address is refused unless allowed, as a skipped clip', async () => {
    const dir = await mkdtemp(join(root, 'task-'));
    const before = hits.get('portrait.mp4') ?? 0;
    // The test server's port allowed, so that the address is what gets the URL refused.
    const provider = new UrlFootage({ tools, allowPrivate: false, allowedPorts: [Number(new URL(base).port)], urls: [`${base}/portrait.mp4`] });
    const { clips, warnings } = await provider.find(want(), dir, live());
    assert.deepEqual(clips, []);
    assert.match(warnings[0]!, /clip_urls\[0\]: .*loopback, private/);
    assert.equal(hits.get('portrait.mp4') ?? 0, before);
  });

  test('a host that keeps failing fails the attempt as retryable, leaving no files', async () => {
    const dir = await mkdtemp(join(root, 'task-'));
    const provider = new UrlFootage({ tools, allowPrivate: true, retries: 1, urls: [`${base}/portrait.mp4`, `${base}/flaky`] });
    await assert.rejects(provider.find(want(), dir, live()), (err) => err instanceof TaskError && err.retryable && /clip_urls\[1\]/.test(err.message));
    assert.equal(hits.get('flaky'), 2);
    assert.ok(!(await readdir(dir)).some((n) => n.endsWith('.part')));
  });

  test('a Pexels file link given as a clip URL downloads: the file host gets the descriptive User-Agent', async () => {
    const px = await startFakePexels({ videos: defaultCatalog().slice(0, 1) });
    try {
      const dir = await mkdtemp(join(root, 'task-'));
      const v = px.videos[0]!;
      const provider = new UrlFootage({ tools, allowPrivate: true, urls: [px.fileUrl(v.id, v.renditions[0]!)] });
      const { clips, warnings } = await provider.find(want(), dir, live());
      assert.deepEqual(warnings, []);
      assert.equal(clips.length, 1);
      assert.equal(px.fileRequests()[0]!.headers['user-agent'], USER_AGENT);
    } finally {
      await px.close();
    }
  });

  test('the size cap applies', async () => {
    const dir = await mkdtemp(join(root, 'task-'));
    const provider = new UrlFootage({ tools, allowPrivate: true, maxBytes: 1000, urls: [`${base}/portrait.mp4`] });
    const { clips, warnings } = await provider.find(want(), dir, live());
    assert.deepEqual(clips, []);
    assert.match(warnings[0]!, /larger than 1000 bytes/);
    assert.deepEqual(await readdir(dir), []);
  });
});

describe('DirFootage', () => {
  let lib: string;
  before(async () => {
    lib = join(root, 'library');
    await mkdir(join(lib, 'city'), { recursive: true });
    await mkdir(join(lib, 'nature', 'sea'), { recursive: true });
    const src = await readFile(join(fixtures, 'portrait.mp4'));
    for (const name of ['city/night-traffic.mp4', 'nature/forest.mp4', 'nature/sea/Ocean_Waves.MP4', 'desert.mp4', 'mountains.mp4', 'rain.mp4']) {
      await writeFile(join(lib, name), src);
    }
    await writeFile(join(lib, 'notes.txt'), 'not footage');
    await writeFile(join(lib, '.hidden.mp4'), src);
    await makeGarbage(join(lib, 'broken.mp4'));
  });

  test('files matching the query come first, found recursively and case-insensitively', async () => {
    const provider = new DirFootage({ tools, dir: lib });
    const { clips } = await provider.find(want({ query: 'ocean waves', count: 1, minTotalS: 1 }), root, live());
    assert.equal(clips.length, 1);
    assert.equal(fileClip(clips[0]).path, join(lib, 'nature/sea/Ocean_Waves.MP4'));
    const forest = await provider.find(want({ query: 'a walk in the forest', count: 1, minTotalS: 1 }), root, live());
    assert.equal(fileClip(forest.clips[0]).path, join(lib, 'nature/forest.mp4'));
  });

  test('same seed → same clips; the seed varies the choice; a corrupt file is skipped with a warning', async () => {
    const provider = new DirFootage({ tools, dir: lib });
    const pick = async (seed: number) => {
      const r = await provider.find(want({ query: 'zebra', count: 7, minTotalS: 100, seed }), root, live());
      return { paths: r.clips.map((c) => fileClip(c).path), warnings: r.warnings };
    };
    const a = await pick(3);
    assert.deepEqual(await pick(3), a);
    assert.equal(a.paths.length, 6, 'every readable video, nothing else');
    assert.ok(!a.paths.some((p) => p.endsWith('.txt') || p.includes('.hidden') || p.endsWith('broken.mp4')));
    assert.deepEqual(a.warnings, ['FOOTAGE_DIR: skipped broken.mp4, not a video ffmpeg can read']);
    const orders = new Set<string>();
    for (let s = 0; s < 8; s++) orders.add((await pick(s)).paths.join());
    assert.ok(orders.size > 3, 'different seeds order the clips differently');
  });

  test('takes enough clips for the duration, not the whole folder', async () => {
    const provider = new DirFootage({ tools, dir: lib });
    const { clips } = await provider.find(want({ query: 'x', count: 1, minTotalS: 5 }), root, live());
    assert.equal(clips.length, 3, '3 × 2 s covers 5 s');
  });

  test('a missing folder is a warning and no clips', async () => {
    const provider = new DirFootage({ tools, dir: join(root, 'nope') });
    const { clips, warnings } = await provider.find(want(), root, live());
    assert.deepEqual(clips, []);
    assert.match(warnings[0]!, /FOOTAGE_DIR .*nope cannot be read \(ENOENT\)/);
  });

  test('rankByQuery is pure and seeded', () => {
    const paths = ['a.mp4', 'b.mp4', 'c.mp4', 'beach/sunny-day.mp4', 'waves.mp4'];
    const r = rankByQuery(paths, 'Sunny beach waves', seededRandom(1));
    assert.equal(r[0], 'beach/sunny-day.mp4');
    assert.equal(r[1], 'waves.mp4');
    assert.deepEqual(r, rankByQuery(paths, 'Sunny beach waves', seededRandom(1)));
    assert.deepEqual([...r].sort(), [...paths].sort());
  });
});

describe('GeneratedFootage', () => {
  test('same seed → same backgrounds, one per wanted clip, capped', async () => {
    const g = new GeneratedFootage();
    const a = await g.find(want({ count: 3 }), root, live());
    assert.deepEqual(await g.find(want({ count: 3 }), root, live()), a);
    assert.equal(a.clips.length, 3);
    assert.equal(new Set(a.clips.map((c) => (c.kind === 'generated' ? c.lavfi : ''))).size, 3, 'distinct');
    assert.notDeepEqual((await g.find(want({ count: 3, seed: 2 }), root, live())).clips, a.clips);
    assert.equal((await g.find(want({ count: 50 }), root, live())).clips.length, 6);
    for (const c of a.clips) {
      assert.equal(c.kind, 'generated');
      assert.ok(c.durationS >= 5);
      assert.equal(c.credit, null);
    }
  });

  test('the query steers the palette, and one palette serves the whole video', async () => {
    const g = new GeneratedFootage();
    const { clips } = await g.find(want({ query: 'deep ocean', count: 3 }), root, live());
    const colours = (c: SourceClip) => new Set((c.kind === 'generated' ? c.lavfi : '').match(/0x[0-9a-f]{6}/g));
    const ocean = PALETTES.find((p) => p.tags.includes('ocean'))!;
    for (const c of clips) assert.deepEqual(colours(c), new Set([...ocean.ground, ...ocean.glows]));
    // Another seed, another palette among the ones with nothing to say about the topic.
    const picks = new Set<string>();
    for (let seed = 0; seed < 12; seed++) {
      const { clips: other } = await g.find(want({ query: 'quarterly figures', count: 1, seed }), root, live());
      picks.add([...colours(other[0]!)].sort().join());
    }
    assert.ok(picks.size >= 4, `${picks.size} palettes over 12 seeds`);
  });

  test('the lavfi graph renders with ffmpeg at the frame size', async () => {
    const g = new GeneratedFootage();
    for (const [width, height] of [[720, 1280], [1080, 1080]] as const) {
      const { clips } = await g.find(want({ width, height, count: 1 }), root, live());
      const clip = clips[0]!;
      assert.equal(clip.kind, 'generated');
      const out = join(root, `gen-${width}.mp4`);
      await promisify(execFile)('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', clip.lavfi, '-t', '1', '-c:v', 'libx264', '-preset', 'ultrafast', out]);
      const p = ffprobe(out);
      assert.deepEqual([p.streams[0]?.width, p.streams[0]?.height], [width, height]);
      assert.ok(Math.abs(p.durationS - 1) < 0.1);
    }
  });

  test('backgroundGraph draws small in RGB, then 4:2:0, scaled up, grain on top', () => {
    const graph = backgroundGraph({
      width: 1080,
      height: 1920,
      fps: 30,
      scale: 8,
      ground: ['0x000000', '0x111111'],
      groundSpeed: 0.003,
      glows: [{ color: '0xff0000', from: [0.5, 0.5], to: [0.9, 0.5], speed: 0.01, seed: 4 }],
      grain: 9,
    });
    assert.match(graph, /^gradients=s=136x240:rate=30:n=2:c0=0x000000:c1=0x111111:type=linear/);
    assert.match(graph, /gradients=s=136x240:rate=30:n=2:c0=0xff0000ff:c1=0xff000000:type=radial:x0=68:y0=120:x1=122:y1=120:speed=0.01:seed=4\[l0\]/);
    assert.match(graph, /\[g0\]\[l0\]overlay=format=rgb\[lit\];\[lit\]format=yuv420p,boxblur=\d+:2,scale=1080:1920:flags=bicubic,noise=c0s=9:c0f=t\+u,setsar=1\[out0\]$/);
  });

  test('a background moves, has colour and grain', async () => {
    const { clips } = await new GeneratedFootage().find(want({ query: 'sunset beach', count: 1, width: 270, height: 480 }), root, live());
    const clip = clips[0]!;
    assert.equal(clip.kind, 'generated');
    const { stdout } = await promisify(execFile)('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-t', '4', '-i', clip.lavfi, '-vf', "select='eq(n\\,0)+eq(n\\,1)+eq(n\\,119)'", '-fps_mode', 'passthrough', '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-'], { encoding: 'buffer', maxBuffer: 16 * 1024 * 1024 });
    const size = 270 * 480 * 3;
    assert.equal(stdout.length, 3 * size);
    const [a, b, z] = [0, 1, 2].map((k) => stdout.subarray(k * size, (k + 1) * size));
    const meanDiff = (x: Buffer, y: Buffer) => x.reduce((s, v, i) => s + Math.abs(v - y[i]!), 0) / x.length;
    // Grain: neighbouring frames differ a little everywhere; four seconds apart, the glows have moved.
    assert.ok(meanDiff(a!, b!) > 0.5 && meanDiff(a!, b!) < 8, `grain between frames: ${meanDiff(a!, b!)}`);
    assert.ok(meanDiff(a!, z!) > meanDiff(a!, b!) * 2, `drift over 4 s: ${meanDiff(a!, z!)} against ${meanDiff(a!, b!)}`);
    // Colour: the picture is not grey (mean spread between channels).
    let chroma = 0;
    for (let i = 0; i < size; i += 3) chroma += Math.max(a![i]!, a![i + 1]!, a![i + 2]!) - Math.min(a![i]!, a![i + 1]!, a![i + 2]!);
    assert.ok(chroma / (size / 3) > 25, `colourful: ${chroma / (size / 3)}`);
  });
});
