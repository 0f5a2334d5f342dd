// How a source fills the frame: `cover` crops it to the frame's shape (never bars), `blur` shows
// all of it over a blurred, darkened, cover-cropped copy of itself (the look landscape footage
// gets in vertical video). Either may move (motion.ts). Pure builders of filter-graph text.
import type { Frame } from '../domain/media.ts';
import type { Framing } from '../domain/visuals.ts';
import { coverCrop } from './render-args.ts';
import { coverRegion, kenBurnsGraph, type KenBurns, type Rect } from './motion.ts';

export { FRAMINGS, type Framing } from '../domain/visuals.ts';

/**
 * Shapes closer than this (relative difference of aspect ratios) fill the frame either way: a
 * 1920x1080 source in a 16:9 frame, a 1080x1920 one in 9:16. Blur framing then draws no bars,
 * only the cover picture, and costs nothing extra.
 */
const SAME_SHAPE = 0.02;

/** The background is blurred at this fraction of the frame's size, then scaled back up: blur is cheap on a small picture. */
const BLUR_DOWNSCALE = 8;
/** What the blurred copy keeps of its brightness and colour, so the sharp picture stands out. */
const BACKDROP_LEVEL = 0.55;
const BACKDROP_SATURATION = 0.8;

/** Whether the whole source, fitted inside the frame, leaves bars to fill. */
export function leavesBars(source: Frame, frame: Frame): boolean {
  const a = source.width / source.height;
  const b = frame.width / frame.height;
  return Math.abs(a / b - 1) > SAME_SHAPE;
}

/** The whole source fitted inside the frame and centred: even sizes and offsets, as 4:2:0 needs. */
export function fitBox(source: Frame, frame: Frame): Rect {
  const scale = Math.min(frame.width / source.width, frame.height / source.height);
  const width = Math.min(frame.width, Math.max(2, 2 * Math.round((source.width * scale) / 2)));
  const height = Math.min(frame.height, Math.max(2, 2 * Math.round((source.height * scale) / 2)));
  return { x: 2 * Math.floor((frame.width - width) / 4), y: 2 * Math.floor((frame.height - height) / 4), width, height };
}

export interface Picture {
  /** Display size of the source (after rotation). */
  source: Frame;
  frame: Frame;
  framing: Framing;
  motion: KenBurns | null;
  /** Frames the motion spans (the piece on screen, transition overlaps included). */
  frames: number;
  /** The first of those frames this graph renders, and how many (a transition's continuation renders the tail). */
  first?: number;
  count?: number;
}

/**
 * The graph from `[input]` (the source at 30 fps) to `[output]`: frame-sized yuv420p with square
 * pixels, framed and moving as asked. `id` prefixes inner labels, unique within the chunk's graph.
 */
export function pictureGraph(p: Picture, input: string, output: string, id: string): string {
  const { frame } = p;
  const tail = `setsar=1,format=yuv420p[${output}]`;
  if (p.framing === 'cover' || !leavesBars(p.source, frame)) {
    if (!p.motion) return `[${input}]${coverCrop(frame.width, frame.height)},scale=w=${frame.width}:h=${frame.height},${tail}`;
    return `${kenBurnsGraph(move(p, coverRegion(p.source, frame), frame), input, `${id}m`, `${id}k`)};[${id}m]${tail}`;
  }
  const box = fitBox(p.source, frame);
  const fg = p.motion
    ? kenBurnsGraph(move(p, wholeSource(p.source), { width: box.width, height: box.height }), input, `${id}f`, `${id}k`)
    : `[${input}]scale=w=${box.width}:h=${box.height}[${id}f]`;
  // The backdrop is drawn from the fitted picture, not the source: a few hundred thousand pixels
  // to read instead of the source's millions, and it moves with the picture.
  return [fg, `[${id}f]split=2[${id}F][${id}b]`, `[${id}b]${backdrop(frame)}[${id}B]`, `[${id}B][${id}F]overlay=x=${box.x}:y=${box.y}:format=yuv420,${tail}`].join(';');
}

/**
 * The blurred backdrop as a chain from the fitted picture: cover-cropped to the frame's shape,
 * shrunk to an eighth of the frame, box-blurred twice (close to a Gaussian), dimmed and a little
 * desaturated on the small picture, then scaled back up with a cheap bilinear filter (nothing
 * sharp is left to lose).
 */
export function backdrop(frame: Frame): string {
  const even = (v: number) => Math.max(2, 2 * Math.round(v / 2));
  const w = even(frame.width / BLUR_DOWNSCALE);
  const h = even(frame.height / BLUR_DOWNSCALE);
  const radius = Math.max(1, Math.round(Math.min(w, h) / 12));
  const chroma = Math.max(1, Math.min(radius, Math.floor(Math.min(w, h) / 4) - 1));
  const y = `16+(val-16)*${BACKDROP_LEVEL}`;
  const c = `128+(val-128)*${BACKDROP_SATURATION}`;
  return [
    coverCrop(frame.width, frame.height),
    `scale=w=${w}:h=${h}`,
    'format=yuv420p',
    `boxblur=luma_radius=${radius}:luma_power=2:chroma_radius=${chroma}:chroma_power=2`,
    `lutyuv=y='${y}':u='${c}':v='${c}'`,
    `scale=w=${frame.width}:h=${frame.height}:flags=bilinear`,
  ].join(',');
}

function move(p: Picture, region: Rect, out: Frame) {
  return { source: p.source, region, out, motion: p.motion!, frames: p.frames, ...(p.first !== undefined ? { first: p.first } : {}), ...(p.count !== undefined ? { count: p.count } : {}) };
}

/** The whole source as a motion region (even sizes, so the odd last row or column of an odd-sized source is left out). */
function wholeSource(source: Frame): Rect {
  return { x: 0, y: 0, width: 2 * Math.floor(source.width / 2), height: 2 * Math.floor(source.height / 2) };
}
