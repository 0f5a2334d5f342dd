// Object names of a task's files. Each attempt writes under its own prefix, so a stale worker that
// lost its lease can never overwrite the winner's video; the completed task records the winner's names.
export function blobKeys(taskId: string, attempt: number) {
  const base = `videos/${taskId}/a${attempt}`;
  return {
    video: `${base}/video.mp4`,
    thumbnail: `${base}/thumbnail.jpg`,
    vtt: `${base}/captions.vtt`,
    srt: `${base}/captions.srt`,
  };
}
