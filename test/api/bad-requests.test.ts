// Every input a user can get wrong: each answered with its documented status and error code,
// none leaving a task or a file behind.
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../../functions/config.ts';
import { createLogger } from '../../functions/log.ts';
import { startServer, type RunningServer } from '../../functions/server.ts';
import { tempDir } from '../support/temp-dir.ts';

const quiet = createLogger('error');
const ok = { script_text: 'A short script.' };

interface Case {
  name: string;
  method?: string;
  path?: string;
  body?: unknown;
  raw?: string;
  headers?: Record<string, string>;
  status: number;
  code: string;
  /** Field paths the error must name. */
  paths?: string[];
  /** What the message must say. */
  message?: RegExp;
}

const cases: Case[] = [
  { name: 'malformed JSON', raw: '{"script_text": "hi"', status: 400, code: 'invalid_json' },
  { name: 'empty body', raw: '', status: 400, code: 'invalid_json' },
  { name: 'not JSON content type', raw: 'script_text=hi', headers: { 'content-type': 'text/plain' }, status: 415, code: 'unsupported_media_type' },
  { name: 'a JSON array', body: [ok], status: 422, code: 'invalid_request', paths: ['(body)'] },
  { name: 'no script', body: { search_query: 'ocean' }, status: 422, code: 'invalid_request', paths: ['script_text'] },
  { name: 'blank script', body: { script_text: '   ' }, status: 422, code: 'invalid_request', paths: ['script_text'] },
  { name: 'script too long', body: { script_text: 'a'.repeat(10_001) }, status: 422, code: 'invalid_request', paths: ['script_text'] },
  {
    // Some 9,000 characters at 1080p: even the fastest voice takes 450 s, some 450 MiB of scratch for one output.
    name: 'a video too long for the worker\'s scratch',
    body: { script_text: 'The tide turns slowly. '.repeat(390), outputs: [{ aspect_ratio: '9:16' }, { aspect_ratio: '16:9' }] },
    status: 422,
    code: 'video_too_large',
    paths: ['script_text'],
    message: /TASK_SCRATCH_BYTES allows 256 MiB: its script takes at least \d+ s to speak, and at most \d+ s fit at 1080x1920 .*shorten the script/,
  },
  { name: 'script and scenes', body: { ...ok, scenes: [{ text: 'b' }] }, status: 422, code: 'invalid_request', paths: ['scenes'] },
  { name: 'unknown field', body: { ...ok, colour: 'red' }, status: 422, code: 'invalid_request', paths: ['colour'] },
  { name: 'unknown nested field', body: { ...ok, captions: { style: 'line', blink: true } }, status: 422, code: 'invalid_request', paths: ['captions.blink'] },
  { name: 'bad aspect ratio', body: { ...ok, aspect_ratio: '4:3' }, status: 422, code: 'invalid_request', paths: ['aspect_ratio'] },
  { name: 'bad resolution', body: { ...ok, resolution: '4k' }, status: 422, code: 'invalid_request', paths: ['resolution'] },
  { name: 'bad caption style', body: { ...ok, captions: { style: 'comic' } }, status: 422, code: 'invalid_request', paths: ['captions.style'] },
  { name: 'words per line 0', body: { ...ok, captions: { max_words_per_line: 0 } }, status: 422, code: 'invalid_request', paths: ['captions.max_words_per_line'] },
  { name: 'speed out of range', body: { ...ok, speed: 2 }, status: 422, code: 'invalid_request', paths: ['speed'] },
  { name: 'clip URL not a URL', body: { ...ok, clip_urls: ['clip.mp4'] }, status: 422, code: 'invalid_request', paths: ['clip_urls.0'] },
  { name: 'clip URL on loopback', body: { ...ok, clip_urls: ['http://127.0.0.1:9/a.mp4'] }, status: 422, code: 'invalid_request', paths: ['clip_urls.0'] },
  { name: 'callback to the metadata server', body: { ...ok, callback_url: 'http://169.254.169.254/computeMetadata/v1/' }, status: 422, code: 'invalid_request', paths: ['callback_url'] },
  { name: 'callback to a private address', body: { ...ok, callback_url: 'http://10.0.0.8/hook' }, status: 422, code: 'invalid_request', paths: ['callback_url'] },
  { name: 'music volume too high', body: { ...ok, music: { url: 'https://example.com/a.mp3', volume: 3 } }, status: 422, code: 'invalid_request', paths: ['music.volume'] },
  { name: 'metadata too large', body: { ...ok, metadata: { blob: 'x'.repeat(5000) } }, status: 422, code: 'invalid_request', paths: ['metadata'] },
  { name: 'seed negative', body: { ...ok, seed: -1 }, status: 422, code: 'invalid_request', paths: ['seed'] },
  { name: 'bad Idempotency-Key', body: ok, headers: { 'idempotency-key': 'x'.repeat(300) }, status: 422, code: 'invalid_request', paths: ['Idempotency-Key'] },
  { name: 'body over the limit', raw: JSON.stringify({ script_text: 'a'.repeat(40_000) }), status: 413, code: 'payload_too_large' },
  { name: 'unknown task', method: 'GET', path: '/task/00000000-0000-0000-0000-000000000000', status: 404, code: 'not_found' },
  { name: 'download of unknown task', method: 'GET', path: '/download/nope', status: 404, code: 'not_found' },
  { name: 'cancel of unknown task', method: 'DELETE', path: '/v1/videos/nope', status: 404, code: 'not_found' },
  { name: 'unknown route', method: 'GET', path: '/videos', status: 404, code: 'not_found' },
  { name: 'wrong method', method: 'PUT', path: '/generate-video', body: ok, status: 405, code: 'method_not_allowed' },
];

describe('bad requests', () => {
  let svc: RunningServer;
  let dataDir: string;

  before(async () => {
    dataDir = tempDir('reelsmith-bad-');
    const cfg = loadConfig({ PORT: '0', DATA_DIR: dataDir, MAX_BODY_BYTES: '32768', LOG_LEVEL: 'error' });
    svc = await startServer(cfg, 'local', quiet);
  });
  after(() => svc?.stop());

  for (const c of cases) {
    it(`${c.name} → ${c.status} ${c.code}`, async () => {
      const res = await fetch(`${svc.url}${c.path ?? '/generate-video'}`, {
        method: c.method ?? 'POST',
        headers: { 'content-type': 'application/json', ...c.headers },
        ...(c.method === 'GET' || c.method === 'DELETE' ? {} : { body: c.raw ?? JSON.stringify(c.body) }),
      });
      const body = (await res.json()) as { error: { code: string; message: string; details?: { path: string }[] } };
      assert.equal(res.status, c.status, JSON.stringify(body));
      assert.equal(body.error.code, c.code);
      assert.ok(body.error.message.length > 10, 'a message that says what to fix');
      if (c.message) assert.match(body.error.message, c.message);
      assert.doesNotMatch(JSON.stringify(body), /at .*\.ts:\d+/, 'no stack trace');
      for (const p of c.paths ?? []) {
        assert.ok(body.error.details?.some((d) => d.path === p), `details name ${p}: ${JSON.stringify(body.error.details)}`);
      }
    });
  }

  it('left no task and no file behind', async () => {
    assert.equal(await svc.runtime.store.countUnfinished(), 0);
    assert.deepEqual(await svc.runtime.store.listForSweep(), []);
    const blobs = join(dataDir, 'blobs');
    const files = readdirSync(blobs).filter((f) => !f.startsWith('.'));
    assert.deepEqual(files, []);
    assert.deepEqual(readdirSync(join(dataDir, 'scratch')), []);
  });
});
