// Kill the process with tasks queued and running, start it again on the same DATA_DIR: every
// task completes, none is lost, and no scratch dir survives.
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { getJson, pollUntilFinal, postJson } from '../support/http.ts';
import { startService } from '../support/service.ts';
import { waitFor } from '../support/wait.ts';

describe('restart', () => {
  it('loses no task when the process is killed mid-render', async () => {
    // One task at a time and a short lease, so that one task is running and others wait; x264's
    // fastest preset and the smallest frame, since no picture is looked at.
    const env = { MAX_CONCURRENT_TASKS: '1', LEASE_SECONDS: '3', RENDER_PRESET: 'ultrafast' };
    const first = await startService(env);
    const ids: string[] = [];
    try {
      for (let i = 0; i < 3; i++) {
        const r = await postJson(`${first.url}/generate-video`, {
          script_text: `Task number ${i + 1} is about the sea. It survives a crash.`,
          resolution: '720p',
          aspect_ratio: '1:1',
          // Still, with no key term behind the captions (a move is ~40% of a render's CPU).
          motion: 'none',
          background_text: false,
          captions: { style: 'line' },
        });
        assert.equal(r.status, 202, JSON.stringify(r.body));
        ids.push(r.body.task_id);
      }
      // Wait until the first task is really running, then pull the plug.
      await waitFor(async () => {
        const v = await getJson(`${first.url}/task/${ids[0]}`);
        return v.body.status === 'processing' && v.body.progress > 0;
      }, 'the first task to start');
      const statuses = await Promise.all(ids.map(async (id) => (await getJson(`${first.url}/task/${id}`)).body.status));
      assert.equal(statuses[0], 'processing');
      assert.deepEqual(statuses.slice(1), ['queued', 'queued']);
    } finally {
      await first.kill();
    }

    const second = await startService(env, { dataDir: first.dataDir });
    try {
      for (const id of ids) {
        const { final } = await pollUntilFinal(`${second.url}/task/${id}`);
        assert.equal(final.status, 'completed', JSON.stringify(final));
      }
      const first0 = (await getJson(`${second.url}/task/${ids[0]}`)).body;
      assert.equal(first0.progress, 100);
      // The outcome is recorded before the delivery ends and removes its dir: wait for that.
      await waitFor(() => readdirSync(join(second.dataDir, 'scratch')).length === 0, 'every task dir to be removed');
    } finally {
      await second.stop();
    }
  });
});
