// The request cases of issue 12 through HTTP, each with its documented status and code and the
// field it names: lone surrogates in any text field, voice_id values that would reach another
// ElevenLabs path, and every URL form the guard refuses, as a callback, clip or music URL.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../../functions/config.ts';
import { createLogger } from '../../functions/log.ts';
import { startServer, type RunningServer } from '../../functions/server.ts';
import { tempDir } from '../support/temp-dir.ts';
import { REFUSED_URLS } from '../support/url-forms.ts';

const ok = { script_text: 'A short script.' };
const LONE = '\ud800';

interface Case {
  name: string;
  /** Raw JSON text: a lone surrogate can only be sent escaped (`\ud800`), as JSON allows. */
  raw: string;
  path: string;
  message: RegExp;
}

const json = (body: unknown) => JSON.stringify(body);

const textCases: Case[] = [
  { name: 'lone surrogate in script_text', raw: json({ script_text: `Hello ${LONE} there.` }), path: 'script_text', message: /lone surrogate/ },
  { name: 'lone low surrogate in scenes[].text', raw: json({ scenes: [{ text: 'ok' }, { text: `\udc00` }] }), path: 'scenes.1.text', message: /lone surrogate/ },
  { name: 'lone surrogate in search_query', raw: json({ ...ok, search_query: `sea${LONE}` }), path: 'search_query', message: /lone surrogate/ },
  { name: 'lone surrogate in model_id', raw: json({ ...ok, model_id: LONE }), path: 'model_id', message: /lone surrogate/ },
  { name: 'lone surrogate in metadata', raw: json({ ...ok, metadata: { tags: ['a', LONE] } }), path: 'metadata.tags.1', message: /lone surrogate/ },
  { name: 'voice_id climbing the ElevenLabs path', raw: json({ ...ok, voice_id: '../../v1/user' }), path: 'voice_id', message: /must be a voice id/ },
  { name: 'voice_id with a query and a fragment', raw: json({ ...ok, voice_id: 'abc?x=1#y' }), path: 'voice_id', message: /must be a voice id/ },
  { name: 'voice_id with an encoded slash', raw: json({ ...ok, voice_id: 'a%2F..' }), path: 'voice_id', message: /must be a voice id/ },
];

describe('hostile requests', () => {
  let svc: RunningServer;
  let dataDir: string;

  before(async () => {
    dataDir = tempDir('reelsmith-hostile-req-');
    // ALLOW_PRIVATE_URLS off: the production setting, under which every URL form below is refused.
    const cfg = loadConfig({ PORT: '0', DATA_DIR: dataDir, LOG_LEVEL: 'error', ALLOW_PRIVATE_URLS: 'false' });
    svc = await startServer(cfg, 'local', createLogger('error'));
  });
  after(() => svc?.stop());

  async function submit(raw: string) {
    const res = await fetch(`${svc.url}/generate-video`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: raw });
    return { status: res.status, body: (await res.json()) as { error: { code: string; message: string; details?: { path: string; message: string }[] } } };
  }

  for (const c of textCases) {
    it(`${c.name} → 422 invalid_request naming ${c.path}`, async () => {
      const { status, body } = await submit(c.raw);
      assert.equal(status, 422, JSON.stringify(body));
      assert.equal(body.error.code, 'invalid_request');
      const detail = body.error.details?.find((d) => d.path === c.path);
      assert.ok(detail, JSON.stringify(body.error.details));
      assert.match(detail.message, c.message);
    });
  }

  for (const [url, , message] of REFUSED_URLS) {
    for (const [field, body] of [
      ['callback_url', { ...ok, callback_url: url }],
      ['clip_urls.0', { ...ok, clip_urls: [url] }],
      ['music.url', { ...ok, music: { url } }],
    ] as const) {
      it(`${field} = ${url} → 422 invalid_request naming ${field}`, async () => {
        const r = await submit(json(body));
        assert.equal(r.status, 422, JSON.stringify(r.body));
        assert.equal(r.body.error.code, 'invalid_request');
        const detail = r.body.error.details?.find((d) => d.path === field);
        assert.ok(detail, JSON.stringify(r.body.error.details));
        // The request schema refuses what is not an http(s) URL before the guard sees it; the guard's own words otherwise.
        assert.ok(/must be an http\(s\) URL/.test(detail.message) || message.test(detail.message), detail.message);
      });
    }
  }

  it('accepted nothing: no task was stored', async () => {
    assert.equal(await svc.runtime.store.countUnfinished(), 0);
  });
});
