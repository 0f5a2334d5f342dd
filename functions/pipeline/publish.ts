// The end of a render: every video of the task and its sidecars uploaded under the attempt's own
// names, and what the completed task records of them (the main video's files at the top level).
import type { Credit } from '../domain/media.ts';
import { fileLabel, outputsOf, type OutputFiles, type VideoOutput } from '../domain/outputs.ts';
import type { TaskOutput, TaskRecord } from '../domain/task.ts';
import type { VideoPlan } from '../domain/video-plan.ts';
import { round3 } from '../lib/numbers.ts';
import { stage } from '../lib/stage-timings.ts';
import type { RenderResult } from '../media/render.ts';
import { blobKeys } from './blob-keys.ts';
import { usedClipIds } from './footage-plan.ts';
import type { PipelineDeps } from './pipeline-deps.ts';

/** Uploads each rendered video (one per output, in the request's order) with its sidecars, and what the task records of them. */
export async function publishVideo(deps: PipelineDeps, task: TaskRecord, plan: VideoPlan, rendered: RenderResult[]): Promise<{ output: TaskOutput; warnings: string[] }> {
  const outputs = outputsOf(task.request);
  if (rendered.length !== outputs.length) throw new Error(`rendered ${rendered.length} videos for ${outputs.length} outputs`);
  const files = await Promise.all(
    rendered.map((r, i) => publishOne(deps, blobKeys(task.id, task.attempt, fileLabel(outputs, i)), outputs[i]!, r)),
  );

  const used = new Set(plan.segments.map((s) => s.clip));
  const credits = dedupeCredits(plan.clips.filter((_, i) => used.has(i)).map((c) => c.credit));
  const { aspect_ratio: _a, resolution: _r, ...main } = files[0]!;
  return {
    output: { ...main, credits, pieces: plan.pieces, clip_ids: usedClipIds(plan.clips, used), outputs: files },
    warnings: plan.warnings,
  };
}

async function publishOne(deps: PipelineDeps, keys: ReturnType<typeof blobKeys>, shape: VideoOutput, rendered: RenderResult): Promise<OutputFiles> {
  const cache = 'private, max-age=86400';
  await stage('upload', () => Promise.all([
    deps.blobs.put(keys.video, rendered.videoPath, { contentType: 'video/mp4', cacheControl: cache }),
    deps.blobs.put(keys.thumbnail, rendered.thumbnailPath, { contentType: 'image/jpeg', cacheControl: cache }),
    rendered.vttPath ? deps.blobs.put(keys.vtt, rendered.vttPath, { contentType: 'text/vtt; charset=utf-8', cacheControl: cache }) : null,
    rendered.srtPath ? deps.blobs.put(keys.srt, rendered.srtPath, { contentType: 'application/x-subrip; charset=utf-8', cacheControl: cache }) : null,
  ]));
  return {
    aspect_ratio: shape.aspect_ratio,
    resolution: shape.resolution,
    video_key: keys.video,
    captions_vtt_key: rendered.vttPath ? keys.vtt : null,
    captions_srt_key: rendered.srtPath ? keys.srt : null,
    thumbnail_key: keys.thumbnail,
    duration_s: round3(rendered.durationS),
    width: rendered.width,
    height: rendered.height,
    size_bytes: rendered.sizeBytes,
  };
}

function dedupeCredits(credits: (Credit | null)[]): Credit[] {
  const seen = new Map<string, Credit>();
  for (const c of credits) if (c) seen.set(`${c.provider}|${c.video_url}|${c.author}`, c);
  return [...seen.values()];
}
