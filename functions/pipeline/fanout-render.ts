// The fan-out executor: a render plan (media/render-plan.ts) run as deliveries on any worker. The
// planning delivery plans the render, renders the soundtrack once, and stores both beside the
// video's plan (work/<id>/a<attempt>/); each chunk delivery fetches the render plan and only the
// clips its chunk's pieces use, renders the chunk exactly as the in-process executor would
// (media/render.ts) and stores it, each further output's in a folder of its own; the delivery that
// finishes the last chunk joins them, one output at a time: each chunk fetched as the join reads
// it, the output handed over (published) and freed before the next. A task with several outputs
// fans out per output: the chunks of all its videos are one list of deliveries.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { VideoPlan } from '../domain/video-plan.ts';
import type { VideoSpec } from '../domain/video-spec.ts';
import { TaskError } from '../errors.ts';
import { currentTimings, stage, type TimingsSnapshot } from '../lib/stage-timings.ts';
import { chunkFile, handOver, joinOutput, outputDir, renderChunk, renderSoundtrack, shareSoundtrack, SOUNDTRACK_FILE, type Deliver } from '../media/render.ts';
import { chunkInputs, planRender, RENDER_PLAN_VERSION, type ChunkPlan, type RenderPlan } from '../media/render-plan.ts';
import { legacyRenderPlan } from './fanout-legacy.ts';
import type { BlobStore } from '../platform/ports.ts';
import { loadPlan, planPrefix } from './plan-store.ts';
import type { PipelineDeps } from './pipeline-deps.ts';
import { producedVideo, type ProducedVideo } from './produced-video.ts';

/** The render plan, stored whole: every chunk delivery reads it. */
const RENDER_PLAN = 'render.json';
/** Where each delivery stores its timings under the fan-out's prefix. */
const TIMINGS = 'timings/';
/**
 * Chunks planned as if this many ran at once: with at most 12 s each, a three-minute video gives
 * fifteen or more, enough to spread over the instances a queue may dispatch to. A video long
 * enough to fan out (FANOUT_MIN_SECONDS, 90 s by default) has quarters far longer than
 * MIN_CHUNK_S (chunks.ts); only one fanned out under a lower setting is cut into fewer chunks, as
 * in one process: each chunk saved is a delivery saved, dearer still than its process.
 */
const SPREAD = 4;

/** What a fan-out's deliveries work with: the pipeline's tools and CPU budget, and the service's blob store. */
export type FanoutDeps = Pick<PipelineDeps, 'tools' | 'cpu' | 'encode'> & { blobs: BlobStore };

/** Where one attempt's fan-out keeps its render plan, soundtrack and chunks. */
export const fanoutPrefix = (taskId: string, attempt: number) => `${planPrefix(taskId)}a${attempt}/`;

async function fetchInto(deps: Pick<FanoutDeps, 'blobs'>, key: string, path: string): Promise<string> {
  await deps.blobs.get(key, path);
  return path;
}

/**
 * The stored render plan. A chunk list stored by a planner of an earlier version (a rolling
 * deploy) is read into one, with the outputs `spec` resolves.
 */
async function readRenderPlan(deps: Pick<FanoutDeps, 'blobs'>, prefix: string, dir: string, spec: Pick<VideoSpec, 'outputs'>): Promise<RenderPlan> {
  if (!(await deps.blobs.exists(`${prefix}${RENDER_PLAN}`))) return legacyRenderPlan(deps.blobs, prefix, dir, spec);
  const plan = JSON.parse(await readFile(await fetchInto(deps, `${prefix}${RENDER_PLAN}`, join(dir, RENDER_PLAN)), 'utf8')) as RenderPlan;
  if (plan.version !== RENDER_PLAN_VERSION) throw new TaskError('render_failed', `the stored render plan is of version ${plan.version}; this worker reads ${RENDER_PLAN_VERSION}`, { retryable: true });
  return plan;
}

