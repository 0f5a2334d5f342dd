// One callback attempt against a loopback receiver: what it sends, and what each answer means.
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { postCallback, type CallbackOptions } from '../../functions/delivery/send-callback.ts';
import type { TaskView } from '../../functions/domain/task-view.ts';

const view = { task_id: 't1', status: 'completed' } as TaskView;
const opts = (o: Partial<CallbackOptions> = {}): CallbackOptions => ({
  secret: 's3cret-s3cret-s3cret',
  allowPrivate: true,
  deliveryId: 't1.completed',
  event: 'task.completed',
  ...o,
});

async function receiver(status: number, headers: Record<string, string> = {}) {
  const got: { headers: IncomingHttpHeaders; body: string }[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      got.push({ headers: req.headers, body });
      res.writeHead(status, headers).end('a body nobody reads');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, got, close: () => server.close() };
}

describe('postCallback', () => {
  it('signs the body (t=…,v1=HMAC of "t.body") and names the event and its delivery id', async () => {
    const r = await receiver(200);
    const at = Date.parse('2030-01-01T00:00:00Z');
    assert.deepEqual(await postCallback(r.url, view, opts({ now: () => at })), { ok: true, status: 200, error: null, permanent: false });
    const { headers, body } = r.got[0]!;
    const [, t, v1] = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(String(headers['x-reelsmith-signature']))!;
    assert.equal(Number(t), at / 1000);
    assert.equal(createHmac('sha256', 's3cret-s3cret-s3cret').update(`${t}.${body}`).digest('hex'), v1);
    assert.equal(headers['x-reelsmith-event'], 'task.completed');
    assert.equal(headers['x-reelsmith-delivery-id'], 't1.completed');
    assert.deepEqual(JSON.parse(body), view);
    r.close();
  });

  it('5xx, 408 and 429 are worth another try; other 4xx and redirects are the receiver saying no', async () => {
    for (const [status, permanent] of [[500, false], [503, false], [408, false], [429, false], [400, true], [410, true], [301, true]] as const) {
      const r = await receiver(status, status === 301 ? { location: 'https://example.com/' } : {});
      const a = await postCallback(r.url, view, opts());
      assert.equal(a.ok, false);
      assert.equal(a.status, status);
      assert.equal(a.permanent, permanent, `status ${status}`);
      r.close();
    }
  });

  it('a name that takes long to resolve counts against the attempt’s own timeout: no answer, tried again', async () => {
    let lookups = 0;
    // A resolver that never answers: only the attempt's deadline can end the wait.
    const guard: CallbackOptions['guard'] = (_url, _field, _allow, _ports, o) => {
      lookups++;
      const signal = o?.signal;
      if (!signal) return Promise.reject(new Error('the lookup was given no deadline'));
      return new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason), { once: true }));
    };
    const attempt = await postCallback('http://slow-dns.example/hook', view, opts({ allowPrivate: false, timeoutMs: 100, guard }));
    assert.equal(lookups, 1);
    assert.equal(attempt.ok, false);
    assert.equal(attempt.status, null);
    assert.equal(attempt.permanent, false);
    assert.match(attempt.error!, /^no answer: /);
  });

  it('no answer at all is worth another try', async () => {
    const a = await postCallback('http://127.0.0.1:1/hook', view, opts());
    assert.equal(a.ok, false);
    assert.equal(a.status, null);
    assert.equal(a.permanent, false);
  });

  it('never calls a private address unless development allows it, and says so for good', async () => {
    const r = await receiver(200);
    for (const url of [r.url, r.url.replace('127.0.0.1', 'localhost')]) {
      const a = await postCallback(url, view, opts({ allowPrivate: false }));
      assert.equal(a.ok, false);
      assert.equal(a.permanent, true);
    }
    assert.equal(r.got.length, 0);
    r.close();
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
    assert.equal((await postCallback(url, view, opts({ timeoutMs: 3_600_000 }))).ok, true);
    await cut;
    assert.ok(written < 64 * 1024 * 1024, `the receiver got to write ${written} bytes`);
    server.closeAllConnections();
    server.close();
  });

  it('refuses a port other than 80 and 443 unless it is configured, and never sends', async () => {
    const r = await receiver(200);
    const port = Number(new URL(r.url).port);
    // The loopback receiver stands for a public host here: only the port is in question.
    const refused = await postCallback(r.url.replace('127.0.0.1', '8.8.8.8'), view, opts({ allowPrivate: false }));
    assert.equal(refused.ok, false);
    assert.equal(refused.permanent, true);
    assert.match(refused.error ?? '', new RegExp(`callback_url: port ${port} is not allowed; use a URL on port 80 or 443`));
    assert.equal(r.got.length, 0);
    r.close();
  });
});
