// The callback receivers in docs/webhooks.md, run as written: the Node function, the Python one
// and the n8n Code node (from the importable workflow, which must hold the same code) accept a
// callback signed by reelsmith's own signer, and refuse a tampered body, a wrong secret, a stale
// timestamp and a missing header.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, it } from 'node:test';
import { signPayload } from '../../functions/delivery/send-callback.ts';
import { tempDir } from '../support/temp-dir.ts';

const DOCS = join(import.meta.dirname, '../../docs');
const markdown = readFileSync(join(DOCS, 'webhooks.md'), 'utf8');
const blocks = (lang: string) => [...markdown.matchAll(new RegExp('```' + lang + '\\n([\\s\\S]*?)```', 'g'))].map((m) => m[1]!);
const workflow = JSON.parse(readFileSync(join(DOCS, 'n8n-workflow.json'), 'utf8')) as {
  name: string;
  nodes: { id: string; name: string; type: string; typeVersion: number; position: number[]; parameters: Record<string, any>; webhookId?: string }[];
  connections: Record<string, { main: { node: string; type: string; index: number }[][] }>;
};

const SECRET = 'receiver-secret-0123456789';
const now = Math.floor(Date.now() / 1000);
const view = { task_id: '5f0c2a9e-7b1d-4c3e-9a8f-2d6b1e4c7a90', status: 'completed', progress: 100, result: { video_url: 'https://x/v.mp4', duration_s: 9.83 } };
const body = JSON.stringify(view);

/** [name, raw body, header, secret, accepted?] */
const CASES: [string, string, string | undefined, string, boolean][] = [
  ['a genuine callback', body, signPayload(SECRET, body, now), SECRET, true],
  ['a tampered body', body.replace('completed', 'cancelled'), signPayload(SECRET, body, now), SECRET, false],
  ['another secret', body, signPayload('another-secret-9876543210', body, now), SECRET, false],
  ['a timestamp 10 minutes old', body, signPayload(SECRET, body, now - 600), SECRET, false],
  ['a timestamp changed after signing', body, signPayload(SECRET, body, now).replace(`t=${now}`, `t=${now - 1}`), SECRET, false],
  ['no header', body, undefined, SECRET, false],
  ['a malformed header', body, 'v1=abc', SECRET, false],
];

