// The media side of a fanned-out render. The planning delivery renders the soundtrack once and
// each output's captions, and stores them with the chunk list beside the plan
// (work/<id>/a<attempt>/, each further output's files in a folder of its own); each chunk
// delivery fetches only the clips its pieces use, renders its chunk and stores it; the delivery
// that finishes the last chunk fetches every output's chunks and joins them. A task with several
// outputs fans out per output: the chunks of all its videos are one list of deliveries.
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Frame } from '../domain/media.ts';
import { outputsOf } from '../domain/outputs.ts';
import type { TaskOutput, TaskRecord } from '../domain/task.ts';
import type { VideoPlan } from '../domain/video-plan.ts';
import { frameSize } from '../domain/video-request.ts';
import { TaskError } from '../errors.ts';
import { currentTimings, stage, type TimingsSnapshot } from '../lib/stage-timings.ts';
import type { Chunk } from '../media/chunks.ts';
import { assembleVideo, chunkFile, outputDir, outputFolder, prepareRender, renderChunk, renderSoundtrack, SOUNDTRACK_FILE } from '../media/render.ts';
import type { EncodeSettings } from '../media/render-args.ts';
import { loadPlan, planPrefix } from './plan-store.ts';
import type { PipelineDeps } from './pipeline-deps.ts';
import { publishVideo } from './publish.ts';

/** One output of a fan-out: its frame, its chunks and its captions files. */
interface OutputSpec {
  frame: Frame;
  chunks: Chunk[];
  assFile: string | null;
  sidecars: { vtt: string | null; srt: string | null };
  /** Where its files are, under the fan-out's prefix: '' for the first output, `output-<i>/` for the others. */
  folder: string;
}

/** What every chunk delivery of one fan-out reads: each output's chunks and the settings they all share. */
interface FanoutSpec {
  outputs: OutputSpec[];
  /** Every chunk of every output is encoded alike, whoever renders it. */
  encode: EncodeSettings;
  durationS: number;
}

/** The spec a planning delivery of one output wrote before there could be several (a rolling deploy may meet one). */
interface SingleOutputSpec extends Omit<OutputSpec, 'folder'> {
  encode: EncodeSettings;
  durationS: number;
}

const SPEC = 'fanout.json';
/** Where each delivery stores its timings under the fan-out's prefix. */
const TIMINGS = 'timings/';
/**
 * Chunks planned as if this many ran at once: with at most 12 s each, a three-minute video gives
 * fifteen or more, enough to spread over the instances a queue may dispatch to.
 */
const SPREAD = 4;

const fanoutPrefix = (taskId: string, attempt: number) => `${planPrefix(taskId)}a${attempt}/`;
/** Output `i`'s files under the fan-out's prefix, as in the render's dir. */
const folderOf = (i: number) => (i === 0 ? '' : `${outputFolder(i)}/`);

async function fetchInto(deps: PipelineDeps, prefix: string, dir: string, name: string): Promise<string> {
  const path = join(dir, name);
  await deps.blobs.get(`${prefix}${name}`, path);
  return path;
}

/**
 * This delivery's timings so far, stored for the delivery that joins the chunks (`name`: `plan`, or
 * the chunk's number): the task's timings are every delivery's.
 */
async function storeTimings(deps: PipelineDeps, prefix: string, dir: string, name: string): Promise<void> {
  const timings = currentTimings();
  if (!timings) return;
  const file = `timings-${name}.json`;
  await writeFile(join(dir, file), JSON.stringify(timings.snapshot()), 'utf8');
  await deps.blobs.put(`${prefix}${TIMINGS}${file}`, join(dir, file), { contentType: 'application/json' });
}

