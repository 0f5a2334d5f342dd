// Ken Burns motion: a slow zoom and/or pan across a piece, planned from the seed, drawn smooth to
// a few hundredths of a pixel at 30 fps for about the cost of one extra resample. Pure.
//
// Why not zoompan or crop expressions: they place the window on whole (for 4:2:0, even) pixels,
// so a slow zoom steps and shimmers by half a pixel a frame; perspective resamples at sub-pixel
// positions but costs ~19 ms a 1080p frame (reference/motion.md, bench/motion.ts). Here the
// picture goes through two swscale passes whose sizes change every frame (`scale` with
// eval=frame), each followed by a whole-pixel crop. Output pixel i then shows region position
//     (x + (x2 + i + ½)·P/C)·R/A
// where R is the region's size, A and C the two passes' sizes, x and x2 the crops' offsets and P
// the first crop's size (fixed). With two free integers in the ratio and two in the offset, a
// small search (below, per frame and axis) lands within a few hundredths of a pixel of any scale
// and position; the filters read the chosen integers from tables indexed by frame number. The
// first pass runs at the smaller of the source's and the frame's resolution, the second is the
// scale to the frame that the cover crop needs anyway.
import type { Frame } from '../domain/media.ts';
import type { Move, MotionStyle } from '../domain/visuals.ts';
import type { Random } from '../lib/seeded-random.ts';

export { MOTION_STYLES, type MotionStyle } from '../domain/visuals.ts';

/** Where the camera looks: zoom ≥ 1 into the region (1 shows all of it), its centre as fractions of the region. */
export interface View {
  zoom: number;
  x: number;
  y: number;
}

/**
 * A piece's motion: the view goes from `from` (its first frame) to `to` (its last), the zoom at an
 * even apparent speed (geometric), the centre in a straight line at constant speed.
 */
export interface KenBurns {
  from: View;
  to: View;
}

/** A rectangle of whole pixels; a region's are even, as 4:2:0 chroma needs. */
export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

interface Amounts {
  /** Zoom change over a second, as a factor's logarithm, and its bounds over a piece. */
  perSecond: number;
  min: number;
  max: number;
  /** How far the centre may travel, as a share of the room the zoom leaves. */
  drift: number;
}

/**
 * Zoom never starts at exactly 1: the few percent of room around the view are what the search
 * uses for sub-pixel offsets, and a view at 1.05 shows all but 5 % of the region.
 */
const BASE_ZOOM = 1.05;
const AMOUNTS: Record<Exclude<MotionStyle, 'none'>, Amounts> = {
  subtle: { perSecond: 0.02, min: 0.04, max: 0.1, drift: 0.35 },
  dynamic: { perSecond: 0.055, min: 0.12, max: 0.3, drift: 0.9 },
};

/**
 * A piece's Ken Burns move for `style`, direction and amount drawn from `random` (the planner
 * derives one per piece from the task's seed). `durationS` is the time the piece is on screen:
 * the zoom's speed, not its total, is what looks calm or lively, so longer pieces zoom further,
 * within bounds.
 */
export function planKenBurns(style: MotionStyle, durationS: number, random: Random): KenBurns | null {
  if (style === 'none') return null;
  const a = AMOUNTS[style];
  const span = Math.exp(clamp(a.perSecond * durationS, a.min, a.max));
  const kinds = style === 'subtle' ? (['in', 'in', 'out', 'pan'] as const) : (['in', 'out', 'in', 'out'] as const);
  const kind = kinds[Math.floor(random() * kinds.length)]!;
  if (kind === 'pan') {
    // A sideways (or up/down) drift at a fixed, slightly larger zoom.
    const zoom = BASE_ZOOM * span;
    const room = roomAt(zoom) * 0.8;
    const horizontal = random() < 0.6;
    const dir = random() < 0.5 ? -1 : 1;
    const from = { zoom, x: 0.5, y: 0.5 };
    const to = { zoom, x: 0.5, y: 0.5 };
    if (horizontal) [from.x, to.x] = [0.5 - dir * room, 0.5 + dir * room];
    else [from.y, to.y] = [0.5 - dir * room, 0.5 + dir * room];
    return { from, to };
  }
  const wide: View = { zoom: BASE_ZOOM, x: 0.5, y: 0.5 };
  // The close view drifts towards a point off centre; dynamic moves travel across the picture.
  const close = BASE_ZOOM * span;
  const room = roomAt(close) * a.drift;
  const angle = random() * 2 * Math.PI;
  const near: View = { zoom: close, x: 0.5 + room * Math.cos(angle), y: 0.5 + room * Math.sin(angle) };
  return kind === 'in' ? { from: wide, to: near } : { from: near, to: wide };
}

