// One render plan, run by both executors: the chunk pool of one process, and chunk deliveries
// through a blob store (each chunk rendered in a scratch dir of its own, in any order, from the
// stored plan; the last one joins). Every frame of every output, and the sound, are the same,
// with everything drawn over the footage on: a caption look with emphasis, a hook, a progress bar,
// a logo (fetched by each chunk delivery with its clips) and an end card that extends the video.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import type { LogoFile, OverlayRequestSpec, ScreenText } from '../../functions/domain/look.ts';
import type { Narration, Segment, SourceClip } from '../../functions/domain/media.ts';
import { VIDEO_PLAN_VERSION } from '../../functions/domain/video-plan.ts';
import { Semaphore } from '../../functions/lib/semaphore.ts';
import { renderVideos, type RenderResult } from '../../functions/media/render.ts';
import { prepareLogo } from '../../functions/media/overlays/logo.ts';
import { planRender, type RenderPlan } from '../../functions/media/render-plan.ts';
import { resolveMediaTools } from '../../functions/media/tools.ts';
import { fanoutPrefix, joinFanout, renderFanoutChunk, storeFanout } from '../../functions/pipeline/fanout-render.ts';
import { planPrefix, savePlan } from '../../functions/pipeline/plan-store.ts';
import { LocalBlobStore } from '../../functions/platform/local-blob-store.ts';
import { makeSpeechLikeWav, makeVideo } from '../support/media-fixtures.ts';
import { renderSpec } from '../support/render.ts';
import { tempDir } from '../support/temp-dir.ts';

const tools = resolveMediaTools({});
const signal = new AbortController().signal;
const DURATION_S = 4;
const frames = [
  { width: 96, height: 160 },
  { width: 160, height: 96 },
];

let root: string;
let clips: SourceClip[];
let narration: Narration;
let logo: LogoFile;
const EXTEND_S = 0.5;
const overlays: OverlayRequestSpec = {
  hook: { text: 'Big news', durationS: 1.2 },
  progressBar: { position: 'top', colour: '#FF3366' },
  watermark: { kind: 'image', url: 'https://example.com/logo.svg', corner: 'bottom-right', opacity: 0.8, scale: 2 },
  endCard: { text: 'Follow', durationS: 1, extendS: EXTEND_S },
};
const screen: ScreenText = {
  emphasis: [false, true, false, false, true, false, false],
  hook: { text: 'Big news', emphasis: [false, true], repeatsNarration: false },
  endCard: { text: 'Follow', emphasis: [true] },
};
/** Pieces of two sources, cut so the plan has joins between chunks. */
const segments: Segment[] = [
  { clip: 0, sourceStart: 0.4, duration: 0.9, start: 0 },
  { clip: 1, sourceStart: 1, duration: 0.8, start: 0.9 },
  { clip: 0, sourceStart: 2, duration: 1.1, start: 1.7 },
  { clip: 1, sourceStart: 0, duration: 1.2, start: 2.8 },
];

before(async () => {
  root = tempDir('plan-executors-');
  const a = await makeVideo(join(root, 'a.mp4'), { width: 160, height: 120, durationS: 4 });
  const b = await makeVideo(join(root, 'b.mp4'), { width: 120, height: 160, durationS: 4, pattern: 'mandelbrot' });
  clips = [
    { kind: 'file', path: a, durationS: 4, width: 160, height: 120, credit: null },
    { kind: 'file', path: b, durationS: 4, width: 120, height: 160, credit: null },
  ];
  // Words spoken across every join: the captions of each chunk's span are drawn on both sides.
  const words = Array.from({ length: 7 }, (_, i) => ({ text: `word${i}`, start: 0.2 + i * 0.5, end: 0.2 + i * 0.5 + 0.45 }));
  narration = { audioPath: await makeSpeechLikeWav(join(root, 'voice.wav'), DURATION_S), durationS: DURATION_S, words, sentenceEnds: [words.length] };
  const svg = join(root, 'logo.input');
  writeFileSync(svg, '<svg xmlns="http://www.w3.org/2000/svg" width="60" height="30"><rect width="60" height="30" rx="6" fill="#00FF00"/></svg>');
  logo = await prepareLogo(tools, svg, root, 'watermark.image_url', signal);
});

