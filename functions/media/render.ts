// One render: captions files, one ffmpeg pass for the video, a thumbnail, and an ffprobe check of
// the result before anyone uploads it.
import { stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { CaptionOptions } from '../domain/video-request.ts';
import { TaskError } from '../errors.ts';

import { buildCaptions } from './captions/index.ts';
import { probeMedia } from './probe.ts';
import { renderArgs, thumbnailArgs, type EncodeSettings } from './render-args.ts';
import { runFfmpeg } from './run.ts';
import type { MediaTools } from './tools.ts';
import type { Narration, Segment, SourceClip } from '../domain/media.ts';


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
  /** 0..1 */
  onProgress?: (fraction: number) => void;
  /** Overrides of the x264/AAC settings (benchmarks compare presets). */
  encode?: Partial<EncodeSettings>;
  /** The narration went through normaliseNarration: the render skips its own loudnorm. */
  voiceNormalised?: boolean;
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

const FILES = { video: 'output.mp4', thumbnail: 'thumbnail.jpg', ass: 'captions.ass', vtt: 'captions.vtt', srt: 'captions.srt' } as const;
/** How far the rendered duration may be from the narration's. */
export const DURATION_TOLERANCE_S = 0.1;
/** Sidecar layout when burn-in is off: the request gave no caption options to follow. */
const SIDECAR_DEFAULTS: CaptionOptions = { style: 'line', position: 'bottom', font_size: 1, max_words_per_line: 7 };

export async function renderVideo(tools: MediaTools, job: RenderJob): Promise<RenderResult> {
  const { dir, narration, signal } = job;
  const frame = { width: job.width, height: job.height };
  const durationS = narration.durationS;
  if (!(durationS > 0)) throw new TaskError('render_failed', 'the narration has no duration');

  const captionOpts = job.captions === false ? SIDECAR_DEFAULTS : job.captions;
  const captions = buildCaptions(narration.words, narration.sentenceEnds, durationS, captionOpts, frame, job.language);
  let vttPath: string | null = null;
  let srtPath: string | null = null;
  let assFile: string | null = null;
  if (captions) {
    vttPath = join(dir, FILES.vtt);
    srtPath = join(dir, FILES.srt);
    await Promise.all([writeFile(vttPath, captions.vtt, 'utf8'), writeFile(srtPath, captions.srt, 'utf8')]);
    if (job.captions !== false) {
      assFile = FILES.ass;
      await writeFile(join(dir, assFile), captions.ass, 'utf8');
    }
  }

  const args = renderArgs({
    clips: job.clips,
    segments: job.segments,
    width: job.width,
    height: job.height,
    durationS,
    voicePath: narration.audioPath,
    voiceNormalised: job.voiceNormalised ?? false,
    music: job.music,
    assFile,
    outputFile: FILES.video,
    ...(job.encode ? { encode: job.encode } : {}),
  });
  const onProgress = job.onProgress;
  await runFfmpeg(tools, args, {
    cwd: dir,
    signal,
    errorCode: 'render_failed',
    ...(onProgress ? { onProgress: (s: number) => onProgress(Math.min(1, Math.max(0, s / durationS))) } : {}),
  });

  const videoPath = join(dir, FILES.video);
  const info = await validateRender(tools, videoPath, durationS, frame, signal);

  const thumbnailPath = join(dir, FILES.thumbnail);
  // A third in: past any opening fade, and the first caption line is usually up.
  await runFfmpeg(tools, thumbnailArgs(FILES.video, Math.min(durationS / 3, Math.max(0, durationS - 0.1)), FILES.thumbnail, job.width), {
    cwd: dir,
    signal,
    errorCode: 'render_failed',
  });
  await stat(thumbnailPath);
  onProgress?.(1);

  return { videoPath, thumbnailPath, vttPath, srtPath, durationS: info.durationS, width: info.width, height: info.height, sizeBytes: info.sizeBytes };
}

/** The render must match what was asked; a mismatch fails the task with what differed. Exported for tests. */
export async function validateRender(
  tools: MediaTools,
  path: string,
  expectedS: number,
  frame: { width: number; height: number },
  signal: AbortSignal,
) {
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
