// A video's plan: everything a render needs once speech and footage are done (the narration with
// its word timings, the chosen clips, the timeline, the music) and what the result reports about
// its footage. Kept in the blob store per task, so a retried attempt renders the same plan
// without paying for the voice again or searching again. File paths inside the task's scratch
// dir are stored as plain file names, so the plan can be fetched into another dir (or worker).
import type { LogoFile, ScreenText } from './look.ts';
import type { Narration, Segment, SourceClip } from './media.ts';
import type { FootagePiece } from './task.ts';

export const VIDEO_PLAN_VERSION = 1;

export interface VideoPlan {
  version: typeof VIDEO_PLAN_VERSION;
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
