// Cancel a task while ffmpeg renders it: the process is killed, the scratch dir removed, the
// task ends `cancelled` and the callback says so, once.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { getJson, postJson } from '../support/http.ts';
import { startService } from '../support/service.ts';
import { waitFor } from '../support/wait.ts';

/** Command lines of live processes that mention `needle`. */
function processesMentioning(needle: string): string[] {
  const found: string[] = [];
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
      if (cmd.includes(needle)) found.push(`${pid}: ${cmd.slice(0, 120)}`);
    } catch {
      // the process ended while we looked
    }
  }
  return found;
}

describe('cancel', () => {
  it('DELETE during the render kills ffmpeg and cleans up', async () => {
    const received: { status: string }[] = [];
    const hook = createServer((req, res) => {
      let b = '';
      req.on('data', (c) => (b += c));
      req.on('end', () => {
        received.push(JSON.parse(b));
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
    const svc = await startService({ CALLBACK_SECRET: 'cancel-secret-000000000000000000000000' });
    try {
      const long = Array.from({ length: 12 }, (_, i) => `Sentence number ${i + 1} keeps the renderer busy for a while.`).join(' ');
      const r = await postJson(`${svc.url}/v1/videos`, {
        script_text: long,
        callback_url: `http://127.0.0.1:${(hook.address() as AddressInfo).port}/`,
      });
      assert.equal(r.status, 202);
      const id = r.body.task_id;
      let ffmpeg: string[] = [];
      await waitFor(async () => {
        const v = (await getJson(`${svc.url}/task/${id}`)).body;
        ffmpeg = processesMentioning(`reelsmith-task-${id}`).filter((p) => p.includes('ffmpeg'));
        assert.notEqual(v.status, 'completed', 'finished before it could be cancelled');
        return v.stage === 'render' && ffmpeg.length > 0;
      }, 'the render to start');
      const del = await fetch(`${svc.url}/v1/videos/${id}`, { method: 'DELETE' });
      assert.equal(del.status, 200);
      assert.equal(((await del.json()) as { status: string }).status, 'cancelled');

      await waitFor(() => processesMentioning(`reelsmith-task-${id}`).length === 0, 'ffmpeg to be killed');
      await waitFor(() => readdirSync(join(svc.dataDir, 'scratch')).length === 0, 'the scratch dir to be removed');

      const view = (await getJson(`${svc.url}/task/${id}`)).body;
      assert.equal(view.status, 'cancelled');
      assert.equal(view.result, null);
      assert.equal(existsSync(join(svc.dataDir, 'blobs', 'videos', id)), false, 'nothing was published');
      await waitFor(() => received.length > 0, 'the cancelled callback');
      await new Promise((res) => setTimeout(res, 300));
      assert.deepEqual(received.map((c) => c.status), ['cancelled']);
    } finally {
      await svc.stop();
      hook.close();
    }
  });
});