/** A move in words: a zoom in or out (its drift aside), else a pan the way the view travels. */
export function describeMove(kb: KenBurns | null): Move | null {
  if (!kb) return null;
  const zoom = kb.to.zoom / kb.from.zoom;
  if (zoom > 1.002) return 'zoom-in';
  if (zoom < 1 / 1.002) return 'zoom-out';
  const dx = kb.to.x - kb.from.x;
  const dy = kb.to.y - kb.from.y;
  if (Math.abs(dx) >= Math.abs(dy)) return dx >= 0 ? 'pan-right' : 'pan-left';
  return dy >= 0 ? 'pan-down' : 'pan-up';
}

/** How far the centre may move from the middle at a zoom, keeping the view inside the region. */
function roomAt(zoom: number): number {
  return 0.5 - 0.5 / zoom;
}

/** The view at t ∈ [0, 1] of the move. */
export function viewAt(kb: KenBurns, t: number): View {
  return {
    zoom: kb.from.zoom * (kb.to.zoom / kb.from.zoom) ** t,
    x: kb.from.x + (kb.to.x - kb.from.x) * t,
    y: kb.from.y + (kb.to.y - kb.from.y) * t,
  };
}

/**
 * The part of a source that the cover framing shows: centred, the frame's shape, even sizes.
 * The same rectangle as `coverCrop` in render-args, computed from known sizes.
 */
export function coverRegion(source: Frame, frame: Frame): Rect {
  const width = 2 * Math.trunc(Math.min(source.width, (source.height * frame.width) / frame.height) / 2);
  const height = 2 * Math.trunc(Math.min(source.height, (source.width * frame.height) / frame.width) / 2);
  return { x: 2 * Math.trunc((source.width - width) / 4), y: 2 * Math.trunc((source.height - height) / 4), width, height };
}

export interface MotionPiece {
  /** Display size of the source (after rotation). */
  source: Frame;
  /** The part of the source the motion moves within (coverRegion for cover framing, the whole source for a fitted foreground). */
  region: Rect;
  /** Size of the picture the chain produces. */
  out: Frame;
  motion: KenBurns;
  /** Frames the move spans: the piece's frames on screen, transition overlaps included. */
  frames: number;
  /** The first of those frames this chain renders (a transition's continuation starts past 0). */
  first?: number;
  /** How many it renders; the rest of the move by default. */
  count?: number;
}

/**
 * The integers of one frame on one axis: pass 1 size, crop 1 offset, pass 2 size, crop 2 offset,
 * and the errors they leave, in output pixels: at the centre (`offset`) and, from the scale, at
 * the picture's edge relative to the centre (`scale`).
 */
export interface AxisStep {
  a: number;
  x: number;
  c: number;
  x2: number;
  offset: number;
  scale: number;
}

/**
 * The graph that turns stream `[input]` into `[output]`: `out`-sized yuv420p frames following the
 * move. The three planes go their own ways as grey pictures (`extractplanes`): a grey plane may be
 * cut and sized at any whole pixel, where 4:2:0 would force even ones and leave the search a
 * quarter of the choices. Each plane: the two passes and crops, all sizes and offsets read per
 * frame from tables. Frame `n` of the stream is frame `first + n` of the move. `id` prefixes the
 * graph's inner labels, unique within the chunk's graph.
 */
