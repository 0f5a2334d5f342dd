// A video's render as data, planned once from its spec, its narration and its timeline: per output
// its chunks (each a run of whole timeline pieces, every piece with the source span it reads, and
// the caption events drawn within the chunk's span) and its sidecar captions; the soundtrack once;
// the encoder settings every chunk shares. What shows over the footage (media/overlays: a hook
// title, a progress bar, a watermark, an end card) is planned with the captions per output, inside
// that output's safe area, and drawn by the same ASS events of each chunk's span; a logo is an
// overlay every chunk of the output places alike. Two executors run a plan and know nothing of what it
// draws: the chunk pool of one process (render.ts) and the chunk deliveries of a fan-out
// (pipeline/fanout-render.ts), which store it whole. Both hand each chunk to renderChunk, whose
// pure builders (chunkFilterGraph, chunkSubtitles) turn the chunk's data into ffmpeg's: a new
// visual element is a field of the spec, an element of the plan made here, and a builder there.
// Pure.
import type { LogoFile, OverlaySpec, ScreenText } from '../domain/look.ts';
import type { Narration, Segment, SourceClip } from '../domain/media.ts';
import type { FootagePiece } from '../domain/task.ts';
import type { OutputSpec, VideoSpec } from '../domain/video-spec.ts';
import { TaskError } from '../errors.ts';
import { assEventLine, assHead, assText, type AssEvent, type AssPart } from './captions/ass-document.ts';
import { buildCaptions } from './captions/index.ts';
import type { VideoChunk } from './chunk-video.ts';
import { MAX_DRAWN_PIECES_PER_CHUNK, MAX_PIECES_PER_CHUNK, OUTPUT_FPS, planChunks, type Chunk } from './chunks.ts';
import { extendTimeline, planScreen, videoDurationS } from './overlays/index.ts';
import type { LogoPlacement } from './overlays/watermark.ts';
import { sceneStarts, withPieceVisuals } from './piece-visuals.ts';
import { DEFAULT_ENCODE, type EncodeSettings } from './render-args.ts';

export const RENDER_PLAN_VERSION = 1;

export interface RenderPlan {
  version: typeof RENDER_PLAN_VERSION;
  /** The video's length, every output's: the narration's, plus an extending end card's seconds. */
  durationS: number;
  /** Every chunk of every output is encoded alike, whoever renders it: the chunks join by stream copy only then. */
  encode: EncodeSettings;
  soundtrack: SoundtrackPlan;
  outputs: OutputPlan[];
}

/** The one audio track every output carries: the voice, with the music ducked under it. */
export interface SoundtrackPlan {
  voicePath: string;
  /** The voice's level is settled (media/loudness.ts): the mix keeps it and gets no loudnorm. */
  voiceNormalised: boolean;
  /**
   * The narration's measured gain (dB): the soundtrack applies it, with a limiter, before the mix.
   * Absent when the voice's file is at the target as it is (one kept before the gain moved here).
   */
  voiceGainDb?: number;
  music: { path: string; volume: number } | null;
}

export interface OutputPlan {
  output: OutputSpec;
  /** Where its files are, under the render's dir (and a fan-out's prefix): '' for the first output, `output-<i>/` for the others. */
  folder: string;
  chunks: ChunkPlan[];
  /** The WebVTT and SRT files published beside the video; null when the narration has no words to show. */
  sidecars: { vtt: string; srt: string } | null;
  /** The head (info and styles) of the ASS script every chunk's captions and overlays share; null when nothing is drawn by libass. */
  subtitles: string | null;
  /** The watermark's logo: where every chunk of this output overlays it, how opaque; null without one (absent in plans stored before it). */
  logo?: LogoPlacement | null;
}

/** A chunk: its pieces with how each is drawn (framing, motion, the transition into it), the lead a transition into it needs. */
export interface ChunkPlan extends VideoChunk {
  /** The ASS events drawn within the chunk's span (its captions and overlays), in the script's order. */
  events: string[];
}

/**
 * What the render draws from the spec: its videos, how their captions look, what shows over them,
 * the script's language (fonts, line breaks), and how the pieces move, join and fill the frame
 * (without `visuals`: still, cover-cropped pieces joined by cuts).
 */
export type RenderSpec = Pick<VideoSpec, 'outputs' | 'captions' | 'language'> & Partial<Pick<VideoSpec, 'overlays' | 'visuals' | 'seed' | 'scenes'>>;

