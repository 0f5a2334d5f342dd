// The hostile-media corpus through the real service, as a user would send it: each file served
// over loopback as a clip (or music) URL of a request. Every task ends in a skip with a warning
// or a clear permanent error; nothing outside the task dir is read (a canary file that two
// playlists point at keeps its access time); the decoder bomb never costs ffmpeg or ffprobe
// 300 MiB (their peak RSS sampled from /proc); the client reads no scratch path, while the log
// has the detail under the task id.
import assert from 'node:assert/strict';
import { createReadStream, readdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  makeAudioOnlyMp4,
  makeCanary,
  makeConcatPlaylist,
  makeHighFps,
  makeHlsPlaylist,
  makeLongSilence,
  makeLongVideo,
  makeMjpegBomb,
  makePngAsMp4,
  makeTruncatedMoov,
  makeZeroBytes,
  flatJpeg,
} from '../support/hostile-media.ts';
import { writeFile } from 'node:fs/promises';
import { pollUntilFinal, postJson } from '../support/http.ts';
import { watchPeakRss } from '../support/peak-rss.ts';
import { tempDir } from '../support/temp-dir.ts';
import { waitFor } from '../support/wait.ts';
import { withService } from '../support/with-service.ts';

const MiB = 1024 * 1024;
const SCRIPT = 'A short line for a hostile clip.';

