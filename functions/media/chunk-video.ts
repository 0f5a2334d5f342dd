// A chunk's ffmpeg process, from the render plan's data: its inputs, and its graph with every
// visual element of the plan: each piece framed (cover or blur) and moving (Ken Burns), a key term
// behind the captions, the pieces joined by cuts or transitions, then the captions and overlays of
// the chunk's span and a logo. Pure: the planner describes the chunk, these builders write the
// inputs and the graph. A piece the plan gives no elements (a plan stored before them) is a cut,
// cover-cropped and still.
//
// Transitions across chunk boundaries: a transition belongs to the chunk of its incoming piece.
// When the outgoing piece ends the chunk before, that chunk renders it cut-length, and this chunk
// decodes its clip once more from where it stopped for the transition's frames (the "lead"): at
// most one extra decoder per chunk, and every frame is rendered the same whatever the chunking.
import type { Frame, SourceClip } from '../domain/media.ts';
import { backgroundTextFilter } from './background-text.ts';
import { OUTPUT_FPS, type Chunk, type ChunkPiece } from './chunks.ts';
import { pictureGraph, type Framing } from './framing.ts';
import type { KenBurns } from './motion.ts';
import { watermarkInputArgs, watermarkOverlay, type LogoPlacement } from './overlays/watermark.ts';
import { assFilter, encoderArgs, inputArgs, plainName, type EncodeSettings } from './render-args.ts';
import { joinGraph, type Stream, type Transition } from './transitions.ts';

/** One piece of the timeline as the plan holds it: its span of a clip, and how it is drawn. */
export interface PiecePlan extends ChunkPiece {
  /** Display size of the clip (after rotation); needed by motion and blur framing. */
  source?: Frame;
  /** Left out: cover. */
  framing?: Framing;
  /** Left out or null: still. */
  motion?: KenBurns | null;
  /** The transition into this piece from the one before (left out or null: a cut). */
  enter?: Transition | null;
  /** Frames of the transition into the next piece (its `enter.frames`; 0 for a cut): this piece's clip plays on under it. */
  tail?: number;
  /** A key term set large and faint behind the captions, drifting one way; its language picks the face. */
  text?: { term: string; direction: 1 | -1; language?: string } | null;
  /** The clip is a photo: one frame, held for the piece before it moves. */
  still?: boolean;
}

/** A chunk as its process renders it. */
export interface VideoChunk extends Chunk {
  pieces: PiecePlan[];
  /**
   * The piece before this chunk's first, when a transition joins them: its clip is decoded once
   * more for the transition's frames (its `tail`). Present exactly when `pieces[0].enter` is set.
   */
  lead?: PiecePlan | null;
}

const tailOf = (p: PiecePlan) => p.tail ?? 0;

/** Frames a piece renders in its chunk: its own, plus its tail when the next piece is in the same chunk. */
function renderedFrames(chunk: VideoChunk, k: number): number {
  const p = chunk.pieces[k]!;
  return p.frames + (k < chunk.pieces.length - 1 ? tailOf(p) : 0);
}

function check(chunk: VideoChunk): void {
  const first = chunk.pieces[0];
  if (!first) throw new Error(`chunk ${chunk.index} has no pieces`);
  const lead = chunk.lead ?? null;
  if (Boolean(first.enter) !== Boolean(lead)) {
    throw new Error(`chunk ${chunk.index}: a lead piece is needed exactly when the first piece has a transition into it`);
  }
  if (lead && tailOf(lead) !== first.enter!.frames) {
    throw new Error(`chunk ${chunk.index}: the lead's tail (${tailOf(lead)}) differs from the transition's ${first.enter!.frames} frames`);
  }
  chunk.pieces.forEach((p, k) => {
    const next = chunk.pieces[k + 1];
    if (next && tailOf(p) !== (next.enter?.frames ?? 0)) throw new Error(`chunk ${chunk.index}: piece ${k}'s tail (${tailOf(p)}) differs from the transition after it`);
  });
  const sum = chunk.pieces.reduce((n, p) => n + p.frames, 0);
  if (sum !== chunk.frames) throw new Error(`chunk ${chunk.index}: its pieces hold ${sum} frames, not ${chunk.frames}`);
}

/**
 * The chunk's inputs, in the order the graph numbers them: the lead (if any), then each piece,
 * each reading just its span (seeked before -i).
 */
export function chunkInputArgs(chunk: VideoChunk, clips: SourceClip[]): string[] {
  check(chunk);
  const args: string[] = [];
  const clipOf = (p: PiecePlan) => {
    const c = clips[p.clip];
    if (!c) throw new Error(`a piece refers to clip ${p.clip}, but there are ${clips.length} clips`);
    return c;
  };
  if (chunk.lead) {
    const l = chunk.lead;
    args.push(...inputArgs(clipOf(l), { sourceStart: l.sourceStart + l.frames / OUTPUT_FPS, duration: tailOf(l) / OUTPUT_FPS }));
  }
  chunk.pieces.forEach((p, k) => args.push(...inputArgs(clipOf(p), { sourceStart: p.sourceStart, duration: renderedFrames(chunk, k) / OUTPUT_FPS })));
  return args;
}

/**
 * The chunk's pieces, framed, moving and joined, from its inputs (chunkInputArgs) to `[output]`:
 * `chunk.frames` frames of the frame's size, timestamps from 0 in 1/30 s.
 */
