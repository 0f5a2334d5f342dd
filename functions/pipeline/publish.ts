// Publishing a produced video (the service's last step): each video of the task uploaded with its
// sidecars under the attempt's own names as soon as it is joined (publishOutput is what the render
// hands each output to, so its files leave the scratch before the next output is rendered), and
// what the completed task records of them (the main video's files at the top level).
import type { OutputFiles } from '../domain/outputs.ts';
import type { TaskOutput } from '../domain/task.ts';
import { round3 } from '../lib/numbers.ts';
import { stage } from '../lib/stage-timings.ts';
import type { RenderResult } from '../media/render.ts';
import type { BlobStore } from '../platform/ports.ts';
import { blobKeys } from './blob-keys.ts';
import type { ProducedVideo } from './produced-video.ts';

/** Uploads one video with its sidecars, under the attempt's names for its output; what the task records of it. */
export async function publishOutput(blobs: BlobStore, at: { taskId: string; attempt: number }, rendered: RenderResult): Promise<OutputFiles> {
  const keys = blobKeys(at.taskId, at.attempt, rendered.output.label);
  const cache = 'private, max-age=86400';
  await stage('upload', () => Promise.all([
    blobs.put(keys.video, rendered.videoPath, { contentType: 'video/mp4', cacheControl: cache }),
    blobs.put(keys.thumbnail, rendered.thumbnailPath, { contentType: 'image/jpeg', cacheControl: cache }),
    rendered.vttPath ? blobs.put(keys.vtt, rendered.vttPath, { contentType: 'text/vtt; charset=utf-8', cacheControl: cache }) : null,
    rendered.srtPath ? blobs.put(keys.srt, rendered.srtPath, { contentType: 'application/x-subrip; charset=utf-8', cacheControl: cache }) : null,
  ]));
  return {
    aspect_ratio: rendered.output.aspect_ratio,
    resolution: rendered.output.resolution,
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

/** What the completed task records of its published videos (one per output, in the spec's order). */
export function publishedOutput(produced: ProducedVideo<OutputFiles>): { output: TaskOutput; warnings: string[] } {
  const { aspect_ratio: _a, resolution: _r, ...main } = produced.videos[0]!;
  return {
    output: { ...main, credits: produced.credits, pieces: produced.pieces, clip_ids: produced.clipIds, outputs: produced.videos },
    warnings: produced.warnings,
  };
}
