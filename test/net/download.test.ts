import assert from 'node:assert/strict';
import { readdir, readFile, rm, symlink } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { downloadToFile, type DownloadOptions } from '../../functions/net/download.ts';
import { TaskError } from '../../functions/errors.ts';
import { ByteBudget } from '../../functions/lib/byte-budget.ts';
import { Semaphore } from '../../functions/lib/semaphore.ts';
import { assertPublicUrl } from '../../functions/net/url-guard.ts';
import { USER_AGENT } from '../../functions/net/user-agent.ts';
import { tempDir } from '../support/temp-dir.ts';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

async function serve(handler: Handler): Promise<{ base: string; server: Server }> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

const fast = { baseDelayMs: 5, maxDelayMs: 20 };

function opts(over: Partial<DownloadOptions> = {}): DownloadOptions {
  return {
    field: 'clip_urls[0]',
    maxBytes: 1024 * 1024,
    timeoutMs: 5_000,
    retries: 3,
    signal: new AbortController().signal,
    allowPrivate: true,
    retryPolicy: fast,
    ...over,
  };
}

async function rejectsWith(p: Promise<unknown>, code: string, retryable: boolean): Promise<TaskError> {
  const err = await p.then(
    () => assert.fail('expected a rejection'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof TaskError, `expected TaskError, got ${String(err)}`);
  assert.equal(err.code, code, err.message);
  assert.equal(err.retryable, retryable);
  assert.match(err.message, /^clip_urls\[0\]: /);
  return err;
}

describe('downloadToFile', () => {
  let dir: string;
  let base: string;
  let server: Server;
  const hits = new Map<string, number>();
  const big = Buffer.alloc(300_000, 7);
  const held = { now: 0, max: 0 };

  before(async () => {
    dir = tempDir('dl-test-');
    ({ base, server } = await serve((req, res) => {
      const path = req.url ?? '/';
      const n = (hits.get(path) ?? 0) + 1;
      hits.set(path, n);
      switch (path) {
        case '/ok':
          res.writeHead(200, { 'content-type': 'video/mp4' });
          return res.end(big);
        case '/flaky': // 503 twice, then the file
          if (n <= 2) return res.writeHead(503, { 'retry-after': '0' }).end('busy');
          res.writeHead(200, { 'content-type': 'video/mp4' });
          return res.end(big);
        case '/always-500':
          return res.writeHead(500).end();
        case '/missing':
          return res.writeHead(404).end('nope');
        case '/picky': // a CDN that refuses library default agents, as Pexels' file host does
          if (/^(node|undici)/i.test(req.headers['user-agent'] ?? 'node')) return res.writeHead(403).end('denied');
          res.writeHead(200, { 'content-type': 'video/mp4' });
          return res.end(req.headers['user-agent']);
        case '/forbidden':
          return res.writeHead(403).end('denied');
        case '/declared-big':
          res.writeHead(200, { 'content-length': String(big.length) });
          return res.end(big);
        case '/chunked-big': // no Content-Length: the cap must trip while streaming
          res.writeHead(200, { 'content-type': 'video/mp4' });
          res.write(big.subarray(0, 100_000));
          setTimeout(() => res.end(big.subarray(100_000)), 20);
          return;
        case '/slow': // headers, a little body, then silence
          res.writeHead(200);
          res.write('abc');
          return;
        case '/cut': // dies mid-body every time
          res.writeHead(200, { 'content-length': String(big.length) });
          res.write(big.subarray(0, 1000));
          setTimeout(() => res.destroy(), 10);
          return;
        case '/held': // one at a time, counted
          held.now++;
          held.max = Math.max(held.max, held.now);
          res.writeHead(200);
          res.write(big.subarray(0, 1000));
          setImmediate(() => {
            held.now--;
            res.end(big.subarray(1000, 2000));
          });
          return;
        case '/redirect':
          return res.writeHead(302, { location: '/ok' }).end();
        case '/redirect-private':
          return res.writeHead(302, { location: 'http://169.254.169.254/computeMetadata/v1/' }).end();
        case '/loop':
          return res.writeHead(302, { location: '/loop' }).end();
        default:
          return res.writeHead(400).end();
      }
    }));
  });

  after(async () => {
    server.closeAllConnections();
    server.close();
    await rm(dir, { recursive: true, force: true });
  });

  const noLeftovers = async (name: string) => {
    const names = await readdir(dir);
    assert.ok(!names.some((n) => n.startsWith(name)), `left behind: ${names.join(', ')}`);
  };

  test('streams a file to disk and reports size and type', async () => {
    const dest = join(dir, 'ok.mp4');
    const r = await downloadToFile(`${base}/ok`, dest, opts());
    assert.deepEqual(r, { sizeBytes: big.length, contentType: 'video/mp4' });
    assert.ok((await readFile(dest)).equals(big));
    await noLeftovers('ok.mp4.part');
  });

  test('follows a redirect', async () => {
    const dest = join(dir, 'redir.mp4');
    const r = await downloadToFile(`${base}/redirect`, dest, opts());
    assert.equal(r.sizeBytes, big.length);
  });

  test('retries 5xx with Retry-After, then succeeds', async () => {
    const dest = join(dir, 'flaky.mp4');
    const r = await downloadToFile(`${base}/flaky`, dest, opts());
    assert.equal(r.sizeBytes, big.length);
    assert.equal(hits.get('/flaky'), 3);
  });

  test('gives up after the retries on persistent 5xx, as a transient error', async () => {
    await rejectsWith(downloadToFile(`${base}/always-500`, join(dir, 'a500'), opts({ retries: 2 })), 'download_unavailable', true);
    assert.equal(hits.get('/always-500'), 3);
    await noLeftovers('a500');
  });

  test('404 is permanent and not retried', async () => {
    const err = await rejectsWith(downloadToFile(`${base}/missing`, join(dir, 'm'), opts()), 'download_rejected', false);
    assert.match(err.message, /404/);
    assert.equal(hits.get('/missing'), 1);
    await noLeftovers('m');
  });

  test('sends the descriptive User-Agent, which a picky CDN accepts', async () => {
    const dest = join(dir, 'picky.mp4');
    await downloadToFile(`${base}/picky`, dest, opts());
    assert.equal(await readFile(dest, 'utf8'), USER_AGENT);
  });

  test('403 says which host refused which file, not a guess at the cause', async () => {
    const err = await rejectsWith(downloadToFile(`${base}/forbidden`, join(dir, 'f'), opts()), 'download_rejected', false);
    assert.match(err.message, /^clip_urls\[0\]: 127\.0\.0\.1:\d+ answered 403 Forbidden: it refused to send \/forbidden;/);
    assert.doesNotMatch(err.message, /login|public/);
    assert.equal(hits.get('/forbidden'), 1);
  });

  test('refuses up front when Content-Length exceeds the cap', async () => {
    await rejectsWith(downloadToFile(`${base}/declared-big`, join(dir, 'db'), opts({ maxBytes: 1000 })), 'download_too_large', false);
    await noLeftovers('db');
  });

  test('aborts mid-stream when the body exceeds the cap and removes the partial file', async () => {
    await rejectsWith(downloadToFile(`${base}/chunked-big`, join(dir, 'cb'), opts({ maxBytes: 150_000 })), 'download_too_large', false);
    await noLeftovers('cb');
  });

  test('times out a stalled body, retries, and removes the partial file', async () => {
    await rejectsWith(downloadToFile(`${base}/slow`, join(dir, 'slow'), opts({ timeoutMs: 150, retries: 1 })), 'download_timeout', true);
    assert.equal(hits.get('/slow'), 2);
    await noLeftovers('slow');
  });

  test('a connection cut mid-body is a transient failure with no file left', async () => {
    await rejectsWith(downloadToFile(`${base}/cut`, join(dir, 'cut'), opts({ retries: 1 })), 'download_failed', true);
    assert.equal(hits.get('/cut'), 2);
    await noLeftovers('cut');
  });

  test('the guard refuses a loopback URL when private addresses are not allowed', async () => {
    const before = hits.get('/ok') ?? 0;
    await rejectsWith(downloadToFile(`${base}/ok`, join(dir, 'guard'), opts({ allowPrivate: false })), 'forbidden_url', false);
    assert.equal(hits.get('/ok') ?? 0, before, 'the request must not be sent');
  });

  test('every redirect hop is checked: a hop to the metadata address is refused', async () => {
    // Offline there is no public name to start from, so the loopback test server is treated as
    // public and every other hop goes through the real guard with private addresses refused.
    const hops: string[] = [];
    const guard: typeof assertPublicUrl = async (url, field) => {
      hops.push(url);
      if (url.startsWith(base)) return new URL(url);
      return assertPublicUrl(url, field, false);
    };
    const err = await rejectsWith(
      downloadToFile(`${base}/redirect-private`, join(dir, 'meta'), opts({ allowPrivate: false, guard })),
      'forbidden_url',
      false,
    );
    assert.match(err.message, /169\.254\.169\.254/);
    assert.deepEqual(hops, [`${base}/redirect-private`, 'http://169.254.169.254/computeMetadata/v1/']);
    assert.equal(hits.get('/redirect-private'), 1, 'a permanent refusal is not retried');
    await noLeftovers('meta');
  });

  test('a name that takes long to resolve counts against the attempt’s deadline, and the attempt is tried again', async () => {
    let lookups = 0;
    const guard: typeof assertPublicUrl = (_url, _field, _allow, _ports, o) => {
      lookups++;
      const signal = o?.signal;
      if (!signal) return Promise.reject(new Error('the lookup was given no deadline'));
      return new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason), { once: true }));
    };
    const err = await rejectsWith(
      downloadToFile(`${base}/ok`, join(dir, 'slow-dns'), opts({ allowPrivate: false, guard, timeoutMs: 100, retries: 1 })),
      'download_timeout',
      true,
    );
    assert.match(err.message, /^clip_urls\[0\]: the download took longer than/);
    assert.equal(lookups, 2, 'each attempt looked the name up once, within its own deadline');
    await noLeftovers('slow-dns');
  });

  test('a name that passed the check but connects to a private address is refused at connect time', async () => {
    // DNS rebinding: the first look-up said "public" (the stand-in guard), the connection's own
    // look-up says 127.0.0.1. The guarded dispatcher refuses it, and nothing is sent.
    const before = hits.get('/ok') ?? 0;
    const rebound = `${base.replace('127.0.0.1', 'localhost')}/ok`;
    const err = await rejectsWith(
      downloadToFile(rebound, join(dir, 'rebind'), opts({ allowPrivate: false, guard: async (url) => new URL(url) })),
      'forbidden_url',
      false,
    );
    assert.match(err.message, /clip_urls\[0\]: localhost does not resolve to a public address/);
    assert.doesNotMatch(err.message, /127\.0\.0\.1|::1/, 'the refusal does not say what the name resolved to');
    assert.equal(hits.get('/ok') ?? 0, before, 'the request must not be sent');
    await noLeftovers('rebind');
  });

  test('stops after too many redirects', async () => {
    await rejectsWith(downloadToFile(`${base}/loop`, join(dir, 'loop'), opts()), 'download_failed', false);
  });

  test('cancellation rejects with the signal reason and leaves nothing', async () => {
    const ac = new AbortController();
    const p = downloadToFile(`${base}/slow`, join(dir, 'cancel'), opts({ signal: ac.signal, timeoutMs: 10_000 }));
    setTimeout(() => ac.abort(new Error('cancelled by test')), 50);
    await assert.rejects(p, /cancelled by test/);
    await noLeftovers('cancel');
  });

  test('a task’s downloads share its scratch budget; a failed or refused one gives its bytes back', async () => {
    const budget = new ByteBudget(500_000);
    const limits = { budget, slots: new Semaphore(4) };
    assert.equal((await downloadToFile(`${base}/ok`, join(dir, 'b1'), opts({ limits }))).sizeBytes, big.length);
    assert.equal(budget.used, big.length);
    // Declared up front: refused before a byte is written.
    const err = await rejectsWith(downloadToFile(`${base}/declared-big`, join(dir, 'b2'), opts({ limits })), 'download_too_large', false);
    assert.match(err.message, /the task's downloads may hold 488 KB in all and 195 KB is left/);
    // Streamed: refused when the bytes run out, and what it took is given back.
    await rejectsWith(downloadToFile(`${base}/chunked-big`, join(dir, 'b3'), opts({ limits })), 'download_too_large', false);
    assert.equal(budget.used, big.length);
    await noLeftovers('b2');
    await noLeftovers('b3');
  });

  test('the process-wide slots bound downloads in flight', async () => {
    held.max = 0;
    const limits = { budget: new ByteBudget(1e9), slots: new Semaphore(1) };
    await Promise.all([1, 2, 3].map((i) => downloadToFile(`${base}/held`, join(dir, `held${i}`), opts({ limits }))));
    assert.equal(held.max, 1);
    assert.equal(limits.slots.free, 1, 'every slot released');
  });

  test('a full scratch volume (ENOSPC) is transient: the task is retried, not failed for good', async () => {
    // The part file points at /dev/full, where every write fails with ENOSPC.
    await symlink('/dev/full', join(dir, 'full.part'));
    const budget = new ByteBudget(1e9);
    const err = await rejectsWith(downloadToFile(`${base}/ok`, join(dir, 'full'), opts({ retries: 0, limits: { budget, slots: new Semaphore(1) } })), 'download_failed', true);
    assert.match(err.message, /ran out of scratch space/);
    assert.equal(budget.used, 0);
    await noLeftovers('full');
  });
});
