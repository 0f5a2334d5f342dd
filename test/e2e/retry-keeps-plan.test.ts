// A task whose worker dies mid-render is rendered again from the plan the first attempt stored:
// ElevenLabs is not paid twice, Pexels is neither searched nor downloaded from again, and the plan
// is gone once the task has completed.
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { defaultCatalog, FAKE_ELEVENLABS_KEY, FAKE_PEXELS_KEY, startFakeElevenLabs, startFakePexels, type FakeElevenLabs, type FakePexels } from '../fakes/index.ts';
import { getJson, pollUntilFinal, postJson } from '../support/http.ts';
import { startService } from '../support/service.ts';
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
    };
    const first = await startService(env);
    let id = '';
    try {
      const r = await postJson(`${first.url}/v1/videos`, {
        script_text: 'The harbour wakes before dawn. Boats leave one by one. Gulls follow them out to sea. The town sleeps on.',
        search_query: 'harbour boats',
        resolution: '1080p',
        footage: 'topic',
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
      const { final } = await pollUntilFinal(`${second.url}/task/${id}`, { timeoutMs: 240_000 });
      assert.equal(final.status, 'completed', JSON.stringify(final));
      assert.equal(el.spoken.length, spoken, 'ElevenLabs was not asked again');
      assert.equal(px.requests.length, searches, 'Pexels was not searched again');
      assert.equal(px.fileRequests().length, downloads, 'no clip was downloaded again');
      assert.ok(final.result.credits.length > 0, 'the same Pexels footage is credited');
      await waitFor(() => !existsSync(join(second.dataDir, 'blobs', 'work', id)), 'the plan to be dropped once the task completed');
      assert.deepEqual(readdirSync(join(second.dataDir, 'scratch')), []);
    } finally {
      await second.stop();
    }
  });
});
