// The on-screen craft through HTTP, as a creator uses it (issue 24): one task with a caption look,
// a marked word, a hook, a progress bar, a logo from a URL and an end card that extends the video,
// in two shapes; the frames of both videos read back (OCR for the titles, pixels for the rest).
// Then a logo that is not an image fails the task naming the field, and a wrong field is a 422.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { OUTPUT_FPS } from '../../functions/media/chunks.ts';
import { bounds, count, letters, near, ocr, type Box, type Rgb } from '../support/frames.ts';
import { pollUntilFinal, postJson } from '../support/http.ts';
import { makeVideo } from '../support/media-fixtures.ts';
import { DocumentChecker, documented } from '../support/openapi.ts';
import { startService, type Service } from '../support/service.ts';
import { tempDir } from '../support/temp-dir.ts';
import { framesNumbered } from '../support/video-frames.ts';

const END_CARD_S = 1.5;
const isRed = near('#FF0000', 60);
const isGreen = near('#00FF00', 60);
const isMagenta = near('#FF00FF', 60);
const isWhite = near('#FFFFFF', 50);

/**
 * The frames of `path` shown at each of `times` (as `-ss t` gives them: the first frame at or after
 * t), as RGB, in one decode of the file.
 */
async function framesAt(path: string, times: number[], width: number, height: number): Promise<Rgb[]> {
  const numbers = times.map((t) => Math.max(0, Math.ceil(t * OUTPUT_FPS - 1e-6)));
  return (await framesNumbered(path, numbers, width, height)).map((data) => ({ width, height, data }));
}

const rows = (f: Rgb, y0: number, y1: number): Box => ({ x0: 0, y0: Math.round(y0), x1: f.width, y1: Math.round(y1) });

