// Which clip plays when: cuts on sentence (or clause) boundaries of the narration, each clip
// covering one or more sentences, short sources chained rather than frozen. Pure: no I/O.
import type { Segment, WordTiming } from '../domain/media.ts';
import { seededRandom } from '../lib/seeded-random.ts';
import { round3 } from '../lib/numbers.ts';

export interface TimelineInput {
  words: WordTiming[];
  /** Exclusive word indices where sentences end (Narration.sentenceEnds). */
  sentenceEnds: number[];
  /** Narration length: the segments cover exactly [0, durationS]. */
  durationS: number;
  /**
   * `keyframesS`: when the source's keyframes are (media/probe.ts probeKeyframes), ascending. A
   * piece that starts on one makes its decoder show the first frame it decodes; one that starts
   * between two decodes every frame from the one before, unseen (seconds of 4K on long-GOP stock).
   */
  clips: { durationS: number; keyframesS?: number[] | null | undefined }[];
  /**
   * Each scene's speech span and the clips found for it; its clips play only within its span.
   * Without scenes one span covers everything and every clip may play.
   */
  scenes?: { startS: number; endS: number; clipIndices: number[] }[];
  /** Varies where in a long source the piece starts; same seed → same plan. */
  seed?: number;
  /** Shortest piece; default 1.5 s. */
  minPieceS?: number;
}

export const MIN_PIECE_S = 1.5;
/** Kept unused at a source's end: container durations overstate the last decodable frame a little. */
const SOURCE_MARGIN_S = 0.05;
/** Preference penalties (as a fraction of the ideal piece length) for weaker cut points. */
const CLAUSE_PENALTY = 0.35;
const WORD_PENALTY = 0.9;

type Tier = 'sentence' | 'clause' | 'word';
interface CutPoint {
  t: number;
  tier: Tier;
}
interface Span {
  startS: number;
  endS: number;
  clipIndices: number[];
}

/** Pieces in one video at most: each is an ffmpeg input of some chunk, and work grows with them. */
export const MAX_PIECES = 400;
/** A piece shorter than this joins its neighbour: a few frames are a flash, not a shot. */
export const MIN_RENDER_PIECE_S = 0.25;

export function planTimeline(input: TimelineInput): Segment[] {
  if (!(input.durationS > 0)) throw new Error('planTimeline: the narration has no duration');
  if (input.clips.length === 0) throw new Error('planTimeline: no clips to plan with');
  const minPiece = input.minPieceS ?? MIN_PIECE_S;
  let segments = planPieces(input, minPiece, null);
  // A long narration over short sources would chain a piece per source length: instead, pieces
  // of their own length within the cap, each looping its source (the renderer loops an input
  // that is shorter than its piece).
  if (segments.length > MAX_PIECES) segments = planPieces(input, minPiece, MAX_PIECES);
  return absorbFlashes(segments, input.clips.map((c) => c.durationS), input.clips.map((c) => c.keyframesS ?? null));
}