/**
 * This delivery's timings so far, stored for the delivery that joins the chunks (`name`: `plan`, or
 * the chunk's number): the task's timings are every delivery's.
 */
async function storeTimings(deps: Pick<FanoutDeps, 'blobs'>, prefix: string, dir: string, name: string): Promise<void> {
  const timings = currentTimings();
  if (!timings) return;
  const file = `timings-${name}.json`;
  await writeFile(join(dir, file), JSON.stringify(timings.snapshot()), 'utf8');
  await deps.blobs.put(`${prefix}${TIMINGS}${file}`, join(dir, file), { contentType: 'application/json' });
}

/** The timings every earlier delivery of the fan-out stored, merged into this one's. One that is missing (a delivery of an older release) is left out. */
async function mergeTimings(deps: Pick<FanoutDeps, 'blobs'>, prefix: string, dir: string, chunks: number): Promise<void> {
  const timings = currentTimings();
  if (!timings) return;
  const names = ['plan', ...Array.from({ length: chunks }, (_, n) => String(n))];
  const stored = await Promise.all(
    names.map(async (name) => {
      const path = join(dir, `timings-${name}.json`);
      const found = await deps.blobs.get(`${prefix}${TIMINGS}timings-${name}.json`, path).then(() => true, () => false);
      return found ? (JSON.parse(await readFile(path, 'utf8')) as TimingsSnapshot) : null;
    }),
  );
  for (const s of stored) if (s) timings.merge(s);
}

/** Chunk `n` of the fan-out (numbered across outputs, in order) as its output and its place in it. */
export function locateChunk(outputs: readonly { chunks: readonly unknown[] }[], n: number): { output: number; chunk: number } | null {
  let first = 0;
  for (const [output, o] of outputs.entries()) {
    if (n < first + o.chunks.length) return n >= first ? { output, chunk: n - first } : null;
    first += o.chunks.length;
  }
  return null;
}

/** The planning delivery's part: the render planned for chunk deliveries, stored with its soundtrack; returns each chunk's frames. */
export async function startFanout(
  deps: FanoutDeps,
  o: { spec: VideoSpec; taskId: string; attempt: number; dir: string; signal: AbortSignal; plan: VideoPlan },
): Promise<number[]> {
  // One encoder thread per chunk, whoever renders it: every chunk of the video is encoded alike.
  const render = await stage('captions', async () => planRender(o.spec, o.plan.narration, o.plan, { parallel: SPREAD, encode: { ...deps.encode, threads: 1 }, voiceNormalised: true }));
  await storeFanout(deps, { prefix: fanoutPrefix(o.taskId, o.attempt), render, dir: o.dir, signal: o.signal });
  return render.outputs.flatMap((out) => out.chunks.map((c) => c.frames));
}

/** A render plan handed to chunk deliveries: its soundtrack rendered once, both stored under `prefix`. */
export async function storeFanout(deps: FanoutDeps, o: { prefix: string; render: RenderPlan; dir: string; signal: AbortSignal }): Promise<void> {
  const { prefix, render, dir } = o;
  const soundtrack = await deps.cpu.with(1, o.signal, () => stage('soundtrack', () => renderSoundtrack(deps.tools, { dir, plan: render, signal: o.signal })));
  await stage('store', () => deps.blobs.put(`${prefix}${soundtrack}`, join(dir, soundtrack), { contentType: 'application/octet-stream' }));
  await storeTimings(deps, prefix, dir, 'plan');
  // The plan last: chunk deliveries may start as soon as it exists.
  await writeFile(join(dir, RENDER_PLAN), JSON.stringify(render), 'utf8');
  await deps.blobs.put(`${prefix}${RENDER_PLAN}`, join(dir, RENDER_PLAN), { contentType: 'application/json' });
}

