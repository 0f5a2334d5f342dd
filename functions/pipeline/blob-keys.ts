// Object names derive from the task id alone, so a retried attempt overwrites the same objects.
export function blobKeys(taskId: string) {
  const base = `videos/${taskId}`;
  return {
    video: `${base}/video.mp4`,
    thumbnail: `${base}/thumbnail.jpg`,
    vtt: `${base}/captions.vtt`,
    srt: `${base}/captions.srt`,
  };
}
