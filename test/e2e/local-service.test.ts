// Through HTTP, as a user would: submit a script, poll to completion, download through the
// signed URL, and check the MP4 with ffprobe. The same test runs twice: on the embedded adapters
// in one process, and on the Google Cloud adapters (Firestore and GCS emulators) with the api and
// the worker as separate processes.
import assert from 'node:assert/strict';
import { createReadStream, readdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ffprobe, integratedLufs, isFastStart } from '../support/ffprobe.ts';
import { getJson, pollUntilFinal, postJson } from '../support/http.ts';
import { DocumentChecker, documented } from '../support/openapi.ts';
import { makeVideo } from '../support/media-fixtures.ts';
import { skipUnlessFirestoreEmulator } from '../support/firestore-emulator.ts';
import { skipUnlessGcsEmulator } from '../support/gcs-emulator.ts';
import { startCloudPath, startService, type Service } from '../support/service.ts';
import { framesNumbered } from '../support/video-frames.ts';
import { waitFor } from '../support/wait.ts';

// Two sentences: two backgrounds, a cut between them, and captions to check, in as few seconds as that takes.
const SCRIPT = 'The ocean covers most of our planet. Every tide is pulled by the moon.';

const deployments: [string, (env: Record<string, string>) => Promise<Service>, { signaturesChecked: boolean; skip: string | false }][] = [
  ['local service, one process', (env) => startService(env), { signaturesChecked: true, skip: false }],
  // The GCS emulator does not check V4 signatures; test/platform verifies them cryptographically.
  // Without gcloud and Java (e.g. in Cloud Build) this half skips; under CI=true that is a failure.
  [
    'cloud adapters, api and worker processes',
    (env) => startCloudPath(env),
    { signaturesChecked: false, skip: skipUnlessFirestoreEmulator() || skipUnlessGcsEmulator() },
  ],
];