/** What plays when: the timeline's pieces and the music under the voice; and what the screen shows besides (the video's plan has both). */
export interface Timeline {
  segments: Segment[];
  music: { path: string; volume: number } | null;
  /** The emphasised words and the titles' text (pipeline/screen-text.ts); none: nothing emphasised. */
  screen?: ScreenText | undefined;
  /** The watermark's logo, when the spec has one. */
  logo?: LogoFile | null | undefined;
  /** The clips the segments index (their sizes, which are photos): needed with the spec's `visuals`. */
  clips?: SourceClip[];
  /** The footage pieces and their search terms: a generated background's key term. */
  pieces?: FootagePiece[];
}

export interface PlanOptions {
  /** Chunk processes of one output that can run at once: a video is cut into this many where it has the pieces and the length (MIN_CHUNK_S each), or gets the rest as encoder threads. */
  parallel: number;
  /** Overrides of the x264/AAC settings (RENDER_PRESET, RENDER_CRF; a fan-out fixes one thread per chunk). */
  encode?: Partial<EncodeSettings>;
  voiceNormalised?: boolean;
}

/** The folder output `i` of a render is written to (render's dir, fan-out prefix): none for the first. */
export const outputFolder = (i: number) => (i === 0 ? '' : `output-${i}/`);

export function planRender(spec: RenderSpec, narration: Narration, timeline: Timeline, opts: PlanOptions): RenderPlan {
  if (!(narration.durationS > 0)) throw new TaskError('render_failed', 'the narration has no duration');
  const overlays = overlaySpec(spec, timeline);
  const narrationS = narration.durationS;
  const durationS = videoDurationS(narrationS, overlays.endCard);
  // An extending end card: the last piece plays on after the voice.
  const maxPieces = drawsPieces(spec, timeline) ? MAX_DRAWN_PIECES_PER_CHUNK : MAX_PIECES_PER_CHUNK;
  const cut = planChunks(extendTimeline(timeline.segments, durationS - narrationS), { parallel: opts.parallel, maxPieces });
  if (cut.length === 0) throw new TaskError('render_failed', 'the timeline has no frames to render');
  const chunks = drawnChunks(cut, spec, timeline);
  const threads = chunks.length < opts.parallel ? Math.floor(opts.parallel / chunks.length) : 1;
  const encode: EncodeSettings = { ...DEFAULT_ENCODE, ...opts.encode, threads: opts.encode?.threads ?? threads };
  const look = spec.captions.appearance;
  const emphasis = timeline.screen?.emphasis;
  return {
    version: RENDER_PLAN_VERSION,
    durationS,
    encode,
    soundtrack: {
      voicePath: narration.audioPath,
      voiceNormalised: opts.voiceNormalised ?? false,
      ...(narration.gainDb !== undefined ? { voiceGainDb: narration.gainDb } : {}),
      music: timeline.music,
    },
    outputs: spec.outputs.map((output, i) => {
      const { frame } = output;
      const burning = spec.captions.burnIn ? spec.captions.look : false;
      const screen = planScreen({ frame, narrationS, captions: burning, look, overlays, language: spec.language });
      // The sidecars are the captions as laid out to be burned in; without burn-in, in the sidecar look.
      const captions = buildCaptions(narration.words, narration.sentenceEnds, narrationS, spec.captions.look, frame, spec.language, {
        look,
        ...(emphasis ? { emphasis } : {}),
        ...(burning ? screen.captionExtras : {}),
      });
      const parts: AssPart[] = [...(burning && captions ? [captions.part] : []), ...screen.parts];
      const events = parts.flatMap((p) => p.events);
      return {
        output,
        folder: outputFolder(i),
        chunks: chunks.map((c) => ({ ...c, events: eventsWithin(events, c) })),
        sidecars: captions ? { vtt: captions.vtt, srt: captions.srt } : null,
        subtitles: parts.length > 0 ? assHead(frame, parts) : null,
        logo: screen.watermarkImage && overlays.watermark ? { place: screen.watermarkImage.place, opacity: overlays.watermark.opacity } : null,
      };
    }),
  };
}

