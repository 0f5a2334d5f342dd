// A video's plan: everything a render needs once speech and footage are done (the narration with
// its word timings, the chosen clips, the timeline, the music) and what the result reports about
// its footage. Kept in the blob store per task, so a retried attempt renders the same plan
// without paying for the voice again or searching again. File paths inside the task's scratch
// dir are stored as plain file names, so the plan can be fetched into another dir (or worker).
import type { LogoFile, ScreenText } from './look.ts';
import type { Narration, Segment, SourceClip } from './media.ts';
import type { FootagePiece } from './task.ts';

/**
 * 2: the narration carries its measured gain and its file is the voice as made; a plan of version
 * 1 (still read: a storyboard's plan lives for days) has its narration's file at the target
 * loudness already. A worker of before version 2 reads no plan of it, rather than render its
 * voice without the gain.
 */
export const VIDEO_PLAN_VERSION = 2;
/** The plan versions this release renders. */
export const READABLE_PLAN_VERSIONS: readonly number[] = [1, VIDEO_PLAN_VERSION];

export interface VideoPlan {
  version: 1 | typeof VIDEO_PLAN_VERSION;
  narration: Narration;
  clips: SourceClip[];
  segments: Segment[];
  music: { path: string; volume: number } | null;
  pieces: FootagePiece[];
  warnings: string[];
  /** The emphasised words and the titles' text (absent in plans stored before them: nothing emphasised, no titles). */
  screen?: ScreenText;
  /** A watermark's logo as the worker fetched it; absent or null without one. */
  logo?: LogoFile | null;
}