/** Each decoded video frame's MD5, and the audio packets' MD5. */
function fingerprint(path: string): { frames: string[]; audio: string } {
  const md5s = execFileSync('ffmpeg', ['-v', 'error', '-i', path, '-map', '0:v', '-f', 'framemd5', '-'], { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 })
    .split('\n')
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => l.split(',').at(-1)!.trim());
  const audio = execFileSync('ffmpeg', ['-v', 'error', '-i', path, '-map', '0:a', '-c', 'copy', '-f', 'md5', '-'], { encoding: 'utf8' }).trim();
  return { frames: md5s, audio };
}

/** The chunk deliveries: the plan stored, each chunk rendered in its own dir (last first), then joined. */
async function deliveries(plan: RenderPlan): Promise<RenderResult[]> {
  const blobs = new LocalBlobStore({ dir: join(root, 'blobs'), publicUrl: 'http://127.0.0.1:1' });
  const deps = { tools, cpu: new Semaphore(2), blobs };
  const taskId = 'fanned';
  const dir = (name: string) => {
    const d = join(root, 'deliveries', name);
    mkdirSync(d, { recursive: true });
    return d;
  };
  // The video's plan (the chunks fetch their clips through it), then the render plan with its soundtrack.
  await savePlan(blobs, planPrefix(taskId), { version: VIDEO_PLAN_VERSION, narration, clips, segments, music: null, pieces: [], warnings: [], screen, logo }, root);
  await storeFanout(deps, { prefix: fanoutPrefix(taskId, 1), render: plan, dir: dir('start'), signal });
  const spec = { outputs: plan.outputs.map((o) => o.output) };
  const n = plan.outputs.reduce((k, o) => k + o.chunks.length, 0);
  for (let k = n - 1; k >= 0; k--) await renderFanoutChunk(deps, { spec, taskId, attempt: 1, n: k, dir: dir(`chunk-${k}`), signal });
  return joinFanout(deps, { spec, taskId, attempt: 1, dir: dir('join'), signal });
}

describe('one plan, two executors', () => {
  it('the chunk pool of one process and chunk deliveries through a blob store make the same frames and sound, output for output', async () => {
    const caps = { style: 'word-highlight', position: 'center', font_size: 1, max_words_per_line: 3, look: 'bold' } as const;
    const plan = planRender({ ...renderSpec(frames, caps), overlays }, narration, { segments, music: null, screen, logo }, { parallel: 4, encode: { threads: 1 } });
    assert.ok(plan.outputs.every((o) => o.chunks.length >= 3), `several chunks per output: ${plan.outputs.map((o) => o.chunks.length)}`);
    assert.ok(plan.outputs.every((o) => o.logo), 'every output overlays the logo');

    const alone = await renderVideos(tools, { dir: join(root, 'pool'), plan, clips, logo, signal, cpu: new Semaphore(2) });
    const fanned = await deliveries(plan);

    assert.equal(fanned.length, frames.length);
    for (const [i, f] of frames.entries()) {
      const [a, b] = [fingerprint(alone[i]!.videoPath), fingerprint(fanned[i]!.videoPath)];
      assert.equal(a.frames.length, Math.round((DURATION_S + EXTEND_S) * 30), `output ${i}: every frame, the end card's extension too`);
      assert.deepEqual([fanned[i]!.width, fanned[i]!.height], [f.width, f.height]);
      const differ = a.frames.flatMap((m, k) => (m === b.frames[k] ? [] : [k]));
      assert.deepEqual(differ, [], `output ${i}: the frames that differ`);
      assert.equal(b.frames.length, a.frames.length);
      assert.equal(b.audio, a.audio, `output ${i}: the same sound`);
      assert.equal(alone[i]!.output, plan.outputs[i]!.output);
    }
    // A caption is burned in: the plan drew some (the test would prove little without).
    assert.ok(plan.outputs[0]!.chunks.some((c) => c.events.length > 0));
  });
});
