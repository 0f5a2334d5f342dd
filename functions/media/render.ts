// One render, in bounded chunks: the captions files; the soundtrack once; the timeline cut at piece
// boundaries into chunks, each one ffmpeg process with a few decoders, run side by side within the
// process-wide CPU budget; the chunks joined by stream copy with the audio muxed in; a thumbnail;
// and an ffprobe check of the result before anyone uploads it.
import { availableParallelism } from 'node:os';
import { copyFile, mkdir, rm, stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Frame, Narration, Segment, SourceClip } from '../domain/media.ts';
import type { CaptionOptions } from '../domain/video-request.ts';
import { CancelledError, TaskError } from '../errors.ts';
import { Semaphore } from '../lib/semaphore.ts';
import { stage } from '../lib/stage-timings.ts';
import { buildCaptions } from './captions/index.ts';
import { OUTPUT_FPS, planChunks, type Chunk } from './chunks.ts';
import { probeMedia } from './probe.ts';
import {
  assembleArgs,
  audioArgs,
  chunkArgs,
  chunkFilterGraph,
  concatList,
  DEFAULT_ENCODE,
  thumbnailArgs,
  type EncodeSettings,
} from './render-args.ts';
import { runFfmpeg } from './run.ts';
import type { MediaTools } from './tools.ts';

export interface RenderJob {
  /** The task's scratch dir; every output is written here and ffmpeg runs with it as cwd. */
  dir: string;
  narration: Narration;
  clips: SourceClip[];
  segments: Segment[];
  width: number;
  height: number;
  /** false: no burned-in captions (the sidecar files are still written, for players and uploads). */
  captions: CaptionOptions | false;
  language?: string;
  music?: { path: string; volume: number };
  signal: AbortSignal;
  /** 0..1, never decreasing. */
  onProgress?: (fraction: number) => void;
  /** Overrides of the x264/AAC settings (benchmarks compare presets). */
  encode?: Partial<EncodeSettings>;
  /** The narration went through normaliseNarration: the audio pass skips its own loudnorm. */
  voiceNormalised?: boolean;
  /**
   * The process's CPU budget, one unit per core, shared by every render in the process; each
   * chunk process holds one unit per encoder thread. Without one the render gets every core.
   */
  cpu?: Semaphore;
}

export interface RenderResult {
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
  ass: 'captions.ass',
  vtt: 'captions.vtt',
  srt: 'captions.srt',
  audio: SOUNDTRACK_FILE,
  list: 'chunks.txt',
} as const;
/** The file a chunk process writes, in the render's dir. */
export const chunkFile = (c: Pick<Chunk, 'index'>) => `chunk-${String(c.index).padStart(4, '0')}.ts`;
const filterFile = (c: Chunk) => `chunk-${String(c.index).padStart(4, '0')}.filter`;

/** How far the rendered duration may be from the narration's. */
export const DURATION_TOLERANCE_S = 0.1;
/** Sidecar layout when burn-in is off: the request gave no caption options to follow. */
export const SIDECAR_DEFAULTS: CaptionOptions = { style: 'line', position: 'bottom', font_size: 1, max_words_per_line: 7 };
/** Share of the progress the chunks make; the join, the check and the thumbnail make the rest. */
const CHUNKS_SHARE = 0.95;

export async function renderVideo(tools: MediaTools, job: RenderJob): Promise<RenderResult> {
  const { width, height, ...shared } = job;
  const [result] = await renderVideos(tools, { ...shared, frames: [{ width, height }] });
  return result!;
}

/** Several videos of one narration and timeline, one per frame: each its own crop and caption layout. */
export interface RenderVideosJob extends Omit<RenderJob, 'width' | 'height'> {
  frames: Frame[];
}

/** The folder output `i` of a render is written to, inside the render's dir: none for the first. */
export const outputFolder = (i: number) => (i === 0 ? '' : `output-${i}`);
/** Where output `i` of a render is written: the first in the render's dir, the others in folders of their own. */
export const outputDir = (dir: string, i: number) => join(dir, outputFolder(i));

/**
 * Renders one video per frame from the same timeline: the soundtrack once for all of them, every
 * output's chunks side by side within the CPU budget, then each output joined and checked.
 * Results are in the order of `frames`.
 */
