// How each piece of the timeline is drawn, planned once for the render plan (issue 23): its
// framing, its Ken Burns move (direction and amount from the task's seed, one draw per piece), the
// transition into it, and a key term behind the captions of a generated background. A scene's own
// transition and framing apply to the pieces that start within it. Then each chunk gets its
// pieces' elements, and the piece before it as its lead when a transition crosses into it. Pure.
import type { Frame, Segment, SourceClip } from '../domain/media.ts';
import type { FootagePiece } from '../domain/task.ts';
import type { PieceVisual, SceneVisuals, VisualSpec } from '../domain/visuals.ts';
import { deriveSeed, seededRandom } from '../lib/seeded-random.ts';
import type { PiecePlan, VideoChunk } from './chunk-video.ts';
import { OUTPUT_FPS, segmentFrames, type Chunk } from './chunks.ts';
import { describeMove, planKenBurns } from './motion.ts';
import { transitionFrames, type Transition } from './transitions.ts';

export interface PieceVisualsInput {
  visuals: VisualSpec;
  seed: number;
  /** The timeline's clips: their sizes, and which are photos or generated. */
  clips: SourceClip[];
  /** Each scene's own transition and framing, in order; empty for a video without. */
  scenes: SceneVisuals[];
  /** Where each scene starts in the narration, seconds (sceneStarts). */
  sceneStartsS: number[];
  /** The footage pieces with their search terms (a generated background's term). */
  footage: FootagePiece[];
  /** Size generated backgrounds are drawn at: the first output's frame. */
  generatedSize: Frame;
  /** The script's language: the face of the key terms. */
  language?: string | undefined;
}

/**
 * Where each scene starts, seconds: when scenes were sent, each is a footage part of its own, its
 * span recorded on the plan's footage pieces. Otherwise (a script_text) the video is one scene.
 */
export function sceneStarts(footage: Pick<FootagePiece, 'start_s'>[], scenes: number): number[] {
  if (scenes <= 1 || footage.length !== scenes) return [0];
  return footage.map((f) => f.start_s);
}

/** The chunks with each piece's elements, and a lead where a transition crosses into a chunk. */
export function withPieceVisuals(chunks: Chunk[], o: PieceVisualsInput): VideoChunk[] {
  const all = chunks.flatMap((c) => c.pieces);
  const planned = planPieces(all, o);
  let at = 0;
  return chunks.map((c) => {
    const pieces = planned.slice(at, at + c.pieces.length);
    const lead = pieces[0]!.enter ? planned[at - 1]! : null;
    at += c.pieces.length;
    return { ...c, pieces, lead };
  });
}

/** Each piece of the whole timeline (in order) with its elements. */
export function planPieces(pieces: Chunk['pieces'], o: PieceVisualsInput): PiecePlan[] {
  const starts: number[] = [];
  pieces.reduce((f, p) => (starts.push(f), f + p.frames), 0);
  const sceneOf = (i: number) => {
    const t = (starts[i]! + pieces[i]!.frames / 2) / OUTPUT_FPS;
    let s = 0;
    while (s + 1 < o.sceneStartsS.length && o.sceneStartsS[s + 1]! <= t) s++;
    return o.scenes[s] ?? {};
  };
  const enters = pieces.map((p, i): Transition | null => {
    if (i === 0) return null;
    const t = sceneOf(i).transition ?? o.visuals.transition;
    if (t.type === 'cut') return null;
    // Each piece is seen clear of blending for at least half its frames.
    const frames = Math.min(transitionFrames(t.durationS), Math.floor(Math.min(p.frames, pieces[i - 1]!.frames) / 2));
    return frames >= 2 ? { type: t.type, frames } : null;
  });
  const textOn = (clip: SourceClip) => o.visuals.backgroundText ?? clip.kind === 'generated';
  return pieces.map((p, i): PiecePlan => {
    const clip = o.clips[p.clip];
    if (!clip) throw new Error(`a piece refers to clip ${p.clip}, but there are ${o.clips.length} clips`);
    const tail = enters[i + 1]?.frames ?? 0;
    const still = clip.kind === 'file' && Boolean(clip.still);
    // A photo always moves: held still it reads as a slide show.
    const style = still && o.visuals.motion === 'none' ? 'subtle' : o.visuals.motion;
    const random = seededRandom(deriveSeed(o.seed, `motion ${i}`));
    const term = textOn(clip) ? termAt(o.footage, (starts[i]! + p.frames / 2) / OUTPUT_FPS) : null;
    return {
      ...p,
      source: clip.kind === 'file' ? { width: clip.width, height: clip.height } : o.generatedSize,
      framing: sceneOf(i).framing ?? o.visuals.framing,
      motion: planKenBurns(style, (p.frames + tail) / OUTPUT_FPS, random),
      enter: enters[i] ?? null,
      tail,
      text: term ? { term, direction: random() < 0.5 ? -1 : 1, ...(o.language ? { language: o.language } : {}) } : null,
      ...(still ? { still: true } : {}),
    };
  });
}

/** The key term of the footage piece playing at `t`: its first search term, else the first word of its query. */
function termAt(footage: FootagePiece[], t: number): string | null {
  const f = footage.find((x) => x.start_s <= t && t < x.end_s) ?? footage.at(-1);
  if (!f) return null;
  return f.search_terms[0] ?? f.query.split(/\s+/).find((w) => w.length > 0) ?? null;
}

/**
 * How each segment of a timeline is drawn, in words (a storyboard's pieces): planned as the render
 * plans its pieces. A segment too short for a frame is a cut, still.
 */
export function pieceVisuals(segments: Segment[], o: PieceVisualsInput): PieceVisual[] {
  const frames = segmentFrames(segments);
  const kept = segments.flatMap((s, i) => (frames[i]! > 0 ? [{ clip: s.clip, sourceStart: s.sourceStart, frames: frames[i]! }] : []));
  const planned = planPieces(kept, o);
  let k = 0;
  return frames.map((f): PieceVisual => {
    const p = f > 0 ? planned[k++]! : null;
    return {
      motion: describeMove(p?.motion ?? null),
      transition: p?.enter ? { type: p.enter.type, duration_s: Math.round((p.enter.frames / OUTPUT_FPS) * 1000) / 1000 } : null,
      framing: p?.framing ?? 'cover',
    };
  });
}