describe('hostile media through the service', () => {
  // Loopback clip URLs need the development switch; every media guard stays on.
  const service = withService({ env: { ALLOW_PRIVATE_URLS: 'true', MAX_CONCURRENT_TASKS: '2' } });
  let server: Server;
  let base: string;
  let canary: Awaited<ReturnType<typeof makeCanary>>;

  before(async () => {
    const corpus = tempDir('reelsmith-corpus-');
    canary = await makeCanary(tempDir('reelsmith-canary-'));
    await Promise.all([
      makeMjpegBomb(join(corpus, 'bomb.mov')),
      makeHlsPlaylist(join(corpus, 'hls.mp4'), canary.path),
      makeConcatPlaylist(join(corpus, 'concat.mp4'), canary.path),
      makeTruncatedMoov(join(corpus, 'truncated.mp4')),
      makeAudioOnlyMp4(join(corpus, 'audio-only.mp4')),
      makeHighFps(join(corpus, 'fps1000.mp4'), 1000),
      makeLongVideo(join(corpus, 'ten-hours.mp4')),
      makeLongSilence(join(corpus, 'ten-hours.flac')),
      makePngAsMp4(join(corpus, 'image.mp4')),
      makeZeroBytes(join(corpus, 'empty.mp4')),
      writeFile(join(corpus, 'bomb.jpg'), flatJpeg(16_000)),
    ]);
    server = createServer((req, res) => {
      const name = (req.url ?? '/').slice(1);
      if (!/^[\w.-]+$/.test(name)) return void res.writeHead(404).end();
      createReadStream(join(corpus, name))
        .on('error', () => res.writeHead(404).end())
        .on('open', () => res.writeHead(200, { 'content-type': 'video/mp4' }))
        .pipe(res);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  after(() => {
    server?.closeAllConnections();
    server?.close();
  });

  async function run(body: Record<string, unknown>) {
    // Still pieces with no key term behind them (a move is ~40% of a render's CPU): no test here looks at the picture.
    const submit = await postJson(`${service.url}/v1/videos`, { script_text: SCRIPT, resolution: '720p', aspect_ratio: '1:1', captions: false, motion: 'none', background_text: false, ...body });
    assert.equal(submit.status, 202, JSON.stringify(submit.body));
    const { final } = await pollUntilFinal(`${service.url}/v1/videos/${submit.body.task_id}`);
    // Whatever the outcome, nothing the client reads names a file on the worker.
    assert.ok(!JSON.stringify(final).includes(service.svc.dataDir), `a scratch path reached the client: ${JSON.stringify(final)}`);
    return final;
  }

  /** Resolves once the service has logged a line that passes `match`. */
  async function logLine(match: (line: string) => boolean): Promise<void> {
    await waitFor(() => service.svc.logs.some(match), 'the log line', { everyMs: 20 });
  }

  function failed(final: any, code: string, message: RegExp) {
    assert.equal(final.status, 'failed', JSON.stringify(final));
    assert.equal(final.error.code, code);
    assert.equal(final.error.retryable, false);
    assert.match(final.error.message, message);
  }

  it('the decoder bomb (16000x16000 MJPEG in a MOV) fails clearly; ffmpeg and ffprobe stay below 300 MiB', async () => {
    const watch = watchPeakRss(service.svc.proc.pid!);
    let final: any;
    try {
      final = await run({ clip_urls: [`${base}/bomb.mov`] });
    } finally {
      watch.stop();
    }
    failed(final, 'unsupported_media', /^clip_urls\.0: its frame is 16000x16000, more pixels than accepted/);
    assert.ok(watch.seen >= 1, 'the task’s ffmpeg/ffprobe runs were sampled');
    assert.ok(watch.peakBytes < 300 * MiB, `peak RSS ${Math.round(watch.peakBytes / MiB)} MiB`);
  });

  it('the photo bomb (a 16000x16000 JPEG of 4 MB) fails clearly; ffmpeg and ffprobe stay below 300 MiB', async () => {
    const watch = watchPeakRss(service.svc.proc.pid!);
    let final: any;
    try {
      final = await run({ clip_urls: [`${base}/bomb.jpg`] });
    } finally {
      watch.stop();
    }
    failed(final, 'unsupported_media', /^clip_urls\.0: its frame is 16000x16000, more pixels than accepted/);
    assert.ok(watch.seen >= 1, 'the task’s ffmpeg/ffprobe runs were sampled');
    assert.ok(watch.peakBytes < 300 * MiB, `peak RSS ${Math.round(watch.peakBytes / MiB)} MiB`);
  });

  // The rest of the corpus at once, after the bombs: each test reads its own task's outcome.
  describe('the rest of the corpus, submitted together', () => {
    const requests = {
      hls: { clip_urls: ['hls.mp4'] },
      concat: { clip_urls: ['concat.mp4'] },
      audioOnly: { clip_urls: ['audio-only.mp4'] },
      fps1000: { clip_urls: ['fps1000.mp4'] },
      tenHours: { clip_urls: ['ten-hours.mp4'] },
      image: { clip_urls: ['image.mp4'] },
      music: { music: { url: 'ten-hours.flac' } },
      skipped: { clip_urls: ['truncated.mp4', 'empty.mp4'] },
    };
    const outcome: Record<string, Promise<any>> = {};
    before(() => {
      const url = (name: string) => `${base}/${name}`;
      for (const [key, body] of Object.entries(requests)) {
        const withUrls = 'music' in body ? { music: { url: url(body.music.url) } } : { clip_urls: body.clip_urls.map(url) };
        outcome[key] = run(withUrls);
        outcome[key].catch(() => {}); // observed by its own test
      }
    });

    for (const kind of ['hls', 'concat'] as const) {
      it(`a ${kind} playlist saved as .mp4 fails clearly, and the local file it names is never read`, async (t) => {
        const final = await outcome[kind];
        failed(final, 'unsupported_media', new RegExp(`^clip_urls\\.0: its container format \\(${kind}\\) is not accepted`));
        // The operator's detail (ffprobe's words) is in the log, under the task id: the line may
        // reach this process a moment after the task view says failed.
        await logLine((l) => l.includes(final.task_id) && /Format not on whitelist/.test(l));
        if (!canary.atimeTracked) return t.skip('this file system does not record reads (noatime): the canary cannot tell');
        assert.equal(await canary.wasRead(), false, 'the file the playlist names was read');
      });
    }

    const refused: [keyof typeof requests, string, RegExp][] = [
      ['audioOnly', 'an audio-only "video"', /^clip_urls\.0: it has no video stream/],
      ['fps1000', '1000 fps', /^clip_urls\.0: it runs at 1000 frames a second; at most 240 are accepted/],
      ['tenHours', 'a 10-hour stream', /^clip_urls\.0: it is 10 h long; at most 30 min is accepted/],
    ];
    for (const [key, name, message] of refused) {
      it(`${name} fails with a permanent unsupported_media naming the limit`, async () => {
        failed(await outcome[key], 'unsupported_media', message);
      });
    }

    it('an image with a video extension is the photo its bytes say it is: the video shows it', async () => {
      const final = await outcome.image;
      assert.equal(final.status, 'completed', JSON.stringify(final));
      assert.deepEqual(final.warnings.filter((w: string) => w.startsWith('clip_urls')), []);
    });

    it('10 hours of silence as music fails with invalid_music naming the limit', async () => {
      failed(await outcome.music, 'invalid_music', /^music\.url: the file was refused: it is 10 h long; at most 30 min is accepted/);
    });

    it('a truncated moov and a zero-byte file are skipped with warnings; the video is made from other footage', async () => {
      const final = await outcome.skipped;
      assert.equal(final.status, 'completed', JSON.stringify(final));
      assert.deepEqual(
        final.warnings.filter((w: string) => w.startsWith('clip_urls')),
        ['clip_urls.0: skipped, not a video ffmpeg can read', 'clip_urls.1: skipped, not a video ffmpeg can read'],
      );
      assert.equal(final.result.width, 720);
    });

    it('leaves no task dir behind', async () => {
      await Promise.allSettled(Object.values(outcome));
      // A task's outcome is recorded before its delivery ends and removes the dir: wait for that.
      const scratch = join(service.svc.dataDir, 'scratch');
      await waitFor(() => readdirSync(scratch).length === 0, 'every task dir to be removed');
    });
  });
});
