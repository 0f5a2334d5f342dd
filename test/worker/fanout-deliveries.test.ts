// Fan-out deliveries driven by hand, as Cloud Tasks would make them: the planning delivery hands
// the task to its chunks; chunk deliveries arrive in any order, twice, or from a worker that died;
// the one that finishes the last chunk joins them. The result is the same video, frame for frame,
// as the render in one delivery.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../../functions/config.ts';
import { createLogger } from '../../functions/log.ts';
import { startServer, type RunningServer } from '../../functions/server.ts';
import { ffprobe } from '../support/ffprobe.ts';
import { postJson } from '../support/http.ts';
import { tempDir } from '../support/temp-dir.ts';
import { countFrames } from '../support/video-frames.ts';
import { waitFor } from '../support/wait.ts';

const quiet = createLogger('fatal');
// About 7.5 s of espeak narration: four chunks of a piece or two. No Ken Burns move: chunks,
// leases and joins are what these tests check, not the picture (test/pipeline/plan-executors.test.ts
// compares the frames of drawn pieces across the two executors).
const text = {
  script_text: 'Fan-out renders a long video on many workers. Each chunk has its own lease. The last one joins them all. Nothing is rendered twice.',
  resolution: '720p' as const,
  seed: 7,
  motion: 'none' as const,
};
// Square: the smallest frame the API makes; chunks, leases and joins are what these tests check.
const script = { ...text, aspect_ratio: '1:1' as const };
// About 5 s: two chunks, all that the tests other than the first need.
const brief = { ...text, script_text: 'Fan-out renders a long video on many workers. Each chunk has its own lease.' };
const briefSquare = { ...brief, aspect_ratio: '1:1' as const };

/**
 * A completed task's `result.timings`, read through the API: every stage a render of `outputs`
 * videos has, `render` run once per chunk (`chunks` per output, when the test knows them), the CPU of the ffmpeg stages,
 * and every second of the run in a stage or in `other_s`.
 */
async function checkTimings(apiUrl: string, id: string, o: { outputs: number; chunks: number[] | null; fannedOut: boolean }): Promise<void> {
  const view = (await fetch(`${apiUrl}/v1/videos/${id}`).then((r) => r.json())) as { result: { timings: any } };
  const t = view.result.timings;
  assert.ok(t, 'result.timings is set');
  const at = (stage: string, output: number | null = null) => t.stages.find((s: any) => s.stage === stage && s.output === output);
  for (const stage of ['speech', 'timeline', 'plan_store', 'captions', 'upload']) assert.ok(at(stage)?.seconds >= 0 && at(stage).runs >= 1, `${stage}: ${JSON.stringify(at(stage))}`);
  // ffmpeg's own CPU report: the loudness pass, the soundtrack, each output's chunks, join and thumbnail.
  for (const stage of ['loudness', 'soundtrack']) assert.ok(at(stage)?.cpu_s > 0, `${stage}: ${JSON.stringify(at(stage))}`);
  for (let i = 0; i < o.outputs; i++) {
    const render = at('render', i);
    if (o.chunks) assert.equal(render?.runs, o.chunks[i], `output ${i}: one render run per chunk: ${JSON.stringify(render)}`);
    else assert.ok(render?.runs >= 1, `output ${i}: ${JSON.stringify(render)}`);
    assert.ok(render.cpu_s > 0 && render.seconds > 0, JSON.stringify(render));
    for (const stage of ['join', 'thumbnail']) assert.ok(at(stage, i)?.cpu_s > 0, `output ${i} ${stage}: ${JSON.stringify(at(stage, i))}`);
    assert.equal(at('validation', i)?.runs, 1, `output ${i} validation`);
    assert.equal(at('validation', i).cpu_s, null, 'an ffprobe reports no CPU');
  }
  assert.equal(at('render', o.outputs), undefined);
  // A fan-out's deliveries fetch and store the chunks; one delivery does neither.
  assert.equal(Boolean(at('fetch') && at('store')), o.fannedOut, JSON.stringify(t.stages.map((s: any) => s.stage)));
  const close = (a: number, b: number, what: string) => assert.ok(Math.abs(a - b) <= 0.002, `${what}: ${a} vs ${b}`);
  close(t.total_s, t.queued_s + t.run_s, 'total = queued + run');
  close(t.cpu_s, t.stages.reduce((n: number, s: any) => n + (s.cpu_s ?? 0), 0), 'cpu_s is the stages\' CPU');
  // No stage lasts longer than the run, and the stages with what none covers fill it (they overlap, so their sum may be more).
  for (const s of t.stages) assert.ok(s.seconds <= t.run_s + 0.001, `${s.stage} ${s.seconds} s in a ${t.run_s} s run`);
  assert.ok(t.other_s >= 0 && t.other_s < t.run_s, `other ${t.other_s} of ${t.run_s}`);
  assert.ok(t.stages.reduce((n: number, s: any) => n + s.seconds, 0) + t.other_s >= t.run_s - 0.01, 'every second of the run is in a stage or in other_s');
}

