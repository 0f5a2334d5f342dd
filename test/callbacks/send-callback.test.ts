import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { sendCallback } from '../../functions/callbacks/send-callback.ts';
import type { TaskView } from '../../functions/domain/task.ts';
import { createLogger } from '../../functions/log.ts';

const log = createLogger('fatal');
const view = { task_id: 't1', status: 'completed' } as TaskView;

async function receiver(statuses: number[]) {
  const got: { headers: IncomingHttpHeaders; body: string }[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      got.push({ headers: req.headers, body });
      res.writeHead(statuses[got.length - 1] ?? 200).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, got, close: () => server.close() };
}

describe('callbacks', () => {
  it('signs the body so the receiver can verify it (t=…,v1=HMAC of "t.body")', async () => {
    const r = await receiver([200]);
    assert.equal(await sendCallback(r.url, view, { secret: 's3cret-s3cret-s3cret', allowPrivate: true, log }), true);
    const { headers, body } = r.got[0]!;
    const [, t, v1] = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(String(headers['x-reelsmith-signature']))!;
    assert.equal(createHmac('sha256', 's3cret-s3cret-s3cret').update(`${t}.${body}`).digest('hex'), v1);
    assert.ok(Math.abs(Number(t) - Date.now() / 1000) < 5);
    assert.equal(headers['x-reelsmith-event'], 'task.completed');
    assert.deepEqual(JSON.parse(body), view);
    r.close();
  });

  it('retries 5xx and 429 with backoff until a 2xx', async () => {
    const r = await receiver([500, 429, 204]);
    assert.equal(await sendCallback(r.url, view, { secret: 'x'.repeat(16), allowPrivate: true, log, baseDelayMs: 5 }), true);
    assert.equal(r.got.length, 3);
    r.close();
  });

  it('gives up at once on a 4xx, and after the last attempt otherwise', async () => {
    const gone = await receiver([410]);
    assert.equal(await sendCallback(gone.url, view, { secret: 'x'.repeat(16), allowPrivate: true, log, baseDelayMs: 5 }), false);
    assert.equal(gone.got.length, 1);
    gone.close();
    const down = await receiver([503, 503, 503]);
    assert.equal(await sendCallback(down.url, view, { secret: 'x'.repeat(16), allowPrivate: true, log, baseDelayMs: 5, attempts: 3 }), false);
    assert.equal(down.got.length, 3);
    down.close();
  });

  it('reads only the status: a receiver that answers 200 with an endless body is cut off, not read', async () => {
    let written = 0;
    let closed!: () => void;
    const cut = new Promise<void>((r) => (closed = r));
    const chunk = Buffer.alloc(64 * 1024, 120);
    const server = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        res.writeHead(200, { 'content-type': 'application/octet-stream' });
        const pump = () => {
          while (!res.destroyed) {
            written += chunk.length;
            if (!res.write(chunk)) return;
          }
        };
        res.on('drain', pump);
        res.on('close', closed);
        pump();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
    // No timeout to fall back on: reading the body would never end.
    assert.equal(await sendCallback(url, view, { secret: 'x'.repeat(32), allowPrivate: true, log, attempts: 1, timeoutMs: 3_600_000 }), true);
    await cut;
    assert.ok(written < 64 * 1024 * 1024, `the receiver got to write ${written} bytes`);
    server.closeAllConnections();
    server.close();
  });

  it('never calls a private address unless development allows it', async () => {
    const r = await receiver([200]);
    assert.equal(await sendCallback(r.url, view, { secret: 'x'.repeat(16), allowPrivate: false, log, baseDelayMs: 5 }), false);
    assert.equal(await sendCallback(r.url.replace('127.0.0.1', 'localhost'), view, { secret: 'x'.repeat(16), allowPrivate: false, log, baseDelayMs: 5 }), false);
    assert.equal(r.got.length, 0);
    r.close();
  });
});
