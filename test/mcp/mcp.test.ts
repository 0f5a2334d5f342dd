// The MCP server, driven by the SDK's own client: over streamable HTTP at /mcp (behind the API
// key) and over stdio (`reelsmith mcp`): list the tools, create a video, poll it to completion,
// cancel one, list the voices (espeak-ng offline; ElevenLabs' with a key, against the fake).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { delimiter, dirname, join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { loadConfig } from '../../functions/config.ts';
import { createLogger } from '../../functions/log.ts';
import { startServer, type RunningServer } from '../../functions/server.ts';
import { FAKE_ELEVENLABS_KEY, FAKE_LLM_KEY, startFakeChatCompletions, startFakeElevenLabs, type FakeChatCompletions, type FakeElevenLabs } from '../fakes/index.ts';
import { ffprobe } from '../support/ffprobe.ts';
import { tempDir } from '../support/temp-dir.ts';

const KEY = 'mcp-key-1';
const CLI = join(import.meta.dirname, '../../functions/cli/main.ts');

async function serve(env: Record<string, string> = {}): Promise<RunningServer> {
  const cfg = loadConfig({ PORT: '0', DATA_DIR: tempDir('reelsmith-mcp-'), API_KEYS: KEY, LOG_LEVEL: 'error', RENDER_PRESET: 'ultrafast', ...env });
  return startServer(cfg, 'local', createLogger('fatal'));
}

function overHttp(url: string, key: string | null = KEY) {
  return new StreamableHTTPClientTransport(new URL(`${url}/mcp`), key ? { requestInit: { headers: { authorization: `Bearer ${key}` } } } : {});
}

async function connected(transport: Parameters<Client['connect']>[0]) {
  const client = new Client({ name: 'reelsmith-test', version: '1.0.0' });
  await client.connect(transport);
  return client;
}

type ToolResult = { isError?: boolean; content: { type: string; text?: string }[]; structuredContent?: any };
const call = async (client: Client, name: string, args: Record<string, unknown>) =>
  (await client.callTool({ name, arguments: args })) as ToolResult;

/** get_video until the task ends, the way an agent polls. */
async function pollToEnd(client: Client, taskId: string): Promise<ToolResult> {
  for (;;) {
    const r = await call(client, 'get_video', { task_id: taskId });
    assert.ok(!r.isError, JSON.stringify(r));
    if (['completed', 'failed', 'cancelled'].includes(r.structuredContent.status)) return r;
    await new Promise((res) => setTimeout(res, 200));
  }
}

const TOOLS = ['cancel_video', 'create_batch', 'create_video', 'get_batch', 'get_video', 'list_templates', 'list_voices', 'write_script'];

