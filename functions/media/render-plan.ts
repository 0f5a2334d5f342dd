// A video's render as data, planned once from its spec, its narration and its timeline: per output
// its chunks (each a run of whole timeline pieces, every piece with the source span it reads, and
// the caption events drawn within the chunk's span) and its sidecar captions; the soundtrack once;
// the encoder settings every chunk shares. Two executors run a plan and know nothing of what it
// draws: the chunk pool of one process (render.ts) and the chunk deliveries of a fan-out
// (pipeline/fanout-render.ts), which store it whole. Both hand each chunk to renderChunk, whose
// pure builders (chunkFilterGraph, chunkSubtitles) turn the chunk's data into ffmpeg's: a new
// visual element is a field of the spec, an element of the plan made here, and a builder there.
// Pure.
import type { Narration, Segment } from '../domain/media.ts';
import type { OutputSpec, VideoSpec } from '../domain/video-spec.ts';
import { TaskError } from '../errors.ts';
import { assEventLine, assHead, assText, type AssEvent } from './captions/ass-document.ts';
import { buildCaptions } from './captions/index.ts';
import { OUTPUT_FPS, planChunks, type Chunk } from './chunks.ts';
import { DEFAULT_ENCODE, type EncodeSettings } from './render-args.ts';

export const RENDER_PLAN_VERSION = 1;

export interface RenderPlan {
  version: typeof RENDER_PLAN_VERSION;
  /** The narration's length: every output lasts exactly this long. */
  durationS: number;
  /** Every chunk of every output is encoded alike, whoever renders it: the chunks join by stream copy only then. */
  encode: EncodeSettings;
  soundtrack: SoundtrackPlan;
  outputs: OutputPlan[];
}

/** The one audio track every output carries: the voice, with the music ducked under it. */
export interface SoundtrackPlan {
  voicePath: string;
  /** The voice went through normaliseNarration: the mix keeps its level and gets no loudnorm. */
  voiceNormalised: boolean;
  music: { path: string; volume: number } | null;
}

export interface OutputPlan {
  output: OutputSpec;
  /** Where its files are, under the render's dir (and a fan-out's prefix): '' for the first output, `output-<i>/` for the others. */
  folder: string;
  chunks: ChunkPlan[];
  /** The WebVTT and SRT files published beside the video; null when the narration has no words to show. */
  sidecars: { vtt: string; srt: string } | null;
  /** The head (info and styles) of the ASS script every chunk's captions share; null when none are burned in. */
  subtitles: string | null;
}

export interface ChunkPlan extends Chunk {
  /** The ASS events drawn within the chunk's span (its captions), in the script's order. */
  events: string[];
}

/** What the render draws from the spec: its videos, how their captions look, and the script's language (fonts, line breaks). */
export type RenderSpec = Pick<VideoSpec, 'outputs' | 'captions' | 'language'>;

/** What plays when: the timeline's pieces and the music under the voice. */
export interface Timeline {
  segments: Segment[];
  music: { path: string; volume: number } | null;
}

export interface PlanOptions {
  /** Chunk processes of one output that can run at once: a short video is still cut into this many where it has the pieces, or gets the rest as encoder threads. */
  parallel: number;
  /** Overrides of the x264/AAC settings (RENDER_PRESET, RENDER_CRF; a fan-out fixes one thread per chunk). */
  encode?: Partial<EncodeSettings>;
  voiceNormalised?: boolean;
}

/** The folder output `i` of a render is written to (render's dir, fan-out prefix): none for the first. */
export const outputFolder = (i: number) => (i === 0 ? '' : `output-${i}/`);

export function planRender(spec: RenderSpec, narration: Narration, timeline: Timeline, opts: PlanOptions): RenderPlan {
  if (!(narration.durationS > 0)) throw new TaskError('render_failed', 'the narration has no duration');
  const chunks = planChunks(timeline.segments, { parallel: opts.parallel });
  if (chunks.length === 0) throw new TaskError('render_failed', 'the timeline has no frames to render');
  const threads = chunks.length < opts.parallel ? Math.floor(opts.parallel / chunks.length) : 1;
  const encode: EncodeSettings = { ...DEFAULT_ENCODE, ...opts.encode, threads: opts.encode?.threads ?? threads };
  return {
    version: RENDER_PLAN_VERSION,
    durationS: narration.durationS,
    encode,
    soundtrack: { voicePath: narration.audioPath, voiceNormalised: opts.voiceNormalised ?? false, music: timeline.music },
    outputs: spec.outputs.map((output, i) => {
      const captions = buildCaptions(narration.words, narration.sentenceEnds, narration.durationS, spec.captions.look, output.frame, spec.language);
      const burnIn = spec.captions.burnIn && captions ? [captions.part] : [];
      const events = burnIn.flatMap((p) => p.events);
      return {
        output,
        folder: outputFolder(i),
        chunks: chunks.map((c) => ({ ...c, events: eventsWithin(events, c) })),
        sidecars: captions ? { vtt: captions.vtt, srt: captions.srt } : null,
        subtitles: burnIn.length > 0 ? assHead(output.frame, burnIn) : null,
      };
    }),
  };
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

