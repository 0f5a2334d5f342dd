// An attempt that loses its task while it still works (its lease ran out and another delivery
// finished the task) must not leave files behind: it may save the plan, or upload its video,
// after the winner has tidied up. The chaos run found such a plan.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../../functions/config.ts';
import { createLogger } from '../../functions/log.ts';
import { startServer, type RunningServer } from '../../functions/server.ts';
import { FAKE_ELEVENLABS_KEY, startFakeElevenLabs, type FakeElevenLabs } from '../fakes/index.ts';
import { postJson } from '../support/http.ts';
import { tempDir } from '../support/temp-dir.ts';
import { waitFor } from '../support/wait.ts';

describe('an attempt that lost its task', () => {
  let el: FakeElevenLabs;
  let svc: RunningServer;
  let dataDir: string;
  let release = () => {};
  before(async () => {
    el = await startFakeElevenLabs({ hold: new Promise<void>((r) => (release = r)) });
    dataDir = tempDir('reelsmith-losing-');
    const env = { PORT: '0', DATA_DIR: dataDir, LOG_LEVEL: 'error', LEASE_SECONDS: '2', ELEVENLABS_API_KEY: FAKE_ELEVENLABS_KEY, ELEVENLABS_BASE_URL: el.url };
    svc = await startServer(loadConfig(env), 'local', createLogger('fatal'));
  });
  after(async () => {
    release();
    await svc?.stop();
    await el?.close();
  });

  it('leaves neither its plan nor its upload once another delivery finished the task', async () => {
    const r = await postJson(`${svc.url}/v1/videos`, { script_text: 'The loser tidies up after itself.', resolution: '720p' });
    assert.equal(r.status, 202, JSON.stringify(r.body));
    const id: string = r.body.task_id;
    const { store } = svc.runtime;
    // The attempt waits for its voice: take the task from it and finish it elsewhere.
    await waitFor(() => el.requests.length > 0 && svc.runtime.running.size === 1, 'the attempt to ask for its voice');
    await store.update(id, (t) => ({ write: t && { ...t, lease_owner: 'other-delivery', attempt: t.attempt + 1 }, result: null }));
    const winner = {
      video_key: `videos/${id}/a2/video.mp4`,
      captions_vtt_key: null,
      captions_srt_key: null,
      thumbnail_key: null,
      duration_s: 2,
      width: 720,
      height: 1280,
      size_bytes: 1,
      credits: [],
    };
    assert.ok(await store.complete(id, 'other-delivery', winner, []));
    // Now the voice comes: the loser saves its plan and renders until it notices.
    release();
    await waitFor(() => svc.runtime.running.size === 0, 'the losing attempt to end');
    assert.equal(existsSync(join(dataDir, 'blobs', 'work', id)), false, 'the plan the loser saved after the task finished is gone');
    assert.equal(existsSync(join(dataDir, 'blobs', 'videos', id, 'a1')), false, 'nothing the loser uploaded is left');
    assert.equal((await store.get(id))?.output?.video_key, winner.video_key, 'the winner\'s outcome stands');
  });
});
