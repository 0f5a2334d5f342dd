// A task whose worker dies mid-render is rendered again from the plan the first attempt stored:
// ElevenLabs is not paid twice, Pexels is neither searched nor downloaded from again, and the plan
// is gone once the task has completed. An attempt that fails on its footage after the voice was
// made keeps the narration: the retries do not pay for the voice again either.
import assert from 'node:assert/strict';
import { createReadStream, existsSync, readdirSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { defaultCatalog, FAKE_ELEVENLABS_KEY, FAKE_PEXELS_KEY, startFakeElevenLabs, startFakePexels, type FakeElevenLabs, type FakePexels } from '../fakes/index.ts';
import { getJson, pollUntilFinal, postJson } from '../support/http.ts';
import { startService } from '../support/service.ts';
import { makeVideo } from '../support/media-fixtures.ts';
import { tempDir } from '../support/temp-dir.ts';
import { waitFor } from '../support/wait.ts';

describe('a retried attempt renders the stored plan', () => {
  let el: FakeElevenLabs;
  let px: FakePexels;
  before(async () => {
    el = await startFakeElevenLabs({});
    px = await startFakePexels({ videos: defaultCatalog() });
  });
  after(async () => {
    await el?.close();
    await px?.close();
  });

  it('speech and footage are not fetched again after the worker died', async () => {
    const env = {
      ELEVENLABS_API_KEY: FAKE_ELEVENLABS_KEY,
      ELEVENLABS_BASE_URL: el.url,
      PEXELS_API_KEY: FAKE_PEXELS_KEY,
      PEXELS_BASE_URL: px.url,
      LEASE_SECONDS: '2',
      // One chunk process at a time keeps the render going long enough to be caught in it.
      RENDER_CPUS: '1',
      // The point is what is fetched again, not the encoder: x264's fastest preset (a 1080p render still takes seconds).
      RENDER_PRESET: 'ultrafast',
    };
    const first = await startService(env);
    let id = '';
    try {
      const r = await postJson(`${first.url}/v1/videos`, {
        script_text: 'The harbour wakes before dawn. Boats leave one by one. Gulls follow them out to sea. The town sleeps on.',
        search_query: 'harbour boats',
        resolution: '1080p',
        footage: 'topic',
        // Still pieces: the Ken Burns move costs render CPU and is not what this test is about.
        motion: 'none',
      });
      assert.equal(r.status, 202, JSON.stringify(r.body));
      id = r.body.task_id;
      // Wait for the render stage: the plan is stored before it starts.
      await waitFor(async () => {
        const v = await getJson(`${first.url}/task/${id}`);
        assert.ok(['queued', 'processing'].includes(v.body.status), JSON.stringify(v.body));
        return v.body.stage === 'render';
      }, 'the render stage');
    } finally {
      await first.kill();
    }
    const spoken = el.spoken.length;
    const searches = px.requests.length;
    const downloads = px.fileRequests().length;
    assert.equal(spoken, 1);
    assert.ok(existsSync(join(first.dataDir, 'blobs', 'work', id, 'plan.json')), 'the plan was stored');

    const second = await startService(env, { dataDir: first.dataDir });
    try {
      const { final } = await pollUntilFinal(`${second.url}/task/${id}`);
      assert.equal(final.status, 'completed', JSON.stringify(final));
      assert.equal(el.spoken.length, spoken, 'ElevenLabs was not asked again');
      assert.equal(px.requests.length, searches, 'Pexels was not searched again');
      assert.equal(px.fileRequests().length, downloads, 'no clip was downloaded again');
      assert.ok(final.result.credits.length > 0, 'the same Pexels footage is credited');
      await waitFor(() => !existsSync(join(second.dataDir, 'blobs', 'work', id)), 'the plan to be dropped once the task completed');
      await waitFor(() => readdirSync(join(second.dataDir, 'scratch')).length === 0, 'the task dir to be removed');
    } finally {
      await second.stop();
    }
  });

  it('a clip URL that fails two attempts after the voice was made: one synthesis in all, the narration kept for the retries', async () => {
    const clip = await makeVideo(join(tempDir('retry-clip-'), 'clip.mp4'), { width: 320, height: 180, durationS: 6 });
    // Each attempt asks for the clip three times (a first try and two retries) before it gives up.
    const failures = 6;
    let asked = 0;
    const server = createServer((_req, res) => {
      asked++;
      if (asked <= failures) return void res.writeHead(503, { 'retry-after': '0' }).end();
      res.writeHead(200, { 'content-type': 'video/mp4' });
      createReadStream(clip).pipe(res);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const svc = await startService({ ELEVENLABS_API_KEY: FAKE_ELEVENLABS_KEY, ELEVENLABS_BASE_URL: el.url, MAX_ATTEMPTS: '5', RENDER_PRESET: 'ultrafast' });
    try {
      const spoken = el.spoken.length;
      const r = await postJson(`${svc.url}/v1/videos`, {
        script_text: 'The clip host is failing today. The voice is made only once.',
        clip_urls: [`http://127.0.0.1:${(server.address() as AddressInfo).port}/clip.mp4`],
        // The smallest frame the API makes, still and without captions: the attempts are the point, not the picture.
        resolution: '720p',
        aspect_ratio: '1:1',
        motion: 'none',
        captions: false,
      });
      assert.equal(r.status, 202, JSON.stringify(r.body));
      const { final } = await pollUntilFinal(`${svc.url}/task/${r.body.task_id}`);
      assert.equal(final.status, 'completed', JSON.stringify(final));
      assert.equal(asked, failures + 1, 'two attempts failed on the clip before the third fetched it');
      assert.equal(svc.logs.filter((l) => l.includes('attempt failed, will retry')).length, 2, 'two attempts failed');
      assert.equal(el.spoken.length - spoken, 1, 'ElevenLabs was asked once');
      assert.equal(svc.logs.filter((l) => l.includes('using the narration an earlier attempt made')).length, 2, 'both retries used the kept narration');
      assert.equal(final.result.outputs.length, 1);
      await waitFor(() => !existsSync(join(svc.dataDir, 'blobs', 'work', r.body.task_id)), 'the plan and the narration to be dropped once the task completed');
    } finally {
      server.close();
      await svc.stop();
    }
  });
});