/** `loopWithin`: plan about that many pieces in all, sources looped rather than chained. */
function planPieces(input: TimelineInput, minPiece: number, loopWithin: number | null): Segment[] {
  const total = input.durationS;
  const random = seededRandom(input.seed ?? 0);
  const points = cutPoints(input.words, input.sentenceEnds, total);
  const usable = input.clips.map((c) => Math.max(0, c.durationS - SOURCE_MARGIN_S));

  const raw: { clip: number; sourceStart: number; from: number; to: number }[] = [];
  /** Where in each source the last piece cut from it began and ended. */
  const lastWindow = new Map<number, { start: number; end: number }>();
  for (const span of normaliseSpans(input, minPiece)) {
    const clipCount = playableClips(span.clipIndices, usable, minPiece).length;
    const share = loopWithin === null ? clipCount : Math.max(1, Math.floor((loopWithin * (span.endS - span.startS)) / total));
    const pieces = splitSpan(span, share, points, minPiece);
    const picker = clipPicker(span.clipIndices, usable, minPiece);
    for (const [p0, p1] of pieces) {
      let t = p0;
      while (p1 - t > 1e-6) {
        const c = picker.pick(p1 - t);
        const avail = usable[c] ?? 0;
        const seen = loopWithin === null ? lastWindow.get(c) : undefined;
        // A clip shown again (footage ran short) plays another part of itself: on from where it
        // last stopped, or from its start, or from its middle; never the span it showed last.
        // (Looped pieces of a very long narration play their source from its start, looping.)
        const keys = input.clips[c]?.keyframesS ?? null;
        const from = seen ? keyframeAfter(keys, reuseStart(seen, avail, p1 - t, minPiece), avail - (p1 - t), seen.start) : 0;
        const left = avail - from;
        const to = left >= p1 - t || loopWithin !== null ? p1 : chainCut(t, t + left, p1, points, minPiece);
        const need = to - t;
        // First use: start somewhere in the first half of the slack so long sources don't all
        // open on frame 0, on the keyframe nearest that place when the keyframes are known.
        const sourceStart = seen ? round3(from) : nearestKeyframe(keys, Math.max(0, avail - need) * 0.5 * random(), Math.max(0, avail - need));
        raw.push({ clip: c, sourceStart, from: t, to });
        lastWindow.set(c, { start: sourceStart, end: sourceStart + need });
        t = to;
      }
    }
  }

  // Times are rounded to milliseconds; the last piece ends exactly at the narration's end.
  const segments: Segment[] = [];
  for (let i = 0; i < raw.length; i++) {
    const r = raw[i]!;
    const start = i === 0 ? 0 : round3(r.from);
    const end = i === raw.length - 1 ? total : round3(r.to);
    if (end - start <= 0) continue;
    segments.push({ clip: r.clip, sourceStart: r.sourceStart, duration: end - start, start });
  }
  // Rounding may leave a sub-millisecond gap after a dropped empty piece: close it on the previous one.
  for (let i = 1; i < segments.length; i++) {
    const prev = segments[i - 1]!;
    const cur = segments[i]!;
    prev.duration = cur.start - prev.start;
  }
  return segments;
}

/**
 * Pieces shorter than MIN_RENDER_PIECE_S (left by sources too short to chain sensibly) are
 * absorbed by the piece before them, or the first by the one after it. The longer piece starts
 * earlier in its source where it would otherwise run past the end; where the source is simply too
 * short, the renderer holds its last frame for those few frames.
 */
export function absorbFlashes(segments: Segment[], clipDurations: number[], keyframes: (number[] | null)[] = []): Segment[] {
  const lengthen = (seg: Segment, start: number, end: number): Segment => {
    const duration = round3(end - start);
    const overflow = seg.sourceStart + duration - Math.max(0, (clipDurations[seg.clip] ?? Infinity) - SOURCE_MARGIN_S);
    const earlier = (at: number) => keyframeAtOrBefore(keyframes[seg.clip] ?? null, at) ?? round3(at);
    return { ...seg, start, duration, sourceStart: overflow > 0 ? earlier(Math.max(0, seg.sourceStart - overflow)) : seg.sourceStart };
  };
  const out: Segment[] = [];
  for (const seg of segments) {
    const prev = out[out.length - 1];
    const end = seg.start + seg.duration;
    if (prev && seg.duration < MIN_RENDER_PIECE_S) out[out.length - 1] = lengthen(prev, prev.start, end);
    else if (prev && prev.duration < MIN_RENDER_PIECE_S) out[out.length - 1] = lengthen(seg, prev.start, end);
    else out.push({ ...seg });
  }
  return out;
}

/**
 * A keyframe's time as a piece's source start: rounded up to the millisecond. An input `-ss` a
 * hair before a keyframe's time seeks to the keyframe before it (a whole GOP of decoding); at or
 * just after it, ffmpeg starts on the keyframe itself.
 */
const onKeyframe = (k: number) => Math.max(0, Math.ceil(k * 1000 - 1e-6)) / 1000;