describe('fan-out deliveries', () => {
  let dataDir: string;
  let api: RunningServer;
  let worker: RunningServer;

  const env = (extra: Record<string, string> = {}) => ({
    PORT: '0',
    DATA_DIR: dataDir,
    LOG_LEVEL: 'error',
    // The renders here check outcomes, leases and frames, not the encoder's efficiency.
    RENDER_PRESET: 'ultrafast',
    ALLOW_PRIVATE_URLS: 'true',
    LEASE_SECONDS: '2',
    MAX_ATTEMPTS: '3',
    FANOUT_MIN_SECONDS: '3',
    // Every dispatcher points at a dead port: the test makes each delivery itself.
    WORKER_URL: 'http://127.0.0.1:1',
    ...extra,
  });
  const post = (path: string) => fetch(`${worker.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
  const submit = async (body: object = script) => {
    const r = await postJson(`${api.url}/v1/videos`, body);
    assert.equal(r.status, 202, JSON.stringify(r.body));
    return r.body.task_id as string;
  };
  const task = async (id: string) => (await api.runtime.store.get(id))!;
  /** The planning delivery: the task is handed to its chunks. */
  const plan = async (id: string) => {
    const res = await post(`/tasks/${id}/run`);
    assert.equal(res.status, 200);
    assert.equal(((await res.json()) as { outcome: string }).outcome, 'fanned_out');
    const t = await task(id);
    assert.ok(t.fanout, 'the task records its chunks');
    return t.fanout;
  };
  const chunk = (id: string, n: number, attempt = 1) => post(`/tasks/${id}/chunks/${n}/run?attempt=${attempt}`);

  before(async () => {
    dataDir = tempDir('reelsmith-fanout-');
    api = await startServer(loadConfig(env()), 'api', quiet);
    worker = await startServer(loadConfig(env()), 'worker', quiet);
  });
  after(async () => {
    await worker?.stop();
    await api?.stop();
  });

  it('chunks in any order, one a duplicate: each rendered once, the last one joins them, the same frames as one delivery', async () => {
    const id = await submit();
    const fanout = await plan(id);
    const n = fanout.chunks.length;
    assert.ok(n >= 3, `${n} chunks`);
    const order = [...Array(n).keys()].reverse();
    for (const k of order.slice(0, -1)) assert.equal((await chunk(id, k)).status, 200);
    // The last chunk delivered twice at once: one renders and joins, the other is told to come back.
    const last = order.at(-1)!;
    const twice = await Promise.all([chunk(id, last), chunk(id, last)]);
    assert.deepEqual(twice.map((r) => r.status).sort(), [200, 409]);
    const done = await task(id);
    assert.equal(done.status, 'completed', JSON.stringify(done.error));
    assert.deepEqual(done.fanout!.chunks.map((c) => c.attempts), Array(n).fill(1), 'no chunk rendered twice');
    assert.ok(done.fanout!.chunks.every((c) => c.state === 'done' && c.rendered_by));
    // A late duplicate changes nothing.
    assert.equal((await chunk(id, 0)).status, 200);

    // The same request rendered in one delivery.
    const single = await startServer(loadConfig(env({ FANOUT_MIN_SECONDS: '0', WORKER_URL: 'http://127.0.0.1:1' })), 'worker', quiet);
    try {
      const other = await submit();
      const res = await fetch(`${single.url}/tasks/${other}/run`, { method: 'POST', body: '{}' });
      assert.equal(res.status, 200);
      const alone = await task(other);
      assert.equal(alone.status, 'completed');
      assert.equal(alone.fanout, null);
      const path = (t: typeof alone) => join(dataDir, 'blobs', t.output!.video_key);
      const fannedFrames = (await countFrames(path(done))).frames;
      assert.equal(fannedFrames, (await countFrames(path(alone))).frames, 'same frame count');
      assert.equal(fannedFrames, Math.round(done.output!.duration_s * 30));
      assert.ok(Math.abs(ffprobe(path(done)).durationS - ffprobe(path(alone)).durationS) < 1 / 30, 'same duration');
    } finally {
      await single.stop();
    }
    assert.deepEqual(readdirSync(join(dataDir, 'scratch')), []);
    await waitFor(() => !readdirSync(join(dataDir, 'blobs', 'work')).includes(id), 'the plan and chunks to be dropped');
  });

  it('several outputs fan out per output: every video\'s chunks are deliveries of their own, joined into each video', async () => {
    const body = { ...brief, outputs: [{ aspect_ratio: '9:16' }, { aspect_ratio: '16:9' }] };
    const id = await submit(body);
    const fanout = await plan(id);
    const spec = JSON.parse(readFileSync(join(dataDir, 'blobs', 'work', id, 'a1', 'render.json'), 'utf8'));
    assert.deepEqual(spec.outputs.map((o: { output: { frame: object }; folder: string }) => [o.output.frame, o.folder]), [
      [{ width: 720, height: 1280 }, ''],
      [{ width: 1280, height: 720 }, 'output-1/'],
    ]);
    const perOutput = spec.outputs.map((o: { chunks: unknown[] }) => o.chunks.length);
    assert.equal(fanout.chunks.length, perOutput[0] + perOutput[1], `${perOutput.join(' + ')} chunks`);
    // Interleaved, from the end: any chunk of any output may come first.
    const n = fanout.chunks.length;
    const order = [...Array(n).keys()].sort((a, b) => (a % 2) - (b % 2) || b - a);
    for (const k of order) assert.equal((await chunk(id, k)).status, 200, `chunk ${k}`);
    const done = await task(id);
    assert.equal(done.status, 'completed', JSON.stringify(done.error));
    assert.deepEqual(done.fanout!.chunks.map((c) => c.attempts), Array(n).fill(1));
    const videos = done.output!.outputs!;
    assert.deepEqual(videos.map((v) => [v.aspect_ratio, v.width, v.height]), [['9:16', 720, 1280], ['16:9', 1280, 720]]);
    assert.equal(done.output!.video_key, videos[0]!.video_key);
    assert.match(videos[1]!.video_key, new RegExp(`^videos/${id}/a1/16x9/video\\.mp4$`));
    await checkTimings(api.url, id, { outputs: 2, chunks: perOutput, fannedOut: true });

    // The same request rendered in one delivery: the same frames, video for video.
    const single = await startServer(loadConfig(env({ FANOUT_MIN_SECONDS: '0', WORKER_URL: 'http://127.0.0.1:1' })), 'worker', quiet);
    try {
      const other = await submit(body);
      assert.equal((await fetch(`${single.url}/tasks/${other}/run`, { method: 'POST', body: '{}' })).status, 200);
      const alone = await task(other);
      assert.equal(alone.status, 'completed');
      assert.equal(alone.fanout, null);
      await checkTimings(api.url, other, { outputs: 2, chunks: null, fannedOut: false });
      for (const [i, v] of videos.entries()) {
        const fanned = join(dataDir, 'blobs', v.video_key);
        const one = join(dataDir, 'blobs', alone.output!.outputs![i]!.video_key);
        const probed = ffprobe(fanned).streams.find((st) => st.codec_type === 'video')!;
        assert.deepEqual([probed.width, probed.height], [v.width, v.height]);
        const fannedFrames = (await countFrames(fanned)).frames;
        assert.equal(fannedFrames, (await countFrames(one)).frames, `output ${i}: same frame count`);
        assert.equal(fannedFrames, Math.round(v.duration_s * 30));
        assert.ok(readFileSync(join(dataDir, 'blobs', v.captions_vtt_key!), 'utf8').startsWith('WEBVTT'));
      }
    } finally {
      await single.stop();
    }
  });

  it('a chunk list written before render plans, and before there could be several outputs (a rolling deploy), still renders', async () => {
    const id = await submit(briefSquare);
    const fanout = await plan(id);
    const at = join(dataDir, 'blobs', 'work', id, 'a1');
    // What a planner of that version stored instead of the render plan: the chunk list, its captions as files beside it.
    type Stored = { output: { frame: object }; chunks: { events: string[] }[]; subtitles: string; sidecars: { vtt: string; srt: string } };
    const { outputs, encode, durationS } = JSON.parse(readFileSync(join(at, 'render.json'), 'utf8')) as { outputs: Stored[]; encode: object; durationS: number };
    const one = outputs[0]!;
    writeFileSync(join(at, 'captions.ass'), [one.subtitles, ...new Set(one.chunks.flatMap((c) => c.events)), ''].join('\n'));
    writeFileSync(join(at, 'captions.vtt'), one.sidecars.vtt);
    writeFileSync(join(at, 'captions.srt'), one.sidecars.srt);
    const chunks = one.chunks.map(({ events: _events, ...c }) => c);
    const sidecars = { vtt: 'captions.vtt', srt: 'captions.srt' };
    writeFileSync(join(at, 'fanout.json'), JSON.stringify({ frame: one.output.frame, chunks, assFile: 'captions.ass', sidecars, encode, durationS }));
    rmSync(join(at, 'render.json'));
    for (let k = 0; k < fanout.chunks.length; k++) assert.equal((await chunk(id, k)).status, 200);
    const done = await task(id);
    assert.equal(done.status, 'completed', JSON.stringify(done.error));
    assert.equal((await countFrames(join(dataDir, 'blobs', done.output!.video_key))).frames, Math.round(done.output!.duration_s * 30));
    assert.ok(readFileSync(join(dataDir, 'blobs', done.output!.captions_vtt_key!), 'utf8').startsWith('WEBVTT'));
  });

  it('a worker that died holding a chunk: the next delivery waits for its lease, then renders it', async () => {
    const id = await submit(briefSquare);
    const fanout = await plan(id);
    // Chunk 0 claimed by a worker that then died: its lease is still live.
    await api.runtime.store.update(id, (t) => {
      const chunks = t!.fanout!.chunks.map((c, i) => (i === 0 ? { ...c, state: 'rendering' as const, owner: 'dead', attempts: 1, lease_expires_at: new Date(Date.now() + 60_000).toISOString() } : c));
      return { write: { ...t!, fanout: { ...t!.fanout!, chunks } }, result: null };
    });
    assert.equal((await chunk(id, 0)).status, 409, 'held by the dead worker');
    // Its lease runs out (the clock moved on for it, not for the test).
    await api.runtime.store.update(id, (t) => {
      const chunks = t!.fanout!.chunks.map((c, i) => (i === 0 ? { ...c, lease_expires_at: new Date(Date.now() - 1).toISOString() } : c));
      return { write: { ...t!, fanout: { ...t!.fanout!, chunks } }, result: null };
    });
    for (let k = 0; k < fanout.chunks.length; k++) assert.equal((await chunk(id, k)).status, 200);
    const done = await task(id);
    assert.equal(done.status, 'completed');
    assert.equal(done.fanout!.chunks[0]!.attempts, 2, 'the dead worker\'s attempt counted');
  });

  it('a chunk that cannot be rendered fails the task with a clear error; the other chunks stop', async () => {
    const id = await submit(briefSquare);
    await plan(id);
    // Chunk 2's footage cannot be rendered: its stored source is a graph ffmpeg refuses.
    const work = join(dataDir, 'blobs', 'work', id);
    const spec = JSON.parse(readFileSync(join(work, 'a1', 'render.json'), 'utf8'));
    const planFile = join(work, 'plan.json');
    const stored = JSON.parse(readFileSync(planFile, 'utf8'));
    stored.clips[spec.outputs[0].chunks[1].pieces[0].clip] = { kind: 'generated', lavfi: 'no_such_source=s=64x64', durationS: 3600, credit: null };
    writeFileSync(planFile, JSON.stringify(stored));
    const res = await chunk(id, 1);
    assert.equal(res.status, 200);
    const failed = await task(id);
    assert.equal(failed.status, 'failed');
    assert.match(failed.error!.message, /^chunk 2 of \d+: /);
    assert.equal((await chunk(id, 0)).status, 200, 'a chunk of a failed task is not rendered');
    assert.equal((await task(id)).fanout!.chunks[0]!.attempts, 0);
  });

  it('cancel during fan-out: chunk deliveries stop and nothing is published', async () => {
    const id = await submit(briefSquare);
    await plan(id);
    const del = await fetch(`${api.url}/v1/videos/${id}`, { method: 'DELETE' });
    assert.equal(del.status, 200);
    for (let k = 0; k < 2; k++) assert.equal((await chunk(id, k)).status, 200);
    const t = await task(id);
    assert.equal(t.status, 'cancelled');
    assert.ok(t.fanout!.chunks.every((c) => c.attempts === 0), 'no chunk was rendered after the cancel');
    assert.equal(t.output, null);
  });

  it('a chunk of another attempt is stale; a missing attempt in the query is a 422 naming it', async () => {
    const id = await submit(briefSquare);
    await plan(id);
    assert.equal((await chunk(id, 0, 7)).status, 200);
    assert.equal((await task(id)).fanout!.chunks[0]!.attempts, 0);
    const bad = await post(`/tasks/${id}/chunks/0/run`);
    assert.equal(bad.status, 422);
    assert.equal(((await bad.json()) as { error: { details: { path: string }[] } }).error.details[0]!.path, 'attempt');
  });
});
