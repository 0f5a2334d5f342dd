// GET /openapi.json and GET /docs: the document is valid OpenAPI 3.1 (a maintained validator and
// a strict JSON Schema compiler), lists every route the app serves, carries an example on every
// body that matches its schema, and the curl examples of README and docs/ are requests it accepts.
// /docs renders it in a real browser with every request outside loopback refused.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { validate } from '@readme/openapi-parser';
import { chromium } from 'playwright-core';
import { VideoSubmissionBody } from '../../functions/api/schemas.ts';
import { StoryboardRequestSchema, VideoRequestSchema } from '../../functions/domain/video-request.ts';
import { loadConfig } from '../../functions/config.ts';
import { createLogger } from '../../functions/log.ts';
import { startServer, type RunningServer } from '../../functions/server.ts';
import { DocumentChecker, documentUnderTest, documented, type Doc } from '../support/openapi.ts';
import { tempDir } from '../support/temp-dir.ts';

const ROOT = join(import.meta.dirname, '../..');
/** The request bodies whose rules JSON Schema cannot say ("script_text or scenes"), by their reference. */
const ZOD_BODIES: Record<string, { safeParse: (v: unknown) => { success: boolean } }> = {
  '#/components/schemas/VideoSubmission': VideoSubmissionBody,
  '#/components/schemas/VideoRequest': VideoRequestSchema,
  '#/components/schemas/StoryboardRequest': StoryboardRequestSchema,
};
const CHROMIUM = '/usr/bin/chromium';