export function kenBurnsGraph(p: MotionPiece, input: string, output: string, id: string): string {
  const first = p.first ?? 0;
  const count = p.count ?? p.frames - first;
  if (!(count > 0 && first >= 0 && first + count <= p.frames)) {
    throw new Error(`frames ${first}..${first + count} are outside the move's ${p.frames} frames`);
  }
  const r = p.region;
  const chroma: MotionPiece = { ...p, region: { x: r.x / 2, y: r.y / 2, width: r.width / 2, height: r.height / 2 }, out: { width: p.out.width / 2, height: p.out.height / 2 } };
  const c = planeChain(chroma, first, count);
  return [
    `[${input}]crop=w=${r.width}:h=${r.height}:x=${r.x}:y=${r.y}:exact=1,format=yuv420p,extractplanes=y+u+v[${id}y][${id}u][${id}v]`,
    `[${id}y]${planeChain(p, first, count)}[${id}Y]`,
    `[${id}u]${c}[${id}U]`,
    `[${id}v]${c}[${id}V]`,
    `[${id}Y][${id}U][${id}V]mergeplanes=0x001020:yuv420p[${output}]`,
  ].join(';');
}

/** One plane's passes (after the region crop), as a chain, for frames [first, first + count). */
function planeChain(p: MotionPiece, first: number, count: number): string {
  const { x: pW, y: pH } = firstCropSize(p);
  // Each frame's choice depends on the frames before it: a continuation is planned from frame 0 too.
  const steps = motionSteps(p, pW, pH, first + count).slice(first);
  const col = (f: (s: (typeof steps)[number]) => number) => `'${frameTable(steps.map(f))}'`;
  return [
    `scale=w=${col((s) => s.h.a)}:h=${col((s) => s.v.a)}:eval=frame:in_range=tv:out_range=tv`,
    `crop=w=${pW}:h=${pH}:x=${col((s) => s.h.x)}:y=${col((s) => s.v.x)}:exact=1`,
    `scale=w=${col((s) => s.h.c)}:h=${col((s) => s.v.c)}:eval=frame:in_range=tv:out_range=tv`,
    `crop=w=${p.out.width}:h=${p.out.height}:x=${col((s) => s.h.x2)}:y=${col((s) => s.v.x2)}:exact=1`,
    // scale keeps the picture's shape by adjusting the pixel aspect; the planes must agree to merge.
    'setsar=1',
  ].join(',');
}

/**
 * The first crop's size: the widest view at the frame's resolution, or at the source's when the
 * source has fewer pixels there (then pass 1 stays near 1:1 on the small picture and pass 2 is
 * the upscale the frame needs anyway).
 */
export function firstCropSize(p: Pick<MotionPiece, 'motion' | 'out' | 'region'>): { x: number; y: number } {
  const minZoom = Math.min(p.motion.from.zoom, p.motion.to.zoom);
  return { x: Math.max(1, Math.floor(Math.min(p.out.width, p.region.width / minZoom))), y: Math.max(1, Math.floor(Math.min(p.out.height, p.region.height / minZoom))) };
}

/** Both axes' integers for the move's first `count` frames, each axis tracked across frames. Exported for tests. */
export function motionSteps(p: MotionPiece, pW: number, pH: number, count = p.frames): { h: AxisStep; v: AxisStep }[] {
  const last = Math.max(1, p.frames - 1);
  const h = axisTracker(p.region.width, p.out.width, pW);
  const v = axisTracker(p.region.height, p.out.height, pH);
  return Array.from({ length: count }, (_, n) => {
    const view = viewAt(p.motion, n / last);
    const w = p.region.width / view.zoom;
    const ht = p.region.height / view.zoom;
    return { h: h(view.x * p.region.width - w / 2, w), v: v(view.y * p.region.height - ht / 2, ht) };
  });
}

/**
 * How much pass 2 may enlarge beyond its nominal ratio: the room the search draws fine ratios
 * from. 8 % reaches the precision of an unbounded search (bench/motion.ts) with a pass 2 at most
 * 9 % larger than the frame, where an unbounded one grows to 13 %.
 */
const PASS2_SLACK = 0.08;

/** Candidates further than this (output pixels, offset + scale error) from the ideal are not considered. */
const TOLERANCE = 0.2;

/**
 * Picks each frame's integers on one axis (region `r` px, output `out` px, first crop `p` px) for
 * a window [left, left + size) of the region, frame after frame. Of the candidates within
 * TOLERANCE of the ideal, it takes the one whose errors continue the last two frames' in a
 * straight line, damped towards zero: what the eye follows is how the picture moves from frame
 * to frame, so errors that drift slowly by a tenth of a pixel are invisible where ones that jump
 * by a twentieth shimmer. With no candidate that close (a view with almost no room), the nearest.
 */
