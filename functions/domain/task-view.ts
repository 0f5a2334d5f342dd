// The public view of a task: signed URLs are minted from the stored keys when the task is read,
// so a stored task never holds a URL that has expired.
import type { TaskRecord, TaskView } from './task.ts';

/** Mints a download URL for a stored object (the blob store does). */
export interface UrlSigner {
  signedUrl(key: string, ttlSeconds: number, downloadName?: string): Promise<{ url: string; expiresAt: Date }>;
}

export async function toView(task: TaskRecord, blobs: UrlSigner, ttlSeconds: number): Promise<TaskView> {
  let result: TaskView['result'] = null;
  const out = task.output;
  if (task.status === 'completed' && out) {
    const sign = (key: string | null, name: string) =>
      key ? blobs.signedUrl(key, ttlSeconds, name).then((s) => s.url) : Promise.resolve(null);
    const [video, vtt, srt, thumb] = await Promise.all([
      blobs.signedUrl(out.video_key, ttlSeconds, `${task.id}.mp4`),
      sign(out.captions_vtt_key, `${task.id}.vtt`),
      sign(out.captions_srt_key, `${task.id}.srt`),
      sign(out.thumbnail_key, `${task.id}.jpg`),
    ]);
    result = {
      video_url: video.url,
      expires_at: video.expiresAt.toISOString(),
      duration_s: out.duration_s,
      width: out.width,
      height: out.height,
      size_bytes: out.size_bytes,
      captions_url: vtt,
      captions_srt_url: srt,
      thumbnail_url: thumb,
      credits: out.credits,
      pieces: out.pieces ?? [],
    };
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
