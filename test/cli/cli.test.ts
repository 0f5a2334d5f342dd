// The `reelsmith` command, run in a process of its own (one for the file's commands, a new one
// where stdin or a signal is the point) the way a user runs it: a real local render checked
// with ffprobe, the remote commands against a service this test starts, and bad arguments, each
// with a clear message and its documented exit code.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { progressView, stageFractions } from '../../functions/cli/progress.ts';
import { loadConfig } from '../../functions/config.ts';
import { createLogger } from '../../functions/log.ts';
import { startServer, type RunningServer } from '../../functions/server.ts';
import { ffprobe } from '../support/ffprobe.ts';
import { childEnv } from '../support/child-env.ts';
import { startCliHost } from '../support/cli-host.ts';
import { espeakRecording, writeRecording } from '../support/speech-recordings.ts';
import { tempDir } from '../support/temp-dir.ts';

const CLI = join(import.meta.dirname, '../../functions/cli/main.ts');
// The renders here check files, sizes and durations, never the encoder's efficiency: x264's fastest preset.
const ENCODE = { RENDER_PRESET: 'ultrafast' };
/** No Ken Burns move (about 40% of a render's CPU) where the files, not the picture, are checked. */
const STILL = ['--motion', 'none'];

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** One process for the commands of this file that need none of their own (see cli-host.ts). */
const host = startCliHost();
after(() => host.close());

/**
 * `reelsmith ...args` with PATH, HOME and `env` only, in `cwd`: in the host process, or, given
 * stdin `input`, in a process of its own.
 */
function cli(args: string[], opts: { env?: Record<string, string>; input?: string; cwd?: string } = {}): Promise<Run> {
  const env = { ...childEnv(), LOG_LEVEL: 'error', ...ENCODE, ...opts.env };
  const cwd = opts.cwd ?? tempDir('reelsmith-cli-cwd-');
  if (opts.input === undefined) return host.run(args, env, cwd);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd, env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(opts.input);
  });
}

// One sentence: the renders below check files, sizes and durations, which a short video has too.
const SCRIPT = 'The ocean covers most of our planet.';

