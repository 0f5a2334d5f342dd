// Hostile requests at the HTTP level (issue 12): each gets its documented status and error code
// in the JSON error shape, never a reset connection or a 500; slow uploads are cut by the
// request timeout, while a worker delivery that takes longer than it is not.
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { createServer } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { invalidUtf8At } from '../../functions/api/body.ts';
import { loadConfig } from '../../functions/config.ts';
import { createLogger } from '../../functions/log.ts';
import { startServer, type RunningServer } from '../../functions/server.ts';
import { getJson, postJson } from '../support/http.ts';
import { tempDir } from '../support/temp-dir.ts';

const quiet = createLogger('fatal');
const FIVE_MB = Buffer.alloc(5 * 1024 * 1024, 'a');

interface RawAnswer {
  head: string;
  status: number;
  body: string;
}

/** Send bytes on a fresh connection and collect everything until the server closes it. */
function raw(url: string, ...parts: (string | Buffer)[]): Promise<RawAnswer> {
  const { port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), '127.0.0.1', () => {
      for (const p of parts) socket.write(p);
    });
    const chunks: Buffer[] = [];
    socket.on('data', (c) => chunks.push(c));
    socket.on('error', reject);
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const [head = '', body = ''] = text.split('\r\n\r\n');
      resolve({ head, status: Number(/^HTTP\/1\.1 (\d+)/.exec(head)?.[1] ?? 0), body });
    });
  });
}

/** A chunked upload through node:http (no Content-Length). */
function postChunked(url: string, body: Buffer): Promise<{ status: number; json: any }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, json: JSON.parse(text) }));
    });
    req.on('error', reject);
    for (let i = 0; i < body.length; i += 64 * 1024) req.write(body.subarray(i, i + 64 * 1024));
    req.end();
  });
}

function assertError(body: any, code: string): void {
  assert.equal(body?.error?.code, code, JSON.stringify(body));
  assert.ok(body.error.message.length > 10, 'a message that says what to fix');
}

describe('HTTP limits and hostile requests', () => {
  let svc: RunningServer;
  before(async () => {
    const cfg = loadConfig({ PORT: '0', DATA_DIR: tempDir('reelsmith-limits-'), WORKER_URL: 'http://127.0.0.1:1', LOG_LEVEL: 'error' });
    svc = await startServer(cfg, 'api', quiet);
  });
  after(() => svc?.stop());

  it('a 5 MB body with Content-Length gets 413 payload_too_large, and the connection stays usable', async () => {
    const res = await fetch(`${svc.url}/v1/videos`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: FIVE_MB });
    assert.equal(res.status, 413);
    assert.equal(res.headers.get('content-type'), 'application/json; charset=utf-8');
    assertError(await res.json(), 'payload_too_large');
    // The rest of the body was read and dropped: the next request on the same connection works.
    assert.equal((await getJson(`${svc.url}/healthz`)).status, 200);
  });

  it('a 5 MB chunked body (no Content-Length) gets 413 payload_too_large', async () => {
    const r = await postChunked(`${svc.url}/generate-video`, FIVE_MB);
    assert.equal(r.status, 413);
    assertError(r.json, 'payload_too_large');
  });

  it('a client that sends all of an oversized body with Connection: close before reading still reads the 413', async () => {
    const body = Buffer.alloc(10 * 1024 * 1024, 'a');
    const r = await raw(
      svc.url,
      `POST /v1/videos HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\nconnection: close\r\n\r\n`,
      body,
    );
    assert.equal(r.status, 413);
    assert.match(r.head, /connection: close/i);
    assertError(JSON.parse(r.body), 'payload_too_large');
  });

  it('with Connection: close, a body that stops coming is answered 413 once the drain gives up, not left to time out', async () => {
    // Declares 10 MB, sends 1 MB, then waits for the answer without ever finishing.
    const r = await raw(
      svc.url,
      `POST /v1/videos HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: ${10 * 1024 * 1024}\r\nconnection: close\r\n\r\n`,
      Buffer.alloc(1024 * 1024, 'a'),
    );
    assert.equal(r.status, 413);
    assertError(JSON.parse(r.body), 'payload_too_large');
  });

  it('/mcp is held to MAX_BODY_BYTES before the MCP SDK reads the body: 413 in the JSON-RPC error shape', async () => {
    const message = { jsonrpc: '2.0', id: 7, method: 'tools/list', params: { _meta: { padding: 'a'.repeat(1024 * 1024) } } };
    const res = await fetch(`${svc.url}/mcp`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify(message),
    });
    assert.equal(res.status, 413);
    const answer = (await res.json()) as any;
    assert.equal(answer.jsonrpc, '2.0');
    assert.equal(answer.id, null);
    assert.equal(answer.error.code, -32000);
    assert.match(answer.error.message, /request body exceeds 262144 bytes \(MAX_BODY_BYTES\)/);
    // Chunked, with no Content-Length to go by, it is cut as it arrives.
    const chunked = await postChunked(`${svc.url}/mcp`, FIVE_MB);
    assert.equal(chunked.status, 413);
    assert.equal(chunked.json.error.code, -32000);
    // A message within the limit still reaches the tools.
    const small = await fetch(`${svc.url}/mcp`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({ ...message, params: {} }),
    });
    assert.equal(small.status, 200, await small.clone().text());
  });

  it('oversized headers get 431 headers_too_large in the JSON shape', async () => {
    const res = await fetch(`${svc.url}/healthz`, { headers: { 'x-padding': 'a'.repeat(64 * 1024) } });
    assert.equal(res.status, 431);
    assertError(await res.json(), 'headers_too_large');
    const r = await raw(svc.url, `GET /healthz HTTP/1.1\r\nhost: x\r\nx-padding: ${'a'.repeat(200_000)}\r\n\r\n`);
    assert.equal(r.status, 431);
    assert.match(r.head, /connection: close/i);
    assertError(JSON.parse(r.body), 'headers_too_large');
  });

  it('a malformed % escape in a path gets 400 invalid_path', async () => {
    for (const path of ['/task/%E0%A4%A', '/v1/videos/%zz', '/files/videos/%E0']) {
      const r = await getJson(`${svc.url}${path}`);
      assert.equal(r.status, 400, path);
      assertError(r.body, 'invalid_path');
      assert.ok(r.body.error.message.includes(path), 'names the path as sent');
    }
  });

  it('invalid UTF-8 in a JSON body gets 400 invalid_json naming the problem', async () => {
    const body = Buffer.concat([Buffer.from('{"script_text": "caf'), Buffer.from([0xc3, 0x28]), Buffer.from('"}')]);
    const res = await fetch(`${svc.url}/v1/videos`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    assert.equal(res.status, 400);
    const answer = (await res.json()) as { error: { message: string } };
    assertError(answer, 'invalid_json');
    assert.match(answer.error.message, /not valid UTF-8 \(a bad byte sequence near byte 21\)/);
  });

  it("a content type hono's own gate refuses is still a 415 in our shape", async () => {
    const res = await fetch(`${svc.url}/v1/videos`, { method: 'POST', headers: { 'content-type': 'application/json;' }, body: '{}' });
    assert.equal(res.status, 415);
    assertError(await res.json(), 'unsupported_media_type');
  });

  it('HEAD works on GET routes and 405 lists it in Allow', async () => {
    const head = await fetch(`${svc.url}/healthz`, { method: 'HEAD' });
    assert.equal(head.status, 200);
    const res = await fetch(`${svc.url}/v1/videos/abc`, { method: 'POST' });
    assert.equal(res.status, 405);
    assert.equal(res.headers.get('allow'), 'GET, HEAD, DELETE');
    assertError(await res.json(), 'method_not_allowed');
  });
});

