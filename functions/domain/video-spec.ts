// A video as the pipeline makes it, derived once from a validated request (or from a storyboard's
// stored request and the pieces the client chose) with every default applied: its scenes, each
// output's frame, label and orientation, the seed, the caption look, the footage search, the
// music, the length limit and the voice. Everything below the worker's entry takes this and never
// reads the request, so no default is decided twice. Derived from what the task stores rather
// than stored itself: the request is the record (a task stored before the spec existed is read
// the same way), and a render planned from it is stored whole (media/render-plan.ts), so a fanned-
// out video never meets two derivations of one request. Pure.
import { resolveLook, type CaptionLook, type EmphasisMode, type HexColour, type OverlayRequestSpec } from './look.ts';
import type { Frame, Orientation } from './media.ts';
import { outputLabel, type VideoOutput } from './outputs.ts';
import { CRAFT_DEFAULTS as REQUEST_DEFAULTS_CRAFT, REQUEST_DEFAULTS } from './request-defaults.ts';
import type { WrittenScript } from './script.ts';
import type { LeasedRecord, StoryboardChoice } from './task.ts';
import { uploadKeys } from './uploads.ts';
import type { AspectRatio, CaptionOptions, FIT_MODES, Resolution, VideoRequest } from './video-request.ts';
import type { SceneVisuals, VisualSpec } from './visuals.ts';
import { transitionSpec, visualsOf } from './visuals-request.ts';

/** One video of a task, resolved: its shape, its frame in pixels, and the name its files carry. */
export interface OutputSpec extends VideoOutput {
  frame: Frame;
  /** Which way round its footage is searched. */
  orientation: Orientation;
  /** The label in the names of its files (`out-16x9.mp4`, `a1/16x9/video.mp4`); null for the main video, whose files keep the plain names. */
  label: string | null;
}

/** A scene of the script, with its own search (the video's is `footage.query`), and its own transition and framing (the video's in `visuals`). */
export interface SceneSpec extends SceneVisuals {
  text: string;
  search_query?: string;
  clip_url?: string;
}

export interface FootageSpec {
  /**
   * `scenes`: each scene sent is a part of its own; `sentences`: a script_text is searched per
   * sentence group (where its language allows); `topic`: one search for the whole video.
   */
  mode: 'scenes' | 'sentences' | 'topic';
  /** The video's topic as sent (search_query). */
  query?: string;
  /** Clips named by URL for the first scene. */
  clipUrls?: string[];
  maxClips: number;
}

export interface CaptionSpec {
  /** Drawn into the picture; off, the sidecar files are still made (in the sidecar look). */
  burnIn: boolean;
  /** Style, position, size and line length (the look fields are resolved into `appearance`). */
  look: CaptionOptions;
  /** The named look with the request's overrides applied: the captions', and the hook's and end card's, face, case and colours. */
  appearance: CaptionLook;
  /** Which words are drawn emphasised. */
  emphasis: EmphasisMode;
}

export type MusicSpec = { volume: number } & ({ url: string; mood?: undefined } | { mood: string; url?: undefined });

export interface FitSpec {
  /** max_duration_s. */
  maxDurationS: number;
  /** Seconds of the limit an extending end card takes after the narration: the narration must fit in the rest. */
  reservedS: number;
  mode: (typeof FIT_MODES)[number];
}

export interface VoiceSpec {
  voiceId?: string;
  modelId?: string;
  speed?: number;
}

/**
 * A recorded narration in place of the voice: by URL, an upload in the blob store (its key under
 * the task's owner), or a file on this machine (the CLI's in-process render only).
 */
export type VoiceoverSpec = { url: string } | { upload: { id: string; key: string } } | { path: string };

export interface VideoSpec {
  scenes: SceneSpec[];
  language?: string;
  voice: VoiceSpec;
  /** The recording that replaces the voice; null: the voice speaks the script. */
  voiceover: VoiceoverSpec | null;
  /** Same seed, same choices (clips, music track): the request's, or one fixed per task. */
  seed: number;
  captions: CaptionSpec;
  footage: FootageSpec;
  music: MusicSpec | null;
  /** The length limit on the video; null without max_duration_s. */
  fit: FitSpec | null;
  /** The videos to make, the main one first (never empty). */
  outputs: OutputSpec[];
  /** What every output shows over its footage besides the captions (hook, progress bar, watermark, end card). */
  overlays: OverlayRequestSpec;
  /** How the pieces move, join and fill the frame, what the stock footage is made of, and the key terms behind generated backgrounds' captions. */
  visuals: VisualSpec;
  /** A video made from a storyboard renders the storyboard's plan with these pieces: no voice or search again. */
  storyboard: StoryboardChoice | null;
}

