// One render, in bounded chunks: the captions files; the soundtrack once; the timeline cut at piece
// boundaries into chunks, each one ffmpeg process with a few decoders, run side by side within the
// process-wide CPU budget; the chunks joined by stream copy with the audio muxed in; a thumbnail;
// and an ffprobe check of the result before anyone uploads it.
import { availableParallelism } from 'node:os';
import { rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Frame, Narration, Segment, SourceClip } from '../domain/media.ts';
import type { CaptionOptions } from '../domain/video-request.ts';
import { CancelledError, TaskError } from '../errors.ts';
import { Semaphore } from '../lib/semaphore.ts';
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

const FILES = {
  video: 'output.mp4',
  thumbnail: 'thumbnail.jpg',
  ass: 'captions.ass',
  vtt: 'captions.vtt',
  srt: 'captions.srt',
  audio: 'audio.m4a',
  list: 'chunks.txt',
} as const;
const chunkFile = (c: Chunk) => `chunk-${String(c.index).padStart(4, '0')}.ts`;
const filterFile = (c: Chunk) => `chunk-${String(c.index).padStart(4, '0')}.filter`;

/** How far the rendered duration may be from the narration's. */
export const DURATION_TOLERANCE_S = 0.1;
/** Sidecar layout when burn-in is off: the request gave no caption options to follow. */
const SIDECAR_DEFAULTS: CaptionOptions = { style: 'line', position: 'bottom', font_size: 1, max_words_per_line: 7 };
/** Share of the progress the chunks make; the join, the check and the thumbnail make the rest. */
const CHUNKS_SHARE = 0.95;

export async function renderVideo(tools: MediaTools, job: RenderJob): Promise<RenderResult> {
  const { dir, narration } = job;
  const frame: Frame = { width: job.width, height: job.height };
  const durationS = narration.durationS;
  if (!(durationS > 0)) throw new TaskError('render_failed', 'the narration has no duration');
  const encode = { ...DEFAULT_ENCODE, ...job.encode };
  const cpu = job.cpu ?? new Semaphore(availableParallelism());

  const captions = await writeCaptions(job, frame);
  const chunks = planChunks(job.segments, { parallel: cpu.capacity });
  if (chunks.length === 0) throw new TaskError('render_failed', 'the timeline has no frames to render');
  // Every chunk of a video must be encoded alike. A video too short to split gets the cores as encoder threads instead.
  const threads = chunks.length < cpu.capacity ? Math.floor(cpu.capacity / chunks.length) : 1;
  const chunkEncode = { ...encode, threads: job.encode?.threads ?? threads };

  const progress = progressOf(chunks, job.onProgress);
  // One failed process stops the others at once: the task has failed, and they would only hold the cores.
  const stop = new AbortController();
  const signal = AbortSignal.any([job.signal, stop.signal]);
  const runs = [
    cpu.with(1, signal, () =>
      runFfmpeg(
        tools,
        audioArgs({ voicePath: narration.audioPath, voiceNormalised: job.voiceNormalised ?? false, music: job.music, durationS, outputFile: FILES.audio, encode }),
        { cwd: dir, signal, errorCode: 'render_failed' },
      ),
    ),
    ...chunks.map((chunk) =>
      cpu.with(chunkEncode.threads, signal, async () => {
        await writeFile(join(dir, filterFile(chunk)), chunkFilterGraph(chunk, frame, captions.assFile), 'utf8');
        await runFfmpeg(tools, chunkArgs({ chunk, clips: job.clips, filterScript: filterFile(chunk), outputFile: chunkFile(chunk), encode: chunkEncode }), {
          cwd: dir,
          signal,
          errorCode: 'render_failed',
          onProgress: (s) => progress.chunk(chunk.index, s * OUTPUT_FPS),
        }).catch((err: unknown) => {
          if (!(err instanceof TaskError)) throw err;
          const detail = err.detail ? { detail: err.detail } : {};
          throw new TaskError(err.code, `chunk ${chunk.index + 1} of ${chunks.length}: ${err.message}`, { retryable: err.retryable, cause: err, ...detail });
        });
        progress.chunk(chunk.index, chunk.frames);
      }),
    ),
  ];
  await settleAll(runs, stop, job.signal);

  await writeFile(join(dir, FILES.list), concatList(chunks.map(chunkFile)), 'utf8');
  await runFfmpeg(tools, assembleArgs(FILES.list, FILES.audio, FILES.video), { cwd: dir, signal: job.signal, errorCode: 'render_failed' });
  // The pieces are in the video now; the scratch space goes back to the other task.
  await Promise.all([FILES.audio, FILES.list, ...chunks.flatMap((c) => [chunkFile(c), filterFile(c)])].map((f) => rm(join(dir, f), { force: true })));

  const videoPath = join(dir, FILES.video);
  const info = await validateRender(tools, videoPath, durationS, frame, job.signal);
  const thumbnailPath = join(dir, FILES.thumbnail);
  // A third in: past any opening fade, and the first caption line is usually up.
  await runFfmpeg(tools, thumbnailArgs(FILES.video, Math.min(durationS / 3, Math.max(0, durationS - 0.1)), FILES.thumbnail, job.width), {
    cwd: dir,
    signal: job.signal,
    errorCode: 'render_failed',
  });
  await stat(thumbnailPath);
  progress.done();

  return { videoPath, thumbnailPath, vttPath: captions.vttPath, srtPath: captions.srtPath, durationS: info.durationS, width: info.width, height: info.height, sizeBytes: info.sizeBytes };
}

/** The WebVTT/SRT sidecars always, and the ASS file the chunks burn in unless captions are off. */
async function writeCaptions(job: RenderJob, frame: Frame) {
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

/** One monotonic 0..1 across chunks that run side by side: frames done over frames in all. */
function progressOf(chunks: Chunk[], report: ((fraction: number) => void) | undefined) {
  const total = chunks.reduce((n, c) => n + c.frames, 0);
  const done = new Array<number>(chunks.length).fill(0);
  let last = 0;
  const emit = (f: number) => {
    if (!report || f <= last) return;
    last = f;
    report(f);
  };
  return {
    chunk(index: number, frames: number) {
      done[index] = Math.min(chunks[index]!.frames, Math.max(done[index]!, frames));
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
