// Photos as footage through the service: when Pexels has too little video for a script, its
// photos fill in before any clip repeats (the default `media: "videos"`); the video shows them,
// still and cover-cropped, and credits each photographer as Pexels asks. A photo sent as a clip
// URL is shown too.
import assert from 'node:assert/strict';
import { createReadStream } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { defaultCatalog, defaultPhotos } from '../fakes/index.ts';
import { frameAt, framesAt, meanRgb } from '../support/video-frames.ts';
import { makeImage } from '../support/media-fixtures.ts';
import { tempDir } from '../support/temp-dir.ts';
import { withService } from '../support/with-service.ts';

const SCRIPT = 'The ocean covers most of our planet. Its waves carry energy across the world. Deep below, whales sing to each other in the dark.';

// Frames are read 72x128 (the video is 720x1280).
const isTeal = ([r, g, b]: number[]) => r! < 40 && g! > 100 && b! > 100;
const isOrange = ([r, g, b]: number[]) => r! > 200 && g! > 120 && g! < 200 && b! < 60;

describe('photos as footage through the service', () => {
  // One teal video of 3 s for a script of about 8 s: the rest must come from somewhere.
  const service = withService({
    pexels: {
      videos: [{ ...defaultCatalog()[0]!, durationS: 3, tags: ['ocean'], pattern: 'color', color: 'teal' }],
      photos: defaultPhotos().slice(0, 3).map((p) => ({ ...p, tags: ['ocean'], pattern: 'color' as const, color: 'orange' })),
    },
  });
  let server: Server;
  let base: string;
  const dir = tempDir('reelsmith-photos-e2e-');

  before(async () => {
    await makeImage(join(dir, 'red-blue.jpg'), { width: 800, height: 600, format: 'jpeg', pattern: 'split', exifRotate90: true });
    server = createServer((_req, res) => {
      createReadStream(join(dir, 'red-blue.jpg'))
        .on('open', () => res.writeHead(200, { 'content-type': 'image/jpeg' }))
        .pipe(res);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => {
    server?.closeAllConnections();
    server?.close();
  });

  async function make(body: Record<string, unknown>) {
    // `motion: 'none'` stills the video clip (a move is ~40% of a render's CPU) and leaves the
    // photos as they are: photos always move.
    const final = await service.completed({ resolution: '720p', captions: false, motion: 'none', seed: 3, ...body });
    return { final, path: await service.download(final.result.video_url, `${final.task_id}.mp4`) };
  }

  it('too little video: photos fill in before any clip repeats, shown still, credited "Photo by … on Pexels"', async () => {
    const { final, path } = await make({ script_text: SCRIPT, search_query: 'ocean', footage: 'topic' });
    // Every video search first (the query, then broader ones), then photos of the same search.
    const searched = service.px.requests.filter((r) => r.path.endsWith('search')).map((r) => `${r.path === '/v1/search' ? 'photos' : 'videos'} ${r.query.query}`);
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
    // The frames at 0.25 s, 0.5 s, … up to the last quarter second before the end.
    const looks = (await framesAt(path, 4, 72, 128)).slice(1, Math.floor(final.result.duration_s * 4)).map(meanRgb);
    const kinds = looks.map((c) => (isTeal(c) ? 'v' : isOrange(c) ? 'p' : '?'));
    assert.ok(!kinds.includes('?'), `every frame is the video or a photo: ${kinds.join('')} ${JSON.stringify(looks)}`);
    assert.match(kinds.join(''), /^v+p+$/, `the video, then photos: ${kinds.join('')}`);
  });

  it('a photo as a clip URL is shown upright and cover-cropped', async () => {
    const { final, path } = await make({ script_text: 'A red sky over a blue sea.', clip_urls: [`${base}/red-blue.jpg`] });
    assert.deepEqual(final.warnings, []);
    const f = await frameAt(path, final.result.duration_s / 2, 72, 128);
    const row = (y: number) => meanRgb(f.subarray(y * 72 * 3, (y + 1) * 72 * 3));
    // Stored red-left, blue-right with EXIF orientation 6: shown turned, red on top.
    assert.ok(row(4)[0]! > 200 && row(4)[2]! < 60, `red at the top: ${row(4)}`);
    assert.ok(row(123)[2]! > 200 && row(123)[0]! < 60, `blue at the bottom: ${row(123)}`);
  });
});