/** One chunk delivery's part: fetch what chunk `n` needs, render it, store it. */
export async function renderFanoutChunk(
  deps: FanoutDeps,
  o: { spec: Pick<VideoSpec, 'outputs'>; taskId: string; attempt: number; n: number; dir: string; signal: AbortSignal; onFrames?: (frames: number) => void },
): Promise<void> {
  const { dir } = o;
  const prefix = fanoutPrefix(o.taskId, o.attempt);
  const render = await stage('fetch', () => readRenderPlan(deps, prefix, dir, o.spec));
  const at = locateChunk(render.outputs, o.n);
  const output = at ? render.outputs[at.output] : undefined;
  const chunk = at && output?.chunks[at.chunk];
  if (!at || !output || !chunk) throw new TaskError('render_failed', `the render has no chunk ${o.n + 1}`);
  const plan = await stage('fetch', () => loadPlan(deps.blobs, planPrefix(o.taskId), dir, { narration: false, music: false, ...chunkInputs(output, chunk) }));
  if (!plan) throw new TaskError('render_failed', 'the plan of this render is gone', { retryable: true });
  const file = await deps.cpu.with(render.encode.threads, o.signal, () =>
    stage('render', () => renderChunk(deps.tools, { dir, plan: render, output, chunk, clips: plan.clips, logo: plan.logo ?? null, signal: o.signal, ...(o.onFrames ? { onFrames: o.onFrames } : {}) }), { output: at.output }),
  );
  await stage('store', () => deps.blobs.put(`${prefix}${output.folder}${file}`, join(dir, file), { contentType: 'video/mp2t' }));
  await storeTimings(deps, prefix, dir, String(o.n));
}

/**
 * The joining delivery's part: the soundtrack fetched, then each output in turn joined from its
 * chunks (each fetched as the join reads it), checked, and handed to `deliver`, which frees it
 * before the next output: the delivery's scratch holds one output at a time.
 */
export async function joinFanout<T>(
  deps: FanoutDeps,
  o: { spec: Pick<VideoSpec, 'outputs'>; taskId: string; attempt: number; dir: string; signal: AbortSignal; deliver: Deliver<T> },
): Promise<T[]> {
  const { dir } = o;
  const prefix = fanoutPrefix(o.taskId, o.attempt);
  const render = await stage('fetch', () => readRenderPlan(deps, prefix, dir, o.spec));
  await stage('fetch', () => fetchInto(deps, `${prefix}${SOUNDTRACK_FILE}`, join(dir, SOUNDTRACK_FILE)));
  await mergeTimings(deps, prefix, dir, render.outputs.reduce((n, out) => n + out.chunks.length, 0));
  await shareSoundtrack(dir, render.outputs);
  const videos: T[] = [];
  for (const [index, output] of render.outputs.entries()) {
    // Each chunk is fetched as the join reads it: its time is the join's.
    const fetch = (c: ChunkPlan, path: string) => deps.blobs.get(`${prefix}${output.folder}${chunkFile(c)}`, path);
    const video = await joinOutput(deps.tools, { dir: outputDir(dir, output), plan: render, output, index, signal: o.signal, fetch });
    videos.push(await handOver(video, o.deliver));
  }
  return videos;
}

/** The joining delivery's part: each output joined and handed to `deliver`, with what the result says of the footage. */
export async function assembleFanout<T>(
  deps: FanoutDeps,
  o: { spec: Pick<VideoSpec, 'outputs'>; taskId: string; attempt: number; dir: string; signal: AbortSignal; deliver: Deliver<T> },
): Promise<ProducedVideo<T>> {
  const [videos, plan] = await Promise.all([
    joinFanout(deps, o),
    loadPlan(deps.blobs, planPrefix(o.taskId), o.dir, { narration: false, music: false, logo: false, clips: new Set() }),
  ]);
  if (!plan) throw new TaskError('render_failed', 'the plan of this render is gone', { retryable: true });
  return producedVideo(plan, videos);
}
