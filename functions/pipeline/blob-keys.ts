// Object names of a task's files. Each attempt writes under its own prefix, so a stale worker that
// lost its lease can never overwrite the winner's video; the completed task records the winner's names.
// The main video keeps the attempt's own prefix; each further output has a folder named by its
// label (the spec's, domain/video-spec.ts): videos/<task>/a<n>/16x9/video.mp4.
export function blobKeys(taskId: string, attempt: number, label: string | null = null) {
  const base = `${attemptPrefix(taskId, attempt)}${label ? `${label}/` : ''}`;
  return {
    video: `${base}video.mp4`,
    thumbnail: `${base}thumbnail.jpg`,
    vtt: `${base}captions.vtt`,
    srt: `${base}captions.srt`,
  };
}

/** Every file one attempt uploads is under this prefix: what is deleted when that attempt did not win. */
export const attemptPrefix = (taskId: string, attempt: number) => `videos/${taskId}/a${attempt}/`;