describe('reelsmith: arguments and help', () => {
  const dir = tempDir('reelsmith-cli-args-');
  const script = join(dir, 'script.txt');
  writeFileSync(script, SCRIPT);

  it('--help works on the program and on every command, with the exit codes', async () => {
    const top = await cli(['--help']);
    assert.equal(top.code, 0);
    assert.match(top.stdout, /Exit codes: 0 done/);
    for (const cmd of ['render', 'submit', 'status', 'wait', 'download', 'cancel', 'list', 'mcp', 'script', 'batch', 'batch-status', 'batch-cancel']) {
      const r = await cli([cmd, '--help']);
      assert.equal(r.code, 0, `${cmd} --help: ${r.stderr}`);
      assert.match(r.stdout, new RegExp(`^Usage: reelsmith ${cmd}`), cmd);
    }
  });

  for (const [name, args, pattern] of [
    ['a choice that does not exist', ['render', script, '--aspect', '4:3'], /--aspect.*'4:3' is invalid.*9:16, 1:1, 16:9/],
    ['a number that is not one', ['render', script, '--speed', 'fast'], /--speed must be a number/],
    ['a value the schema refuses', ['render', script, '--speed', '3'], /--speed \(speed\): Too big/],
    ['--fit speed without --max-duration', ['render', script, '--fit', 'speed'], /--fit \(fit\): fit: "speed" fits the voice into max_duration_s: send max_duration_s too/],
    ['a missing script file', ['render', join(dir, 'nope.txt')], /cannot read the script .*nope\.txt: ENOENT/],
    ['an empty script', ['render', join(dir, 'empty.txt')], /empty\.txt is empty/],
    ['an unknown field in a JSON request', ['render', join(dir, 'bad.json')], /colour: unknown field/],
    ['a storyboard_id, which only its service can render', ['render', join(dir, 'storyboard.json')], /storyboard_id: a storyboard is kept by the service that made it; render it there with `reelsmith submit`/],
    ['a music URL that is not http', ['submit', script, '--music', 'song.mp3'], /--music \(music\.url\): must be an http\(s\) URL/],
    ['a --voiceover file that is not there', ['submit', script, '--voiceover', join(dir, 'nope.mp3')], /--voiceover: cannot read .*nope\.mp3: ENOENT/],
    ['a --voiceover with a --voice', ['render', script, '--voiceover', script, '--voice', 'en-us'], /--voice \(voice_id\): the voiceover is the voice: leave voice_id out/],
    ['an unknown option', ['status', 'abc', '--colour', 'red'], /unknown option '--colour'/],
    ['a missing argument', ['status'], /missing required argument 'id'/],
    ['an unknown command', ['paint'], /unknown command 'paint'/],
    ['neither a script nor a topic', ['submit'], /give a script file \(- for stdin\), or --topic to have one written/],
    ['a topic to render here without a language model', ['render', '--topic', 'why bees dance'], /topic: writing a script needs a language model: set LLM_BASE_URL and LLM_MODEL/],
    ['a topic field without a topic', ['render', script, '--tone', 'calm'], /--tone \(tone\): tone shapes a script written from a topic/],
    ['a batch file of another kind', ['batch', script], /a batch file is a \.csv .* or a \.jsonl/],
    ['a batch file that is not JSON Lines', ['batch', join(dir, 'bad.jsonl')], /bad\.jsonl line 2 is not JSON/],
  ] as const) {
    it(`${name}: exit 2 and a message naming it`, async () => {
      writeFileSync(join(dir, 'empty.txt'), '  \n');
      writeFileSync(join(dir, 'bad.json'), JSON.stringify({ script_text: SCRIPT, colour: 'red' }));
      writeFileSync(join(dir, 'storyboard.json'), JSON.stringify({ storyboard_id: 'sb-1' }));
      writeFileSync(join(dir, 'bad.jsonl'), '{"script_text":"One."}\n{script_text: two}\n');
      const r = await cli([...args]);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, pattern);
      assert.doesNotMatch(r.stderr, /at .*\.ts:\d+/, 'no stack trace');
    });
  }

  it('--json errors are one JSON document on stdout', async () => {
    const r = await cli(['render', join(dir, 'nope.txt'), '--json']);
    assert.equal(r.code, 2);
    assert.equal(JSON.parse(r.stdout).error.code, 'unreadable_script');
  });

  for (const args of [
    ['render', 'script.txt', '--aspect', '4:3'],
    ['status'],
    ['list', '--colour', 'red'],
    ['paint'],
  ]) {
    it(`--json with an argument error (${args.join(' ')}): one JSON error on stdout, exit 2`, async () => {
      const r = await cli([...args, '--json'], { cwd: dir });
      assert.equal(r.code, 2, r.stderr);
      const doc = JSON.parse(r.stdout);
      assert.match(doc.error.code, /^[a-z_]+$/);
      assert.ok(doc.error.message.length > 10 && !doc.error.message.startsWith('error:'), doc.error.message);
    });
  }

  for (const limit of ['0', '500', '2.5']) {
    it(`list --limit ${limit}: refused before asking the service, with one message`, async () => {
      const r = await cli(['list', '--limit', limit, '--url', 'http://127.0.0.1:9']);
      assert.equal(r.code, 2, r.stderr);
      assert.equal(r.stderr.match(/must be a whole number from 1 to 100/g)?.length, 1, r.stderr);
      assert.match(r.stderr, /--limit must be a whole number from 1 to 100/);
    });
  }

  it('an emoji-only script is refused before anything runs: nothing to speak, naming script_text', async () => {
    writeFileSync(join(dir, 'emoji.txt'), '🎉🚀 ✨\n');
    const r = await cli(['render', join(dir, 'emoji.txt'), '-o', join(dir, 'emoji.mp4')]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /script_text: there is nothing to speak/);
    assert.equal(existsSync(join(dir, 'emoji.mp4')), false);
  });

  it('wait on a terminal: the bars end where the status does (total 52%, the stopped stage marked)', () => {
    let screen = '';
    const tty = Object.assign(
      new Writable({
        write(chunk, _enc, done) {
          screen += chunk;
          done();
        },
      }),
      { isTTY: true, columns: 100, rows: 40 },
    ) as unknown as NodeJS.WriteStream;
    const view = progressView({ json: false, tty: true }, tty);
    view.update('render', 52, 'cancelled');
    view.stop();
    // The last frame, without the terminal's control sequences.
    const text = screen.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '');
    assert.match(text, /total\s+\|[^|]*\|\s+52%/);
    assert.match(text, /render \(cancelled\)\s+\|[^|]*\|\s+35%/);
  });

  it('stage bars: earlier stages full, the current one partly, later ones empty', () => {
    assert.deepEqual(stageFractions('render', 61), { speech: 1, footage: 1, render: 0.5, upload: 0 });
    assert.deepEqual(stageFractions('done', 100), { speech: 1, footage: 1, render: 1, upload: 1 });
    assert.deepEqual(stageFractions('queued', 0), { speech: 0, footage: 0, render: 0, upload: 0 });
  });
});

