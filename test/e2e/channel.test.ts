// Channel automation end to end (issue 26), on the Chat Completions fake, espeak-ng and generated
// backgrounds: a topic becomes a storyboard and then a video whose narration is the written
// script, posted with its title, description and hashtags; a 10-row CSV becomes a batch (through
// the CLI) that completes with ten videos downloaded and one signed callback, and a CSV with one
// bad row makes nothing and names the row; a template's caption look and outputs show in the
// video, under a field the request overrides. Videos are tiny: 1:1 720p, a sentence, ultrafast;
// the storyboard's and the batch's are still (motion none: those tests do not look at the Ken
// Burns move, which costs render CPU). The template's keep the default move: their caption-detail
// check was measured on it.
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { readdirSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { loadConfig } from '../../functions/config.ts';
import { createLogger } from '../../functions/log.ts';
import { startServer, type RunningServer } from '../../functions/server.ts';
import { FAKE_LLM_KEY, startFakeChatCompletions, type FakeChatCompletions } from '../fakes/index.ts';
import { childEnv } from '../support/child-env.ts';
import { ffprobe } from '../support/ffprobe.ts';
import { tempDir } from '../support/temp-dir.ts';
import { waitFor } from '../support/wait.ts';

const CLI = join(import.meta.dirname, '../../functions/cli/main.ts');
const KEY = 'channel-key-1';
const SECRET = 'channel-secret-0000000000000000000000';
const TINY = { aspect_ratio: '1:1', resolution: '720p' } as const;

function cli(args: string[], cwd: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd, env: { ...childEnv(), REELSMITH_API_KEY: KEY }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Words as the captions show them, lower case, punctuation out: to compare a narration with its script. */
const words = (s: string) => s.toLowerCase().replace(/[^\p{L}\p{N}\s]/gu, ' ').split(/\s+/).filter(Boolean);

/** The text of a WebVTT file's cues, in order: no header, timings or tags. */
const vttText = (vtt: string) =>
  vtt
    .split(/\r?\n/)
    .filter((l) => l && l !== 'WEBVTT' && !l.includes('-->') && !/^\d+$/.test(l))
    .map((l) => l.replace(/<[^>]*>/g, ''))
    .join(' ');

/**
 * How much detail the top and the bottom third of a frame hold: the sum of the differences between
 * neighbouring pixels along each row of a 96x96 grey copy. Captions are sharp text on a smooth
 * generated gradient, so the third that holds them has several times the detail of the other.
 */
async function thirdsDetail(video: string, atS: number): Promise<{ top: number; bottom: number }> {
  // Awaited: a blocked event loop lets an idle keep-alive connection to the service expire unseen (support/video-frames.ts).
  const { stdout: px } = await promisify(execFile)('ffmpeg', ['-v', 'error', '-ss', String(atS), '-i', video, '-frames:v', '1', '-vf', 'scale=96:96:flags=area', '-f', 'rawvideo', '-pix_fmt', 'gray', '-'], { encoding: 'buffer' });
  const band = (from: number, to: number) => {
    let sum = 0;
    for (let y = from; y < to; y++) for (let x = 1; x < 96; x++) sum += Math.abs(px[y * 96 + x]! - px[y * 96 + x - 1]!);
    return sum;
  };
  return { top: band(0, 32), bottom: band(64, 96) };
}

describe('channel automation', () => {
  let llm: FakeChatCompletions;
  let svc: RunningServer;
  let hooks: Server;
  let hookUrl = '';
  const received: { headers: Record<string, string | string[] | undefined>; body: string }[] = [];
  const auth = { authorization: `Bearer ${KEY}` };
  const api = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${svc.url}${path}`, { method, headers: { ...auth, ...(body === undefined ? {} : { 'content-type': 'application/json' }) }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    return { status: res.status, body: (await res.json()) as any };
  };
  const finished = (path: string) =>
    waitFor(async () => {
      const r = await api('GET', path);
      return ['completed', 'failed', 'cancelled'].includes(r.body.status) ? r.body : null;
    }, path);
  const download = async (url: string, to: string) => {
    writeFileSync(to, Buffer.from(await (await fetch(url)).arrayBuffer()));
    return to;
  };

  before(async () => {
    llm = await startFakeChatCompletions({});
    hooks = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        received.push({ headers: req.headers, body });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => hooks.listen(0, '127.0.0.1', r));
    hookUrl = `http://127.0.0.1:${(hooks.address() as AddressInfo).port}/hook`;
    const cfg = loadConfig({
      PORT: '0',
      DATA_DIR: tempDir('reelsmith-channel-'),
      API_KEYS: KEY,
      ALLOW_PRIVATE_URLS: 'true',
      CALLBACK_SECRET: SECRET,
      RENDER_PRESET: 'ultrafast',
      LLM_BASE_URL: llm.url,
      LLM_API_KEY: FAKE_LLM_KEY,
      LLM_MODEL: 'gpt-4o-mini',
      LOG_LEVEL: 'error',
    });
    svc = await startServer(cfg, 'local', createLogger('fatal'));
  });
  after(async () => {
    await svc?.stop();
    await llm?.close();
    await new Promise((r) => hooks?.close(r));
  });

  it('a topic becomes a storyboard, then a video whose narration is the written script, posted with its title, description and hashtags', async () => {
    const made = await api('POST', '/v1/storyboards', { topic: 'why octopuses have three hearts', duration_s: 6, tone: 'playful', ...TINY, captions: false, motion: 'none' });
    assert.equal(made.status, 202, JSON.stringify(made.body));
    const sb = await finished(`/v1/storyboards/${made.body.storyboard_id}`);
    assert.equal(sb.status, 'completed', JSON.stringify(sb));
    const script = sb.script;
    assert.ok(script && script.scenes.length > 0, 'the storyboard shows the written script');
    assert.equal(llm.completions.length >= 1, true);
    // The model was asked about the topic, for the tone asked.
    const asked = llm.completions[0]!.request.messages.map((m) => m.content).join('\n');
    assert.match(asked, /octopuses have three hearts/);
    assert.match(asked, /playful/);
    // Its scenes are the storyboard's: the narration says the script, scene by scene.
    assert.deepEqual(words(sb.storyboard.sentences.map((s: { text: string }) => s.text).join(' ')), words(script.script_text));
    assert.deepEqual(words(sb.storyboard.scenes.map((s: { text: string }) => s.text).join(' ')), words(script.scenes.map((s: { text: string }) => s.text).join(' ')));

    const asks = llm.completions.length;
    const video = await api('POST', '/v1/videos', { storyboard_id: sb.storyboard_id });
    assert.equal(video.status, 202, JSON.stringify(video.body));
    const v = await finished(`/v1/videos/${video.body.task_id}`);
    assert.equal(v.status, 'completed', JSON.stringify(v));
    assert.equal(llm.completions.length, asks, 'the script is not written again');
    assert.deepEqual(v.script, script);
    assert.deepEqual([v.result.title, v.result.description, v.result.hashtags], [script.title, script.description, script.hashtags]);
    assert.ok(v.result.hashtags.length > 0 && v.result.hashtags.every((h: string) => h.startsWith('#')));
    // The video's captions (the sidecar: burn-in is off) say exactly the script.
    const vtt = await (await fetch(v.result.captions_url)).text();
    assert.deepEqual(words(vttText(vtt)), words(script.script_text));
    const file = await download(v.result.video_url, join(tempDir('reelsmith-channel-video-'), 'v.mp4'));
    const info = ffprobe(file);
    assert.ok(Math.abs(info.durationS - v.result.duration_s) < 0.2);
    assert.deepEqual([info.streams[0]!.width, info.streams[0]!.height], [720, 720]);
  });

  it('a 10-row CSV becomes a batch: ten videos downloaded, one signed callback once every item has ended', async () => {
    const dir = tempDir('reelsmith-channel-batch-');
    const rows = Array.from({ length: 10 }, (_, i) => `"Fact number ${i + 1} is short.",Fact ${i + 1},#fact${i + 1},none`);
    writeFileSync(join(dir, 'facts.csv'), `script_text,title,hashtags,motion\n${rows.join('\n')}\n`);
    const r = await cli(['batch', 'facts.csv', '--url', svc.url, '--aspect', '1:1', '--resolution', '720p', '--captions', 'none', '--callback', hookUrl, '--interval', '0.3', '--json'], dir);
    assert.equal(r.code, 0, r.stderr + r.stdout);
    const out = JSON.parse(r.stdout);
    assert.equal(out.batch.status, 'completed');
    assert.deepEqual(out.batch.counts, { queued: 0, processing: 0, completed: 10, failed: 0, cancelled: 0 });
    const saved = readdirSync(join(dir, 'facts')).sort();
    assert.deepEqual(saved, [...Array.from({ length: 10 }, (_, i) => `${String(i + 1).padStart(3, '0')}-fact-${i + 1}.mp4`), 'batch.json'].sort());
    for (const [i, f] of out.files.entries()) {
      assert.equal(f.row, `row ${i + 1} (line ${i + 2})`);
      const info = ffprobe(f.path);
      assert.deepEqual([info.streams[0]!.width, info.streams[0]!.height], [720, 720], f.path);
    }
    // Each item is a task of its own, with its row's posting words.
    const third = await api('GET', `/v1/videos/${out.batch.items[2].task_id}`);
    assert.deepEqual([third.body.result.title, third.body.result.hashtags], ['Fact 3', ['#fact3']]);
    assert.equal(third.body.callback, null, 'an item has no callback of its own');

    // One callback, for the batch, signed, once the last item ended.
    const hook = await waitFor(async () => received.find((h) => h.headers['x-reelsmith-event'] === 'batch.completed') ?? null, 'the batch callback');
    const [, t, v1] = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(String(hook.headers['x-reelsmith-signature']))!;
    assert.equal(v1, createHmac('sha256', SECRET).update(`${t}.${hook.body}`).digest('hex'));
    const view = JSON.parse(hook.body);
    assert.equal(view.batch_id, out.batch.batch_id);
    assert.equal(view.counts.completed, 10);
    for (const item of view.items) {
      assert.match(item.video_url, /^http:\/\/.*\/files\/videos\//);
      assert.ok(item.download_url.endsWith(`/download/${item.task_id}`), item.download_url);
    }
    assert.equal(hook.headers['x-reelsmith-delivery-id'], `${view.batch_id}.completed`);
    assert.equal(received.length, 1, 'one callback in all: the items sent none');
  });

  it('a CSV with one bad row creates nothing, and the CLI names the row', async () => {
    const dir = tempDir('reelsmith-channel-bad-');
    writeFileSync(join(dir, 'bad.csv'), 'script_text,captions.style\nFine row.,line\nAnother fine row.,comic\nA third.,karaoke\n');
    const before = (await api('GET', '/v1/videos?limit=100')).body.data.length;
    const local = await cli(['batch', 'bad.csv', '--url', svc.url], dir);
    assert.equal(local.code, 2, local.stderr);
    assert.match(local.stderr, /nothing was submitted/);
    assert.match(local.stderr, /row 2 \(line 3\): captions\.style: Invalid option/);
    // With a template the service checks the rows (the CLI cannot see templates): the same answer, nothing made.
    const tpl = await api('POST', '/v1/templates', { name: 'plain', settings: { ...TINY } });
    const remote = await cli(['batch', 'bad.csv', '--url', svc.url, '--template', tpl.body.template_id], dir);
    assert.equal(remote.code, 2, remote.stderr);
    assert.match(remote.stderr, /row 2 \(line 3\): captions\.style/);
    assert.equal((await api('GET', '/v1/videos?limit=100')).body.data.length, before, 'no task was made');
  });

  it("a template's caption look and outputs show in the video; a request field overrides one", async () => {
    const saved = await cli(['template', 'save', 'boxed top', '--url', svc.url, '--captions', 'boxed', '--caption-position', 'top', '--outputs', '1:1,16:9', '--resolution', '720p', '--json'], tempDir('reelsmith-channel-tpl-'));
    assert.equal(saved.code, 0, saved.stderr);
    const tpl = JSON.parse(saved.stdout);
    assert.deepEqual(tpl.settings, { resolution: '720p', outputs: [{ aspect_ratio: '1:1' }, { aspect_ratio: '16:9' }], captions: { style: 'boxed', position: 'top' } });
    const listed = await api('GET', '/v1/templates');
    assert.ok(listed.body.data.some((t: { template_id: string }) => t.template_id === tpl.template_id));

    const dir = tempDir('reelsmith-channel-tpl-video-');
    const render = async (body: Record<string, unknown>) => {
      const made = await api('POST', '/v1/videos', { template_id: tpl.template_id, ...body });
      assert.equal(made.status, 202, JSON.stringify(made.body));
      const v = await finished(`/v1/videos/${made.body.task_id}`);
      assert.equal(v.status, 'completed', JSON.stringify(v));
      return Promise.all(
        v.result.outputs.map(async (o: { width: number; height: number; video_url: string; duration_s: number }, i: number) => {
          const file = await download(o.video_url, join(dir, `${made.body.task_id}-${i}.mp4`));
          return { size: [o.width, o.height], captions: await thirdsDetail(file, Math.min(1, o.duration_s / 2)) };
        }),
      );
    };
    // The template alone: its outputs at its resolution, its captions at the top of each.
    const plain = await render({ script_text: 'Boxes hold words.' });
    assert.deepEqual(plain.map((o) => o.size), [[720, 720], [1280, 720]]);
    for (const o of plain) assert.ok(o.captions.top > 2 * o.captions.bottom, `captions at the top: ${JSON.stringify(o)}`);
    // The request's own fields win: one output of its own (still the template's 720p), captions moved to the bottom.
    const moved = await render({ script_text: 'Boxes hold words.', outputs: [{ aspect_ratio: '1:1' }], captions: { position: 'bottom' } });
    assert.deepEqual(moved.map((o) => o.size), [[720, 720]]);
    assert.ok(moved[0]!.captions.bottom > 2 * moved[0]!.captions.top, `captions at the bottom: ${JSON.stringify(moved)}`);
    const unknown = await api('POST', '/v1/videos', { script_text: 'Hi there.', template_id: 'no-such-template' });
    assert.equal(unknown.status, 422);
    assert.equal(unknown.body.error.details[0].path, 'template_id');
    // Merged, then validated whole: a field the template cannot make valid is named as the request's.
    const bad = await api('POST', '/v1/videos', { script_text: 'Hi there.', template_id: tpl.template_id, aspect_ratio: '16:9', captions: { style: 'comic' } });
    assert.equal(bad.status, 422);
    assert.deepEqual(bad.body.error.details.map((d: { path: string }) => d.path), ['captions.style']);
  });
});
