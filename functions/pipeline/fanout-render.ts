// The media side of a fanned-out render. The planning delivery renders the soundtrack and the
// captions once and stores them with the chunk list beside the plan (work/<id>/a<attempt>/);
// each chunk delivery fetches only the clips its pieces use, renders its chunk and stores it;
// the delivery that finishes the last chunk fetches the chunks and joins them.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Frame } from '../domain/media.ts';
import type { TaskOutput, TaskRecord } from '../domain/task.ts';
import type { VideoPlan } from '../domain/video-plan.ts';
import { frameSize } from '../domain/video-request.ts';
import { TaskError } from '../errors.ts';
import type { Chunk } from '../media/chunks.ts';
import { assembleVideo, chunkFile, prepareRender, renderChunk, renderSoundtrack, SOUNDTRACK_FILE } from '../media/render.ts';
import type { EncodeSettings } from '../media/render-args.ts';
import { loadPlan, planPrefix } from './plan-store.ts';
import type { PipelineDeps } from './pipeline-deps.ts';
import { publishVideo } from './publish.ts';

/** What every chunk delivery of one fan-out reads: the chunks and the settings they all share. */
interface FanoutSpec {
  frame: Frame;
  chunks: Chunk[];
  encode: EncodeSettings;
  assFile: string | null;
  sidecars: { vtt: string | null; srt: string | null };
  durationS: number;
}

const SPEC = 'fanout.json';
/**
 * Chunks planned as if this many ran at once: with at most 12 s each, a three-minute video gives
 * fifteen or more, enough to spread over the instances a queue may dispatch to.
 */
const SPREAD = 4;

const fanoutPrefix = (taskId: string, attempt: number) => `${planPrefix(taskId)}a${attempt}/`;

async function fetchInto(deps: PipelineDeps, prefix: string, dir: string, name: string): Promise<string> {
  const path = join(dir, name);
  await deps.blobs.get(`${prefix}${name}`, path);
  return path;
}

async function readSpec(deps: PipelineDeps, prefix: string, dir: string): Promise<FanoutSpec> {
  return JSON.parse(await readFile(await fetchInto(deps, prefix, dir, SPEC), 'utf8')) as FanoutSpec;
}

/** The planning delivery's part: soundtrack, captions and the chunk list, stored; returns each chunk's frames. */
export async function startFanout(deps: PipelineDeps, o: { task: TaskRecord; dir: string; signal: AbortSignal; plan: VideoPlan }): Promise<number[]> {
  const { task, dir, plan, signal } = o;
  const req = task.request;
  const { width, height } = frameSize(req.aspect_ratio, req.resolution);
  // One encoder thread per chunk, whoever renders it: every chunk of the video is encoded alike.
  const encode = { ...deps.encode, threads: 1 };
  const prepared = await prepareRender(
    { dir, narration: plan.narration, segments: plan.segments, width, height, captions: req.captions, ...(req.language ? { language: req.language } : {}), encode },
    SPREAD,
  );
  const soundtrack = await deps.cpu.with(1, signal, () =>
    renderSoundtrack(deps.tools, { dir, voicePath: plan.narration.audioPath, voiceNormalised: true, music: plan.music ?? undefined, durationS: plan.narration.durationS, encode: prepared.encode, signal }),
  );
  const name = (p: string | null) => (p ? p.slice(dir.length + 1) : null);
  const spec: FanoutSpec = {
    frame: prepared.frame,
    chunks: prepared.chunks,
    encode: prepared.encode,
    assFile: prepared.assFile,
    sidecars: { vtt: name(prepared.vttPath), srt: name(prepared.srtPath) },
    durationS: plan.narration.durationS,
  };
  await writeFile(join(dir, SPEC), JSON.stringify(spec), 'utf8');
  const prefix = fanoutPrefix(task.id, task.attempt);
  const files = [soundtrack, prepared.assFile, spec.sidecars.vtt, spec.sidecars.srt].filter((f): f is string => f !== null);
  await Promise.all(files.map((f) => deps.blobs.put(`${prefix}${f}`, join(dir, f), { contentType: 'application/octet-stream' })));
  // The spec last: chunk deliveries may start as soon as it exists.
  await deps.blobs.put(`${prefix}${SPEC}`, join(dir, SPEC), { contentType: 'application/json' });
  return prepared.chunks.map((c) => c.frames);
}

/** One chunk delivery's part: fetch what chunk `n` needs, render it, store it. */
export async function renderFanoutChunk(
  deps: PipelineDeps,
  o: { task: TaskRecord; attempt: number; n: number; dir: string; signal: AbortSignal; onFrames?: (frames: number) => void },
): Promise<void> {
  const { dir } = o;
  const prefix = fanoutPrefix(o.task.id, o.attempt);
  const spec = await readSpec(deps, prefix, dir);
  const chunk = spec.chunks[o.n];
  if (!chunk) throw new TaskError('render_failed', `the render has no chunk ${o.n + 1}`);
  const [plan] = await Promise.all([
    loadPlan(deps.blobs, planPrefix(o.task.id), dir, { narration: false, music: false, clips: new Set(chunk.pieces.map((p) => p.clip)) }),
    spec.assFile ? fetchInto(deps, prefix, dir, spec.assFile) : null,
  ]);
  if (!plan) throw new TaskError('render_failed', 'the plan of this render is gone', { retryable: true });
  const file = await deps.cpu.with(spec.encode.threads, o.signal, () =>
    renderChunk(deps.tools, {
      dir,
      chunk,
      of: spec.chunks.length,
      clips: plan.clips,
      frame: spec.frame,
      assFile: spec.assFile,
      encode: spec.encode,
      signal: o.signal,
      ...(o.onFrames ? { onFrames: o.onFrames } : {}),
    }),
  );
  await deps.blobs.put(`${prefix}${file}`, join(dir, file), { contentType: 'video/mp2t' });
}

/** The joining delivery's part: every chunk and the soundtrack fetched, joined, checked and published. */
export async function assembleFanout(deps: PipelineDeps, o: { task: TaskRecord; dir: string; signal: AbortSignal }): Promise<{ output: TaskOutput; warnings: string[] }> {
  const { task, dir } = o;
  const prefix = fanoutPrefix(task.id, task.attempt);
  const spec = await readSpec(deps, prefix, dir);
  const chunkFiles = spec.chunks.map(chunkFile);
  const sidecars = [spec.sidecars.vtt, spec.sidecars.srt].filter((f): f is string => f !== null);
  const [plan] = await Promise.all([
    loadPlan(deps.blobs, planPrefix(task.id), dir, { narration: false, music: false, clips: new Set() }),
    ...[SOUNDTRACK_FILE, ...chunkFiles, ...sidecars].map((f) => fetchInto(deps, prefix, dir, f)),
  ]);
  if (!plan) throw new TaskError('render_failed', 'the plan of this render is gone', { retryable: true });
  const assembled = await assembleVideo(deps.tools, { dir, chunkFiles, frame: spec.frame, durationS: spec.durationS, signal: o.signal });
  const path = (f: string | null) => (f ? join(dir, f) : null);
  return publishVideo(deps, task, plan, { ...assembled, vttPath: path(spec.sidecars.vtt), srtPath: path(spec.sidecars.srt) });
}
