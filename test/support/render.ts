// A render as the pipeline makes one, for the media tests: the frames asked for as a spec's
// outputs, planned by planRender and run by the in-process executor.
import { availableParallelism } from 'node:os';
import type { Frame, Narration, Segment, SourceClip } from '../../functions/domain/media.ts';
import type { AspectRatio, CaptionOptions } from '../../functions/domain/video-request.ts';
import { captionSpec, type OutputSpec } from '../../functions/domain/video-spec.ts';
import type { Semaphore } from '../../functions/lib/semaphore.ts';
import { renderVideos, type RenderResult } from '../../functions/media/render.ts';
import type { EncodeSettings } from '../../functions/media/render-args.ts';
import { planRender, type RenderPlan, type RenderSpec } from '../../functions/media/render-plan.ts';
import type { MediaTools } from '../../functions/media/tools.ts';

export interface RenderJob {
  /** The scratch dir; every output is written under it. */
  dir: string;
  narration: Narration;
  clips: SourceClip[];
  segments: Segment[];
  /** One video per frame, the first the main one. */
  frames: Frame[];
  /** false: no burned-in captions (the sidecar files are still written). */
  captions: CaptionOptions | false;
  language?: string;
  music?: { path: string; volume: number };
  encode?: Partial<EncodeSettings>;
  voiceNormalised?: boolean;
  cpu?: Semaphore;
  signal: AbortSignal;
  onProgress?: (fraction: number) => void;
}

/**
 * For tests that check pictures, sound, timing and joins, never the encoder's efficiency: x264's
 * fastest preset (about half the CPU of the default at these sizes). Not a default here: the
 * bench renders through these helpers with the real settings.
 */
export const TEST_ENCODE: Partial<EncodeSettings> = { preset: 'ultrafast' };

/** A spec's output of any frame (tests render tiny ones): its shape from the frame's. */
export function outputOf(frame: Frame, i = 0): OutputSpec {
  const aspect: AspectRatio = frame.width < frame.height ? '9:16' : frame.width > frame.height ? '16:9' : '1:1';
  return { aspect_ratio: aspect, resolution: '720p', frame, orientation: aspect === '9:16' ? 'portrait' : aspect === '16:9' ? 'landscape' : 'square', label: i === 0 ? null : `output${i}` };
}

export function renderSpec(frames: Frame[], captions: CaptionOptions | false, language?: string): RenderSpec {
  return {
    outputs: frames.map((f, i) => outputOf(f, i)),
    captions: captionSpec(captions),
    ...(language ? { language } : {}),
  };
}

/** The plan of a job, as the pipeline plans a render in one process (one output at a time, on every core). */
export function planOf(job: Omit<RenderJob, 'dir' | 'clips' | 'signal' | 'onProgress'>): RenderPlan {
  return planRender(renderSpec(job.frames, job.captions, job.language), job.narration, { segments: job.segments, music: job.music ?? null }, {
    parallel: job.cpu?.capacity ?? availableParallelism(),
    ...(job.encode ? { encode: job.encode } : {}),
    voiceNormalised: job.voiceNormalised ?? false,
  });
}

/** Plans the job and renders it in this process: one result per frame. */
export async function renderPlanned(tools: MediaTools, job: RenderJob): Promise<{ plan: RenderPlan; results: RenderResult[] }> {
  const plan = planOf(job);
  const results = await renderVideos(tools, {
    dir: job.dir,
    plan,
    clips: job.clips,
    signal: job.signal,
    ...(job.cpu ? { cpu: job.cpu } : {}),
    ...(job.onProgress ? { onProgress: job.onProgress } : {}),
  });
  return { plan, results };
}

/** One video of `width` × `height`. */
export async function renderVideo(tools: MediaTools, job: Omit<RenderJob, 'frames'> & Frame): Promise<RenderResult & { plan: RenderPlan }> {
  const { width, height, ...rest } = job;
  const { plan, results } = await renderPlanned(tools, { ...rest, frames: [{ width, height }] });
  return { ...results[0]!, plan };
}
