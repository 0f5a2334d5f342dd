// Where a storyboard's plan lives, and the plan of a video rendered from it: the storyboard's
// voice, clips and timeline with each piece's clip as the client chose it. Only the clips the
// pieces play are fetched; the candidates stay behind.
import type { SourceClip } from '../domain/media.ts';
import type { StoryboardChoice } from '../domain/task.ts';
import type { VideoPlan } from '../domain/video-plan.ts';
import { TaskError } from '../errors.ts';
import type { BlobStore } from '../platform/ports.ts';
import { loadPlan } from './plan-store.ts';

/** A storyboard's plan, its files and its thumbnails; kept until the storyboard expires. */
export const storyboardPrefix = (storyboardId: string) => `storyboards/${storyboardId}/`;

export async function storyboardPlan(blobs: BlobStore, choice: StoryboardChoice, dir: string): Promise<VideoPlan> {
  const chosen = new Set(choice.pieces.map((p) => p.clip));
  const plan = await loadPlan(blobs, storyboardPrefix(choice.id), dir, { narration: true, music: true, clips: chosen });
  if (!plan) {
    throw new TaskError('storyboard_expired', `storyboard ${choice.id} has expired and its files were deleted; make a new storyboard`);
  }
  if (plan.segments.length !== choice.pieces.length || [...chosen].some((c) => !plan.clips[c])) {
    throw new TaskError('storyboard_invalid', `storyboard ${choice.id} does not match its stored plan; make a new storyboard`);
  }
  // Only the clips the pieces play, in the order they first play.
  const order = [...new Set(choice.pieces.map((p) => p.clip))];
  const clips: SourceClip[] = order.map((c) => plan.clips[c]!);
  const segments = plan.segments.map((s, i) => ({ ...s, clip: order.indexOf(choice.pieces[i]!.clip), sourceStart: choice.pieces[i]!.source_start_s }));
  return { ...plan, clips, segments };
}