for (const [name, start, { signaturesChecked, skip }] of deployments) describe(`end to end: ${name}`, { skip }, () => {
  let svc: Service;
  const callbacks: { headers: Record<string, unknown>; body: any }[] = [];
  let callbackUrl = '';
  let closeCallbackServer = () => {};
  /** The task the first test completes; the OpenAPI check reads it again. */
  let completedId = '';

  before(async () => {
    // x264's fastest preset: these renders check files, sound, routes and signatures, not the encoder.
    svc = await start({ CALLBACK_SECRET: 'test-secret-0123456789abcdef0123456789', MAX_CONCURRENT_TASKS: '2', RENDER_PRESET: 'ultrafast' });
    const server = createServer((req, res) => {
      let data = '';
      req.on('data', (c) => (data += c));
      req.on('end', () => {
        callbacks.push({ headers: req.headers, body: JSON.parse(data) });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    callbackUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
    closeCallbackServer = () => server.close();
  });

  after(async () => {
    closeCallbackServer();
    await svc?.stop();
  });

  it('script in, captioned vertical MP4 out, through the seed-compatible routes', async () => {
    const submit = await postJson(`${svc.url}/generate-video`, {
      script_text: SCRIPT,
      search_query: 'ocean',
      resolution: '720p',
      callback_url: callbackUrl,
      metadata: { channel: 'facts' },
    });
    assert.equal(submit.status, 202, JSON.stringify(submit.body));
    const id = submit.body.task_id;
    completedId = id;
    assert.match(id, /^[0-9a-f-]{36}$/);
    assert.equal(submit.body.status, 'queued');
    assert.equal(submit.body.status_url, `${svc.url}/task/${id}`);
    assert.equal(submit.body.download_url, `${svc.url}/download/${id}`);

    const { final, seen } = await pollUntilFinal(`${svc.url}/task/${id}`);
    assert.equal(final.status, 'completed', JSON.stringify(final));
    const progress = seen.map((v) => v.progress);
    assert.deepEqual(progress, [...progress].sort((a, b) => a - b), 'progress is monotonic');
    assert.equal(final.progress, 100);
    assert.deepEqual(final.metadata, { channel: 'facts' });

    // Download: a 302 to a signed URL that serves the MP4.
    const dl = await fetch(`${svc.url}/download/${id}`, { redirect: 'manual' });
    assert.equal(dl.status, 302);
    const signed = dl.headers.get('location')!;
    const file = await fetch(signed);
    assert.equal(file.status, 200);
    assert.equal(file.headers.get('content-type'), 'video/mp4');
    const bytes = Buffer.from(await file.arrayBuffer());
    assert.equal(bytes.length, final.result.size_bytes);
    assert.ok(isFastStart(bytes), 'moov before mdat (+faststart)');
    const path = join(svc.dataDir, 'downloaded.mp4');
    writeFileSync(path, bytes);

    const info = ffprobe(path);
    const video = info.streams.find((s) => s.codec_type === 'video');
    const audio = info.streams.find((s) => s.codec_type === 'audio');
    assert.equal(video?.codec_name, 'h264');
    assert.equal(audio?.codec_name, 'aac');
    assert.equal(video?.width, 720);
    assert.equal(video?.height, 1280);
    assert.ok(Math.abs(info.durationS - final.result.duration_s) < 0.2, `${info.durationS} vs ${final.result.duration_s}`);
    await assertMovingColour(path);
    const loudness = integratedLufs(path);
    assert.ok(Math.abs(loudness + 14) <= 1, `integrated loudness ${loudness} LUFS, want -14 ±1`);

    // The narration: the captions' last cue ends where the speech ends, inside the video.
    const vtt = await (await fetch(final.result.captions_url)).text();
    assert.match(vtt, /^WEBVTT/);
    assert.match(vtt, /ocean/i);
    const ends = [...vtt.matchAll(/--> (\d+):(\d+):(\d+)\.(\d+)/g)].map((m) => +m[1]! * 3600 + +m[2]! * 60 + +m[3]! + +m[4]! / 1000);
    const lastEnd = Math.max(...ends);
    assert.ok(lastEnd <= info.durationS + 0.2 && lastEnd > info.durationS - 1.5, `captions end ${lastEnd}, video ${info.durationS}`);
    const thumb = await fetch(final.result.thumbnail_url);
    assert.equal(thumb.headers.get('content-type'), 'image/jpeg');

    // The same task through the v1 route.
    const v1 = await getJson(`${svc.url}/v1/videos/${id}`);
    assert.equal(v1.body.task_id, id);
    assert.equal(v1.body.status, 'completed');

    if (signaturesChecked) {
      // A tampered URL is refused.
      const tampered = signed.replace(/sig=([^&])/, (_m, c) => `sig=${c === 'A' ? 'B' : 'A'}`);
      assert.equal((await fetch(tampered)).status, 403);
      const longer = new URL(signed);
      longer.searchParams.set('expires', String(Number(longer.searchParams.get('expires')) + 3600));
      assert.equal((await fetch(longer)).status, 403);
    }

    // Cancelling a finished task is a conflict.
    const del = await fetch(`${svc.url}/v1/videos/${id}`, { method: 'DELETE' });
    assert.equal(del.status, 409);

    // The callback arrived once, signed.
    await waitFor(() => callbacks.some((c) => c.body.task_id === id), 'the callback');
    const mine = callbacks.filter((c) => c.body.task_id === id);
    assert.equal(mine.length, 1);
    assert.equal(mine[0]!.body.status, 'completed');
    assert.match(String(mine[0]!.headers['x-reelsmith-signature']), /^t=\d+,v1=[0-9a-f]{64}$/);

    // Nothing left in the scratch area.
    await waitFor(() => readdirSync(join(svc.dataDir, 'scratch')).length === 0, 'the task dir to be removed');
  });

  it('every route answers as the OpenAPI document says', async () => {
    const doc = new DocumentChecker();
    const json = { 'content-type': 'application/json' };
    assert.ok(completedId, 'the first test completed a task');
    const v = (await documented(doc, '/task/{id}', `${svc.url}/task/${completedId}`)).body;
    assert.equal(v.status, 'completed');
    await documented(doc, '/v1/videos/{id}', `${svc.url}/v1/videos/${completedId}`);
    assert.equal((await documented(doc, '/download/{id}', `${svc.url}/download/${completedId}`)).status, 302);
    assert.equal((await documented(doc, '/v1/videos/{id}', `${svc.url}/v1/videos/${completedId}`, { method: 'DELETE' })).status, 409);
    const list = await documented(doc, '/v1/videos', `${svc.url}/v1/videos?limit=1`);
    assert.equal(list.body.data.length, 1);
    assert.equal((await documented(doc, '/v1/videos', `${svc.url}/v1/videos?cursor=bad`)).status, 422);
    for (const route of ['/generate-video', '/v1/videos']) {
      const bad = await documented(doc, route, `${svc.url}${route}`, { method: 'POST', headers: json, body: '{"script_text":""}' });
      assert.equal(bad.status, 422);
      assert.equal((await documented(doc, route, `${svc.url}${route}`, { method: 'POST', headers: json, body: '{' })).status, 400);
      assert.equal((await documented(doc, route, `${svc.url}${route}`, { method: 'POST', body: 'x' })).status, 415);
    }
    const queued = await documented(doc, '/v1/videos', `${svc.url}/v1/videos`, { method: 'POST', headers: json, body: '{"script_text":"Cancelled at once."}' });
    assert.equal(queued.status, 202);
    assert.equal((await documented(doc, '/v1/videos/{id}', `${svc.url}/v1/videos/${queued.body.task_id}`, { method: 'DELETE' })).status, 200);
    assert.equal((await documented(doc, '/task/{id}', `${svc.url}/task/00000000-0000-0000-0000-000000000000`)).status, 404);
    await documented(doc, '/healthz', `${svc.url}/healthz`);
    await documented(doc, '/health', `${svc.url}/health`);
    await documented(doc, '/openapi.json', `${svc.url}/openapi.json`);
    await documented(doc, '/docs', `${svc.url}/docs`);
    if (signaturesChecked) {
      // Local mode: the signed URLs are this service's own /files route.
      const file = new URL(v.result.captions_srt_url);
      assert.equal((await documented(doc, '/files/{key}', file.href)).status, 200);
      assert.equal((await documented(doc, '/files/{key}', file.href, { headers: { range: 'bytes=0-9' } })).status, 206);
      assert.equal((await documented(doc, '/files/{key}', `${file.origin}${file.pathname}`)).status, 403);
    }
  });

  it('cuts footage from clip_urls, 1080p by default', async () => {
    const clipServerDir = svc.dataDir;
    await makeVideo(join(clipServerDir, 'a.mp4'), { width: 640, height: 360, durationS: 3 });
    await makeVideo(join(clipServerDir, 'b.mp4'), { width: 360, height: 640, durationS: 4 });
    const server = createServer((req, res) => {
      const name = req.url === '/a.mp4' ? 'a.mp4' : req.url === '/b.mp4' ? 'b.mp4' : null;
      if (!name) return void res.writeHead(404).end();
      res.writeHead(200, { 'content-type': 'video/mp4' });
      createReadStream(join(clipServerDir, name)).pipe(res);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const submit = await postJson(`${svc.url}/v1/videos`, {
        script_text: 'Two clips make this video. The first is wide. The second is tall.',
        clip_urls: [`${base}/a.mp4`, `${base}/b.mp4`],
        captions: { style: 'line', position: 'center' },
        // The frame size is the point here, not the Ken Burns move (about 40% of the render).
        motion: 'none',
      });
      assert.equal(submit.status, 202, JSON.stringify(submit.body));
      const { final } = await pollUntilFinal(`${svc.url}/v1/videos/${submit.body.task_id}`);
      assert.equal(final.status, 'completed', JSON.stringify(final));
      assert.equal(final.result.width, 1080);
      assert.equal(final.result.height, 1920);
      const bytes = Buffer.from(await (await fetch(final.result.video_url)).arrayBuffer());
      const path = join(svc.dataDir, 'clips.mp4');
      writeFileSync(path, bytes);
      const info = ffprobe(path);
      assert.equal(info.streams.find((s) => s.codec_type === 'video')?.height, 1920);
    } finally {
      server.close();
    }
  });

  it('a storyboard is prepared by the worker, its thumbnails are served, and a video renders from it', async () => {
    const made = await postJson(`${svc.url}/v1/storyboards`, { script_text: 'Quiet light falls on the water. Then the evening comes.', resolution: '720p', captions: false, motion: 'none' });
    assert.equal(made.status, 202, JSON.stringify(made.body));
    const { final: sb } = await pollUntilFinal(made.body.status_url);
    assert.equal(sb.status, 'completed', JSON.stringify(sb));
    assert.equal(sb.storyboard.usage.speech_provider, 'espeak-ng');
    const piece = sb.storyboard.pieces[0];
    assert.equal(piece.clip.provider, 'generated', 'no footage source here: generated backgrounds');
    assert.ok(piece.candidates.length > 0, 'other backgrounds to swap to');
    const thumb = await fetch(piece.clip.thumbnail_url);
    assert.equal(thumb.status, 200);
    assert.equal((await thumb.arrayBuffer()).byteLength > 500, true);
    const swapped = await fetch(`${svc.url}/v1/storyboards/${sb.storyboard_id}/pieces/0`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ clip_id: piece.candidates[0].clip_id }),
    });
    assert.equal(swapped.status, 200);
    const video = await postJson(`${svc.url}/v1/videos`, { storyboard_id: sb.storyboard_id });
    assert.equal(video.status, 202, JSON.stringify(video.body));
    const { final } = await pollUntilFinal(`${svc.url}/v1/videos/${video.body.task_id}`);
    assert.equal(final.status, 'completed', JSON.stringify(final));
    assert.ok(Math.abs(final.result.duration_s - sb.storyboard.duration_s) <= 0.05);
    assert.equal(final.result.height, 1280);
  });
});

/**
 * The quick start's video with no keys (generated backgrounds) moves and has colour: frames a
 * second apart, shrunk to 36x64 (the grain averages out), differ, and their pixels are coloured,
 * not grey.
 */
async function assertMovingColour(path: string): Promise<void> {
  const [w, h] = [36, 64];
  const size = w * h * 3;
  const [a, b] = (await framesNumbered(path, [6, 36], w, h, 'area')) as [Buffer, Buffer];
  const moved = a.reduce((n, v, i) => n + Math.abs(v - b[i]!), 0) / size;
  assert.ok(moved > 1, `frames a second apart differ by ${moved.toFixed(2)} on average: the background should move`);
  let chroma = 0;
  for (let i = 0; i < size; i += 3) chroma += Math.max(a[i]!, a[i + 1]!, a[i + 2]!) - Math.min(a[i]!, a[i + 1]!, a[i + 2]!);
  assert.ok(chroma / (w * h) > 25, `mean colourfulness ${(chroma / (w * h)).toFixed(1)}: the background should have colour`);
}
