// The videos one task makes from its narration (`outputs`): which they are, what each is called,
// and what a completed task keeps of each. The first is the main video: the task's top-level
// result and `/download/{id}` describe it, as they did before there could be several.
import type { AspectRatio, Resolution } from './video-request.ts';

export interface VideoOutput {
  aspect_ratio: AspectRatio;
  resolution: Resolution;
}

/**
 * A name for output `i` that is unique within its task, for object names and downloaded files:
 * its shape (`16x9`), with the resolution when another output has the same shape (`16x9-720p`).
 */
export function outputLabel(outputs: readonly VideoOutput[], i: number): string {
  const o = outputs[i];
  if (!o) throw new Error(`there is no output ${i} of ${outputs.length}`);
  const shape = o.aspect_ratio.replace(':', 'x');
  return outputs.some((x, j) => j !== i && x.aspect_ratio === o.aspect_ratio) ? `${shape}-${o.resolution}` : shape;
}

/** The label in the names of output `i`'s files; null for the main video, whose files keep the plain names. */
const fileLabel = (outputs: readonly VideoOutput[], i: number): string | null => (i === 0 ? null : outputLabel(outputs, i));

/** The name (without extension) a download of output `i` of a task gets: `<task>` or `<task>-16x9`. */
export function downloadStem(taskId: string, outputs: readonly VideoOutput[], i: number): string {
  const label = fileLabel(outputs, i);
  return label ? `${taskId}-${label}` : taskId;
}

/** What a completed task stored of one of its videos; URLs are minted from the keys when it is read. */
export interface OutputFiles extends VideoOutput {
  video_key: string;
  captions_vtt_key: string | null;
  captions_srt_key: string | null;
  thumbnail_key: string | null;
  duration_s: number;
  width: number;
  height: number;
  size_bytes: number;
}
