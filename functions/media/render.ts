// Running a render plan (render-plan.ts). What every executor does with a plan is here, once:
// render one chunk, render the soundtrack, join an output's chunks into its checked MP4, hand an
// output over and free it. The in-process executor (renderVideos) renders one output at a time:
// its chunks side by side within the process-wide CPU budget (the soundtrack beside the first
// output's), then its join, then its hand-over, before the next output's chunks start; a fan-out
// runs the same steps as deliveries on any worker (pipeline/fanout-render.ts). So a task's scratch
// holds one output's work at a time, whatever the number of outputs: its chunks, then (the join
// reads each chunk through a pipe and removes it once read) its video, never both whole.
import { createReadStream } from 'node:fs';
import { availableParallelism } from 'node:os';
import { copyFile, link, mkdir, rm, stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { LogoFile } from '../domain/look.ts';
import type { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Frame, SourceClip } from '../domain/media.ts';
import type { OutputSpec } from '../domain/video-spec.ts';
import { CancelledError, TaskError } from '../errors.ts';
import { Semaphore } from '../lib/semaphore.ts';
import { stage } from '../lib/stage-timings.ts';
import { OUTPUT_FPS, type Chunk } from './chunks.ts';
import { probeMedia } from './probe.ts';
import { chunkArgs, chunkFilterGraph } from './chunk-video.ts';
import { assembleArgs, audioArgs, concatList, thumbnailArgs } from './render-args.ts';
import { chunkSubtitles, type ChunkPlan, type OutputPlan, type RenderPlan } from './render-plan.ts';
import { runFfmpeg } from './run.ts';
import type { MediaTools } from './tools.ts';

export interface RenderResult {
  /** The video of the spec this is. */
  output: OutputSpec;
  videoPath: string;
  thumbnailPath: string;
  vttPath: string | null;
  srtPath: string | null;
  durationS: number;
  width: number;
  height: number;
  sizeBytes: number;
}

/** The soundtrack's file in the render's dir. */
export const SOUNDTRACK_FILE = 'audio.m4a';

const FILES = {
  video: 'output.mp4',
  thumbnail: 'thumbnail.jpg',
  vtt: 'captions.vtt',
  srt: 'captions.srt',
  audio: SOUNDTRACK_FILE,
  list: 'chunks.txt',
} as const;
const chunkName = (c: Pick<Chunk, 'index'>) => `chunk-${String(c.index).padStart(4, '0')}`;
/** The file a chunk process writes, in its output's dir. */
export const chunkFile = (c: Pick<Chunk, 'index'>) => `${chunkName(c)}.ts`;

/** How far the rendered duration may be from the narration's. */
export const DURATION_TOLERANCE_S = 0.1;
/** Share of the progress the chunks make; the join, the check and the thumbnail make the rest. */
const CHUNKS_SHARE = 0.95;

/** Where output `o` of a render is written: the first in the render's dir, the others in folders of their own. */
export const outputDir = (dir: string, o: Pick<OutputPlan, 'folder'>) => join(dir, o.folder);

export interface RenderVideosJob {
  /** The task's scratch dir; every output is written under it and ffmpeg runs there. */
  dir: string;
  plan: RenderPlan;
  /** The timeline's clips (the plan's pieces index them), their files in `dir` or elsewhere. */
  clips: SourceClip[];
  /** The video plan's logo, for outputs that overlay one (OutputPlan.logo). */
  logo?: LogoFile | null;
  signal: AbortSignal;
  /** 0..1, never decreasing. */
  onProgress?: (fraction: number) => void;
  /**
   * The process's CPU budget, one unit per core, shared by every render in the process; each
   * chunk process holds one unit per encoder thread. Without one the render gets every core.
   */
  cpu?: Semaphore;
}

/**
 * What becomes of an output once it is joined and checked, before the next one is rendered: the
 * service uploads it, the CLI copies it where the user asked. Its files are removed once this
 * resolves; what it resolves with is the output's result.
 */
export type Deliver<T> = (video: RenderResult) => Promise<T>;

/**
 * The in-process executor, one output after the other: its chunks side by side within the CPU
 * budget (the soundtrack, once for all outputs, beside the first output's), its join and check,
 * and its hand-over to `deliver`, which frees its files before the next output starts. Without
 * `deliver` every output's files stay in the dir and the results name them. In the plan's order.
 */
export function renderVideos(tools: MediaTools, job: RenderVideosJob): Promise<RenderResult[]>;
export function renderVideos<T>(tools: MediaTools, job: RenderVideosJob & { deliver: Deliver<T> }): Promise<T[]>;
export async function renderVideos<T>(tools: MediaTools, job: RenderVideosJob & { deliver?: Deliver<T> }): Promise<(T | RenderResult)[]> {
  const { dir, plan } = job;
  const cpu = job.cpu ?? new Semaphore(availableParallelism());
  // Chunk processes of the other outputs run in their own dirs: clips are named from the render's.
  const clips = job.clips.map((c): SourceClip => (c.kind === 'file' ? { ...c, path: resolve(dir, c.path) } : c));
  const logo = job.logo ? { ...job.logo, path: resolve(dir, job.logo.path) } : null;

  const progress = progressOf(plan.outputs.flatMap((o) => o.chunks.map((c) => c.frames)), job.onProgress);
  // One failed process stops the others at once: the task has failed, and they would only hold the cores.
  const stop = new AbortController();
  const signal = AbortSignal.any([job.signal, stop.signal]);
  const soundtrack = cpu.with(1, signal, () => stage('soundtrack', () => renderSoundtrack(tools, { dir, plan, signal })));
  // Observed with the first output's chunks; a cancel before then must not leave its rejection unhandled.
  soundtrack.catch(() => {});
  const results: (T | RenderResult)[] = [];
  let at = 0;
  try {
    for (const [k, output] of plan.outputs.entries()) {
      await mkdir(outputDir(dir, output), { recursive: true });
      const runs = output.chunks.map((chunk) => {
        const pos = at++;
        return cpu.with(plan.encode.threads, signal, async () => {
          await stage('render', () => renderChunk(tools, { dir: outputDir(dir, output), plan, output, chunk, clips, logo, signal, onFrames: (f) => progress.chunk(pos, f) }), { output: k });
          progress.chunk(pos, chunk.frames);
        });
      });
      await settleAll(k === 0 ? [soundtrack, ...runs] : runs, stop, job.signal);
      if (k === 0) await shareSoundtrack(dir, plan.outputs);
      const video = await joinOutput(tools, { dir: outputDir(dir, output), plan, output, index: k, signal: job.signal });
      results.push(job.deliver ? await handOver(video, job.deliver) : video);
    }
  } catch (err) {
    // A step that failed before the soundtrack was awaited (the first output's dir) stops it too.
    stop.abort();
    throw err;
  }
  progress.done();
  return results;
}

/**
 * The soundtrack (in `dir`, the first output's) given to every further output's dir for its
 * join, which removes its own: as a hard link, which takes no space, or a copy where the file
 * system has none.
 */
export async function shareSoundtrack(dir: string, outputs: readonly OutputPlan[]): Promise<void> {
  const from = join(dir, FILES.audio);
  await Promise.all(
    outputs.slice(1).map(async (o) => {
      const to = join(outputDir(dir, o), FILES.audio);
      await mkdir(outputDir(dir, o), { recursive: true });
      await link(from, to).catch(() => copyFile(from, to));
    }),
  );
}

/** An output handed to `deliver`, and its files removed once it has it: the next output gets the space. */
export async function handOver<T>(video: RenderResult, deliver: Deliver<T>): Promise<T> {
  const delivered = await deliver(video);
  await Promise.all([video.videoPath, video.thumbnailPath, video.vttPath, video.srtPath].map((f) => f && rm(f, { force: true })));
  return delivered;
}

/**
 * One chunk process: its pieces, its captions, its encoding, into `chunkFile(chunk)` in `dir`.
 * Its graph and captions are written beside it for ffmpeg to read, and removed once it is done.
 */
export async function renderChunk(
  tools: MediaTools,
  o: {
    dir: string;
    plan: Pick<RenderPlan, 'encode'>;
    output: OutputPlan;
    chunk: ChunkPlan;
    clips: SourceClip[];
    /** The video plan's logo (chunkInputs says whether the chunk reads it). */
    logo?: LogoFile | null;
    signal: AbortSignal;
    /** Frames of this chunk written so far. */
    onFrames?: (frames: number) => void;
  },
): Promise<string> {
  const { chunk, dir, output } = o;
  const name = chunkName(chunk);
  const subtitles = chunkSubtitles(output, chunk);
  const filterScript = `${name}.filter`;
  const assFile = subtitles === null ? null : `${name}.ass`;
  const placement = output.logo ?? null;
  if (placement && !o.logo) throw new TaskError('render_failed', 'the render overlays a logo, but none was handed to it', { retryable: true });
  await Promise.all([
    writeFile(join(dir, filterScript), chunkFilterGraph(chunk, output.output.frame, assFile, placement), 'utf8'),
    subtitles === null ? null : writeFile(join(dir, `${name}.ass`), subtitles, 'utf8'),
  ]);
  const onFrames = o.onFrames;
  const logoFile = placement ? o.logo!.path : null;
  await runFfmpeg(tools, chunkArgs({ chunk, clips: o.clips, filterScript, outputFile: chunkFile(chunk), encode: o.plan.encode, logoFile }), {
    cwd: dir,
    signal: o.signal,
    errorCode: 'render_failed',
    ...(onFrames ? { onProgress: (s: number) => onFrames(s * OUTPUT_FPS) } : {}),
  }).catch((err: unknown) => {
    if (!(err instanceof TaskError)) throw err;
    const detail = err.detail ? { detail: err.detail } : {};
    throw new TaskError(err.code, `chunk ${chunk.index + 1} of ${output.chunks.length}: ${err.message}`, { retryable: err.retryable, cause: err, ...detail });
  });
  await Promise.all([filterScript, assFile].map((f) => f && rm(join(dir, f), { force: true })));
  return chunkFile(chunk);
}

/** The soundtrack, once for the whole video, into `SOUNDTRACK_FILE` in the dir. */
export async function renderSoundtrack(tools: MediaTools, o: { dir: string; plan: Pick<RenderPlan, 'soundtrack' | 'durationS' | 'encode'>; signal: AbortSignal }): Promise<string> {
  const { soundtrack, durationS, encode } = o.plan;
  const args = audioArgs({
    voicePath: soundtrack.voicePath,
    voiceNormalised: soundtrack.voiceNormalised,
    voiceGainDb: soundtrack.voiceGainDb,
    music: soundtrack.music ?? undefined,
    durationS,
    outputFile: FILES.audio,
    encode,
  });
  await runFfmpeg(tools, args, { cwd: o.dir, signal: o.signal, errorCode: 'render_failed' });
  return FILES.audio;
}

/**
 * Where the join finds a chunk: `fetch` puts chunk `c`'s file at `path` (a fan-out's join fetches
 * it from the blob store); without it every chunk's file is in the output's dir already.
 */
export type ChunkFetch = (c: ChunkPlan, path: string) => Promise<void>;

/**
 * One output's video from its chunks and the soundtrack (`SOUNDTRACK_FILE` in `dir`), checked,
 * with its thumbnail and its sidecar captions written beside it. Each chunk is removed as soon as
 * the join has read it, and the soundtrack once joined: the dir holds the video as it grows and
 * the chunks still to come, about one output's bytes at any moment.
 */
export async function joinOutput(
  tools: MediaTools,
  o: { dir: string; plan: Pick<RenderPlan, 'durationS'>; output: OutputPlan; /** Which output of the task, for its timings. */ index: number; signal: AbortSignal; fetch?: ChunkFetch },
): Promise<RenderResult> {
  const { dir, output } = o;
  const sidecars = output.sidecars;
  const [vttPath, srtPath] = sidecars ? [join(dir, FILES.vtt), join(dir, FILES.srt)] : [null, null];
  if (sidecars) await Promise.all([writeFile(vttPath!, sidecars.vtt, 'utf8'), writeFile(srtPath!, sidecars.srt, 'utf8')]);
  const assembled = await assembleVideo(tools, { dir, chunks: output.chunks, frame: output.output.frame, durationS: o.plan.durationS, index: o.index, signal: o.signal, ...(o.fetch ? { fetch: o.fetch } : {}) });
  return { output: output.output, ...assembled, vttPath, srtPath };
}

/**
 * The chunks joined by stream copy with the soundtrack muxed in, checked with ffprobe, and a
 * thumbnail. ffmpeg reads the chunks through pipes (media/render-args.ts concatList), fed here one
 * after the other.
 */
async function assembleVideo(
  tools: MediaTools,
  o: { dir: string; chunks: ChunkPlan[]; frame: Frame; durationS: number; index: number; signal: AbortSignal; fetch?: ChunkFetch },
): Promise<Omit<RenderResult, 'output' | 'vttPath' | 'srtPath'>> {
  const { dir, chunks } = o;
  const of = { output: o.index };
  await writeFile(join(dir, FILES.list), concatList(chunks.map((c) => c.frames)), 'utf8');
  await stage('join', () =>
    runFfmpeg(tools, assembleArgs(FILES.list, FILES.audio, FILES.video), {
      cwd: dir,
      signal: o.signal,
      errorCode: 'render_failed',
      pipes: { count: chunks.length, write: (pipes) => feedChunks(dir, chunks, pipes, o.fetch) },
    }), of);
  // The soundtrack is in the video now; the scratch space goes back to the other task.
  await Promise.all([FILES.audio, FILES.list].map((f) => rm(join(dir, f), { force: true })));

  const videoPath = join(dir, FILES.video);
  const info = await stage('validation', () => validateRender(tools, videoPath, o.durationS, o.frame, o.signal), of);
  const thumbnailPath = join(dir, FILES.thumbnail);
  // A third in: past any opening fade, and the first caption line is usually up.
  const thumbnail = thumbnailArgs(FILES.video, Math.min(o.durationS / 3, Math.max(0, o.durationS - 0.1)), FILES.thumbnail, o.frame.width);
  await stage('thumbnail', () => runFfmpeg(tools, thumbnail, { cwd: dir, signal: o.signal, errorCode: 'render_failed' }), of);
  await stat(thumbnailPath);
  return { videoPath, thumbnailPath, durationS: info.durationS, width: info.width, height: info.height, sizeBytes: info.sizeBytes };
}

/**
 * Each chunk written into its pipe in order, and removed once written. Fetched chunks are fetched
 * one ahead: at most two wait in the dir beside the growing video.
 */
async function feedChunks(dir: string, chunks: ChunkPlan[], pipes: Writable[], fetch: ChunkFetch | undefined): Promise<void> {
  const path = (i: number) => join(dir, chunkFile(chunks[i]!));
  const present = (i: number): Promise<void> => (i >= chunks.length || !fetch ? Promise.resolve() : fetch(chunks[i]!, path(i)));
  let next = present(0);
  for (let i = 0; i < chunks.length; i++) {
    await next;
    next = present(i + 1);
    // Awaited on the next turn; if this chunk's write fails first, the fetch is not left unobserved.
    next.catch(() => {});
    await pipeline(createReadStream(path(i)), pipes[i]!);
    await rm(path(i), { force: true });
  }
}

/** One monotonic 0..1 across chunks (each this many frames) that run side by side: frames done over frames in all. */
function progressOf(frames: number[], report: ((fraction: number) => void) | undefined) {
  const total = frames.reduce((n, f) => n + f, 0);
  const done = new Array<number>(frames.length).fill(0);
  let last = 0;
  const emit = (f: number) => {
    if (!report || f <= last) return;
    last = f;
    report(f);
  };
  return {
    chunk(index: number, count: number) {
      done[index] = Math.min(frames[index]!, Math.max(done[index]!, count));
      emit((CHUNKS_SHARE * done.reduce((a, b) => a + b, 0)) / total);
    },
    done: () => emit(1),
  };
}

/**
 * Waits for every run. On the first failure the others are stopped (`stop`), and once all have
 * ended the failure is thrown: a cancellation from outside as CancelledError, else the first error.
 */
async function settleAll(runs: Promise<unknown>[], stop: AbortController, outer: AbortSignal): Promise<void> {
  let first: unknown = null;
  await Promise.all(
    runs.map((r) =>
      r.catch((err: unknown) => {
        if (first === null && !(err instanceof CancelledError && !outer.aborted)) first = err;
        stop.abort();
      }),
    ),
  );
  if (outer.aborted) throw new CancelledError();
  if (first !== null) throw first;
}

/** The render must match what was asked; a mismatch fails the task with what differed. Exported for tests. */
export async function validateRender(tools: MediaTools, path: string, expectedS: number, frame: Frame, signal: AbortSignal) {
  const info = await probeMedia(tools, path, signal).catch((err: unknown) => {
    throw new TaskError('render_invalid', `the rendered video cannot be read back: ${(err as Error).message}`, { cause: err });
  });
  const problems: string[] = [];
  if (!info.hasVideo) problems.push('no video stream');
  if (!info.hasAudio) problems.push('no audio stream');
  if (info.width !== frame.width || info.height !== frame.height) {
    problems.push(`frame is ${info.width}x${info.height}, expected ${frame.width}x${frame.height}`);
  }
  if (Math.abs(info.durationS - expectedS) > DURATION_TOLERANCE_S) {
    problems.push(`duration is ${info.durationS.toFixed(3)} s, the narration is ${expectedS.toFixed(3)} s`);
  }
  if (problems.length > 0) throw new TaskError('render_invalid', `the rendered video failed validation: ${problems.join('; ')}`);
  return info;
}