export async function renderVideos(tools: MediaTools, job: RenderVideosJob): Promise<RenderResult[]> {
  const { dir, narration } = job;
  const cpu = job.cpu ?? new Semaphore(availableParallelism());
  // Outputs run side by side: each is cut for its share of the cores.
  const parallel = Math.max(1, Math.round(cpu.capacity / job.frames.length));
  const dirs = job.frames.map((_, i) => outputDir(dir, i));
  await Promise.all(dirs.slice(1).map((d) => mkdir(d, { recursive: true })));
  const prepared = await stage('captions', () => Promise.all(job.frames.map((f, i) => prepareRender({ ...job, dir: dirs[i]!, width: f.width, height: f.height }, parallel))));
  // Chunk processes of the other outputs run in their own dirs: clips are named from the render's.
  const clips = job.clips.map((c): SourceClip => (c.kind === 'file' ? { ...c, path: resolve(dir, c.path) } : c));

  const progress = progressOf(prepared.flatMap((p) => p.chunks.map((c) => c.frames)), job.onProgress);
  // One failed process stops the others at once: the task has failed, and they would only hold the cores.
  const stop = new AbortController();
  const signal = AbortSignal.any([job.signal, stop.signal]);
  let at = 0;
  const runs = [
    cpu.with(1, signal, () =>
      stage('soundtrack', () => renderSoundtrack(tools, {
        dir,
        voicePath: narration.audioPath,
        voiceNormalised: job.voiceNormalised ?? false,
        music: job.music,
        durationS: narration.durationS,
        encode: prepared[0]!.encode,
        signal,
      })),
    ),
    ...prepared.flatMap((p, o) =>
      p.chunks.map((chunk) => {
        const pos = at++;
        return cpu.with(p.encode.threads, signal, async () => {
          await stage('render', () => renderChunk(tools, { dir: dirs[o]!, chunk, of: p.chunks.length, clips, frame: p.frame, assFile: p.assFile, encode: p.encode, signal, onFrames: (f) => progress.chunk(pos, f) }), { output: o });
          progress.chunk(pos, chunk.frames);
        });
      }),
    ),
  ];
  await settleAll(runs, stop, job.signal);

  // Each output is joined with its own copy of the soundtrack (joining removes it).
  await Promise.all(dirs.slice(1).map((d) => copyFile(join(dir, FILES.audio), join(d, FILES.audio))));
  const results = await Promise.all(
    prepared.map(async (p, o) => {
      const assembled = await assembleVideo(tools, { dir: dirs[o]!, chunkFiles: p.chunks.map(chunkFile), frame: p.frame, durationS: narration.durationS, signal: job.signal, output: o });
      return { ...assembled, vttPath: p.vttPath, srtPath: p.srtPath };
    }),
  );
  progress.done();
  return results;
}

/** What every chunk of a render shares, decided once: the frame, the chunks, the encoder settings and the captions files. */
export interface PreparedRender {
  frame: Frame;
  chunks: Chunk[];
  /** Every chunk of a video must be encoded alike: these settings, threads included. */
  encode: EncodeSettings;
  assFile: string | null;
  vttPath: string | null;
  srtPath: string | null;
}

/**
 * Writes the captions files into the dir and cuts the timeline into chunks for `parallel` chunk
 * processes. A video too short to split gets the cores as encoder threads instead.
 */
export async function prepareRender(job: Omit<RenderJob, 'signal' | 'clips' | 'music'>, parallel: number): Promise<PreparedRender> {
  const frame: Frame = { width: job.width, height: job.height };
  if (!(job.narration.durationS > 0)) throw new TaskError('render_failed', 'the narration has no duration');
  const captions = await writeCaptions(job, frame);
  const chunks = planChunks(job.segments, { parallel });
  if (chunks.length === 0) throw new TaskError('render_failed', 'the timeline has no frames to render');
  const threads = chunks.length < parallel ? Math.floor(parallel / chunks.length) : 1;
  const encode = { ...DEFAULT_ENCODE, ...job.encode, threads: job.encode?.threads ?? threads };
  return { frame, chunks, encode, ...captions };
}