/** Sidecar layout when burn-in is off: the request gave no caption options to follow. */
export const SIDECAR_CAPTIONS: CaptionOptions = { style: 'line', position: 'bottom', font_size: 1, max_words_per_line: 7 };

/**
 * The spec of a task's video (or of the plan a storyboard prepares). A request with a topic is
 * made from the script its record holds, which the worker writes first.
 */
export function videoSpecOf(task: Pick<LeasedRecord, 'id' | 'request'> & { owner?: string | null; script?: WrittenScript | null; from_storyboard?: StoryboardChoice | null }): VideoSpec {
  return videoSpec(task.request, { seed: seedFromId(task.id), storyboard: task.from_storyboard ?? null, script: task.script ?? null, owner: task.owner ?? null });
}

/**
 * The spec of a validated request; `seed` stands in for the request's when it sent none; `script`,
 * written from its topic. `owner` (the task's) finds a voiceover's upload; `voiceoverFile` is the
 * CLI's recording on this machine.
 */
export function videoSpec(
  req: VideoRequest,
  o: { seed: number; storyboard?: StoryboardChoice | null; script?: WrittenScript | null; owner?: string | null; voiceoverFile?: string },
): VideoSpec {
  if (req.topic && !o.script) throw new Error('a request with a topic is made from its written script: write it first');
  // Scenes sent keep their own searches: the video's (footage.query) is the topic their parts fall
  // back on. A script_text is one scene searched by the video's.
  const scene = (s: SceneRequest): SceneSpec => ({
    text: s.text,
    ...(s.search_query ? { search_query: s.search_query } : {}),
    ...(s.clip_url ? { clip_url: s.clip_url } : {}),
    ...(s.transition ? { transition: transitionSpec(s.transition) } : {}),
    ...(s.framing ? { framing: s.framing } : {}),
  });
  // A written script is scenes, each with the footage the model named for it.
  const scenes = req.scenes ?? (req.topic && o.script ? o.script.scenes : null);
  const language = req.language ?? (req.topic ? o.script?.language : undefined);
  return {
    scenes: (scenes ?? [{ text: req.script_text ?? '', ...(req.search_query ? { search_query: req.search_query } : {}) }]).map(scene),
    ...(language ? { language } : {}),
    voice: {
      ...(req.voice_id ? { voiceId: req.voice_id } : {}),
      ...(req.model_id ? { modelId: req.model_id } : {}),
      ...(req.speed ? { speed: req.speed } : {}),
    },
    voiceover: voiceoverOf(req, o),
    seed: req.seed ?? o.seed,
    captions: captionSpec(req.captions),
    footage: {
      mode: scenes ? 'scenes' : req.footage === 'topic' || req.clip_urls ? 'topic' : 'sentences',
      ...(req.search_query ? { query: req.search_query } : {}),
      ...(req.clip_urls ? { clipUrls: req.clip_urls } : {}),
      maxClips: req.max_clips,
    },
    music: req.music ? musicOf(req.music) : null,
    fit: req.max_duration_s === undefined ? null : { maxDurationS: req.max_duration_s, reservedS: extendOf(req), mode: req.fit },
    outputs: outputsOf(req),
    overlays: overlaysOf(req),
    visuals: visualsOf(req),
    storyboard: o.storyboard ?? null,
  };
}

/** A scene as a request sends it, or as a written script names it (no transition or framing of its own). */
type SceneRequest = Pick<SceneSpec, 'text' | 'search_query' | 'clip_url' | 'framing'> & { transition?: { type: NonNullable<SceneSpec['transition']>['type']; duration_s: number } | undefined };

/** The captions of a request's `captions` (or of the options a render made in code sends). */
export function captionSpec(c: VideoRequest['captions'] | CaptionOptions): CaptionSpec {
  // Stored requests from before the look fields have none: the look captions always had.
  if (c === false) return { burnIn: false, look: SIDECAR_CAPTIONS, appearance: resolveLook(SIDECAR_CAPTIONS.style), emphasis: REQUEST_DEFAULTS_CRAFT.emphasis };
  return { burnIn: true, look: c, appearance: resolveLook(c.style, c), emphasis: c.emphasis ?? REQUEST_DEFAULTS_CRAFT.emphasis };
}

