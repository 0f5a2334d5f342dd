// The local dispatcher against a loopback worker: Cloud Tasks semantics.
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { createLogger } from '../../functions/log.ts';
import { LocalDispatcher } from '../../functions/platform/local-dispatcher.ts';

async function worker(handler: (req: IncomingMessage, res: ServerResponse) => void) {
  const server = createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => server.close() };
}

const log = createLogger('fatal');

describe('local dispatcher', () => {
  it('POSTs to /tasks/{id}/run with the Cloud Tasks headers', async () => {
    const seen: IncomingMessage[] = [];
    const w = await worker((req, res) => {
      seen.push(req);
      res.writeHead(204).end();
    });
    const d = new LocalDispatcher({ workerUrl: () => w.url, maxConcurrent: 2, log, headers: { 'x-token': 't' } });
    await d.enqueue('abc');
    await d.idle();
    assert.equal(seen.length, 1);
    assert.equal(seen[0]!.method, 'POST');
    assert.equal(seen[0]!.url, '/tasks/abc/run');
    assert.equal(seen[0]!.headers['x-cloudtasks-taskname'], 'abc');
    assert.equal(seen[0]!.headers['x-cloudtasks-taskretrycount'], '0');
    assert.equal(seen[0]!.headers['x-token'], 't');
    await d.close();
    w.close();
  });

  it('retries 5xx with backoff, honouring Retry-After, until a 2xx', async () => {
    const times: number[] = [];
    const w = await worker((_req, res) => {
      times.push(Date.now());
      if (times.length === 1) res.writeHead(503, { 'retry-after': '1' }).end();
      else if (times.length === 2) res.writeHead(500).end();
      else res.writeHead(200).end();
    });
    const d = new LocalDispatcher({ workerUrl: () => w.url, maxConcurrent: 1, minBackoffMs: 50, log });
    await d.enqueue('t');
    await d.idle();
    assert.equal(times.length, 3);
    assert.ok(times[1]! - times[0]! >= 950, 'waited for Retry-After');
    await d.close();
    w.close();
  });

  it('never runs more than maxConcurrent at once, and de-duplicates waiting ids', async () => {
    let running = 0;
    let peak = 0;
    const served: string[] = [];
    const w = await worker((req, res) => {
      running++;
      peak = Math.max(peak, running);
      served.push(req.url!);
      setTimeout(() => {
        running--;
        res.writeHead(200).end();
      }, 80);
    });
    const d = new LocalDispatcher({ workerUrl: () => w.url, maxConcurrent: 2, log });
    for (const id of ['a', 'b', 'c', 'd', 'e', 'a', 'b']) await d.enqueue(id);
    await d.idle();
    assert.equal(peak, 2);
    assert.equal(served.length, 5);
    await d.close();
    w.close();
  });

  it('keeps retrying while the worker is down, and delivers once it is up', async () => {
    let delivered = 0;
    const w = await worker((_req, res) => {
      delivered++;
      res.writeHead(200).end();
    });
    let target = 'http://127.0.0.1:1';
    const d = new LocalDispatcher({ workerUrl: () => target, maxConcurrent: 1, minBackoffMs: 20, maxBackoffMs: 40, log });
    await d.enqueue('x');
    await new Promise((r) => setTimeout(r, 150));
    assert.equal(delivered, 0);
    target = w.url;
    await d.idle();
    assert.equal(delivered, 1);
    await d.close();
    await assert.rejects(d.enqueue('y'), /closed/);
    w.close();
  });
});