describe('MCP over streamable HTTP at /mcp', () => {
  let svc: RunningServer;
  let client: Client;
  let llm: FakeChatCompletions;
  before(async () => {
    llm = await startFakeChatCompletions({});
    svc = await serve({ LLM_BASE_URL: llm.url, LLM_API_KEY: FAKE_LLM_KEY, LLM_MODEL: 'gpt-4o-mini' });
    client = await connected(overHttp(svc.url));
  });
  after(async () => {
    await client?.close();
    await svc?.stop();
    await llm?.close();
  });

  it('lists the tools; create_video takes the request schema, create_batch items of it', async () => {
    const { tools } = await client.listTools();
    assert.deepEqual(tools.map((t) => t.name).sort(), TOOLS);
    const create = tools.find((t) => t.name === 'create_video')!;
    const props = (create.inputSchema as { properties: Record<string, unknown> }).properties;
    for (const field of ['script_text', 'scenes', 'topic', 'aspect_ratio', 'captions', 'callback_url', 'template_id', 'voiceover']) assert.ok(field in props, field);
    assert.match(create.description!, /voiceover\.url/);
    // The picture's craft, described for the agent (issue 23).
    for (const field of ['motion', 'transition', 'framing', 'media', 'background_text']) {
      assert.match(String((props[field] as { description?: string } | undefined)?.description), /\w+ \w+/, `${field} is described`);
    }
    const batch = tools.find((t) => t.name === 'create_batch')!.inputSchema as { properties: Record<string, { items?: { properties: Record<string, unknown> } }> };
    for (const field of ['defaults', 'items', 'template_id', 'callback_url']) assert.ok(field in batch.properties, field);
    assert.ok('topic' in batch.properties.items!.items!.properties);
  });

  it('writes a script from a topic, and makes a batch whose defaults apply under its items, followed with get_batch', async () => {
    const written = await call(client, 'write_script', { topic: 'why bees dance', duration_s: 8 });
    assert.ok(!written.isError, JSON.stringify(written));
    const script = written.structuredContent;
    assert.ok(script.scenes.length >= 1 && script.title);
    assert.ok(written.content[0]!.text!.startsWith(script.title));
    // The written scenes rendered as they are, and a second item of its own; the defaults' 1:1 720p
    // under both (the tool passes the items as sent: no default of its own over the batch's).
    const made = await call(client, 'create_batch', {
      // No Ken Burns move (about 40% of a render): the items' shape is checked, not their picture.
      defaults: { aspect_ratio: '1:1', resolution: '720p', captions: false, motion: 'none' },
      items: [{ scenes: script.scenes.slice(0, 1), title: script.title }, { script_text: 'Bees dance to share the way.' }],
    });
    assert.ok(!made.isError, JSON.stringify(made));
    const id = made.structuredContent.batch_id;
    let view: any;
    for (;;) {
      const r = await call(client, 'get_batch', { batch_id: id });
      assert.ok(!r.isError, JSON.stringify(r));
      view = r.structuredContent;
      if (view.status === 'completed') break;
      assert.match(r.content[0]!.text!, /call get_batch again/);
      await new Promise((res) => setTimeout(res, 300));
    }
    assert.deepEqual(view.counts, { queued: 0, processing: 0, completed: 2, failed: 0, cancelled: 0 });
    assert.equal(view.items[0].title, script.title);
    for (const item of view.items) {
      const v = (await call(client, 'get_video', { task_id: item.task_id })).structuredContent;
      assert.deepEqual([v.result.width, v.result.height], [720, 720]);
    }
    const bad = await call(client, 'create_batch', { items: [{ script_text: 'Fine.' }, { captions: false }] });
    assert.equal(bad.isError, true);
    assert.match(bad.content[0]!.text!, /items\.1\.script_text/);
  });

  it("create_video takes a voiceover URL to the API, whose refusals name the field", async () => {
    // This service does not fetch from private addresses: refused at submission, named.
    const refused = await call(client, 'create_video', { script_text: 'My own voice.', voiceover: { url: 'http://10.0.0.8/take.mp3' } });
    assert.equal(refused.isError, true);
    assert.match(refused.content[0]!.text!, /\nvoiceover\.url: .*private/);
    const both = await call(client, 'create_video', { script_text: 'My own voice.', voiceover: { url: 'https://example.com/take.mp3' }, voice_id: 'en-us' });
    assert.equal(both.isError, true);
    assert.match(both.content[0]!.text!, /voice_id.*the voiceover is the voice/);
  });

  it('creates a video and polls it to completion; the result carries the video URLs', async () => {
    const created = await call(client, 'create_video', { script_text: 'Agents make videos too. This one is short.', resolution: '720p', motion: 'none' });
    assert.ok(!created.isError, JSON.stringify(created));
    const taskId = created.structuredContent.task_id;
    assert.match(taskId, /^[0-9a-f-]{36}$/);
    const done = await pollToEnd(client, taskId);
    assert.equal(done.structuredContent.status, 'completed', done.content[0]?.text);
    const text = done.content[0]!.text!;
    const videoUrl = done.structuredContent.result.video_url as string;
    assert.ok(text.includes(`video_url: ${videoUrl}`), text);
    assert.match(text, /thumbnail: http/);
    const path = join(tempDir('reelsmith-mcp-video-'), 'v.mp4');
    writeFileSync(path, Buffer.from(await (await fetch(videoUrl)).arrayBuffer()));
    const info = ffprobe(path);
    assert.equal(info.streams.find((s) => s.codec_type === 'video')?.height, 1280);
    assert.ok(Math.abs(info.durationS - done.structuredContent.result.duration_s) < 0.2);
  });

  it('cancels a video; bad arguments and unknown tasks come back as tool errors', async () => {
    const created = await call(client, 'create_video', { script_text: 'This one is cancelled.' });
    const cancelled = await call(client, 'cancel_video', { task_id: created.structuredContent.task_id });
    assert.equal(cancelled.structuredContent.status, 'cancelled');
    const bad = await call(client, 'create_video', { script_text: 'x', aspect_ratio: '4:3' });
    assert.equal(bad.isError, true);
    assert.match(bad.content[0]!.text!, /aspect_ratio/);
    const unknown = await call(client, 'get_video', { task_id: 'no-such-task' });
    assert.equal(unknown.isError, true);
    assert.match(unknown.content[0]!.text!, /not_found: task no-such-task not found/);
  });

  it('lists the espeak-ng voices offline', async () => {
    const r = await call(client, 'list_voices', {});
    const voices = r.structuredContent.voices as { voice_id: string; provider: string }[];
    assert.ok(voices.some((v) => v.voice_id === 'en-us' && v.provider === 'espeak-ng'), r.content[0]?.text);
  });

  it("each key sees only its own videos through MCP too; without a key it is refused with the API's 401", async () => {
    // The smallest video: nobody looks at it, and it is cancelled once its owner is checked.
    const created = await call(client, 'create_video', { script_text: 'Mine alone.', resolution: '720p', aspect_ratio: '1:1', captions: false });
    const res = await fetch(`${svc.url}/v1/videos/${created.structuredContent.task_id}`, { headers: { authorization: `Bearer ${KEY}` } });
    assert.equal(res.status, 200, 'the task belongs to the key that called the tool');
    // Nobody looks at its video: stop it rather than render it for nothing.
    await fetch(`${svc.url}/v1/videos/${created.structuredContent.task_id}`, { method: 'DELETE', headers: { authorization: `Bearer ${KEY}` } });
    await assert.rejects(connected(overHttp(svc.url, null)), /401|unauthorized/i);
    const raw = await fetch(`${svc.url}/mcp`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    assert.equal(raw.status, 401);
    assert.equal(((await raw.json()) as { error: { code: string } }).error.code, 'unauthorized');
  });
});

describe('MCP over stdio (reelsmith mcp)', () => {
  let svc: RunningServer;
  let client: Client;
  before(async () => {
    svc = await serve();
    client = await connected(
      new StdioClientTransport({
        command: process.execPath,
        args: [CLI, 'mcp', '--url', svc.url],
        env: { PATH: process.env.PATH ?? '', ...(process.env.NODE_COMPILE_CACHE ? { NODE_COMPILE_CACHE: process.env.NODE_COMPILE_CACHE } : {}), REELSMITH_API_KEY: KEY },
      }),
    );
  });
  after(async () => {
    await client?.close();
    await svc?.stop();
  });

  it('lists the tools, creates a video and polls it to completion', async () => {
    assert.equal((await client.listTools()).tools.length, TOOLS.length);
    const created = await call(client, 'create_video', { script_text: 'Over standard input and output.', resolution: '720p', aspect_ratio: '1:1', captions: false, motion: 'none' });
    assert.ok(!created.isError, JSON.stringify(created));
    const done = await pollToEnd(client, created.structuredContent.task_id);
    assert.equal(done.structuredContent.status, 'completed');
    assert.match(done.content[0]!.text!, /video_url: http:\/\/localhost:\d+\/files\//);
  });
});

/** npx as a user's shell finds it (never our node_modules/.bin), or null. */
function systemNpx(): string | null {
  const dirs = (process.env.PATH ?? '').split(delimiter).filter((d) => d && !d.includes('node_modules'));
  return dirs.map((d) => join(d, 'npx')).find((p) => existsSync(p)) ?? null;
}

/**
 * A directory whose `node` is older than 24 (cannot load .ts): the system's own node when it is,
 * else this Node with type stripping turned off, which fails on .ts the same way.
 */
function olderNodeDir(npx: string): string {
  const dir = tempDir('reelsmith-old-node-');
  const system = join(dirname(npx), 'node');
  const major = existsSync(system) ? Number(/^v(\d+)/.exec(spawnSync(system, ['--version'], { encoding: 'utf8' }).stdout)?.[1]) : NaN;
  if (major < 24) symlinkSync(system, join(dir, 'node'));
  else {
    writeFileSync(join(dir, 'node'), `#!/bin/sh\nexec '${process.execPath}' --no-experimental-strip-types "$@"\n`);
    chmodSync(join(dir, 'node'), 0o755);
  }
  return dir;
}

const npx = systemNpx();

describe("MCP over stdio as README's client configuration starts it: npx --prefix <clone>, elsewhere, an older node first on PATH", { skip: npx ? false : 'no npx on PATH' }, () => {
  let svc: RunningServer;
  let client: Client;
  before(async () => {
    svc = await serve();
    const elsewhere = tempDir('reelsmith-mcp-client-');
    // The caller's own project may have a node_modules/.bin of its own.
    mkdirSync(join(elsewhere, 'node_modules', '.bin'), { recursive: true });
    const old = olderNodeDir(npx!);
    assert.notEqual(spawnSync(join(old, 'node'), ['-e', 'process.exit(process.features.typescript ? 0 : 1)']).status, 0, 'the node first on PATH cannot run TypeScript');
    client = await connected(
      new StdioClientTransport({
        command: 'npx',
        args: ['--prefix', resolve(import.meta.dirname, '../..'), 'reelsmith', 'mcp'],
        cwd: elsewhere,
        env: {
          PATH: [old, dirname(npx!), '/usr/local/bin', '/usr/bin', '/bin'].join(delimiter),
          HOME: process.env.HOME ?? '',
          // npx's own cache, fresh: what a first-time user has.
          npm_config_cache: tempDir('reelsmith-npx-cache-'),
          npm_config_update_notifier: 'false',
          REELSMITH_URL: svc.url,
          REELSMITH_API_KEY: KEY,
        },
        stderr: 'ignore',
      }),
    );
  });
  after(async () => {
    await client?.close();
    await svc?.stop();
  });

  it('connects and serves the tools (the entry runs main.ts on the clone’s Node 24)', async () => {
    assert.deepEqual((await client.listTools()).tools.map((t) => t.name).sort(), TOOLS);
    const r = await call(client, 'list_voices', {});
    assert.ok(!r.isError, JSON.stringify(r));
    assert.ok((r.structuredContent.voices as { voice_id: string }[]).some((v) => v.voice_id === 'en-us'));
  });
});

describe('list_voices with ElevenLabs', () => {
  let el: FakeElevenLabs;
  let svc: RunningServer;
  before(async () => {
    el = await startFakeElevenLabs({});
    svc = await serve({ ELEVENLABS_API_KEY: FAKE_ELEVENLABS_KEY, ELEVENLABS_BASE_URL: el.url, WORKER_URL: 'http://127.0.0.1:9' });
  });
  after(async () => {
    await svc?.stop();
    await el?.close();
  });

  it("lists the account's voices through the provider", async () => {
    const client = await connected(overHttp(svc.url));
    try {
      const r = await call(client, 'list_voices', {});
      const voices = r.structuredContent.voices as { voice_id: string; name: string; provider: string }[];
      assert.deepEqual(
        voices.map((v) => [v.voice_id, v.name, v.provider]),
        [
          ['JBFqnCBsd6RMkjVDRZzb', 'George', 'elevenlabs'],
          ['21m00Tcm4TlvDq8ikWAM', 'Rachel', 'elevenlabs'],
        ],
      );
      const asked = el.requests.filter((q) => q.path === '/v1/voices');
      assert.equal(asked.length, 1);
      assert.equal(asked[0]!.headers['xi-api-key'], FAKE_ELEVENLABS_KEY);
    } finally {
      await client.close();
    }
  });
});