describe('the OpenAPI document', () => {
  const doc = documentUnderTest();
  const checker = new DocumentChecker(doc);

  it('is valid OpenAPI 3.1 for @readme/openapi-parser, which does catch a broken one', async () => {
    assert.equal(doc.openapi, '3.1.0');
    const result = await validate(structuredClone(doc) as never);
    assert.equal(result.valid, true, JSON.stringify(result, null, 1));
    const broken = structuredClone(doc);
    broken.paths['/task/{id}'].get.parameters = [];
    assert.equal((await validate(broken as never)).valid, false, 'a path parameter without its declaration is refused');
  });

  it('every schema compiles under strict JSON Schema 2020-12 (a bad type is refused)', () => {
    for (const name of Object.keys(doc.components.schemas)) checker.schemaAt(`components/schemas/${name}`);
    const bad = structuredClone(doc);
    bad.components.schemas.TaskView.properties.progress.type = 'int';
    assert.throws(() => new DocumentChecker(bad).schemaAt('components/schemas/TaskView'));
  });

  it('declares both auth schemes, the error shape, the task view and the callback webhook with its signature', () => {
    assert.deepEqual(doc.components.securitySchemes.bearer, { type: 'http', scheme: 'bearer', description: doc.components.securitySchemes.bearer.description });
    assert.equal(doc.components.securitySchemes.apiKey.name, 'X-API-Key');
    assert.ok(doc.components.schemas.Error && doc.components.schemas.TaskView && doc.components.schemas.VideoRequest);
    const hook = doc.webhooks.taskFinished.post;
    assert.ok(hook.parameters.some((p: any) => p.in === 'header' && p.name === 'x-reelsmith-signature' && p.required));
    assert.equal(hook.requestBody.content['application/json'].schema.$ref, '#/components/schemas/TaskView');
    assert.equal(doc.paths['/tasks/{id}/run'].post['x-worker-only'], true);
    for (const [path, ops] of Object.entries<any>(doc.paths)) {
      for (const [method, op] of Object.entries<any>(ops)) {
        // Worker routes are private (Cloud Tasks' OIDC, the dispatcher's token), not behind API keys.
        const open = ['/healthz', '/health', '/openapi.json', '/docs', '/', '/studio', '/files/{key}'].includes(path) || !!op['x-worker-only'];
        assert.equal(!!op.security, !open, `${method} ${path}: security ${open ? 'not ' : ''}expected`);
        for (const [status, r] of Object.entries<any>(op.responses)) {
          // A worker route's 503 is its own hand-back answer, read by Cloud Tasks only.
          if (Number(status) >= 400 && r.content?.['application/json'] && !op['x-worker-only']) {
            assert.equal(r.content['application/json'].schema.$ref, '#/components/schemas/Error', `${method} ${path} ${status}`);
          }
        }
      }
    }
  });

  it('has an example on every body, and every example matches its schema', () => {
    let checked = 0;
    const checkMedia = (where: string, media: any) => {
      const examples = media.examples ? Object.values<any>(media.examples).map((e) => e.value) : 'example' in media ? [media.example] : [];
      assert.ok(examples.length > 0, `${where}: no example`);
      for (const ex of examples) {
        if (media.schema.format === 'binary' || media.schema.type === 'string') continue;
        assert.equal(checker.check(`${where}/schema`, ex), null, `${where}: ${JSON.stringify(ex).slice(0, 200)}`);
        checked++;
      }
      return examples;
    };
    const ops: [string, any][] = [
      ...Object.entries<any>(doc.paths).flatMap(([p, o]) => Object.entries<any>(o).map(([m, op]) => [`paths/${esc(p)}/${m}`, op] as [string, any])),
      ...Object.entries<any>(doc.webhooks).flatMap(([p, o]) => Object.entries<any>(o).map(([m, op]) => [`webhooks/${esc(p)}/${m}`, op] as [string, any])),
    ];
    for (const [at, op] of ops) {
      for (const [type, media] of Object.entries<any>(op.requestBody?.content ?? {})) {
        const examples = checkMedia(`${at}/requestBody/content/${esc(type)}`, media);
        // JSON Schema cannot say "script_text or scenes": the zod schema itself must accept them too.
        const zod = ZOD_BODIES[media.schema.$ref as string];
        if (zod) {
          for (const ex of examples) assert.ok(zod.safeParse(ex).success, JSON.stringify(ex));
        }
      }
      for (const [status, r] of Object.entries<any>(op.responses)) {
        for (const [type, media] of Object.entries<any>(r.content ?? {})) checkMedia(`${at}/responses/${status}/content/${esc(type)}`, media);
      }
      for (const [i, p] of (op.parameters ?? []).entries()) {
        for (const ex of p.schema.examples ?? []) assert.equal(checker.check(`${at}/parameters/${i}/schema`, ex), null, `${at} ${p.name}`);
      }
    }
    for (const [name, schema] of Object.entries<any>(doc.components.schemas)) {
      for (const ex of schema.examples ?? []) assert.equal(checker.check(`components/schemas/${name}`, ex), null, name);
    }
    assert.ok(checked > 20, `checked ${checked} examples`);
  });

  it("the curl examples of README and docs/ are requests the document accepts", () => {
    const pages = ['README.md', ...readdirSync(join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];
    const commands = pages.flatMap((page) => curlCommands(readFileSync(join(ROOT, page), 'utf8')));
    assert.ok(commands.length >= 8, `found ${commands.length} curl commands`);
    for (const cmd of commands) {
      const route = routeOf(doc, cmd.path);
      assert.ok(route, `${cmd.method} ${cmd.path}: no such path in the document`);
      const op = doc.paths[route][cmd.method.toLowerCase()];
      assert.ok(op, `${cmd.method} ${route} is not in the document`);
      for (const name of Object.keys(cmd.headers)) {
        if (name === 'authorization') assert.match(cmd.headers[name]!, /^Bearer \S+$/);
        else if (name === 'x-api-key') assert.ok(op.security?.some((s: any) => 'apiKey' in s));
        else if (name !== 'content-type') {
          const param = op.parameters?.find((p: any) => p.in === 'header' && p.name === name);
          assert.ok(param, `${cmd.method} ${route}: header ${name} is not documented`);
          assert.equal(checker.check(`paths/${esc(route)}/${cmd.method.toLowerCase()}/parameters/${op.parameters.indexOf(param)}/schema`, cmd.headers[name]), null);
        }
      }
      for (const [name, value] of new URLSearchParams(cmd.query)) {
        const i = op.parameters?.findIndex((p: any) => p.in === 'query' && p.name === name);
        assert.ok(i >= 0, `${cmd.method} ${route}: query ${name} is not documented`);
        const schema = op.parameters[i].schema;
        assert.equal(checker.check(`paths/${esc(route)}/${cmd.method.toLowerCase()}/parameters/${i}/schema`, schema.type === 'integer' ? Number(value) : value), null);
      }
      for (const part of cmd.form ?? []) {
        const form = op.requestBody?.content?.['multipart/form-data']?.schema;
        assert.ok(form, `${cmd.method} ${route} takes no multipart form`);
        const schema = form.$ref ? doc.components.schemas[form.$ref.split('/').at(-1)] : form;
        assert.ok(part in (schema.properties ?? {}), `${cmd.method} ${route}: form part ${part} is not documented`);
      }
      if (cmd.body !== undefined) {
        const body = JSON.parse(cmd.body);
        const errors = checker.requestErrors(cmd.method, route, body);
        if (cmd.expect === 422) {
          assert.ok(errors !== null || !VideoRequestSchema.safeParse(body).success, `the docs say ${cmd.body} is refused`);
        } else {
          assert.equal(errors, null, `${cmd.method} ${route} ${cmd.body}`);
          // JSON Schema cannot say "script_text or scenes": the zod schema of the body must accept it too.
          const zod = ZOD_BODIES[op.requestBody.content['application/json'].schema.$ref as string];
          if (zod) assert.ok(zod.safeParse(body).success, cmd.body);
        }
      }
    }
  });
});

describe('GET /openapi.json and GET /docs', () => {
  let svc: RunningServer;
  const checker = new DocumentChecker();
  before(async () => {
    const cfg = loadConfig({ PORT: '0', DATA_DIR: tempDir('reelsmith-docs-'), API_KEYS: 'k1', LOG_LEVEL: 'error', WORKER_URL: 'http://127.0.0.1:1' });
    svc = await startServer(cfg, 'local', createLogger('fatal'));
  });
  after(() => svc?.stop());

  it('serves the document without a key, the same one the tests check', async () => {
    const r = await documented(checker, '/openapi.json', `${svc.url}/openapi.json`);
    assert.equal(r.status, 200);
    assert.deepEqual(r.body, documentUnderTest());
  });

  it('lists every route the app serves, and serves every route it lists', () => {
    const served = new Set(
      svc.runtime
        .routes()
        .filter((r) => !r.path.startsWith('/docs/') && !r.path.startsWith('/studio/assets/'))
        .map((r) => `${r.method} ${r.path.replace(/:(\w+)(\{[^}]*\})?/g, '{$1}')}`),
    );
    const listed = new Set(
      Object.entries<any>(documentUnderTest().paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`)),
    );
    // hono answers HEAD for GET itself; /files answers HEAD explicitly.
    served.delete('HEAD /files/{key}');
    assert.deepEqual([...served].sort(), [...listed].sort());
  });

  it('/docs needs no key and refers only to its own origin', async () => {
    const page = await fetch(`${svc.url}/docs`);
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-type')!, /^text\/html/);
    assert.match(page.headers.get('content-security-policy')!, /default-src 'self'/);
    const html = await page.text();
    assert.doesNotMatch(html, /https?:\/\//, 'no absolute URL: everything comes from this service');
    for (const asset of ['/docs/swagger-ui-bundle.js', '/docs/swagger-ui.css', '/docs/init.js']) {
      const r = await fetch(`${svc.url}${asset}`);
      assert.equal(r.status, 200, asset);
      assert.ok((await r.arrayBuffer()).byteLength > 50, asset);
    }
    assert.equal((await fetch(`${svc.url}/docs/index.html`)).status, 404);
  });

  it('/docs renders every route in Chromium with everything outside loopback refused', { skip: browserSkip() }, async () => {
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
    });
    try {
      const page = await browser.newPage();
      const outside: string[] = [];
      await page.route('**/*', (route) => {
        const url = new URL(route.request().url());
        if (url.hostname === '127.0.0.1' || url.protocol === 'data:') return route.continue();
        outside.push(url.href);
        return route.abort();
      });
      await page.goto(`${svc.url}/docs`);
      await page.locator('.opblock').first().waitFor();
      const text = await page.locator('#swagger-ui').innerText();
      for (const path of Object.keys(documentUnderTest().paths)) assert.ok(text.includes(path), `${path} is on the page`);
      assert.match(text, /taskFinished/, 'the webhook is on the page');
      assert.deepEqual(outside, [], 'the page asked for nothing outside this service');
      await page.screenshot({ path: join(tempDir('reelsmith-docs-shot-'), 'docs.png'), fullPage: false });
    } finally {
      await browser.close();
    }
  });
});

function browserSkip(): string | false {
  if (existsSync(CHROMIUM)) return false;
  if (process.env.CI === 'true') throw new Error(`${CHROMIUM} is missing: scripts/setup.sh --test installs it`);
  return `${CHROMIUM} is not installed (scripts/setup.sh --test installs it)`;
}

/** A JSON pointer segment. */
function esc(s: string): string {
  return s.replaceAll('~', '~0').replaceAll('/', '~1');
}

/** The document path a concrete path falls under (`/v1/videos/abc` → `/v1/videos/{id}`). */
function routeOf(doc: Doc, path: string): string | undefined {
  return Object.keys(doc.paths).find((p) => new RegExp(`^${p.replace(/\{[^}]+\}/g, '[^/]+')}$`).test(path));
}

interface Curl {
  method: string;
  path: string;
  query: string;
  headers: Record<string, string>;
  body?: string;
  /** The names of the multipart parts it sends (-F name=...). */
  form?: string[];
  /** The status the docs say it gets, when they say one. */
  expect?: number;
}

/** The curl commands in a markdown page's shell blocks, split as a shell would (quotes, line continuations). */
function curlCommands(markdown: string): Curl[] {
  const blocks = [...markdown.matchAll(/```(?:sh|bash)\n([\s\S]*?)```/g)].map((m) => m[1]!);
  const out: Curl[] = [];
  for (const block of blocks) {
    const words = shellWords(block);
    for (let i = 0; i < words.length; i++) {
      if (words[i]!.word !== 'curl') continue;
      const args: string[] = [];
      let j = i + 1;
      for (; j < words.length && !words[j]!.lineStart; j++) args.push(words[j]!.word);
      const cmd: Curl = { method: 'GET', path: '', query: '', headers: {} };
      for (let k = 0; k < args.length; k++) {
        const a = args[k]!;
        if (a === '-X') cmd.method = args[++k]!;
        else if (a === '-H') {
          const [name, ...rest] = args[++k]!.split(':');
          cmd.headers[name!.trim().toLowerCase()] = rest.join(':').trim();
        } else if (a === '-d') cmd.body = args[++k]!;
        else if (a === '-F') (cmd.form ??= []).push(args[++k]!.split('=')[0]!);
        else if (a === '-o') k++;
        else if (!a.startsWith('-')) {
          const url = new URL(a.replace(/^(localhost|\$API_URL|"\$API_URL)/, 'http://host').replace(/\$\w+|…/g, 'x').replace(/"$/, ''));
          cmd.path = url.pathname;
          cmd.query = url.search;
        }
      }
      const comment = words[j]?.word.startsWith('#') ? words[j]!.word : (words.slice(i, j).find((w) => w.comment)?.comment ?? '');
      const status = /→\s*(\d{3})/.exec(comment)?.[1];
      if (status) cmd.expect = Number(status);
      out.push(cmd);
      i = j - 1;
    }
  }
  return out;
}

/** Shell words with quotes removed; `lineStart` marks the first word of each command line. */
function shellWords(text: string): { word: string; lineStart: boolean; comment?: string }[] {
  const words: { word: string; lineStart: boolean; comment?: string }[] = [];
  let cur = '';
  let inWord = false;
  let lineStart = true;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (ch === "'" || ch === '"') {
      const end = text.indexOf(ch, i + 1);
      cur += text.slice(i + 1, end);
      inWord = true;
      i = end;
    } else if (ch === '\\' && text[i + 1] === '\n') {
      i++;
    } else if (ch === '#' && !inWord) {
      const end = text.indexOf('\n', i);
      const comment = text.slice(i, end < 0 ? undefined : end);
      if (words.length) words[words.length - 1]!.comment = comment;
      i = end < 0 ? text.length : end - 1;
    } else if (ch === ' ' || ch === '\t' || ch === '\n') {
      if (inWord) words.push({ word: cur, lineStart });
      if (inWord) lineStart = false;
      cur = '';
      inWord = false;
      if (ch === '\n') lineStart = true;
    } else {
      cur += ch;
      inWord = true;
    }
  }
  if (inWord) words.push({ word: cur, lineStart });
  return words;
}
