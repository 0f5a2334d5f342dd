// One render plan, run by both executors: the chunk pool of one process, and chunk deliveries
// through a blob store (each chunk rendered in a scratch dir of its own, in any order, from the
// stored plan; the last one joins). Every frame of every output, and the sound, are the same,
// with everything drawn over the footage on: a caption look with emphasis, a hook, a progress bar,
// a logo (fetched by each chunk delivery with its clips) and an end card that extends the video.
// Both hand each output over as soon as it is joined and free it before the next: the scratch
// dir never holds the work of two outputs, nor an output's chunks beside its whole video.
// And issue 23's done-when: four pieces with subtle motion, 0.4 s fades, blur framing and a photo,
// every transition across a chunk join, drawn the same by both executors, each element seen in the
// frames, the length and the captions those of the same video with cuts.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import type { LogoFile, OverlayRequestSpec, ScreenText } from '../../functions/domain/look.ts';
import type { Narration, Segment, SourceClip } from '../../functions/domain/media.ts';
import { VIDEO_PLAN_VERSION } from '../../functions/domain/video-plan.ts';
import { Semaphore } from '../../functions/lib/semaphore.ts';
import { renderVideos, type RenderResult } from '../../functions/media/render.ts';
import { prepareLogo } from '../../functions/media/overlays/logo.ts';
import type { MediaTools } from '../../functions/media/tools.ts';
import { planRender, type RenderPlan } from '../../functions/media/render-plan.ts';
import { resolveMediaTools } from '../../functions/media/tools.ts';
import { fanoutPrefix, joinFanout, renderFanoutChunk, storeFanout } from '../../functions/pipeline/fanout-render.ts';
import { planPrefix, savePlan } from '../../functions/pipeline/plan-store.ts';
import { LocalBlobStore } from '../../functions/platform/local-blob-store.ts';
import type { BlobStore } from '../../functions/platform/ports.ts';
import type { VisualSpec } from '../../functions/domain/visuals.ts';
import { makeImage, makeSpeechLikeWav, makeVideo } from '../support/media-fixtures.ts';
import { renderSpec } from '../support/render.ts';
import { watchScratch, type ScratchSample } from '../support/scratch-watch.ts';
import { tempDir } from '../support/temp-dir.ts';
import { framesNumbered } from '../support/video-frames.ts';

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

/** Each decoded video frame's MD5. */
function frameMd5s(path: string): string[] {
  return execFileSync('ffmpeg', ['-v', 'error', '-i', path, '-map', '0:v', '-f', 'framemd5', '-'], { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 })
    .split('\n')
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => l.split(',').at(-1)!.trim());
}

/** Each decoded video frame's MD5, and the audio packets' MD5. */
function fingerprint(path: string): { frames: string[]; audio: string } {
  const audio = execFileSync('ffmpeg', ['-v', 'error', '-i', path, '-map', '0:a', '-c', 'copy', '-f', 'md5', '-'], { encoding: 'utf8' }).trim();
  return { frames: frameMd5s(path), audio };
}

/** `f`'s value, worked out the first time it is asked for: a read-back several tests look at is made once. */
function once<T>(f: () => T): () => T {
  let memo: { v: T } | null = null;
  return () => (memo ??= { v: f() }).v;
}

/** What a test keeps of an output handed over: its fingerprint and size, read while its files exist. */
interface Delivered {
  fingerprint: { frames: string[]; audio: string };
  width: number;
  height: number;
  sizeBytes: number;
  output: RenderResult['output'];
}

const delivered = async (r: RenderResult): Promise<Delivered> => ({ fingerprint: fingerprint(r.videoPath), width: r.width, height: r.height, sizeBytes: r.sizeBytes, output: r.output });

/** The chunk deliveries: the plan stored, each chunk rendered in its own dir (last first), then joined in a dir watched with `joinTools`. */
async function deliveries(plan: RenderPlan, joinDir: string, joinTools: MediaTools, onFetched: () => void): Promise<Delivered[]> {
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
  // Every fetch of the join is watched too: what it holds before ffmpeg starts counts.
  const watched: BlobStore = {
    put: (key, path, opts) => blobs.put(key, path, opts),
    exists: (key) => blobs.exists(key),
    get: async (key, path) => {
      await blobs.get(key, path);
      onFetched();
    },
    deletePrefix: (prefix) => blobs.deletePrefix(prefix),
    signedUrl: (key, ttl, name) => blobs.signedUrl(key, ttl, name),
  };
  return joinFanout({ ...deps, tools: joinTools, blobs: watched }, { spec, taskId, attempt: 1, dir: joinDir, signal, deliver: delivered });
}

