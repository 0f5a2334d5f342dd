// Photos as footage through the service: when Pexels has too little video for a script, its
// photos fill in before any clip repeats (the default `media: "videos"`); the video shows them,
// still and cover-cropped, and credits each photographer as Pexels asks. A photo sent as a clip
// URL is shown too.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createReadStream, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { defaultCatalog, defaultPhotos, FAKE_PEXELS_KEY, startFakePexels, type FakePexels } from '../fakes/index.ts';
import { pollUntilFinal, postJson } from '../support/http.ts';
import { makeImage } from '../support/media-fixtures.ts';
import { startService, type Service } from '../support/service.ts';
import { tempDir } from '../support/temp-dir.ts';

const SCRIPT = 'The ocean covers most of our planet. Its waves carry energy across the world. Deep below, whales sing to each other in the dark.';

/** The frame at `t` as RGB, 72x128 (the video is 720x1280). */
function frameAt(path: string, t: number): Buffer {
  return execFileSync('ffmpeg', ['-v', 'error', '-ss', String(t), '-i', path, '-frames:v', '1', '-vf', 'scale=72:128', '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-'], { maxBuffer: 1 << 20 });
}
const mean = (f: Buffer) => [0, 1, 2].map((c) => Math.round(f.filter((_, i) => i % 3 === c).reduce((s, v) => s + v, 0) / (f.length / 3)));
const isTeal = ([r, g, b]: number[]) => r! < 40 && g! > 100 && b! > 100;
const isOrange = ([r, g, b]: number[]) => r! > 200 && g! > 120 && g! < 200 && b! < 60;

describe('photos as footage through the service', () => {
  let px: FakePexels;
  let svc: Service;
  let server: Server;
  let base: string;
  const dir = tempDir('reelsmith-photos-e2e-');

  before(async () => {
    // One teal video of 3 s for a script of about 8 s: the rest must come from somewhere.
    const video = { ...defaultCatalog()[0]!, durationS: 3, tags: ['ocean'], pattern: 'color' as const, color: 'teal' };
    const photos = defaultPhotos().slice(0, 3).map((p) => ({ ...p, tags: ['ocean'], pattern: 'color' as const, color: 'orange' }));
    px = await startFakePexels({ videos: [video], photos });
    await makeImage(join(dir, 'red-blue.jpg'), { width: 800, height: 600, format: 'jpeg', pattern: 'split', exifRotate90: true });
    server = createServer((_req, res) => {
      createReadStream(join(dir, 'red-blue.jpg'))
        .on('open', () => res.writeHead(200, { 'content-type': 'image/jpeg' }))
        .pipe(res);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    svc = await startService({ PEXELS_API_KEY: FAKE_PEXELS_KEY, PEXELS_BASE_URL: px.url });
  });
  after(async () => {
    server?.closeAllConnections();
    server?.close();
    await svc?.stop();
    await px?.close();
  });

  async function make(body: Record<string, unknown>) {
    const res = await postJson(`${svc.url}/v1/videos`, { resolution: '720p', captions: false, seed: 3, ...body });
    assert.equal(res.status, 202, JSON.stringify(res.body));
    const { final } = await pollUntilFinal(`${svc.url}/v1/videos/${res.body.task_id}`);
    assert.equal(final.status, 'completed', JSON.stringify(final));
    const path = join(dir, `${final.task_id}.mp4`);
    writeFileSync(path, Buffer.from(await (await fetch(final.result.video_url)).arrayBuffer()));
    return { final, path };
  }

  it('too little video: photos fill in before any clip repeats, shown still, credited "Photo by … on Pexels"', async () => {
    const { final, path } = await make({ script_text: SCRIPT, search_query: 'ocean', footage: 'topic' });
    // Every video search first (the query, then broader ones), then photos of the same search.
    const searched = px.requests.filter((r) => r.path.endsWith('search')).map((r) => `${r.path === '/v1/search' ? 'photos' : 'videos'} ${r.query.query}`);
    const firstPhoto = searched.indexOf('photos ocean');
    assert.ok(firstPhoto > 0 && searched.slice(0, firstPhoto).every((s) => s.startsWith('videos')), searched.join(' | '));
    const credits = final.result.credits as { attribution: string; photo_url: string | null; video_url: string | null; author: string }[];
    const photoCredits = credits.filter((c) => c.photo_url);
    assert.ok(photoCredits.length >= 1, JSON.stringify(credits));
    for (const c of photoCredits) {
      assert.equal(c.attribution, `Photo by ${c.author} on Pexels`);
      assert.match(c.photo_url!, /^https:\/\/www\.pexels\.com\/photo\//);
      assert.equal(c.video_url, null);
    }
    assert.ok(credits.some((c) => c.attribution === `Video by ${c.author} on Pexels` && c.video_url));
    // The teal video plays once, then the orange photos: no repeat of the video.
    const times = Array.from({ length: Math.floor(final.result.duration_s * 4) - 1 }, (_, i) => 0.25 * (i + 1));
    const looks = times.map((t) => mean(frameAt(path, t)));
    const kinds = looks.map((c) => (isTeal(c) ? 'v' : isOrange(c) ? 'p' : '?'));
    assert.ok(!kinds.includes('?'), `every frame is the video or a photo: ${kinds.join('')} ${JSON.stringify(looks)}`);
    assert.match(kinds.join(''), /^v+p+$/, `the video, then photos: ${kinds.join('')}`);
  });

  it('a photo as a clip URL is shown upright and cover-cropped', async () => {
    const { final, path } = await make({ script_text: 'A red sky over a blue sea.', clip_urls: [`${base}/red-blue.jpg`] });
    assert.deepEqual(final.warnings, []);
    const f = frameAt(path, final.result.duration_s / 2);
    const row = (y: number) => mean(f.subarray(y * 72 * 3, (y + 1) * 72 * 3));
    // Stored red-left, blue-right with EXIF orientation 6: shown turned, red on top.
    assert.ok(row(4)[0]! > 200 && row(4)[2]! < 60, `red at the top: ${row(4)}`);
    assert.ok(row(123)[2]! > 200 && row(123)[0]! < 60, `blue at the bottom: ${row(123)}`);
  });
});
