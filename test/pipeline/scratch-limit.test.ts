// A scratch volume that holds one output's files but not two outputs' at once: a render of two
// outputs succeeds in it, by both executors (the chunk pool of one process, and the join of chunk
// deliveries), because each output is joined, handed over and freed before the next. The volume
// is a real size-limited tmpfs, so every byte ffmpeg and node write counts; mounting one needs
// root (CAP_SYS_ADMIN), and without it the test is skipped, saying why. Its size comes from the
// chunks' real sizes, rendered once outside it; the outputs are read back with ffprobe.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { copyFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Narration, Segment, SourceClip } from '../../functions/domain/media.ts';
import { VIDEO_PLAN_VERSION } from '../../functions/domain/video-plan.ts';
import { Semaphore } from '../../functions/lib/semaphore.ts';
import { renderVideos, SOUNDTRACK_FILE, type RenderResult } from '../../functions/media/render.ts';
import { planRender, type RenderPlan } from '../../functions/media/render-plan.ts';
import { resolveMediaTools } from '../../functions/media/tools.ts';
import { fanoutPrefix, joinFanout, renderFanoutChunk, storeFanout } from '../../functions/pipeline/fanout-render.ts';
import { planPrefix, savePlan } from '../../functions/pipeline/plan-store.ts';
import { LocalBlobStore } from '../../functions/platform/local-blob-store.ts';
import { makeSpeechLikeWav } from '../support/media-fixtures.ts';
import { renderSpec } from '../support/render.ts';
import { tempDir } from '../support/temp-dir.ts';
import { taskErrorOf } from '../../functions/worker/run-task.ts';

const tools = resolveMediaTools({});
const signal = new AbortController().signal;
const DURATION_S = 3;
const FRAMES = [
  { width: 160, height: 288 },
  { width: 288, height: 160 },
];
/** tmpfs counts whole pages per file: room for the small files (lists, sidecars, thumbnail, graphs). */
const SMALL_FILES = 256 * 1024;

/** Whether this process may mount a tmpfs (root in a container that allows it). */
function mountable(): string | null {
  const probe = tempDir('scratch-limit-probe-');
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', probe], { stdio: 'ignore' });
    execFileSync('umount', [probe], { stdio: 'ignore' });
    return null;
  } catch {
    return 'mounting a size-limited tmpfs needs root (CAP_SYS_ADMIN); test/pipeline/plan-executors.test.ts measures the same bound without one';
  } finally {
    rmSync(probe, { recursive: true, force: true });
  }
}

const skip = mountable();