/** The timings every earlier delivery of the fan-out stored, merged into this one's. One that is missing (a delivery of an older release) is left out. */
async function mergeTimings(deps: PipelineDeps, prefix: string, dir: string, chunks: number): Promise<void> {
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

async function readSpec(deps: PipelineDeps, prefix: string, dir: string): Promise<FanoutSpec> {
  const spec = JSON.parse(await readFile(await fetchInto(deps, prefix, dir, SPEC), 'utf8')) as FanoutSpec | SingleOutputSpec;
  if ('outputs' in spec) return spec;
  const { encode, durationS, ...one } = spec;
  return { outputs: [{ ...one, folder: '' }], encode, durationS };
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

/** The planning delivery's part: soundtrack, each output's captions and the chunk list, stored; returns each chunk's frames. */
export async function startFanout(deps: PipelineDeps, o: { task: TaskRecord; dir: string; signal: AbortSignal; plan: VideoPlan }): Promise<number[]> {
  const { task, dir, plan, signal } = o;
  const req = task.request;
  // One encoder thread per chunk, whoever renders it: every chunk of the video is encoded alike.
  const encode = { ...deps.encode, threads: 1 };
  const language = req.language ? { language: req.language } : {};
  const prepared = await stage('captions', () => Promise.all(
    outputsOf(req).map(async (out, i) => {
      const at = outputDir(dir, i);
      await mkdir(at, { recursive: true });
      const { width, height } = frameSize(out.aspect_ratio, out.resolution);
      const p = await prepareRender({ dir: at, narration: plan.narration, segments: plan.segments, width, height, captions: req.captions, ...language, encode }, SPREAD);
      const name = (f: string | null) => (f ? f.slice(at.length + 1) : null);
      const spec: OutputSpec = { frame: p.frame, chunks: p.chunks, assFile: p.assFile, sidecars: { vtt: name(p.vttPath), srt: name(p.srtPath) }, folder: folderOf(i) };
      return { spec, at, encode: p.encode };
    }),
  ));
  const soundtrack = await deps.cpu.with(1, signal, () =>
    stage('soundtrack', () =>
      renderSoundtrack(deps.tools, { dir, voicePath: plan.narration.audioPath, voiceNormalised: true, music: plan.music ?? undefined, durationS: plan.narration.durationS, encode: prepared[0]!.encode, signal }),
    ),
  );
  const spec: FanoutSpec = { outputs: prepared.map((p) => p.spec), encode: prepared[0]!.encode, durationS: plan.narration.durationS };
  await writeFile(join(dir, SPEC), JSON.stringify(spec), 'utf8');
  const prefix = fanoutPrefix(task.id, task.attempt);
  const uploads: [key: string, path: string][] = [[`${prefix}${soundtrack}`, join(dir, soundtrack)]];
  for (const { spec: s, at } of prepared) {
    for (const f of [s.assFile, s.sidecars.vtt, s.sidecars.srt]) if (f) uploads.push([`${prefix}${s.folder}${f}`, join(at, f)]);
  }
  await stage('store', () => Promise.all(uploads.map(([key, path]) => deps.blobs.put(key, path, { contentType: 'application/octet-stream' }))));
  await storeTimings(deps, prefix, dir, 'plan');
  // The spec last: chunk deliveries may start as soon as it exists.
  await deps.blobs.put(`${prefix}${SPEC}`, join(dir, SPEC), { contentType: 'application/json' });
  return spec.outputs.flatMap((s) => s.chunks.map((c) => c.frames));
}

/** One chunk delivery's part: fetch what chunk `n` needs, render it, store it. */
export async function renderFanoutChunk(
  deps: PipelineDeps,
  o: { task: TaskRecord; attempt: number; n: number; dir: string; signal: AbortSignal; onFrames?: (frames: number) => void },
): Promise<void> {
  const { dir } = o;
  const prefix = fanoutPrefix(o.task.id, o.attempt);
  const spec = await stage('fetch', () => readSpec(deps, prefix, dir));
  const at = locateChunk(spec.outputs, o.n);
  const out = at ? spec.outputs[at.output] : undefined;
  const chunk = at && out?.chunks[at.chunk];
  if (!at || !out || !chunk) throw new TaskError('render_failed', `the render has no chunk ${o.n + 1}`);
  const [plan] = await stage('fetch', () =>
    Promise.all([
      loadPlan(deps.blobs, planPrefix(o.task.id), dir, { narration: false, music: false, clips: new Set(chunk.pieces.map((p) => p.clip)) }),
      out.assFile ? fetchInto(deps, `${prefix}${out.folder}`, dir, out.assFile) : null,
    ]),
  );
  if (!plan) throw new TaskError('render_failed', 'the plan of this render is gone', { retryable: true });
  const file = await deps.cpu.with(spec.encode.threads, o.signal, () =>
    stage('render', () => renderChunk(deps.tools, {
      dir,
      chunk,
      of: out.chunks.length,
      clips: plan.clips,
      frame: out.frame,
      assFile: out.assFile,
      encode: spec.encode,
      signal: o.signal,
      ...(o.onFrames ? { onFrames: o.onFrames } : {}),
    }), { output: at.output }),
  );
  await stage('store', () => deps.blobs.put(`${prefix}${out.folder}${file}`, join(dir, file), { contentType: 'video/mp2t' }));
  await storeTimings(deps, prefix, dir, String(o.n));
}

/** The joining delivery's part: every output's chunks and the soundtrack fetched, joined, checked and published. */
export async function assembleFanout(deps: PipelineDeps, o: { task: TaskRecord; dir: string; signal: AbortSignal }): Promise<{ output: TaskOutput; warnings: string[] }> {
  const { task, dir } = o;
  const prefix = fanoutPrefix(task.id, task.attempt);
  const spec = await stage('fetch', () => readSpec(deps, prefix, dir));
  const dirs = spec.outputs.map((_, i) => outputDir(dir, i));
  await Promise.all(dirs.slice(1).map((d) => mkdir(d, { recursive: true })));
  const fetches = spec.outputs.flatMap((out, i) =>
    [...out.chunks.map(chunkFile), out.sidecars.vtt, out.sidecars.srt].filter((f): f is string => f !== null).map((f) => fetchInto(deps, `${prefix}${out.folder}`, dirs[i]!, f)),
  );
  const [plan] = await stage('fetch', () =>
    Promise.all([
      loadPlan(deps.blobs, planPrefix(task.id), dir, { narration: false, music: false, clips: new Set() }),
      fetchInto(deps, prefix, dir, SOUNDTRACK_FILE).then(() => Promise.all(dirs.slice(1).map((d) => copyFile(join(dir, SOUNDTRACK_FILE), join(d, SOUNDTRACK_FILE))))),
      ...fetches,
    ]),
  );
  await mergeTimings(deps, prefix, dir, spec.outputs.reduce((n, out) => n + out.chunks.length, 0));
  if (!plan) throw new TaskError('render_failed', 'the plan of this render is gone', { retryable: true });
  const rendered = await Promise.all(
    spec.outputs.map(async (out, i) => {
      const at = dirs[i]!;
      const assembled = await assembleVideo(deps.tools, { dir: at, chunkFiles: out.chunks.map(chunkFile), frame: out.frame, durationS: spec.durationS, signal: o.signal, output: i });
      const path = (f: string | null) => (f ? join(at, f) : null);
      return { ...assembled, vttPath: path(out.sidecars.vtt), srtPath: path(out.sidecars.srt) };
    }),
  );
  return publishVideo(deps, task, plan, rendered);
}