/** Seconds an extending end card adds after the narration. */
const extendOf = (req: Pick<VideoRequest, 'end_card'>) => (req.end_card?.extend ? req.end_card.duration_s : 0);

/** The overlays a request asks for, defaults applied; `true` forms resolved. */
export function overlaysOf(req: Pick<VideoRequest, 'hook' | 'progress_bar' | 'watermark' | 'end_card' | 'captions'>): OverlayRequestSpec {
  const hook = req.hook === true ? { duration_s: REQUEST_DEFAULTS_CRAFT.hook_duration_s } : req.hook;
  const bar = req.progress_bar === true ? { position: REQUEST_DEFAULTS_CRAFT.progress_bar_position } : req.progress_bar;
  const w = req.watermark;
  const highlight = (req.captions === false ? resolveLook(SIDECAR_CAPTIONS.style) : resolveLook(req.captions.style, req.captions)).highlight;
  return {
    hook: hook ? { text: hook.text ?? null, durationS: hook.duration_s } : null,
    progressBar: bar ? { position: bar.position, colour: bar.color ? (bar.color.toUpperCase() as HexColour) : highlight } : null,
    watermark: w
      ? { ...(w.image_url ? { kind: 'image' as const, url: w.image_url } : { kind: 'text' as const, text: w.text ?? '' }), corner: w.position, opacity: w.opacity, scale: w.scale }
      : null,
    endCard: req.end_card ? { text: req.end_card.text, durationS: req.end_card.duration_s, extendS: extendOf(req) } : null,
  };
}

function voiceoverOf(req: VideoRequest, o: { owner?: string | null; voiceoverFile?: string }): VoiceoverSpec | null {
  if (o.voiceoverFile) return { path: o.voiceoverFile };
  const v = req.voiceover;
  if (!v) return null;
  if (v.url) return { url: v.url };
  return { upload: { id: v.upload_id!, key: uploadKeys(o.owner ?? null, v.upload_id!).file } };
}

function musicOf(m: NonNullable<VideoRequest['music']>): MusicSpec {
  if (m.mood) return { mood: m.mood, volume: m.volume };
  return { url: m.url!, volume: m.volume };
}

/**
 * The videos a request asks for: its `outputs`, each without a resolution taking the request's,
 * or the one video its aspect_ratio (9:16 when left out) and resolution describe. The first is
 * the main video. A request stored before this existed had the main video's shape copied to its
 * top level; it reads the same.
 */
export function outputsOf(req: Pick<VideoRequest, 'aspect_ratio' | 'resolution' | 'outputs'>): OutputSpec[] {
  const shapes: VideoOutput[] = req.outputs?.length
    ? req.outputs.map((o) => ({ aspect_ratio: o.aspect_ratio, resolution: o.resolution ?? req.resolution }))
    : [{ aspect_ratio: req.aspect_ratio ?? REQUEST_DEFAULTS.aspect_ratio, resolution: req.resolution }];
  return shapes.map((s, i) => ({
    ...s,
    frame: frameSize(s.aspect_ratio, s.resolution),
    orientation: orientationOf(s.aspect_ratio),
    label: i === 0 ? null : outputLabel(shapes, i),
  }));
}

/** Output frame size: the short side is 720 or 1080. */
export function frameSize(aspect: AspectRatio, resolution: Resolution): Frame {
  const s = resolution === '1080p' ? 1080 : 720;
  const l = resolution === '1080p' ? 1920 : 1280;
  if (aspect === '9:16') return { width: s, height: l };
  if (aspect === '16:9') return { width: l, height: s };
  return { width: s, height: s };
}

const orientationOf = (aspect: AspectRatio): Orientation => (aspect === '9:16' ? 'portrait' : aspect === '16:9' ? 'landscape' : 'square');

/** A stable seed from the task id, so a retried attempt makes the same choices. */
export function seedFromId(id: string): number {
  let h = 2166136261;
  for (const ch of id) h = Math.imul(h ^ ch.charCodeAt(0), 16777619);
  return h >>> 0;
}