export function chunkVideoGraph(chunk: VideoChunk, frame: Frame, output: string): string {
  check(chunk);
  const parts: string[] = [];
  const streams: Stream[] = [];
  const enter: (Transition | null)[] = [];
  let input = 0;
  if (chunk.lead) {
    const l = chunk.lead;
    parts.push(pieceStream(l, input++, frame, 'L', l.frames, tailOf(l)));
    streams.push({ label: 'L', frames: tailOf(l) });
    enter.push(null);
  }
  chunk.pieces.forEach((p, k) => {
    const count = renderedFrames(chunk, k);
    parts.push(pieceStream(p, input++, frame, `p${k}`, 0, count));
    streams.push({ label: `p${k}`, frames: count });
    enter.push(p.enter ?? null);
  });
  parts.push(joinGraph(streams, enter, frame, output, 'x'));
  return parts.join(';\n');
}

/**
 * A chunk's whole graph: its pieces joined (chunkVideoGraph), then the captions and overlays of its
 * span, then a logo (its input after the pieces'). libass draws by timestamp, so the frames are
 * shifted to the chunk's place in the whole video for the `ass` filter and back to zero after it:
 * a caption line across a join shows on both sides of it, and a progress bar runs on across it.
 */
export function chunkFilterGraph(chunk: VideoChunk, frame: Frame, assFile: string | null, logo: LogoPlacement | null = null): string {
  const parts = [chunkVideoGraph(chunk, frame, 'joined')];
  const captions = assFile ? `setpts=PTS-STARTPTS+${chunk.startFrame}/${OUTPUT_FPS}/TB,${assFilter(assFile)},setpts=PTS-STARTPTS,` : '';
  if (!logo) {
    parts.push(`[joined]${captions}format=yuv420p[vout]`);
    return parts.join(';\n');
  }
  const inputs = chunk.pieces.length + (chunk.lead ? 1 : 0);
  parts.push(`[joined]${captions}null[drawn]`, watermarkOverlay(inputs, logo, 'drawn', 'marked'), `[marked]format=yuv420p[vout]`);
  return parts.join(';\n');
}

/**
 * One chunk process: its pieces (and lead) as inputs, then a logo; the graph read from
 * `filterScript` (a long graph on the command line would run into the kernel's argument limit),
 * video only, exactly `chunk.frames` frames, written as MPEG-TS: its 90 kHz clock holds every
 * 1/30 s step exactly, so the chunks join with continuous timestamps.
 */
export function chunkArgs(p: { chunk: VideoChunk; clips: SourceClip[]; filterScript: string; outputFile: string; encode: EncodeSettings; logoFile?: string | null }): string[] {
  return [
    ...chunkInputArgs(p.chunk, p.clips),
    ...(p.logoFile ? watermarkInputArgs(p.logoFile) : []),
    '-filter_complex_script', plainName(p.filterScript, 'filter script'),
    // Filters run in one thread: the chunk processes beside it get the other cores.
    '-filter_complex_threads', '1',
    '-map', '[vout]',
    '-an',
    ...encoderArgs(p.encode),
    '-frames:v', String(p.chunk.frames),
    '-f', 'mpegts',
    plainName(p.outputFile, 'chunk file'),
  ];
}

/**
 * A photo larger than this many times what covering the frame needs is shrunk once, before it is
 * held: its move then resamples a picture of about the frame's size every frame, not the photo's.
 * The margin keeps the zoomed-in end of a move as sharp as the frame.
 */
const STILL_MARGIN = 1.5;

/** The size a photo is held at: its own, or shrunk to STILL_MARGIN times the cover size (even sizes). */
export function heldSize(source: Frame, frame: Frame): Frame {
  const cover = Math.max(frame.width / source.width, frame.height / source.height) * STILL_MARGIN;
  if (cover >= 1) return source;
  return { width: 2 * Math.max(1, Math.round((source.width * cover) / 2)), height: 2 * Math.max(1, Math.round((source.height * cover) / 2)) };
}

/**
 * One piece's frames [first, first + count) of its move, from input `input`: timestamps from 0 at
 * a constant 30 fps (evens out variable-rate sources), framed and moving, then exactly `count`
 * frames (a source that ends early repeats its last frame for the few missing ones). A photo is
 * one frame: held for the piece first when it moves (each frame of the move is another view of
 * it), after its one framing when it does not.
 */
function pieceStream(p: PiecePlan, input: number, frame: Frame, label: string, first: number, count: number): string {
  const frames = p.frames + tailOf(p);
  const moving = Boolean(p.motion);
  let source = p.source ?? frame;
  let head = `[${input}:v:0]setpts=PTS-STARTPTS,fps=${OUTPUT_FPS}`;
  if (p.still && moving) {
    const held = heldSize(source, frame);
    if (held !== source) head += `,scale=w=${held.width}:h=${held.height}`;
    source = held;
    head += `,tpad=stop_mode=clone:stop=${count},trim=end_frame=${count},setpts=PTS-STARTPTS`;
  }
  const picture = pictureGraph({ source, frame, framing: p.framing ?? 'cover', motion: p.motion ?? null, frames, first, count }, `${label}r`, `${label}c`, `${label}_`);
  const text = p.text ? backgroundTextFilter({ term: p.text.term, direction: p.text.direction, frame, frames, first, language: p.text.language }) : null;
  return [
    `${head}[${label}r]`,
    picture,
    `[${label}c]${text ? `${text},` : ''}tpad=stop_mode=clone:stop=${count},trim=end_frame=${count},setpts=PTS-STARTPTS[${label}]`,
  ].join(';');
}