describe('reelsmith render: in this process', () => {
  it('renders a script file to an MP4 with its sidecars (--json)', async () => {
    const dir = tempDir('reelsmith-cli-render-');
    writeFileSync(join(dir, 'script.txt'), SCRIPT);
    const r = await cli(['render', 'script.txt', '-o', 'out/short.mp4', '--aspect', '1:1', '--resolution', '720p', '--captions', 'line', ...STILL, '--json'], {
      cwd: dir,
    });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, '', 'nothing but the result with --json');
    const result = JSON.parse(r.stdout);
    assert.equal(result.output, join(dir, 'out/short.mp4'));
    const info = ffprobe(result.output);
    const video = info.streams.find((s) => s.codec_type === 'video');
    assert.equal(video?.codec_name, 'h264');
    assert.equal(info.streams.find((s) => s.codec_type === 'audio')?.codec_name, 'aac');
    assert.deepEqual([video?.width, video?.height, result.width, result.height], [720, 720, 720, 720]);
    assert.ok(Math.abs(info.durationS - result.duration_s) < 0.2, `${info.durationS} vs ${result.duration_s}`);
    assert.equal(info.sizeBytes, result.size_bytes);
    assert.equal(result.captions_vtt, join(dir, 'out/short.vtt'));
    assert.match(readFileSync(result.captions_vtt, 'utf8'), /^WEBVTT[\s\S]*ocean/i);
    assert.match(readFileSync(result.captions_srt, 'utf8'), /^1\r?\n00:00:0/);
    assert.equal(ffprobe(result.thumbnail).streams[0]?.codec_name, 'mjpeg');
    assert.deepEqual(readdirSync(join(dir, 'out')).sort(), ['short.jpg', 'short.mp4', 'short.srt', 'short.vtt'], 'no partial files left');
  });

  it('SIGTERM cleans up as Ctrl-C does: no output, no temporary files, exit 143', async () => {
    const dir = tempDir('reelsmith-cli-term-');
    const tmp = join(dir, 'tmp');
    mkdirSync(tmp);
    writeFileSync(join(dir, 'long.txt'), Array.from({ length: 12 }, (_, i) => `Sentence number ${i + 1} keeps the renderer busy for a while.`).join(' '));
    const child = spawn(process.execPath, [CLI, 'render', 'long.txt', '-o', 'out.mp4', '--resolution', '720p'], {
      cwd: dir,
      env: { ...childEnv(), LOG_LEVEL: 'error', ...ENCODE, TMPDIR: tmp },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    let sent = false;
    child.stderr.on('data', (c) => {
      stderr += c;
      // Piped, progress comes as lines: stop it once it is under way.
      if (!sent && /^(speech|footage|render) \d+%$/m.test(stderr)) {
        sent = true;
        child.kill('SIGTERM');
      }
    });
    const [code, signal] = await new Promise<[number | null, string | null]>((r) => child.on('close', (c, sig) => r([c, sig])));
    assert.ok(sent, stderr);
    assert.deepEqual([code, signal], [143, null], stderr);
    assert.match(stderr, /interrupted; nothing was written/);
    assert.deepEqual(readdirSync(dir).sort(), ['long.txt', 'tmp']);
    assert.deepEqual(readdirSync(tmp), [], 'the render’s temporary dir is removed');
  });

  it('--outputs: one file per video beside -o (out.mp4, out-16x9.mp4), each with its sidecars', async () => {
    const dir = tempDir('reelsmith-cli-render-');
    writeFileSync(join(dir, 'script.txt'), SCRIPT);
    const r = await cli(['render', 'script.txt', '-o', 'out.mp4', '--outputs', '9:16,16:9', '--resolution', '720p', ...STILL, '--json'], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    const result = JSON.parse(r.stdout);
    assert.equal(result.output, join(dir, 'out.mp4'));
    assert.deepEqual(
      result.outputs.map((o: any) => [o.output, o.aspect_ratio, o.width, o.height, o.thumbnail, o.captions_vtt, o.captions_srt]),
      [
        [join(dir, 'out.mp4'), '9:16', 720, 1280, join(dir, 'out.jpg'), join(dir, 'out.vtt'), join(dir, 'out.srt')],
        [join(dir, 'out-16x9.mp4'), '16:9', 1280, 720, join(dir, 'out-16x9.jpg'), join(dir, 'out-16x9.vtt'), join(dir, 'out-16x9.srt')],
      ],
    );
    for (const o of result.outputs) {
      const info = ffprobe(o.output);
      const video = info.streams.find((st) => st.codec_type === 'video')!;
      assert.deepEqual([video.width, video.height], [o.width, o.height]);
      assert.equal(info.sizeBytes, o.size_bytes);
      assert.ok(Math.abs(info.durationS - result.duration_s) < 0.2);
    }
    assert.deepEqual(readdirSync(dir).sort(), ['out-16x9.jpg', 'out-16x9.mp4', 'out-16x9.srt', 'out-16x9.vtt', 'out.jpg', 'out.mp4', 'out.srt', 'out.vtt', 'script.txt']);
    // The text output of several videos (a block per video) is the stdin test's.
    const bad = await cli(['render', 'script.txt', '--outputs', '9:16,4:3'], { cwd: dir });
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--outputs \(outputs\.1\.aspect_ratio\): Invalid option/);
  });

  it('reads the script from stdin and, piped, prints progress lines and a summary, a block per video', async () => {
    const dir = tempDir('reelsmith-cli-render-');
    const r = await cli(['render', '-', '-o', 'v.mp4', '--outputs', '9:16,1:1', '--resolution', '720p', '--captions', 'none', ...STILL], { cwd: dir, input: SCRIPT });
    assert.equal(r.code, 0, r.stderr);
    const stages = r.stderr.split('\n').filter(Boolean).map((l) => l.split(' ')[0]);
    assert.deepEqual([...new Set(stages)], ['speech', 'footage', 'render', 'upload', 'done'], r.stderr);
    assert.match(r.stdout, new RegExp(`^${join(dir, 'v.mp4')}  [\\d.]+ s  720×1280  `));
    assert.match(r.stdout, new RegExp(`^${join(dir, 'v.mp4')}  [\\d.]+ s  720×1280  [\\s\\S]*\\n${join(dir, 'v-1x1.mp4')}  [\\d.]+ s  720×720  `));
    assert.match(r.stdout, /thumbnail {2}.*v\.jpg/);
    assert.equal(ffprobe(join(dir, 'v.mp4')).streams.find((s) => s.codec_type === 'video')?.height, 1280);
  });
});

describe('reelsmith against a running service', () => {
  let svc: RunningServer;
  let dir: string;
  const key = 'cli-key-1';
  let flags: string[];
  before(async () => {
    dir = tempDir('reelsmith-cli-remote-');
    writeFileSync(join(dir, 'script.txt'), SCRIPT);
    const cfg = loadConfig({ ...ENCODE, PORT: '0', DATA_DIR: join(dir, 'data'), API_KEYS: key, LOG_LEVEL: 'error', MAX_CONCURRENT_TASKS: '1' });
    svc = await startServer(cfg, 'local', createLogger('fatal'));
    flags = ['--url', svc.url, '--json'];
  });
  after(() => svc?.stop());

  it('submit, wait (downloading the MP4), status, list, download', async () => {
    const env = { REELSMITH_API_KEY: key };
    // The smallest frame: the files, sizes and durations are the point.
    const submitted = await cli(['submit', 'script.txt', '--resolution', '720p', '--aspect', '1:1', '--captions', 'karaoke', ...STILL, ...flags], { cwd: dir, env });
    assert.equal(submitted.code, 0, submitted.stderr);
    const id = JSON.parse(submitted.stdout).task_id;
    assert.match(id, /^[0-9a-f-]{36}$/);

    const waited = await cli(['wait', id, '--interval', '0.2', '-o', 'waited.mp4', ...flags], { cwd: dir, env });
    assert.equal(waited.code, 0, waited.stderr);
    const view = JSON.parse(waited.stdout);
    assert.equal(view.status, 'completed');
    assert.equal(view.downloaded.path, join(dir, 'waited.mp4'));
    const info = ffprobe(join(dir, 'waited.mp4'));
    assert.ok(Math.abs(info.durationS - view.result.duration_s) < 0.2);
    assert.equal(info.sizeBytes, view.result.size_bytes);

    const status = await cli(['status', id, '--url', svc.url, '--key', key]);
    assert.equal(status.code, 0);
    assert.match(status.stdout, new RegExp(`^${id}  completed  done  100%`));

    const list = await cli(['list', ...flags], { env });
    assert.equal(JSON.parse(list.stdout).data[0].task_id, id);

    const dl = await cli(['download', id, ...flags], { cwd: dir, env });
    assert.equal(dl.code, 0, dl.stderr);
    assert.equal(JSON.parse(dl.stdout).size_bytes, view.result.size_bytes);
    assert.ok(existsSync(join(dir, `${id}.mp4`)));

    const again = await cli(['cancel', id, ...flags], { env });
    assert.equal(again.code, 3, 'a finished task cannot be cancelled: the service refuses');
    assert.equal(JSON.parse(again.stdout).error.code, 'already_finished');
  });

  it('--voiceover FILE: submit uploads the recording and the task aligns it; render reads it in place (a recording of another sentence fails both, naming it)', async () => {
    // A mismatch fails at alignment, before any footage or render: the recording reached the
    // aligner through the upload (submit) and in place (render), at the cost of no video.
    const said = ['The cat slept on the warm mat all morning.', 'Then it woke up, stretched, and walked away.'];
    const other = await espeakRecording([said[0]!, 'A storm rolled in over the grey hills at dusk.'], { voice: 'en-us+klatt3', rate: 150, pitch: 30 }, { seed: 8 });
    await writeRecording(join(dir, 'take.wav'), other);
    writeFileSync(join(dir, 'said.txt'), said.join(' '));
    const env = { REELSMITH_API_KEY: key };
    const submitted = await cli(['submit', 'said.txt', '--voiceover', 'take.wav', ...flags], { cwd: dir, env });
    assert.equal(submitted.code, 0, submitted.stderr);
    const waited = await cli(['wait', JSON.parse(submitted.stdout).task_id, '--interval', '0.2', ...flags], { cwd: dir, env });
    assert.equal(waited.code, 1, waited.stderr);
    const failed = JSON.parse(waited.stdout);
    assert.equal(failed.error.code, 'voiceover_mismatch');
    assert.match(failed.error.message, /sentence 2 \("Then it woke up, stretched, and walked away\."\)/);

    const rendered = await cli(['render', 'said.txt', '--voiceover', 'take.wav', '-o', 'take.mp4'], { cwd: dir });
    assert.equal(rendered.code, 1, rendered.stderr);
    assert.match(rendered.stderr, /sentence 2 \("Then it woke up, stretched, and walked away\."\)/);
    assert.equal(existsSync(join(dir, 'take.mp4')), false);
  });

  it('a 422 from the service names each field once', async () => {
    const r = await cli(['submit', 'script.txt', '--callback', 'http://127.0.0.1/hook', '--url', svc.url, '--key', key], { cwd: dir });
    assert.equal(r.code, 3, r.stderr);
    assert.equal(r.stderr.match(/callback_url/g)?.length, 1, r.stderr);
  });

  it('an emoji-only script is refused at submit: 422 naming script_text, no task made', async () => {
    const res = await fetch(`${svc.url}/v1/videos`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: JSON.stringify({ script_text: '🎉🚀 ✨' }),
    });
    assert.equal(res.status, 422);
    const body = (await res.json()) as any;
    assert.equal(body.error.details[0].path, 'script_text');
    assert.match(body.error.details[0].message, /there is nothing to speak/);
    const scenes = await fetch(`${svc.url}/v1/storyboards`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: JSON.stringify({ scenes: [{ text: 'Words here.' }, { text: '**🔥**' }] }),
    });
    assert.equal(scenes.status, 422);
    assert.equal(((await scenes.json()) as any).error.details[0].path, 'scenes.1.text');
  });

  it('cancel a task, then wait exits 5', async () => {
    const env = { REELSMITH_API_KEY: key };
    const id = JSON.parse((await cli(['submit', 'script.txt', ...flags], { cwd: dir, env })).stdout).task_id;
    const cancelled = await cli(['cancel', id, ...flags], { env });
    assert.equal(cancelled.code, 0, cancelled.stderr);
    assert.equal(JSON.parse(cancelled.stdout).status, 'cancelled');
    const waited = await cli(['wait', id, '--url', svc.url], { env });
    assert.equal(waited.code, 5);
    assert.match(waited.stdout, /cancelled/);
  });

  it('a refused request exits 3 with the service message; an unreachable service exits 4', async () => {
    const noKey = await cli(['status', 'abc', '--url', svc.url]);
    assert.equal(noKey.code, 3);
    assert.match(noKey.stderr, /missing or unknown API key.*\(401 unauthorized\)/);
    const unknown = await cli(['status', 'abc', '--url', svc.url, '--key', key]);
    assert.equal(unknown.code, 3);
    assert.match(unknown.stderr, /task abc not found \(404 not_found\)/);
    // A port that was just free: nothing listens there.
    const probe = createNetServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const port = (probe.address() as AddressInfo).port;
    await new Promise((r) => probe.close(r));
    const down = await cli(['status', 'abc', '--url', `http://127.0.0.1:${port}`]);
    assert.equal(down.code, 4);
    assert.match(down.stderr, new RegExp(`cannot reach http://127\\.0\\.0\\.1:${port}: ECONNREFUSED`));
  });
});