describe('request timeouts', () => {
  let api: RunningServer;
  let worker: RunningServer;
  let hook: ReturnType<typeof createServer>;
  let hookUrl = '';
  /** Resolves when the callback arrives; the worker waits for the callback's answer. */
  let callbackArrived: Promise<void>;
  let answerCallback = () => {};

  before(async () => {
    const dataDir = tempDir('reelsmith-timeouts-');
    const env = {
      PORT: '0',
      DATA_DIR: dataDir,
      LOG_LEVEL: 'error',
      ALLOW_PRIVATE_URLS: 'true',
      WORKER_URL: 'http://127.0.0.1:1',
      REQUEST_TIMEOUT_SECONDS: '1',
    };
    api = await startServer(loadConfig(env), 'api', quiet);
    worker = await startServer(loadConfig(env), 'worker', quiet);
    let arrived = () => {};
    callbackArrived = new Promise((r) => (arrived = r));
    hook = createServer((req, res) => {
      req.resume();
      arrived();
      answerCallback = () => void (res.headersSent || res.writeHead(200).end());
    });
    await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
    hookUrl = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/hook`;
  });
  after(async () => {
    answerCallback();
    hook?.closeAllConnections();
    hook?.close();
    await worker?.stop();
    await api?.stop();
  });

  it('a body that never finishes is answered 408 request_timeout and the connection closed', async () => {
    const r = await raw(api.url, 'POST /v1/videos HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{"scr');
    assert.equal(r.status, 408);
    assertError(JSON.parse(r.body), 'request_timeout');
  });

  it('headers that never finish are answered 408 too', async () => {
    const r = await raw(api.url, 'GET /healthz HTTP/1.1\r\nhost: x\r\n');
    assert.equal(r.status, 408);
  });

  it('a worker delivery that runs longer than the request timeout is not cut', async () => {
    const submit = await postJson(`${api.url}/v1/videos`, {
      script_text: 'A delivery outlives the request timeout.',
      resolution: '720p',
      captions: false,
      callback_url: hookUrl,
    });
    assert.equal(submit.status, 202);
    const id = submit.body.task_id;
    const render = await fetch(`${worker.url}/tasks/${id}/run`, { method: 'POST', body: '{}' });
    assert.equal(render.status, 200);
    // The callback queue's delivery waits for the receiver's answer: hold it until a request
    // timeout has demonstrably fired on the same server, so the delivery has been open longer.
    const delivery = fetch(`${worker.url}/tasks/${id}/callback`, { method: 'POST', body: '{}' });
    await callbackArrived;
    const cut = await raw(worker.url, 'GET /healthz HTTP/1.1\r\nhost: x\r\n');
    assert.equal(cut.status, 408);
    answerCallback();
    const res = await delivery;
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { task_id: id, outcome: 'delivered' });
  });
});

describe('invalidUtf8At', () => {
  it('finds where decoding fails, or null for valid text', () => {
    assert.equal(invalidUtf8At(Buffer.from('{"a":"héllo ✓ 😀"}')), null);
    assert.equal(invalidUtf8At(Buffer.from([0x7b, 0x22, 0xff, 0x22])), 2);
    assert.equal(invalidUtf8At(Buffer.from([0x41, 0x41, 0xe2, 0x82])), 3, 'a character cut off at the end');
    assert.equal(invalidUtf8At(Buffer.from([0x41, 0xed, 0xa0, 0x80])), 3, 'an encoded surrogate: its last byte');
  });
});