/** Whether any piece is drawn with more than a cover scale: a move (photos always move), a transition, a blurred backdrop, a generated background. */
function drawsPieces(spec: RenderSpec, timeline: Timeline): boolean {
  const v = spec.visuals;
  if (!v) return false;
  const scenes = spec.scenes ?? [];
  const drawnScene = scenes.some((s) => (s.transition && s.transition.type !== 'cut') || s.framing === 'blur');
  const drawnClip = (timeline.clips ?? []).some((c) => c.kind === 'generated' || c.still !== undefined);
  return v.motion !== 'none' || v.transition.type !== 'cut' || v.framing === 'blur' || drawnScene || drawnClip;
}

/** The chunks with how each piece is drawn, when the spec says (RenderSpec's `visuals`). */
function drawnChunks(chunks: Chunk[], spec: RenderSpec, timeline: Timeline): VideoChunk[] {
  if (!spec.visuals) return chunks;
  if (!timeline.clips) throw new TaskError('render_failed', 'the plan has no clips to draw its pieces from', { retryable: true });
  const scenes = spec.scenes ?? [];
  return withPieceVisuals(chunks, {
    visuals: spec.visuals,
    seed: spec.seed ?? 0,
    clips: timeline.clips,
    scenes: scenes.map((s) => ({ ...(s.transition ? { transition: s.transition } : {}), ...(s.framing ? { framing: s.framing } : {}) })),
    sceneStartsS: sceneStarts(timeline.pieces ?? [], scenes.length),
    footage: timeline.pieces ?? [],
    generatedSize: spec.outputs[0]!.frame,
    language: spec.language,
  });
}

/**
 * What the outputs show over their footage: the spec's overlays with the text the pipeline
 * resolved (a hook's first sentence, emphasised words) and the logo it fetched.
 */
function overlaySpec(spec: RenderSpec, timeline: Timeline): OverlaySpec {
  const o = spec.overlays;
  if (!o) return { hook: null, progressBar: null, watermark: null, endCard: null };
  const screen = timeline.screen;
  const hook = o.hook && screen?.hook ? { ...screen.hook, durationS: o.hook.durationS } : null;
  const endCard = o.endCard && screen?.endCard ? { ...screen.endCard, durationS: o.endCard.durationS, extendS: o.endCard.extendS } : null;
  if ((o.hook && !hook) || (o.endCard && !endCard)) throw new TaskError('render_failed', 'the plan has no text for its hook or end card', { retryable: true });
  const w = o.watermark;
  let watermark: OverlaySpec['watermark'] = null;
  if (w?.kind === 'text') watermark = { kind: 'text', text: w.text, corner: w.corner, opacity: w.opacity, scale: w.scale };
  else if (w?.kind === 'image') {
    if (!timeline.logo) throw new TaskError('render_failed', 'the plan has no logo for its watermark', { retryable: true });
    watermark = { kind: 'image', width: timeline.logo.width, height: timeline.logo.height, corner: w.corner, opacity: w.opacity, scale: w.scale };
  }
  return { hook, progressBar: o.progressBar, watermark, endCard };
}

/** Which of the video plan's files chunk `chunk` of `output` reads: its pieces' clips (and its lead's), and the logo if the output overlays one. */
export function chunkInputs(output: Pick<OutputPlan, 'logo'>, chunk: Pick<ChunkPlan, 'pieces' | 'lead'>): { clips: Set<number>; logo: boolean } {
  return { clips: new Set([...(chunk.lead ? [chunk.lead.clip] : []), ...chunk.pieces.map((p) => p.clip)]), logo: !!output.logo };
}

/**
 * The events libass may draw on a frame of the chunk: frame k shows an event from its start
 * (inclusive) to its end (exclusive) at k/fps, in ASS centiseconds; a frame either side is kept
 * for rounding. An event outside the span draws nothing in it, so the chunk's frames are those of
 * the whole script.
 */
function eventsWithin(events: AssEvent[], chunk: Chunk): string[] {
  const fromCs = ((chunk.startFrame - 1) * 100) / OUTPUT_FPS;
  const toCs = ((chunk.startFrame + chunk.frames + 1) * 100) / OUTPUT_FPS;
  return events.filter((e) => e.endCs > fromCs && e.startCs < toCs).map(assEventLine);
}

/** The ASS script of a chunk's span (what its `ass` filter reads), or null when it burns in none. */
export function chunkSubtitles(output: Pick<OutputPlan, 'subtitles'>, chunk: Pick<ChunkPlan, 'events'>): string | null {
  return output.subtitles === null ? null : assText(output.subtitles, chunk.events);
}