describe('two outputs in a scratch volume that holds one', { skip: skip ?? false }, () => {
  let root: string;
  let volume: string;
  let plan: RenderPlan;
  let blobs: LocalBlobStore;
  const taskId = 'limited';
  /** Bytes of each output's chunks and of the soundtrack, as rendered outside the volume. */
  let chunkBytes: number[];
  let soundtrackBytes: number;
  let limit: number;
  /** A second volume, smaller than one output's chunks. */
  let small: string;
  // Pure noise: every chunk costs real bytes, so the page slack of small files is small beside them.
  const clips: SourceClip[] = [{ kind: 'generated', lavfi: 'color=c=gray:s=288x288:r=30,noise=alls=90:allf=t+u', durationS: 3600, credit: null }];
  // Nine pieces: a video this short is not cut for the cores (MIN_CHUNK_S), but three pieces at most make a chunk.
  const segments: Segment[] = Array.from({ length: 9 }, (_, i) => ({ clip: 0, sourceStart: i, duration: DURATION_S / 9, start: (i * DURATION_S) / 9 }));

  before(async () => {
    root = tempDir('scratch-limit-');
    const words = [{ text: 'noise', start: 0.2, end: 0.8 }];
    const narration: Narration = { audioPath: await makeSpeechLikeWav(join(root, 'voice.wav'), DURATION_S), durationS: DURATION_S, words, sentenceEnds: [1] };
    plan = planRender(renderSpec(FRAMES, false), narration, { segments, music: null }, { parallel: 4, encode: { preset: 'ultrafast', threads: 1 } });
    assert.ok(plan.outputs.every((o) => o.chunks.length >= 3), `several chunks per output: ${plan.outputs.map((o) => o.chunks.length)}`);

    // The chunk deliveries, outside the volume: their sizes set its size.
    blobs = new LocalBlobStore({ dir: join(root, 'blobs'), publicUrl: 'http://127.0.0.1:1' });
    const deps = { tools, cpu: new Semaphore(2), blobs };
    const dir = (name: string) => {
      const d = join(root, 'deliveries', name);
      mkdirSync(d, { recursive: true });
      return d;
    };
    await savePlan(blobs, planPrefix(taskId), { version: VIDEO_PLAN_VERSION, narration, clips, segments, music: null, pieces: [], warnings: [] }, dir('plan'));
    const prefix = fanoutPrefix(taskId, 1);
    await storeFanout(deps, { prefix, render: plan, dir: dir('start'), signal });
    const spec = { outputs: plan.outputs.map((o) => o.output) };
    const n = plan.outputs.reduce((k, o) => k + o.chunks.length, 0);
    for (let k = 0; k < n; k++) await renderFanoutChunk(deps, { spec, taskId, attempt: 1, n: k, dir: dir(`chunk-${k}`), signal });

    const stored = join(root, 'blobs', prefix);
    const sizes = (folder: string) => readdirSync(join(stored, folder)).filter((f) => f.endsWith('.ts')).reduce((a, f) => a + statSync(join(stored, folder, f)).size, 0);
    chunkBytes = plan.outputs.map((o) => sizes(o.folder));
    soundtrackBytes = statSync(join(stored, SOUNDTRACK_FILE)).size;
    // One output: its chunks (or its video as it grows, with the chunks still to come), the chunk
    // being read, the soundtrack in the dir and again in the video, and the small files.
    const largest = Math.max(...chunkBytes);
    limit = Math.ceil(1.4 * largest + 2 * soundtrackBytes + SMALL_FILES);
    // The premise: both outputs' chunks beside the soundtrack do not fit, let alone their videos too.
    assert.ok(chunkBytes[0]! + chunkBytes[1]! + soundtrackBytes > limit, `chunks ${chunkBytes.join(' + ')} and a soundtrack of ${soundtrackBytes} bytes must not fit ${limit}`);

    volume = join(root, 'volume');
    mkdirSync(volume);
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${limit}`, 'tmpfs', volume]);
    small = join(root, 'small');
    mkdirSync(small);
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${Math.ceil(0.6 * largest)}`, 'tmpfs', small]);
  });

  after(() => {
    if (volume) execFileSync('umount', [volume]);
    if (small) execFileSync('umount', [small]);
    if (root) rmSync(root, { recursive: true, force: true });
  });

  /** Each output copied out of the volume as it is handed over (as the CLI writes it where the user asked). */
  const copyOut = (to: string) => async (v: RenderResult) => {
    mkdirSync(to, { recursive: true });
    const path = join(to, `${v.output.label ?? 'main'}.mp4`);
    await copyFile(v.videoPath, path);
    return path;
  };

  function assertOutputs(paths: string[]) {
    assert.equal(paths.length, FRAMES.length);
    for (const [i, path] of paths.entries()) {
      const probe = JSON.parse(execFileSync('ffprobe', ['-v', 'error', '-count_frames', '-show_streams', '-show_format', '-of', 'json', path], { encoding: 'utf8' })) as {
        streams: { codec_type: string; width?: number; height?: number; nb_read_frames?: string }[];
        format: { duration: string };
      };
      const video = probe.streams.find((s) => s.codec_type === 'video')!;
      assert.deepEqual([video.width, video.height], [FRAMES[i]!.width, FRAMES[i]!.height], `output ${i}: its frame`);
      assert.equal(Number(video.nb_read_frames), DURATION_S * 30, `output ${i}: every frame`);
      assert.ok(probe.streams.some((s) => s.codec_type === 'audio'), `output ${i}: the soundtrack`);
      assert.ok(Math.abs(Number(probe.format.duration) - DURATION_S) < 0.1, `output ${i}: ${probe.format.duration} s`);
    }
  }

  it('the chunk pool of one process renders both, one after the other', async () => {
    const dir = join(volume, 'pool');
    mkdirSync(dir);
    const paths = await renderVideos(tools, { dir, plan, clips, signal, cpu: new Semaphore(2), deliver: copyOut(join(root, 'out-pool')) });
    assertOutputs(paths);
    rmSync(dir, { recursive: true, force: true });
  });

  it('the join of chunk deliveries joins both, one after the other', async () => {
    const dir = join(volume, 'join');
    mkdirSync(dir);
    const spec = { outputs: plan.outputs.map((o) => o.output) };
    const paths = await joinFanout({ tools, cpu: new Semaphore(2), blobs }, { spec, taskId, attempt: 1, dir, signal, deliver: copyOut(join(root, 'out-join')) });
    assertOutputs(paths);
    rmSync(dir, { recursive: true, force: true });
  });

  it('a volume smaller than one output fails the task for good as scratch_full, in both executors, not retried', async () => {
    const spec = { outputs: plan.outputs.map((o) => o.output) };
    const runs = [
      () => renderVideos(tools, { dir: join(small, 'pool'), plan, clips, signal, cpu: new Semaphore(2) }),
      () => joinFanout({ tools, cpu: new Semaphore(2), blobs }, { spec, taskId, attempt: 1, dir: join(small, 'join'), signal, deliver: async (v) => v }),
    ];
    for (const [i, run] of runs.entries()) {
      const dir = join(small, i === 0 ? 'pool' : 'join');
      mkdirSync(dir);
      const err = await run().then(
        () => assert.fail('rendered in a volume smaller than one output'),
        (e: unknown) => e,
      );
      const recorded = taskErrorOf(err, null, 0);
      assert.equal(recorded.code, 'scratch_full', `executor ${i}: ${(err as Error).message}`);
      assert.equal(recorded.retryable, false);
      assert.match(recorded.message, /scratch space .*SCRATCH_DIR.*TASK_SCRATCH_BYTES/);
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
