// Publishing a produced video (the service's last step): every video of the task and its sidecars
// uploaded under the attempt's own names, and what the completed task records of them (the main
// video's files at the top level).
import type { OutputFiles } from '../domain/outputs.ts';
import type { TaskOutput } from '../domain/task.ts';
import { round3 } from '../lib/numbers.ts';
import type { RenderResult } from '../media/render.ts';
import type { BlobStore } from '../platform/ports.ts';
import { blobKeys } from './blob-keys.ts';
import type { ProducedVideo } from './produced-video.ts';

/** Uploads each video (one per output, in the spec's order) with its sidecars; what the task records of them. */
export async function publishVideo(blobs: BlobStore, at: { taskId: string; attempt: number }, produced: ProducedVideo): Promise<{ output: TaskOutput; warnings: string[] }> {
  const files = await Promise.all(produced.videos.map((r) => publishOne(blobs, blobKeys(at.taskId, at.attempt, r.output.label), r)));
  const { aspect_ratio: _a, resolution: _r, ...main } = files[0]!;
  return {
    output: { ...main, credits: produced.credits, pieces: produced.pieces, clip_ids: produced.clipIds, outputs: files },
    warnings: produced.warnings,
  };
}

async function publishOne(blobs: BlobStore, keys: ReturnType<typeof blobKeys>, rendered: RenderResult): Promise<OutputFiles> {
  const cache = 'private, max-age=86400';
  await Promise.all([
    blobs.put(keys.video, rendered.videoPath, { contentType: 'video/mp4', cacheControl: cache }),
    blobs.put(keys.thumbnail, rendered.thumbnailPath, { contentType: 'image/jpeg', cacheControl: cache }),
    rendered.vttPath ? blobs.put(keys.vtt, rendered.vttPath, { contentType: 'text/vtt; charset=utf-8', cacheControl: cache }) : null,
    rendered.srtPath ? blobs.put(keys.srt, rendered.srtPath, { contentType: 'application/x-subrip; charset=utf-8', cacheControl: cache }) : null,
  ]);
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