/** The output a scratch file belongs to: output i > 0 works in `output-<i>/`, the first in the dir itself. */
const outputOfFile = (path: string) => Number(/^output-(\d+)\//.exec(path)?.[1] ?? 0);
const isChunk = (path: string) => /(^|\/)chunk-\d+\.ts$/.test(path);
const isVideo = (path: string) => /(^|\/)output\.mp4$/.test(path);

/**
 * What one output needs at most, and no sample over it: the soundtrack, and the larger of the
 * output's chunks and its video (a streamed join removes each chunk once read), with room for the
 * small files (sidecars, thumbnail, lists, filter scripts).
 */
function assertOneOutputAtATime(samples: ScratchSample[], videos: Delivered[], where: string) {
  assert.ok(samples.length > 4, `${where}: samples taken (${samples.length})`);
  for (const s of samples) {
    const working = new Set(s.files.filter((f) => isChunk(f.path) || isVideo(f.path)).map((f) => outputOfFile(f.path)));
    assert.ok(working.size <= 1, `${where}, ${s.at}: the chunks or videos of outputs ${[...working].join(', ')} at once: ${s.files.map((f) => f.path).join(' ')}`);
  }
  const soundtrack = Math.max(0, ...samples.flatMap((s) => s.files.filter((f) => f.path.endsWith('.m4a')).map((f) => f.bytes)));
  const chunkBytes = (s: ScratchSample, k: number) => s.files.filter((f) => isChunk(f.path) && outputOfFile(f.path) === k).reduce((a, f) => a + f.bytes, 0);
  const need = Math.max(...videos.map((v, k) => Math.max(v.sizeBytes, ...samples.map((s) => chunkBytes(s, k)))));
  const peak = Math.max(...samples.map((s) => s.bytes));
  assert.ok(peak <= soundtrack + need + 64 * 1024, `${where}: peak ${peak} bytes; one output needs ${need}, the soundtrack ${soundtrack}`);
}

describe('one plan, two executors', () => {
  it('the chunk pool of one process and chunk deliveries through a blob store make the same frames and sound, output for output, one output at a time', async () => {
    const caps = { style: 'word-highlight', position: 'center', font_size: 1, max_words_per_line: 3, look: 'bold' } as const;
    const plan = planRender({ ...renderSpec(frames, caps), overlays }, narration, { segments, music: null, screen, logo }, { parallel: 4, encode: { threads: 1 } });
    assert.ok(plan.outputs.every((o) => o.chunks.length >= 3), `several chunks per output: ${plan.outputs.map((o) => o.chunks.length)}`);
    assert.ok(plan.outputs.every((o) => o.logo), 'every output overlays the logo');

    const poolDir = join(root, 'pool');
    const joinDir = join(root, 'deliveries', 'join');
    for (const d of [poolDir, joinDir]) mkdirSync(d, { recursive: true });
    const poolWatch = watchScratch(tools, poolDir, root);
    const alone = await renderVideos(poolWatch.tools, { dir: poolDir, plan, clips, logo, signal, cpu: new Semaphore(2), deliver: delivered });
    const joinWatch = watchScratch(tools, joinDir, join(root, 'deliveries'));
    const fanned = await deliveries(plan, joinDir, joinWatch.tools, () => joinWatch.sample('fetched'));

    assertOneOutputAtATime(poolWatch.samples(), alone, 'the chunk pool');
    assertOneOutputAtATime(joinWatch.samples(), fanned, 'the join of chunk deliveries');
    assert.deepEqual(readdirSync(poolDir, { recursive: true }).filter((f) => /\.(ts|mp4|m4a)$/.test(String(f))), [], 'each output freed once handed over');

    assert.equal(fanned.length, frames.length);
    for (const [i, f] of frames.entries()) {
      const [a, b] = [alone[i]!.fingerprint, fanned[i]!.fingerprint];
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

describe('motion, fades, blur framing and a photo through one plan (issue 23)', () => {
  const frame = { width: 180, height: 320 };
  const caps = { style: 'line', position: 'bottom', font_size: 1, max_words_per_line: 3 } as const;
  /**
   * A landscape clip (blur framing shows it whole), a photo, then a red and a blue clip: two
   * seconds each, so that each is a chunk of its own (a video is cut for the cores into chunks of
   * MIN_CHUNK_S at least) and every transition crosses a join.
   */
  const PIECE_S = 2;
  const CRAFTED_S = 4 * PIECE_S;
  const pieces: Segment[] = [0, 1, 2, 3].map((clip) => ({ clip, sourceStart: 0, duration: PIECE_S, start: clip * PIECE_S }));
  let visualClips: SourceClip[];
  /** The narration of the four pieces: words across every join. */
  let spoken: Narration;
  const crafted: VisualSpec = { motion: 'subtle', transition: { type: 'fade', durationS: 0.4 }, framing: 'blur', media: 'videos', backgroundText: null };
  const cuts: VisualSpec = { motion: 'none', transition: { type: 'cut', durationS: 0.4 }, framing: 'cover', media: 'videos', backgroundText: null };
  const planOf = (visuals: VisualSpec) =>
    planRender({ ...renderSpec([frame], caps), visuals, seed: 5, scenes: [{ text: 'x' }] }, spoken, { segments: pieces, music: null, clips: visualClips, pieces: [] }, { parallel: 4, encode: { threads: 1 } });
  let plan: RenderPlan;
  let alone: RenderResult;
  let cut: RenderResult;
  // Every frame the tests below look at, each video decoded once (and its frame MD5s read once).
  const looked = { alone: [15, 86, 116, 175, 186, 200], cut: [15, 179, 186] };
  const decoded = {
    alone: once(() => framesNumbered(alone.videoPath, looked.alone, frame.width, frame.height)),
    cut: once(() => framesNumbered(cut.videoPath, looked.cut, frame.width, frame.height)),
  };
  /** Frames `at` (among those `looked` at) of the lone crafted render or of the one with cuts, as RGB24. */
  const rgb = async (video: keyof typeof decoded, at: number[]) => {
    const frames = await decoded[video]();
    return at.map((k) => frames[looked[video].indexOf(k)]!);
  };
  const md5s = { alone: once(() => frameMd5s(alone.videoPath)), cut: once(() => frameMd5s(cut.videoPath)) };
  const at = (f: Buffer, x: number, y: number) => [...f.subarray((y * frame.width + x) * 3, (y * frame.width + x) * 3 + 3)];
  /** Mean absolute difference of horizontally adjacent luma-ish values in rows [y0, y1): how sharp that band is. */
  const sharpness = (f: Buffer, y0: number, y1: number) => {
    let sum = 0;
    let n = 0;
    for (let y = y0; y < y1; y++) for (let x = 1; x < frame.width; x++) {
      const i = (y * frame.width + x) * 3;
      sum += Math.abs(f[i + 1]! - f[i - 2]!);
      n++;
    }
    return sum / n;
  };

  /** Mean of every value in rows [y0, y1). */
  const brightness = (f: Buffer, y0: number, y1: number) => {
    const band = f.subarray(y0 * frame.width * 3, y1 * frame.width * 3);
    return band.reduce((a, v) => a + v, 0) / band.length;
  };

  before(async () => {
    const wide = await makeVideo(join(root, 'wide.mp4'), { width: 320, height: 180, durationS: 3 });
    const photo = await makeImage(join(root, 'photo.png'), { width: 360, height: 640, format: 'png' });
    const red = await makeVideo(join(root, 'red.mp4'), { width: 180, height: 320, durationS: 3, pattern: 'color', color: 'red' });
    const blue = await makeVideo(join(root, 'blue.mp4'), { width: 180, height: 320, durationS: 3, pattern: 'color', color: 'blue' });
    visualClips = [
      { kind: 'file', path: wide, durationS: 3, width: 320, height: 180, credit: null },
      { kind: 'file', path: photo, durationS: 5, width: 360, height: 640, credit: null, still: 'png' },
      { kind: 'file', path: red, durationS: 3, width: 180, height: 320, credit: null },
      { kind: 'file', path: blue, durationS: 3, width: 180, height: 320, credit: null },
    ];
    const words = Array.from({ length: 7 }, (_, i) => ({ text: `word${i}`, start: 0.4 + i * 1.1, end: 0.4 + i * 1.1 + 0.9 }));
    spoken = { audioPath: await makeSpeechLikeWav(join(root, 'spoken.wav'), CRAFTED_S), durationS: CRAFTED_S, words, sentenceEnds: [words.length] };
    plan = planOf(crafted);
    [alone] = (await renderVideos(tools, { dir: join(root, 'crafted'), plan, clips: visualClips, signal, cpu: new Semaphore(2) })) as [RenderResult];
    [cut] = (await renderVideos(tools, { dir: join(root, 'cuts'), plan: planOf(cuts), clips: visualClips, signal, cpu: new Semaphore(2) })) as [RenderResult];
  });

  it('every transition crosses a chunk join, and the plan keeps the cuts\' chunks, length and captions', () => {
    const chunks = plan.outputs[0]!.chunks;
    assert.equal(chunks.length, 4);
    assert.ok(chunks.slice(1).every((c) => c.lead && c.pieces[0]!.enter?.type === 'fade' && c.pieces[0]!.enter.frames === 12));
    const plain = planOf(cuts);
    assert.equal(plain.durationS, plan.durationS);
    assert.deepEqual(plain.outputs[0]!.chunks.map((c) => [c.startFrame, c.frames, c.events]), chunks.map((c) => [c.startFrame, c.frames, c.events]));
    assert.equal(plain.outputs[0]!.subtitles, plan.outputs[0]!.subtitles);
  });

  it('the duration and the frame count are those of the video with cuts', () => {
    assert.ok(Math.abs(alone.durationS - cut.durationS) < 0.001, `${alone.durationS} vs ${cut.durationS}`);
    assert.equal(md5s.alone().length, CRAFTED_S * 30);
    assert.equal(md5s.cut().length, CRAFTED_S * 30);
  });

  it('fanned out, every frame is the lone executor\'s', async () => {
    const blobs = new LocalBlobStore({ dir: join(root, 'crafted-blobs'), publicUrl: 'http://127.0.0.1:1' });
    const deps = { tools, cpu: new Semaphore(2), blobs };
    const dir = (name: string) => {
      const d = join(root, 'crafted-deliveries', name);
      mkdirSync(d, { recursive: true });
      return d;
    };
    await savePlan(blobs, planPrefix('crafted'), { version: VIDEO_PLAN_VERSION, narration: spoken, clips: visualClips, segments: pieces, music: null, pieces: [], warnings: [] }, root);
    await storeFanout(deps, { prefix: fanoutPrefix('crafted', 1), render: plan, dir: dir('start'), signal });
    const spec = { outputs: plan.outputs.map((o) => o.output) };
    for (let k = 3; k >= 0; k--) await renderFanoutChunk(deps, { spec, taskId: 'crafted', attempt: 1, n: k, dir: dir(`chunk-${k}`), signal });
    // The joined video leaves the scratch once handed over: it is read as it is handed over.
    const [b] = await joinFanout(deps, { spec, taskId: 'crafted', attempt: 1, dir: dir('join'), signal, deliver: async (r: RenderResult) => frameMd5s(r.videoPath) });
    const a = md5s.alone();
    assert.deepEqual(a.flatMap((m, k) => (m === b![k] ? [] : [k])), [], 'the frames that differ');
    assert.equal(b!.length, a.length);
  });

  it('blur framing: the landscape clip whole, over a soft, darkened copy where cover crops it', async () => {
    const [blurred, covered] = [(await rgb('alone', [15]))[0]!, (await rgb('cut', [15]))[0]!];
    // Above the fitted picture (rows 108–209) is the backdrop: the cover crop, blurred and dimmed.
    assert.ok(sharpness(blurred, 10, 90) < 0.6 * sharpness(covered, 10, 90), `backdrop ${sharpness(blurred, 10, 90)} vs cover ${sharpness(covered, 10, 90)}`);
    assert.ok(brightness(blurred, 10, 90) < 0.75 * brightness(covered, 10, 90), `backdrop ${brightness(blurred, 10, 90)} vs cover ${brightness(covered, 10, 90)}`);
    assert.ok(sharpness(blurred, 120, 200) > 3 * sharpness(blurred, 10, 90), 'the picture itself is sharp');
  });

  it('motion: the photo moves over its frames clear of transitions', async () => {
    const [f86, f116] = await rgb('alone', [86, 116]);
    let moved = 0;
    for (let i = 0; i < f86!.length; i++) if (Math.abs(f86![i]! - f116![i]!) > 24) moved++;
    assert.ok(moved > f86!.length * 0.05, `${moved} of ${f86!.length} values changed`);
  });

  it('fade: mid-transition frames blend both clips; the frames either side are each clip alone', async () => {
    const [red, mid, blue] = (await rgb('alone', [175, 186, 200])).map((f) => at(f, 90, 140));
    const [cutBefore, cutAt] = (await rgb('cut', [179, 186])).map((f) => at(f, 90, 140));
    assert.ok(red![0]! > 200 && red![2]! < 40, `red ${red}`);
    assert.ok(blue![2]! > 200 && blue![0]! < 40, `blue ${blue}`);
    assert.ok(mid![0]! > 70 && mid![0]! < 190 && mid![2]! > 70 && mid![2]! < 190, `mid-fade ${mid}`);
    // With cuts, frame 186 is the blue clip already.
    assert.ok(cutBefore![0]! > 200 && cutAt![2]! > 200, `cuts ${cutBefore} ${cutAt}`);
  });
});
