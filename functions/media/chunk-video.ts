// A chunk's video with every visual element of the plan: each piece framed (cover or blur) and
// moving (Ken Burns), the pieces joined by cuts or transitions, the captions of the chunk's span.
// Pure: the planner describes the chunk, these builders write the inputs and the graph.
//
// Transitions across chunk boundaries: a transition belongs to the chunk of its incoming piece.
// When the outgoing piece ends the chunk before, that chunk renders it cut-length, and this chunk
// decodes its clip once more from where it stopped for the transition's frames (the "lead"): at
// most one extra decoder per chunk, and every frame is rendered the same whatever the chunking.
import type { Frame, SourceClip } from '../domain/media.ts';
import { backgroundTextFilter } from './background-text.ts';
import { OUTPUT_FPS } from './chunks.ts';
import { pictureGraph, type Framing } from './framing.ts';
import type { KenBurns } from './motion.ts';
import { assFilter, inputArgs } from './render-args.ts';
import { joinGraph, type Stream, type Transition } from './transitions.ts';

/** One piece of the timeline as the plan holds it. */
export interface PiecePlan {
  /** Index into the clips list. */
  clip: number;
  /** Display size of the clip (after rotation); a generated clip's is the frame's. */
  source: Frame;
  /** Where in the clip the piece starts, seconds. */
  sourceStart: number;
  /** Frames the piece holds in the video, as with cuts. */
  frames: number;
  framing: Framing;
  motion: KenBurns | null;
  /** The transition into this piece from the one before (null: a cut). */
  enter: Transition | null;
  /** Frames of the transition into the next piece (its `enter.frames`; 0 for a cut): this piece's clip plays on under it. */
  tail: number;
  /** A key term set large and faint behind the captions (generated backgrounds), drifting one way. */
  text?: { term: string; direction: 1 | -1 } | null;
}

export interface ChunkPlan {
  index: number;
  /** The chunk's first frame in the whole video. */
  startFrame: number;
  /** Frames the chunk writes: the sum of its pieces' `frames`. */
  frames: number;
  pieces: PiecePlan[];
  /**
   * The piece before this chunk's first, when a transition joins them: its clip is decoded once
   * more for the transition's frames (its `tail`). Required exactly when `pieces[0].enter` is set.
   */
  lead: PiecePlan | null;
}

/** Frames a piece renders in its chunk: its own, plus its tail when the next piece is in the same chunk. */
function renderedFrames(chunk: ChunkPlan, k: number): number {
  const p = chunk.pieces[k]!;
  return p.frames + (k < chunk.pieces.length - 1 ? p.tail : 0);
}

function check(chunk: ChunkPlan): void {
  const first = chunk.pieces[0];
  if (!first) throw new Error(`chunk ${chunk.index} has no pieces`);
  if (Boolean(first.enter) !== Boolean(chunk.lead)) {
    throw new Error(`chunk ${chunk.index}: a lead piece is needed exactly when the first piece has a transition into it`);
  }
  if (chunk.lead && chunk.lead.tail !== first.enter!.frames) {
    throw new Error(`chunk ${chunk.index}: the lead's tail (${chunk.lead.tail}) differs from the transition's ${first.enter!.frames} frames`);
  }
  chunk.pieces.forEach((p, k) => {
    const next = chunk.pieces[k + 1];
    if (next && p.tail !== (next.enter?.frames ?? 0)) throw new Error(`chunk ${chunk.index}: piece ${k}'s tail (${p.tail}) differs from the transition after it`);
  });
  const sum = chunk.pieces.reduce((n, p) => n + p.frames, 0);
  if (sum !== chunk.frames) throw new Error(`chunk ${chunk.index}: its pieces hold ${sum} frames, not ${chunk.frames}`);
}

/**
 * The chunk's inputs, in the order the graph numbers them: the lead (if any), then each piece,
 * each reading just its span (seeked before -i).
 */
export function chunkInputArgs(chunk: ChunkPlan, clips: SourceClip[]): string[] {
  check(chunk);
  const args: string[] = [];
  const clipOf = (p: PiecePlan) => {
    const c = clips[p.clip];
    if (!c) throw new Error(`a piece refers to clip ${p.clip}, but there are ${clips.length} clips`);
    return c;
  };
  if (chunk.lead) {
    const l = chunk.lead;
    args.push(...inputArgs(clipOf(l), { sourceStart: l.sourceStart + l.frames / OUTPUT_FPS, duration: l.tail / OUTPUT_FPS }));
  }
  chunk.pieces.forEach((p, k) => args.push(...inputArgs(clipOf(p), { sourceStart: p.sourceStart, duration: renderedFrames(chunk, k) / OUTPUT_FPS })));
  return args;
}

/**
 * The chunk's filter graph, from its inputs (chunkInputArgs) to `[vout]`: `chunk.frames` frames of
 * the frame's size. Captions from `assFile` are drawn at the chunk's place in the whole video
 * (libass draws by timestamp), as in render-args' chunkFilterGraph.
 */
export function chunkVideoGraph(chunk: ChunkPlan, frame: Frame, assFile: string | null, language?: string): string {
  check(chunk);
  const parts: string[] = [];
  const streams: Stream[] = [];
  const enter: (Transition | null)[] = [];
  let input = 0;
  if (chunk.lead) {
    const l = chunk.lead;
    parts.push(pieceStream(l, input++, frame, 'L', l.frames, l.tail, language));
    streams.push({ label: 'L', frames: l.tail });
    enter.push(null);
  }
  chunk.pieces.forEach((p, k) => {
    const count = renderedFrames(chunk, k);
    parts.push(pieceStream(p, input++, frame, `p${k}`, 0, count, language));
    streams.push({ label: `p${k}`, frames: count });
    enter.push(p.enter);
  });
  parts.push(joinGraph(streams, enter, frame, 'joined', 'x'));
  const captions = assFile ? `setpts=PTS-STARTPTS+${chunk.startFrame}/${OUTPUT_FPS}/TB,${assFilter(assFile)},setpts=PTS-STARTPTS,` : '';
  parts.push(`[joined]${captions}format=yuv420p[vout]`);
  return parts.join(';\n');
}

/**
 * One piece's frames [first, first + count) of its move, from input `input`: timestamps from 0 at
 * a constant 30 fps (evens out variable-rate sources), framed and moving, then exactly `count`
 * frames (a source that ends early repeats its last frame for the few missing ones).
 */
function pieceStream(p: PiecePlan, input: number, frame: Frame, label: string, first: number, count: number, language: string | undefined): string {
  const frames = p.frames + p.tail;
  const picture = pictureGraph({ source: p.source, frame, framing: p.framing, motion: p.motion, frames, first, count }, `${label}r`, `${label}c`, `${label}_`);
  const text = p.text ? backgroundTextFilter({ term: p.text.term, direction: p.text.direction, frame, frames, first, language }) : null;
  return [
    `[${input}:v:0]setpts=PTS-STARTPTS,fps=${OUTPUT_FPS}[${label}r]`,
    picture,
    `[${label}c]${text ? `${text},` : ''}tpad=stop_mode=clone:stop=${count},trim=end_frame=${count},setpts=PTS-STARTPTS[${label}]`,
  ].join(';');
}
