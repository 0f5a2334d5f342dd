// What the pipeline hands over once a video is rendered: one result per output of the spec (each
// output handed over as it was joined: the service published it (publish.ts), the CLI wrote it
// where the user asked), and what its result says of the footage.
import { creditKey, type Credit } from '../domain/media.ts';
import type { FootagePiece } from '../domain/task.ts';
import type { VideoPlan } from '../domain/video-plan.ts';
import type { RenderResult } from '../media/render.ts';
import { usedClipIds } from './footage-plan.ts';

export interface ProducedVideo<V = RenderResult> {
  /** One per output, the main video first: as rendered, or what became of it once handed over (published, copied). */
  videos: V[];
  /** The authors of the footage shown, once each. */
  credits: Credit[];
  pieces: FootagePiece[];
  /** Identities of the clips shown (`pexels:<id>`), so the owner's next videos can avoid them. */
  clipIds: string[];
  warnings: string[];
}

export function producedVideo<V>(plan: VideoPlan, videos: V[]): ProducedVideo<V> {
  const used = new Set(plan.segments.map((s) => s.clip));
  return {
    videos,
    credits: dedupeCredits(plan.clips.filter((_, i) => used.has(i)).map((c) => c.credit)),
    pieces: plan.pieces,
    clipIds: usedClipIds(plan.clips, used),
    warnings: plan.warnings,
  };
}

function dedupeCredits(credits: (Credit | null)[]): Credit[] {
  const seen = new Map<string, Credit>();
  for (const c of credits) if (c) seen.set(creditKey(c), c);
  return [...seen.values()];
}
