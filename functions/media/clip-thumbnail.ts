// A storyboard's thumbnail of a clip: one frame, cropped as the video will crop it, small.
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Frame, SourceClip } from '../domain/media.ts';
import { clipThumbnailArgs } from './render-args.ts';
import { runFfmpeg } from './run.ts';
import type { MediaTools } from './tools.ts';

/** The longer side of a storyboard thumbnail, pixels: enough for a strip on a phone, a few KB each. */
export const THUMBNAIL_LONG_SIDE = 256;

/** Width of a thumbnail of `frame`'s shape whose longer side is THUMBNAIL_LONG_SIDE. */
export function thumbnailWidth(frame: Frame): number {
  return frame.width >= frame.height ? THUMBNAIL_LONG_SIDE : Math.round((THUMBNAIL_LONG_SIDE * frame.width) / frame.height);
}

/** Writes the JPEG of `clip` at `atS` seconds into `dir` as `file`. */
export async function clipThumbnail(tools: MediaTools, o: { clip: SourceClip; atS: number; frame: Frame; dir: string; file: string; signal: AbortSignal }): Promise<void> {
  await runFfmpeg(tools, clipThumbnailArgs(o.clip, o.atS, o.frame, thumbnailWidth(o.frame), o.file), { cwd: o.dir, signal: o.signal, errorCode: 'thumbnail_failed' });
  await stat(join(o.dir, o.file));
}