/** The keyframe in [0, latest] nearest `wanted`, as a source start; `wanted` itself when none is known. */
function nearestKeyframe(keys: number[] | null, wanted: number, latest: number): number {
  let best: number | null = null;
  for (const k of keys ?? []) {
    if (k > latest + 1e-3) break;
    if (best === null || Math.abs(k - wanted) < Math.abs(best - wanted)) best = k;
  }
  return best === null ? round3(wanted) : onKeyframe(best);
}

/**
 * A shown-again clip's start moved on to the next keyframe, when one leaves room for the whole
 * piece (at most `latest`) and does not bring back the span it showed last.
 */
function keyframeAfter(keys: number[] | null, from: number, latest: number, lastStart: number): number {
  const k = (keys ?? []).find((x) => x >= from - 1e-6);
  if (k === undefined || k > latest) return from;
  const start = onKeyframe(k);
  return Math.abs(start - lastStart) > 1e-3 ? start : from;
}

/** The last keyframe at or before `at`, as a source start; null when none is known. */
function keyframeAtOrBefore(keys: number[] | null, at: number): number | null {
  let best: number | null = null;
  for (const k of keys ?? []) if (onKeyframe(k) <= at + 1e-9) best = k;
  return best === null ? null : onKeyframe(best);
}

/** Cut candidates with their strength: sentence ends, clause punctuation, any gap between words. */
export function cutPoints(words: WordTiming[], sentenceEnds: number[], durationS: number): CutPoint[] {
  const ends = new Set(sentenceEnds);
  const out: CutPoint[] = [];
  for (let k = 1; k < words.length; k++) {
    const prev = words[k - 1]!;
    const next = words[k]!;
    // Cut in the middle of the pause, so neither word is clipped by the picture change.
    const t = Math.min(durationS, Math.max(0, (Math.max(prev.end, prev.start) + Math.max(next.start, prev.end)) / 2));
    const tier: Tier = ends.has(k) ? 'sentence' : /[,;:\u2013\u2014\u3001\uff0c\uff1b\uff1a\u060c\u061b]$|[)\]"”»]$/.test(prev.text) ? 'clause' : 'word';
    out.push({ t, tier });
  }
  return out;
}

/** Contiguous spans covering [0, total]; spans shorter than a piece merge into a neighbour. */
function normaliseSpans(input: TimelineInput, minPiece: number): Span[] {
  const all = input.clips.map((_, i) => i);
  const total = input.durationS;
  const given = (input.scenes ?? []).slice().sort((a, b) => a.startS - b.startS);
  if (given.length === 0) return [{ startS: 0, endS: total, clipIndices: all }];
  const spans: Span[] = given.map((s, i) => {
    const valid = s.clipIndices.filter((c) => c >= 0 && c < input.clips.length);
    return {
      startS: i === 0 ? 0 : clamp(s.startS, 0, total),
      endS: i === given.length - 1 ? total : clamp(given[i + 1]!.startS, 0, total),
      // A scene whose footage search came back empty borrows from everyone.
      clipIndices: valid.length > 0 ? valid : all,
    };
  });
  for (const s of spans) s.endS = Math.max(s.startS, s.endS);
  while (spans.length > 1) {
    const i = spans.findIndex((s) => s.endS - s.startS < minPiece);
    if (i < 0) break;
    const short = spans[i]!;
    const j = i > 0 ? i - 1 : i + 1;
    const other = spans[j]!;
    const merged: Span = {
      startS: Math.min(short.startS, other.startS),
      endS: Math.max(short.endS, other.endS),
      clipIndices: unique([...other.clipIndices, ...short.clipIndices]),
    };
    spans.splice(Math.min(i, j), 2, merged);
  }
  return spans;
}

/**
 * Cuts a span into about as many pieces as it has clips (never shorter than minPiece), at the cut
 * points closest to an even split, preferring sentence ends over clause marks over word gaps.
 */
