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
      const deadline = Date.now() + 60_000;
      let ffmpeg: string[] = [];
      for (;;) {
        const v = (await getJson(`${svc.url}/task/${id}`)).body;
        ffmpeg = processesMentioning(`reelsmith-task-${id}`).filter((p) => p.includes('ffmpeg'));
        if (v.stage === 'render' && ffmpeg.length) break;
        assert.notEqual(v.status, 'completed', 'finished before it could be cancelled');
        assert.ok(Date.now() < deadline, 'never reached the render');
        await new Promise((res) => setTimeout(res, 30));
      }
      const del = await fetch(`${svc.url}/v1/videos/${id}`, { method: 'DELETE' });
      assert.equal(del.status, 200);
      assert.equal(((await del.json()) as { status: string }).status, 'cancelled');

      const gone = Date.now() + 5_000;
      while (processesMentioning(`reelsmith-task-${id}`).length && Date.now() < gone) await new Promise((res) => setTimeout(res, 50));
      assert.deepEqual(processesMentioning(`reelsmith-task-${id}`), [], 'ffmpeg was killed');
      while (readdirSync(join(svc.dataDir, 'scratch')).length && Date.now() < gone) await new Promise((res) => setTimeout(res, 50));
      assert.deepEqual(readdirSync(join(svc.dataDir, 'scratch')), [], 'scratch dir removed');

      const view = (await getJson(`${svc.url}/task/${id}`)).body;
      assert.equal(view.status, 'cancelled');
      assert.equal(view.result, null);
      assert.equal(existsSync(join(svc.dataDir, 'blobs', 'videos', id)), false, 'nothing was published');
      while (received.length === 0 && Date.now() < gone) await new Promise((res) => setTimeout(res, 50));
      await new Promise((res) => setTimeout(res, 300));
      assert.deepEqual(received.map((c) => c.status), ['cancelled']);
    } finally {
      await svc.stop();
      hook.close();
    }
  });
});
