// The public view of a task: signed URLs are minted from the stored keys when the task is read,
// so a stored task never holds a URL that has expired.
import { downloadStem, outputsOf, type OutputFiles, type OutputView } from './outputs.ts';
import type { TaskRecord, TaskView } from './task.ts';

/** Mints a download URL for a stored object (the blob store does). */
export interface UrlSigner {
  signedUrl(key: string, ttlSeconds: number, downloadName?: string): Promise<{ url: string; expiresAt: Date }>;
}

export async function toView(task: TaskRecord, blobs: UrlSigner, ttlSeconds: number): Promise<TaskView> {
  let result: TaskView['result'] = null;
  const out = task.output;
  if (task.status === 'completed' && out) {
    const files = storedOutputs(task);
    const outputs = await Promise.all(files.map((f, i) => signOutput(f, downloadStem(task.id, files, i), blobs, ttlSeconds)));
    const { aspect_ratio: _a, resolution: _r, ...main } = outputs[0]!;
    result = { ...main, credits: out.credits, pieces: out.pieces ?? [], outputs, timings: out.timings ?? null };
  }
  return {
    task_id: task.id,
    status: task.status,
    stage: task.stage,
    progress: task.progress,
    created_at: task.created_at,
    updated_at: task.updated_at,
    error: task.error,
    result,
    warnings: task.warnings,
    metadata: (task.request.metadata as Record<string, unknown> | undefined) ?? null,
    callback: task.callback
      ? {
          delivery_id: task.callback.delivery_id,
          event: task.callback.event,
          state: task.callback.state,
          attempts: task.callback.attempts,
          last_status: task.callback.last_status,
          last_attempt_at: task.callback.last_attempt_at,
        }
      : null,
  };
}

/** A completed task's videos, the main one first; a task completed before there could be several has its one video at the top level. */
export function storedOutputs(task: TaskRecord): OutputFiles[] {
  const out = task.output;
  if (!out) return [];
  if (out.outputs?.length) return out.outputs;
  const [main] = outputsOf(task.request);
  return [
    {
      ...main!,
      video_key: out.video_key,
      captions_vtt_key: out.captions_vtt_key,
      captions_srt_key: out.captions_srt_key,
      thumbnail_key: out.thumbnail_key,
      duration_s: out.duration_s,
      width: out.width,
      height: out.height,
      size_bytes: out.size_bytes,
    },
  ];
}

/** One video's signed URLs; downloads are named `<name>.mp4`, `<name>.vtt`, … */
async function signOutput(f: OutputFiles, name: string, blobs: UrlSigner, ttlSeconds: number): Promise<OutputView> {
  const sign = (key: string | null, ext: string) => (key ? blobs.signedUrl(key, ttlSeconds, `${name}.${ext}`).then((s) => s.url) : Promise.resolve(null));
  const [video, vtt, srt, thumb] = await Promise.all([
    blobs.signedUrl(f.video_key, ttlSeconds, `${name}.mp4`),
    sign(f.captions_vtt_key, 'vtt'),
    sign(f.captions_srt_key, 'srt'),
    sign(f.thumbnail_key, 'jpg'),
  ]);
  return {
    aspect_ratio: f.aspect_ratio,
    resolution: f.resolution,
    video_url: video.url,
    expires_at: video.expiresAt.toISOString(),
    duration_s: f.duration_s,
    width: f.width,
    height: f.height,
    size_bytes: f.size_bytes,
    captions_url: vtt,
    captions_srt_url: srt,
    thumbnail_url: thumb,
  };
}