describe('callback receivers in docs/webhooks.md', () => {
  it('Node: verifyReelsmith accepts only a genuine, fresh callback', async () => {
    const file = join(tempDir('reelsmith-receiver-'), 'verify.mjs');
    writeFileSync(file, blocks('js')[0]!);
    const { verifyReelsmith } = (await import(pathToFileURL(file).href)) as {
      verifyReelsmith: (raw: Buffer | string, header: string | undefined, secret: string) => boolean;
    };
    for (const [name, raw, header, secret, accepted] of CASES) {
      assert.equal(verifyReelsmith(Buffer.from(raw), header, secret), accepted, name);
      assert.equal(verifyReelsmith(raw, header, secret), accepted, `${name} (string body)`);
    }
  });

  it('Python: verify_reelsmith accepts only a genuine, fresh callback', { skip: pythonSkip() }, () => {
    const harness = `${blocks('python')[0]}
import json, sys
for name, raw, header, secret, accepted in json.load(sys.stdin):
    got = verify_reelsmith(raw.encode(), header, secret)
    print(json.dumps([name, got, accepted]))
`;
    const r = spawnSync('python3', ['-c', harness], { input: JSON.stringify(CASES.map((c) => [c[0], c[1], c[2] ?? null, c[3], c[4]])), encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as [string, boolean, boolean]);
    assert.equal(lines.length, CASES.length);
    for (const [name, got, want] of lines) assert.equal(got, want, name);
  });

  it('README and the API page point to these receivers, and neither compares signatures with ===', () => {
    const readme = readFileSync(join(DOCS, '../README.md'), 'utf8');
    const api = readFileSync(join(DOCS, 'api.md'), 'utf8');
    assert.match(readme, /docs\/webhooks\.md/);
    assert.match(api, /\(webhooks\.md\)/);
    for (const page of [readme, api]) assert.doesNotMatch(page, /digest\('hex'\) ===/);
  });
});

describe('docs/n8n-workflow.json', () => {
  const byName = new Map(workflow.nodes.map((n) => [n.name, n]));

  it('is an importable n8n workflow: unique node ids and names, known node types, connections between its nodes', () => {
    assert.ok(workflow.name);
    assert.equal(new Set(workflow.nodes.map((n) => n.id)).size, workflow.nodes.length);
    assert.equal(byName.size, workflow.nodes.length);
    for (const n of workflow.nodes) {
      assert.match(n.id, /^[0-9a-f-]{36}$/, n.name);
      assert.match(n.type, /^n8n-nodes-base\.\w+$/, n.name);
      assert.ok(Number.isFinite(n.typeVersion) && n.typeVersion >= 1, n.name);
      assert.equal(n.position.length, 2, n.name);
      assert.equal(typeof n.parameters, 'object', n.name);
    }
    for (const [from, out] of Object.entries(workflow.connections)) {
      assert.ok(byName.has(from), from);
      for (const link of out.main.flat()) assert.ok(byName.has(link.node), `${from} → ${link.node}`);
    }
  });

  it('submits the script with the wait node’s resume URL as callback_url, then waits for that callback and verifies it', () => {
    const chain: string[] = [];
    let at: string | undefined = workflow.nodes.find((n) => n.type === 'n8n-nodes-base.manualTrigger')?.name;
    while (at) {
      chain.push(byName.get(at)!.type);
      at = workflow.connections[at]?.main[0]?.[0]?.node;
    }
    assert.deepEqual(chain, ['n8n-nodes-base.manualTrigger', 'n8n-nodes-base.set', 'n8n-nodes-base.httpRequest', 'n8n-nodes-base.wait', 'n8n-nodes-base.code']);
    const submit = workflow.nodes.find((n) => n.type === 'n8n-nodes-base.httpRequest')!.parameters;
    assert.equal(submit.method, 'POST');
    assert.match(submit.url, /\/v1\/videos$/);
    assert.match(submit.jsonBody, /callback_url: \$execution\.resumeUrl/);
    assert.match(submit.jsonBody, /script_text: \$json\.script_text/);
    const wait = workflow.nodes.find((n) => n.type === 'n8n-nodes-base.wait')!;
    assert.deepEqual([wait.parameters.resume, wait.parameters.httpMethod, wait.parameters.options.rawBody], ['webhook', 'POST', true]);
    assert.ok(wait.webhookId);
  });

  it('its Code node is the documented one, and it accepts only a genuine, fresh callback', async () => {
    const code = workflow.nodes.find((n) => n.type === 'n8n-nodes-base.code')!.parameters.jsCode as string;
    assert.equal(code.trim(), blocks('js').at(-1)!.trim(), 'the workflow carries the code docs/webhooks.md shows');
    const require = createRequire(import.meta.url);
    const AsyncFunction = Object.getPrototypeOf(async () => {}).constructor as new (...args: string[]) => (...a: unknown[]) => Promise<unknown>;
    const node = new AsyncFunction('$input', '$env', 'require', code);
    for (const [name, raw, header, secret, accepted] of CASES) {
      // What n8n's Wait node hands on with Raw Body on: the headers in json, the bytes as binary `data`.
      const item = { json: { headers: header === undefined ? {} : { 'x-reelsmith-signature': header }, body: JSON.parse(raw) } };
      const self = { helpers: { getBinaryDataBuffer: async (i: number, prop: string) => (i === 0 && prop === 'data' ? Buffer.from(raw) : null) } };
      const run = node.call(self, { first: () => item }, { REELSMITH_CALLBACK_SECRET: secret }, require);
      if (accepted) assert.deepEqual(await run, [{ json: JSON.parse(raw) }], name);
      else await assert.rejects(run, Error, name);
    }
  });
});

function pythonSkip(): string | false {
  if (spawnSync('python3', ['--version']).status === 0) return false;
  if (process.env.CI === 'true') throw new Error('python3 is needed to check the Python receiver');
  return 'python3 is not installed';
}