function splitSpan(span: Span, clipCount: number, points: CutPoint[], minPiece: number): [number, number][] {
  const len = span.endS - span.startS;
  const k = Math.max(1, Math.min(clipCount, Math.floor(len / minPiece)));
  const inside = points.filter((p) => p.t > span.startS && p.t < span.endS);
  const pieces: [number, number][] = [];
  let t = span.startS;
  for (let made = 1; made < k; made++) {
    const ideal = (span.endS - t) / (k - made + 1);
    const target = t + ideal;
    let best: CutPoint | null = null;
    let bestScore = Infinity;
    for (const p of inside) {
      if (p.t < t + minPiece || span.endS - p.t < minPiece) continue;
      const penalty = p.tier === 'sentence' ? 0 : p.tier === 'clause' ? CLAUSE_PENALTY : WORD_PENALTY;
      const score = Math.abs(p.t - target) + penalty * ideal;
      if (score < bestScore) {
        bestScore = score;
        best = p;
      }
    }
    if (!best) break;
    pieces.push([t, best.t]);
    t = best.t;
  }
  pieces.push([t, span.endS]);
  return pieces;
}

/**
 * Where to switch to the next source when this one (playable until `srcEnd`) ends before the
 * piece does: the latest word gap that leaves both parts at least minPiece long, else the latest
 * time that does, else the source's end.
 */
function chainCut(t: number, srcEnd: number, pieceEnd: number, points: CutPoint[], minPiece: number): number {
  const lo = t + minPiece;
  const hi = Math.min(srcEnd, pieceEnd - minPiece);
  if (lo <= hi) {
    let best = -1;
    for (const p of points) if (p.t >= lo && p.t <= hi && p.t > best) best = p.t;
    return best >= 0 ? best : hi;
  }
  // Sources or remainders too short for the minimum: split what is left evenly, within the source.
  return Math.max(t + 1e-3, Math.min(srcEnd, (t + pieceEnd) / 2));
}

/**
 * Where a source plays when it is shown again: on from where its last piece stopped, else from its
 * start, else so that it ends with the source, else from its middle; the first of these that is
 * not where its last piece began and leaves room for the whole need, else the one with most room.
 */
function reuseStart(last: { start: number; end: number }, avail: number, need: number, minPiece: number): number {
  const starts = [last.end, 0, avail - need, avail / 2].filter(
    (s) => s >= 0 && avail - s >= Math.min(need, minPiece, avail / 2) && Math.abs(s - last.start) > 1e-3,
  );
  return starts.find((s) => avail - s >= need) ?? starts.reduce((a, b) => (avail - b > avail - a ? b : a), avail / 2);
}

/**
 * Hands out a span's clips in their given order (the footage provider's ranking): first an unused
 * one long enough for the whole need, else the longest unused one (to chain). Once all are used,
 * a new round starts, avoiding the clip that just played.
 */
function clipPicker(all: number[], usable: number[], minPiece: number) {
  const indices = playableClips(all, usable, minPiece);
  if (indices.length === 0) throw new Error('planTimeline: every clip is shorter than 0.2 s');
  let unused = indices.slice();
  let last = -1;
  return {
    pick(need: number): number {
      if (unused.length === 0) {
        unused = indices.length > 1 ? indices.filter((c) => c !== last) : indices.slice();
      }
      let chosen = unused.find((c) => (usable[c] ?? 0) >= need);
      if (chosen === undefined) {
        chosen = unused.reduce((a, b) => ((usable[b] ?? 0) > (usable[a] ?? 0) ? b : a));
      }
      unused = unused.filter((c) => c !== chosen);
      last = chosen;
      return chosen;
    },
  };
}

/**
 * The clips worth showing: a source shorter than a piece would only make a flash, so it plays only
 * when no longer one exists (then anything with a fifth of a second of picture).
 */
function playableClips(candidates: number[], usable: number[], minPiece: number): number[] {
  const long = candidates.filter((c) => (usable[c] ?? 0) >= minPiece);
  if (long.length > 0) return long;
  const some = candidates.filter((c) => (usable[c] ?? 0) >= 0.2);
  if (some.length > 0) return some;
  return usable.flatMap((u, i) => (u >= 0.2 ? [i] : []));
}

function clamp(x: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, x));
}
function unique(xs: number[]): number[] {
  return [...new Set(xs)];
}