describe('on-screen craft, end to end', () => {
  let svc: Service;
  let files: Server;
  let base = '';
  const dir = tempDir('craft-e2e-');
  const checker = new DocumentChecker();

  before(async () => {
    // Flat grey footage: every drawn pixel stands out. The logo is pure green.
    await makeVideo(join(dir, 'grey.mp4'), { width: 320, height: 320, durationS: 8, pattern: 'color', color: '0x707070' });
    writeFileSync(join(dir, 'logo.svg'), '<svg xmlns="http://www.w3.org/2000/svg" width="120" height="60"><rect width="120" height="60" rx="10" fill="#00FF00"/></svg>');
    writeFileSync(join(dir, 'page.png'), '<!doctype html><html><body>not a logo</body></html>');
    files = createServer((req, res) => {
      const body = readFileSync(join(dir, req.url!.slice(1)));
      res.writeHead(200, { 'content-length': body.length }).end(body);
    });
    await new Promise<void>((r) => files.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(files.address() as AddressInfo).port}`;
    // x264's fastest preset: what is drawn is read back, not how well it is encoded.
    svc = await startService({ RENDER_PRESET: 'ultrafast' });
  });
  after(async () => {
    await svc?.stop();
    files?.close();
  });

  it('a hook, an emphasised word, a progress bar, a logo and an extending end card, in both shapes of one task', async () => {
    const submit = await postJson(`${svc.url}/v1/videos`, {
      script_text: 'Most people brew **coffee** wrong. Here is the fix.',
      resolution: '720p',
      outputs: [{ aspect_ratio: '9:16' }, { aspect_ratio: '16:9' }],
      clip_urls: [`${base}/grey.mp4`],
      captions: { look: 'bold', emphasis_color: '#FF00FF', position: 'center' },
      hook: { text: 'Stop scrolling', duration_s: 1.5 },
      progress_bar: { position: 'top', color: '#FF0000' },
      watermark: { image_url: `${base}/logo.svg`, position: 'bottom-left', opacity: 1 },
      end_card: { text: 'Follow for more', duration_s: END_CARD_S, extend: true },
      // What is drawn over the footage is read back, not the Ken Burns move (about 40% of the render).
      motion: 'none',
    });
    assert.equal(submit.status, 202, JSON.stringify(submit.body));
    const id = submit.body.task_id as string;
    const { final } = await pollUntilFinal(`${svc.url}/v1/videos/${id}`);
    assert.equal(final.status, 'completed', JSON.stringify(final));
    const view = (await documented(checker, '/v1/videos/{id}', `${svc.url}/v1/videos/${id}`)).body;

    // The captions (sidecar) end with the voice; the video runs the end card's seconds past it.
    const vtt = await (await fetch(view.result.captions_url)).text();
    const lastCue = Math.max(...[...vtt.matchAll(/--> (\d+):(\d+):(\d+\.\d+)/g)].map((m) => Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3])));
    const durationS = view.result.duration_s as number;
    assert.ok(durationS - lastCue >= END_CARD_S - 0.15, `video ${durationS} s, last caption ends at ${lastCue} s`);

    for (const [i, out] of (view.result.outputs as { video_url: string; width: number; height: number }[]).entries()) {
      const path = join(dir, `out-${i}.mp4`);
      writeFileSync(path, Buffer.from(await (await fetch(out.video_url)).arrayBuffer()));
      const emphasisAt = [0.3, 0.45, 0.6, 0.75].map((k) => lastCue * k);
      const frames = await framesAt(path, [0.6, lastCue * 0.5, lastCue - 0.2, durationS - 0.3, ...emphasisAt], out.width, out.height);
      const [early, mid, late, last] = frames as [Rgb, Rgb, Rgb, Rgb];

      // The hook, in the first second (the bold look's capitals).
      assert.match(letters(await ocr(early, { dir, lang: 'eng', ink: isWhite })), /STOPSCROLLING/, `output ${i}: the hook`);
      // The logo, in the bottom-left corner on every frame.
      for (const f of [early, last]) {
        const logo = bounds(f, isGreen)!;
        assert.ok(logo, `output ${i}: the logo is drawn`);
        assert.ok(logo.x1 < f.width / 3 && logo.y0 > f.height * 0.6, `output ${i}: logo ${JSON.stringify(logo)} in the bottom-left corner`);
      }
      // The bar at the top, longer later.
      const bar = (f: Rgb) => count(f, isRed, rows(f, 0, f.height * 0.25));
      assert.ok(bar(early) > 0 && bar(mid) > bar(early) && bar(late) > bar(mid) && bar(last) > bar(late), `output ${i}: the bar grows: ${[early, mid, late, last].map(bar)}`);
      // "coffee", marked in the script, in the emphasis colour while its line shows.
      const emphasised = frames.slice(4).map((f) => count(f, isMagenta));
      assert.ok(Math.max(...emphasised) > 40, `output ${i}: emphasis pixels ${emphasised}`);
      // The end card after the voice: its call to action, and no captions.
      assert.match(letters(await ocr(last, { dir, lang: 'eng', ink: isWhite })), /^FOLLOWFORMORE$/, `output ${i}: the end card alone`);
    }
  });

  it('a logo URL that serves no image fails the task, naming watermark.image_url; a wrong field is refused with 422', async () => {
    const submit = await postJson(`${svc.url}/v1/videos`, { script_text: 'One line.', resolution: '720p', clip_urls: [`${base}/grey.mp4`], watermark: { image_url: `${base}/page.png` } });
    assert.equal(submit.status, 202);
    const { final } = await pollUntilFinal(`${svc.url}/v1/videos/${submit.body.task_id}`);
    assert.equal(final.status, 'failed');
    assert.equal(final.error.code, 'invalid_watermark');
    assert.equal(final.error.retryable, false);
    assert.match(final.error.message, /^watermark\.image_url: the file is not an image .*; send a PNG, WebP, SVG or JPEG image$/);

    const bad = await postJson(`${svc.url}/v1/videos`, { script_text: 'One line.', progress_bar: { color: 'red' }, hook: { duration_s: 60 } });
    assert.equal(bad.status, 422);
    assert.deepEqual(
      bad.body.error.details.map((d: { path: string }) => d.path).sort(),
      ['hook.duration_s', 'progress_bar.color'],
    );
  });
});
