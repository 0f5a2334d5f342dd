// The public view of a storyboard: its record as clients see it, thumbnails as signed URLs
// minted at read time (like a task's files), each piece with its clip and its candidates.
import type { Credit } from '../domain/media.ts';
import { candidatesOf, sourceStartFor, type StoryboardRecord, type StoryboardResult } from '../domain/storyboard.ts';
import type { UrlSigner } from '../domain/task-view.ts';
import { round3 } from '../lib/numbers.ts';
import type { StoryboardView } from './storyboard-spec.ts';

type ClipView = NonNullable<StoryboardView['storyboard']>['pieces'][number]['clip'];

export async function toStoryboardView(task: StoryboardRecord, blobs: UrlSigner, ttlSeconds: number): Promise<StoryboardView> {
  const sb = task.status === 'completed' ? task.result : null;
  return {
    storyboard_id: task.id,
    status: task.status,
    stage: task.stage,
    progress: task.progress,
    created_at: task.created_at,
    updated_at: task.updated_at,
    expires_at: task.expire_at,
    error: task.error,
    storyboard: sb ? await storyboardBody(sb, blobs, ttlSeconds) : null,
    warnings: task.warnings,
    metadata: (task.request.metadata as Record<string, unknown> | undefined) ?? null,
  };
}

async function storyboardBody(sb: StoryboardResult, blobs: UrlSigner, ttlSeconds: number): Promise<NonNullable<StoryboardView['storyboard']>> {
  const urls = await Promise.all(sb.clips.map((c) => blobs.signedUrl(c.thumbnail_key, ttlSeconds).then((u) => u.url)));
  const clipView = (index: number, start: number, duration: number): ClipView => {
    const c = sb.clips[index]!;
    return {
      clip_id: index,
      provider: c.provider,
      source_id: c.source_id,
      author: c.credit?.author ?? null,
      author_url: c.credit?.author_url ?? null,
      video_url: c.credit?.video_url ?? null,
      duration_s: c.duration_s,
      source_start_s: round3(start),
      source_end_s: round3(start + duration),
      thumbnail_url: urls[index]!,
    };
  };
  const pieces = sb.pieces.map((p, i) => {
    const d = p.end_s - p.start_s;
    return {
      index: i,
      start_s: p.start_s,
      end_s: p.end_s,
      scene: p.scene,
      swapped: p.clip !== p.planned_clip,
      clip: clipView(p.clip, p.source_start_s, d),
      candidates: candidatesOf(sb, i).map((c) => clipView(c, c === p.planned_clip ? p.planned_source_start_s : sourceStartFor(sb.clips[c]!.duration_s, d), d)),
    };
  });
  const credits = new Map<string, Credit>();
  for (const p of sb.pieces) {
    const credit = sb.clips[p.clip]?.credit;
    if (credit) credits.set(`${credit.provider}|${credit.video_url}|${credit.author}`, credit);
  }
  return {
    duration_s: sb.duration_s,
    width: sb.width,
    height: sb.height,
    scenes: sb.scenes.map((s, index) => ({ index, ...s })),
    sentences: sb.sentences,
    captions: sb.captions,
    pieces,
    credits: [...credits.values()],
    estimate: sb.estimate,
    usage: sb.usage,
  };
}