export function axisTracker(r: number, out: number, p: number): (left: number, size: number) => AxisStep {
  let prev: AxisStep | null = null;
  let before: AxisStep | null = null;
  return (left, size) => {
    const aim = prev && before ? { offset: 0.9 * (2 * prev.offset - before.offset), scale: 0.9 * (2 * prev.scale - before.scale) } : (prev ?? { offset: 0, scale: 0 });
    const cost = (c: AxisStep) => Math.abs(c.offset - aim.offset) + Math.abs(c.scale - aim.scale) + 0.05 * (Math.abs(c.offset) + Math.abs(c.scale));
    let pick: AxisStep | null = null;
    for (const c of axisCandidates(r, out, p, left, size)) if (!pick || cost(c) < cost(pick)) pick = c;
    before = prev;
    prev = pick!;
    return pick!;
  };
}

/**
 * The integers that map `out` output pixels onto the window [left, left + size) of a region `r`
 * pixels long through a first crop `p` long: every pass 1 size that leaves the window room, with
 * the two pass 2 sizes nearest the ratio the window needs; for each, every second-crop offset with
 * the two first-crop offsets around the ideal. All within TOLERANCE, or the nearest when none is.
 * Exported for tests.
 */
export function axisCandidates(r: number, out: number, p: number, left: number, size: number): AxisStep[] {
  const want = size / out;
  const mid = left + size / 2;
  const found: AxisStep[] = [];
  let nearest: AxisStep | null = null;
  // The window fits pass 1's picture only while a ≤ p·r/size; past that c would have to be < out.
  const aMax = Math.max(p, Math.floor((p * r) / size));
  // Pass 1 carries the zoom; pass 2 may only add a few percent to its nominal ratio. Smaller pass 1
  // sizes would shrink the picture below the resolution the frame needs and enlarge it again.
  const aMin = Math.max(p, Math.ceil(aMax * (1 - PASS2_SLACK)));
  for (let a = aMin; a <= aMax; a++) {
    const cIdeal = (p * r) / (a * want);
    for (const c of [Math.floor(cIdeal), Math.floor(cIdeal) + 1]) {
      if (c < out) continue;
      const scale = (out / 2) * ((p * r) / (c * a) / want - 1);
      if (Math.abs(scale) > TOLERANCE && nearest && Math.abs(scale) >= Math.abs(nearest.offset) + Math.abs(nearest.scale)) continue;
      for (let x2 = 0; x2 <= c - out; x2++) {
        const xIdeal = (mid * a) / r - (x2 + out / 2) * (p / c);
        const lo = clamp(Math.floor(xIdeal), 0, a - p);
        const hi = clamp(Math.floor(xIdeal) + 1, 0, a - p);
        for (const x of lo === hi ? [lo] : [lo, hi]) {
          const step = { a, x, c, x2, offset: (x - xIdeal) * (c / p), scale };
          const e = Math.abs(step.offset) + Math.abs(scale);
          if (e <= TOLERANCE) found.push(step);
          if (!nearest || e < Math.abs(nearest.offset) + Math.abs(nearest.scale)) nearest = step;
        }
      }
    }
  }
  if (!nearest) throw new Error(`no pass sizes for a ${size.toFixed(2)} px window of a ${r} px region into ${out} px`);
  return found.length ? found : [nearest];
}

/**
 * An ffmpeg expression of the frame number `n` giving values[n]: runs of equal values as leaves
 * of a balanced tree of comparisons (depth log2 of the runs; a chain of ifs as deep as the piece
 * is long would strain the parser). Commas escaped for a quoted filter option.
 */
export function frameTable(values: number[]): string {
  const runs: { end: number; v: number }[] = [];
  values.forEach((v, i) => {
    const last = runs.at(-1);
    if (last && last.v === v) last.end = i + 1;
    else runs.push({ end: i + 1, v });
  });
  const tree = (lo: number, hi: number): string => {
    if (lo === hi) return String(runs[lo]!.v);
    const mid = (lo + hi) >> 1;
    return `if(lt(n\\,${runs[mid]!.end})\\,${tree(lo, mid)}\\,${tree(mid + 1, hi)})`;
  };
  return runs.length ? tree(0, runs.length - 1) : '0';
}

function clamp(v: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, v));
}