/** One chunk process: its pieces, captioned, encoded into `chunkFile(chunk)` in the dir. */
export async function renderChunk(
  tools: MediaTools,
  o: {
    dir: string;
    chunk: Chunk;
    /** How many chunks the video has, for messages. */
    of: number;
    clips: SourceClip[];
    frame: Frame;
    assFile: string | null;
    encode: EncodeSettings;
    signal: AbortSignal;
    /** Frames of this chunk written so far. */
    onFrames?: (frames: number) => void;
  },
): Promise<string> {
  const { chunk, dir } = o;
  await writeFile(join(dir, filterFile(chunk)), chunkFilterGraph(chunk, o.frame, o.assFile), 'utf8');
  const onFrames = o.onFrames;
  await runFfmpeg(tools, chunkArgs({ chunk, clips: o.clips, filterScript: filterFile(chunk), outputFile: chunkFile(chunk), encode: o.encode }), {
    cwd: dir,
    signal: o.signal,
    errorCode: 'render_failed',
    ...(onFrames ? { onProgress: (s: number) => onFrames(s * OUTPUT_FPS) } : {}),
  }).catch((err: unknown) => {
    if (!(err instanceof TaskError)) throw err;
    const detail = err.detail ? { detail: err.detail } : {};
    throw new TaskError(err.code, `chunk ${chunk.index + 1} of ${o.of}: ${err.message}`, { retryable: err.retryable, cause: err, ...detail });
  });
  await rm(join(dir, filterFile(chunk)), { force: true });
  return chunkFile(chunk);
}

/** The soundtrack, once for the whole video, into `SOUNDTRACK_FILE` in the dir. */
export async function renderSoundtrack(
  tools: MediaTools,
  o: { dir: string; voicePath: string; voiceNormalised: boolean; music?: { path: string; volume: number } | undefined; durationS: number; encode: EncodeSettings; signal: AbortSignal },
): Promise<string> {
  await runFfmpeg(
    tools,
    audioArgs({ voicePath: o.voicePath, voiceNormalised: o.voiceNormalised, music: o.music, durationS: o.durationS, outputFile: FILES.audio, encode: o.encode }),
    { cwd: o.dir, signal: o.signal, errorCode: 'render_failed' },
  );
  return FILES.audio;
}

/**
 * The chunks (files in the dir, in order) joined by stream copy with the soundtrack muxed in,
 * checked with ffprobe, and a thumbnail. The chunks and the soundtrack are removed once joined.
 */
export async function assembleVideo(
  tools: MediaTools,
  o: { dir: string; chunkFiles: string[]; frame: Frame; durationS: number; signal: AbortSignal; /** Which output of the task, for its timings. */ output: number },
): Promise<Omit<RenderResult, 'vttPath' | 'srtPath'>> {
  const { dir } = o;
  const of = { output: o.output };
  await writeFile(join(dir, FILES.list), concatList(o.chunkFiles), 'utf8');
  await stage('join', () => runFfmpeg(tools, assembleArgs(FILES.list, FILES.audio, FILES.video), { cwd: dir, signal: o.signal, errorCode: 'render_failed' }), of);
  // The pieces are in the video now; the scratch space goes back to the other task.
  await Promise.all([FILES.audio, FILES.list, ...o.chunkFiles].map((f) => rm(join(dir, f), { force: true })));

  const videoPath = join(dir, FILES.video);
  const info = await stage('validation', () => validateRender(tools, videoPath, o.durationS, o.frame, o.signal), of);
  const thumbnailPath = join(dir, FILES.thumbnail);
  // A third in: past any opening fade, and the first caption line is usually up.
  const thumbnail = thumbnailArgs(FILES.video, Math.min(o.durationS / 3, Math.max(0, o.durationS - 0.1)), FILES.thumbnail, o.frame.width);
  await stage('thumbnail', () => runFfmpeg(tools, thumbnail, { cwd: dir, signal: o.signal, errorCode: 'render_failed' }), of);
  await stat(thumbnailPath);
  return { videoPath, thumbnailPath, durationS: info.durationS, width: info.width, height: info.height, sizeBytes: info.sizeBytes };
}

/** The WebVTT/SRT sidecars always, and the ASS file the chunks burn in unless captions are off. */
async function writeCaptions(job: Pick<RenderJob, 'narration' | 'dir' | 'captions' | 'language'>, frame: Frame) {
  const { narration, dir } = job;
  const opts = job.captions === false ? SIDECAR_DEFAULTS : job.captions;
  const captions = buildCaptions(narration.words, narration.sentenceEnds, narration.durationS, opts, frame, job.language);
  if (!captions) return { vttPath: null, srtPath: null, assFile: null };
  const vttPath = join(dir, FILES.vtt);
  const srtPath = join(dir, FILES.srt);
  await Promise.all([writeFile(vttPath, captions.vtt, 'utf8'), writeFile(srtPath, captions.srt, 'utf8')]);
  if (job.captions === false) return { vttPath, srtPath, assFile: null };
  await writeFile(join(dir, FILES.ass), captions.ass, 'utf8');
  return { vttPath, srtPath, assFile: FILES.ass };
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
