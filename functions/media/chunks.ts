// The render's unit of work: a chunk is a run of whole timeline pieces that one ffmpeg process
// decodes, captions and encodes. A process holds a decoder for each of its pieces, so capping the
// pieces per chunk caps the decoders alive at once, whatever the video's length. Pure.
import type { Segment } from '../domain/media.ts';

export const OUTPUT_FPS = 30;

/** Decoders one chunk process keeps open at most. */
export const MAX_PIECES_PER_CHUNK = 3;
/**
 * The same with pieces that are drawn, not only scaled (a Ken Burns move, a transition, a blurred
 * backdrop): every filter keeps its frame pool until the process ends, ~25 MiB a moving 1080x1920
 * piece and ~15-20 MiB a transition (BENCHMARKS.md, issue 23), so a chunk holds fewer of them.
 */
export const MAX_DRAWN_PIECES_PER_CHUNK = 2;
/**
 * Longest chunk, unless one piece alone is longer. Each process pays its start-up, libass font
 * set-up and x264 initialisation (a few hundred ms): few long chunks cost less than many short
 * ones, and chunks this long still spread a minute of video over every core.
 */
export const MAX_CHUNK_S = 12;
/**
 * Shortest chunk a video is cut into for the cores' sake (a piece longer than the rest, or the cap
 * of pieces, may still make shorter ones). Every chunk process pays ffmpeg's start, libass's font
 * set-up and x264's initialisation before its first frame: a second chunk of a short 1080x1920
 * captioned video cost about 0.5 CPU s more than one chunk encoded by two x264 threads
 * (BENCHMARKS.md, "Short videos"). On idle cores it wins that back in wall time only from about
 * 4 s of video (one chunk keeps 1.5 cores busy: ffmpeg 5.1 decodes and filters on one thread,
 * x264's threads take the encoder's share); on busy ones never. So a shorter video gets fewer chunks and its spare cores
 * as x264 threads (planRender), in one process and fanned out alike.
 */
export const MIN_CHUNK_S = 2;

export interface ChunkPiece {
  /** Index into the clips list. */
  clip: number;
  /** Where in the source the piece starts, seconds. */
  sourceStart: number;
  frames: number;
}

export interface Chunk {
  index: number;
  /** The chunk's first frame in the whole video. */
  startFrame: number;
  frames: number;
  pieces: ChunkPiece[];
}

/** Frames each segment gets: boundaries rounded to the frame grid once, so the pieces add up exactly. */
export function segmentFrames(segments: Segment[], fps = OUTPUT_FPS): number[] {
  return segments.map((s) => Math.round((s.start + s.duration) * fps) - Math.round(s.start * fps));
}

export interface ChunkOptions {
  /** Chunks that can run at once (the CPU budget): a video is cut into this many where it has the pieces and MIN_CHUNK_S for each. */
  parallel: number;
  maxPieces?: number;
  maxChunkS?: number;
}

/**
 * Splits the timeline at piece boundaries into consecutive chunks of at most `maxPieces` pieces
 * and, where pieces allow, no more than `maxChunkS` or an even share of the video per parallel
 * slot, so a lone task keeps every core busy; a video too short to give every slot MIN_CHUNK_S
 * has fewer slots. Pieces that round to no frame are dropped.
 */
export function planChunks(segments: Segment[], opts: ChunkOptions): Chunk[] {
  const maxPieces = opts.maxPieces ?? MAX_PIECES_PER_CHUNK;
  const frames = segmentFrames(segments);
  const total = frames.reduce((a, b) => a + b, 0);
  const slots = Math.max(1, Math.min(opts.parallel, Math.floor(total / Math.round(MIN_CHUNK_S * OUTPUT_FPS))));
  const target = Math.min(Math.round((opts.maxChunkS ?? MAX_CHUNK_S) * OUTPUT_FPS), Math.ceil(total / slots));
  const chunks: Chunk[] = [];
  let cur: Chunk | null = null;
  let at = 0;
  segments.forEach((seg, i) => {
    const f = frames[i]!;
    if (f <= 0) return;
    if (cur && (cur.pieces.length >= maxPieces || cur.frames + f > target)) {
      chunks.push(cur);
      cur = null;
    }
    cur ??= { index: chunks.length, startFrame: at, frames: 0, pieces: [] };
    cur.pieces.push({ clip: seg.clip, sourceStart: seg.sourceStart, frames: f });
    cur.frames += f;
    at += f;
  });
  if (cur) chunks.push(cur);
  return chunks;
}
