// A storyboard: a video's plan made without rendering it (the voice, the timeline, the chosen
// clips and spare ones), kept so that a client can look at it, swap a piece's clip for another
// candidate, and then render exactly that plan (POST /v1/videos with storyboard_id). A storyboard
// is a record of its own kind, in a store of its own: a task's lifecycle (queued, leased, retried,
// expiring: domain/task.ts LeasedRecord) with its own result and nothing of a video's (no output,
// callback or fan-out). Its record, what preparing it makes, and the pure rules for changing it.
import type { PieceVisual } from './visuals.ts';
import type { CaptionLook, Corner } from './look.ts';
import type { Credit } from './media.ts';
import type { RenderEstimate } from './estimate.ts';
import { finish, newLeased, type FootagePiece, type LeasedRecord, type NewRecord, type RecordKind, type StoryboardChoice } from './task.ts';
import { round3 } from '../lib/numbers.ts';

export const STORYBOARD_VERSION = 1;

/** A clip the storyboard holds: one a piece plays, or a candidate a piece can be swapped to. */
export interface StoryboardClip {
  /** Index into the plan's clips (and this storyboard's `clips`). */
  index: number;
  /** pexels, footage_dir, clip_urls or generated. */
  provider: string;
  /** The provider's own id of it (a Pexels video id, a file name); null for a clip named by URL or generated. */
  source_id: string | null;
  /** Length of the source, seconds. */
  duration_s: number;
  /** What it shows, as far as the service knows (its page's name at the provider, the search that found it, its file name); absent on storyboards made before. */
  description?: string;
  credit: Credit | null;
  /** Blob key of a small JPEG of it, cropped to the video's frame. */
  thumbnail_key: string;
}

/** One piece of the timeline: which clip plays and which span of it. */
export interface StoryboardPiece {
  start_s: number;
  end_s: number;
  /** Index into `scenes`: the scene (or sentence group) whose words it covers. */
  scene: number;
  clip: number;
  source_start_s: number;
  /** The clip and span the plan chose, so a swapped piece can go back to them. */
  planned_clip: number;
  planned_source_start_s: number;
  /** How the render draws it, as planned for the chosen clip (absent on storyboards made before). */
  visual?: PieceVisual;
}

export interface TimedText {
  start_s: number;
  end_s: number;
  text: string;
}

/** What making the storyboard used of the paid providers; rendering it uses none of them again. */
export interface ProviderUsage {
  /** elevenlabs or espeak-ng. */
  speech_provider: string;
  /** Characters sent to the voice: what ElevenLabs bills. */
  speech_characters: number;
  /** Searches that reached Pexels (cached answers are free), candidates' included. */
  pexels_requests: number;
  /** Clip files downloaded (chosen and candidates). */
  clip_downloads: number;
}

/** What the video shows over its footage, and when, for a client to show where each element appears (and to preview it). */
export interface StoryboardScreen {
  /** The video's length: the narration's, plus an extending end card's seconds. */
  duration_s: number;
  /** The burned-in captions' look; null when none are burned in. */
  captions: { style: string; position: string; font_size: number; look: CaptionLook } | null;
  hook: TimedText | null;
  end_card: TimedText | null;
  progress_bar: { position: 'top' | 'bottom'; color: string } | null;
  /** A handle's text, or the kept logo's blob key. */
  watermark: { position: Corner; opacity: number; scale: number; text: string | null; logo_key: string | null } | null;
}

export interface StoryboardResult {
  version: typeof STORYBOARD_VERSION;
  duration_s: number;
  /** The narration's audio in the blob store (a preview plays it over the thumbnails); absent on storyboards made before. */
  narration_key?: string;
  /** Absent on storyboards made before. */
  screen?: StoryboardScreen;
  width: number;
  height: number;
  scenes: FootagePiece[];
  sentences: TimedText[];
  /** The caption lines as the video will show them (the sidecar lines when burn-in is off). */
  captions: TimedText[];
  clips: StoryboardClip[];
  pieces: StoryboardPiece[];
  /** Per scene, clips found for it and not chosen. */
  candidates: number[][];
  usage: ProviderUsage;
  estimate: RenderEstimate;
}

export interface StoryboardRecord extends LeasedRecord {
  /** What preparing it made; null until it is completed. */
  result: StoryboardResult | null;
}

/** A storyboard owes nothing when it ends (its request has no callback_url) and keeps nothing per attempt. */
export const STORYBOARDS: RecordKind<StoryboardRecord> = {
  started: (r) => r,
  renewed: (r) => r,
  ended: (r) => r,
};

export function newStoryboard(args: NewRecord): StoryboardRecord {
  return { ...newLeased(args), result: null };
}

/** Kept unused at a source's end, as the timeline does: container durations overstate the last frame a little. */
const SOURCE_MARGIN_S = 0.05;

/** The clips a piece may be swapped to: its scene's candidates and the clip the plan chose, less the one it plays. */
export function candidatesOf(sb: StoryboardResult, piece: number): number[] {
  const p = sb.pieces[piece];
  if (!p) return [];
  return [...new Set([p.planned_clip, ...(sb.candidates[p.scene] ?? [])])].filter((c) => c !== p.clip);
}

/** Where in a clip a piece of `duration` plays: its middle; from its start when it is too short (the renderer loops it). */
export function sourceStartFor(clipDurationS: number, duration: number): number {
  return round3(Math.max(0, (clipDurationS - SOURCE_MARGIN_S - duration) / 2));
}

export type SwapOutcome =
  | { kind: 'swapped'; storyboard: StoryboardRecord }
  | { kind: 'missing' }
  | { kind: 'not_ready'; status: StoryboardRecord['status'] }
  | { kind: 'no_piece'; pieces: number }
  | { kind: 'not_candidate'; candidates: number[] };

/** Piece `piece` of a prepared storyboard plays `clip` from now on (a candidate of it, or the plan's own choice). */
export function swapClip(record: StoryboardRecord | null, piece: number, clip: number, now: Date): SwapOutcome {
  if (!record) return { kind: 'missing' };
  const sb = record.result;
  if (record.status !== 'completed' || !sb) return { kind: 'not_ready', status: record.status };
  const p = sb.pieces[piece];
  if (!p) return { kind: 'no_piece', pieces: sb.pieces.length };
  if (clip === p.clip) return { kind: 'swapped', storyboard: record };
  const allowed = candidatesOf(sb, piece);
  const source = sb.clips[clip];
  if (!allowed.includes(clip) || !source) return { kind: 'not_candidate', candidates: allowed };
  const start = clip === p.planned_clip ? p.planned_source_start_s : sourceStartFor(source.duration_s, p.end_s - p.start_s);
  const pieces = sb.pieces.map((q, i) => (i === piece ? { ...q, clip, source_start_s: start } : q));
  return { kind: 'swapped', storyboard: { ...record, result: { ...sb, pieces }, updated_at: now.toISOString() } };
}

/** Marks a storyboard prepared: what the worker made of it, recorded by the lease holder alone. */
export function completeStoryboard(record: StoryboardRecord, result: StoryboardResult, warnings: string[], now: Date): StoryboardRecord {
  return finish(STORYBOARDS, { ...record, result }, warnings, now);
}

/** The storyboard's pieces as a video made from it now will play them. */
export function choiceOf(record: StoryboardRecord & { result: StoryboardResult }): StoryboardChoice {
  return { id: record.id, pieces: record.result.pieces.map((p) => ({ clip: p.clip, source_start_s: p.source_start_s })) };
}
