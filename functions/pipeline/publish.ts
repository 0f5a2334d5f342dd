// The end of a render: the video and its sidecars uploaded under the attempt's own names, and
// what the completed task records of them.
import type { Credit } from '../domain/media.ts';
import type { TaskOutput, TaskRecord } from '../domain/task.ts';
import type { VideoPlan } from '../domain/video-plan.ts';
import { round3 } from '../lib/numbers.ts';
import type { RenderResult } from '../media/render.ts';
import { blobKeys } from './blob-keys.ts';
import { usedClipIds } from './footage-plan.ts';
import type { PipelineDeps } from './pipeline-deps.ts';

/** Uploads the video and its sidecars under the attempt's names, and what the task records of them. */
export async function publishVideo(deps: PipelineDeps, task: TaskRecord, plan: VideoPlan, rendered: RenderResult): Promise<{ output: TaskOutput; warnings: string[] }> {
  const keys = blobKeys(task.id, task.attempt);
  const cache = 'private, max-age=86400';
  await Promise.all([
    deps.blobs.put(keys.video, rendered.videoPath, { contentType: 'video/mp4', cacheControl: cache }),
    deps.blobs.put(keys.thumbnail, rendered.thumbnailPath, { contentType: 'image/jpeg', cacheControl: cache }),
    rendered.vttPath ? deps.blobs.put(keys.vtt, rendered.vttPath, { contentType: 'text/vtt; charset=utf-8', cacheControl: cache }) : null,
    rendered.srtPath ? deps.blobs.put(keys.srt, rendered.srtPath, { contentType: 'application/x-subrip; charset=utf-8', cacheControl: cache }) : null,
  ]);

  const used = new Set(plan.segments.map((s) => s.clip));
  const credits = dedupeCredits(plan.clips.filter((_, i) => used.has(i)).map((c) => c.credit));
  return {
    output: {
      video_key: keys.video,
      captions_vtt_key: rendered.vttPath ? keys.vtt : null,
      captions_srt_key: rendered.srtPath ? keys.srt : null,
      thumbnail_key: keys.thumbnail,
      duration_s: round3(rendered.durationS),
      width: rendered.width,
      height: rendered.height,
      size_bytes: rendered.sizeBytes,
      credits,
      pieces: plan.pieces,
      clip_ids: usedClipIds(plan.clips, used),
    },
    warnings: plan.warnings,
  };
}

function dedupeCredits(credits: (Credit | null)[]): Credit[] {
  const seen = new Map<string, Credit>();
  for (const c of credits) if (c) seen.set(`${c.provider}|${c.video_url}|${c.author}`, c);
  return [...seen.values()];
}
