// Transitions between consecutive pieces. A transition overlaps two pieces; it never adds time:
// the outgoing piece's clip plays on for the transition's frames (its "tail") under the first
// frames of the incoming piece, which starts exactly where its cut would. So the video's length,
// the voice and every caption stay where they are, and every frame outside a transition is the
// frame of the cut version. Pure builders of filter-graph text.
import type { Frame } from '../domain/media.ts';
import type { TransitionType } from '../domain/visuals.ts';
import { OUTPUT_FPS } from './chunks.ts';

export { TRANSITION_TYPES, type TransitionType } from '../domain/visuals.ts';

/** A transition into a piece: `frames` of overlap with the piece before it. */
export interface Transition {
  type: Exclude<TransitionType, 'cut'>;
  frames: number;
}

/** A transition's frames from its duration: whole frames, at least 2 (a one-frame blend is a cut). */
export function transitionFrames(durationS: number, fps = OUTPUT_FPS): number {
  return Math.max(2, Math.round(durationS * fps));
}

/** How far the zoom transition pushes in (outgoing) and pulls back from (incoming). */
const ZOOM_PUSH = 0.35;
/** Whip: how far frames are squeezed sideways in the transition's middle third (a motion blur about that many pixels long). */
const WHIP_SQUEEZE = 24;

export interface Stream {
  label: string;
  /** Frames the stream holds, its tail under the next transition included. */
  frames: number;
}

/**
 * Joins streams in order into `[output]`: runs of cuts through one `concat`; at a transition, the
 * last `frames` of everything before it and the first `frames` of the next stream are cut out
 * (split + trim, which pass frames by reference), blended by the transition, and put back between
 * the two by `concat`, so the blending filters see the transition's frames only. `enter[i]` is the
 * transition into `streams[i]` (null: a cut; `enter[0]` is unused). Every stream must be
 * `frame`'s size, yuv420p, 30 fps, timestamps from 0. `id` prefixes inner labels.
 */
export function joinGraph(streams: Stream[], enter: (Transition | null)[], frame: Frame, output: string, id: string): string {
  if (streams.length === 0) throw new Error('nothing to join');
  const parts: string[] = [];
  let n = 0;
  const label = () => `${id}j${n++}`;
  /** Segments of what is joined so far, to be concatenated in order. */
  let run: string[] = [streams[0]!.label];
  let accFrames = streams[0]!.frames;
  const joined = () => {
    if (run.length === 1) return run[0]!;
    const out = label();
    // concat's output counts time in microseconds, and gives a one-frame segment no duration (the
    // next one starts on the same timestamp): each frame is stamped anew by its number, in the
    // pieces' 1/30 s.
    parts.push(`${run.map((l) => `[${l}]`).join('')}concat=n=${run.length}:v=1:a=0,settb=1/${OUTPUT_FPS},setpts=N[${out}]`);
    return out;
  };
  for (let i = 1; i < streams.length; i++) {
    const s = streams[i]!;
    const t = enter[i] ?? null;
    if (!t) {
      run.push(s.label);
      accFrames += s.frames;
      continue;
    }
    if (t.frames > accFrames || t.frames > s.frames) {
      throw new Error(`a ${t.frames}-frame transition needs that many frames on both sides (before: ${accFrames}, after: ${s.frames})`);
    }
    const at = accFrames - t.frames;
    const before = joined();
    const [head, outgoing] = cut(before, accFrames, at, parts, label);
    const [incoming, rest] = cut(s.label, s.frames, t.frames, parts, label);
    const blend = label();
    parts.push(...transitionGraph(t, outgoing!, incoming!, blend, `${blend}_`, frame));
    run = [head, blend, rest].filter((l): l is string => l !== null);
    accFrames = at + s.frames;
  }
  parts.push(`[${joined()}]null[${output}]`);
  return parts.join(';');
}

/** Splits a stream of `frames` frames at frame `at` into the frames before it and those from it (null for an empty side). */
function cut(stream: string, frames: number, at: number, parts: string[], label: () => string): [string | null, string | null] {
  if (at === 0) return [null, stream];
  if (at === frames) return [stream, null];
  const head = label();
  const tail = label();
  parts.push(`[${stream}]split=2[${head}a][${tail}a]`, `[${head}a]trim=end_frame=${at}[${head}]`, `[${tail}a]trim=start_frame=${at},setpts=PTS-STARTPTS[${tail}]`);
  return [head, tail];
}

/**
 * One transition over two streams of `t.frames` frames each: `[a]`, the outgoing tail, into `[b]`,
 * the incoming head. Frame k shows k/frames of `b` (the first frame is still all `a`, as with
 * xfade). Built from filters that copy or use SIMD code: xfade computes every pixel in float and
 * costs ~13 ms a 1080x1920 frame where the dissolve below costs ~3 and the slide ~2.
 */
function transitionGraph(t: Transition, a: string, b: string, out: string, id: string, frame: Frame): string[] {
  const d = t.frames;
  // The incoming picture over the outgoing one, its alpha rising by 1/d a frame from 0.
  const dissolve = (from: string, to: string, into: string) => [
    `[${to}]format=yuva420p,fade=t=in:s=0:n=${d}:alpha=1[${id}f]`,
    `[${from}][${id}f]overlay=format=yuv420,format=yuv420p[${into}]`,
  ];
  // Both pictures side by side, and a frame-wide window moving across them: a push to the left.
  const push = (into: string) => `[${a}][${b}]hstack=inputs=2,crop=w=${frame.width}:h=${frame.height}:x='${frame.width}*n/${d}':y=0[${into}]`;
  switch (t.type) {
    case 'fade':
      return dissolve(a, b, out);
    case 'slide':
      return [push(out)];
    case 'zoom': {
      // The outgoing picture pushes in faster and faster, the incoming one settles from the same
      // push, and they dissolve: a move this fast hides whole-pixel steps.
      const outF = `1+${ZOOM_PUSH}*pow(n/${d}\\,2)`;
      const inF = `1+${ZOOM_PUSH}*pow(1-n/${d}\\,2)`;
      return [`[${a}]${zoomChain(outF, frame)}[${id}a]`, `[${b}]${zoomChain(inF, frame)}[${id}b]`, ...dissolve(`${id}a`, `${id}b`, out)];
    }
    case 'whip': {
      // A fast push smeared sideways, most in its middle third: frames squeezed to a fraction of
      // their width and stretched back, the cheapest horizontal blur there is (a blur filter holds
      // full-frame float buffers for the whole chunk). Each stretch of frames gets its own fixed
      // squeeze: a scale whose input changes size mid-stream draws garbage.
      const third = Math.max(1, Math.round(d / 3));
      const spans = [
        { from: 0, to: 1, squeeze: 1 },
        { from: 1, to: third, squeeze: WHIP_SQUEEZE / 4 },
        { from: third, to: d - third, squeeze: WHIP_SQUEEZE },
        { from: d - third, to: d, squeeze: WHIP_SQUEEZE / 4 },
      ].filter((x) => x.to > x.from);
      const narrow = (k: number) => Math.max(16, 2 * Math.round(frame.width / k / 2));
      const branches = spans.map((x, i) => {
        const smear = x.squeeze > 1 ? `,scale=w=${narrow(x.squeeze)}:h=${frame.height},scale=w=${frame.width}:h=${frame.height}:flags=bilinear` : '';
        return `[${id}w${i}]trim=start_frame=${x.from}:end_frame=${x.to},setpts=PTS-STARTPTS${smear}[${id}v${i}]`;
      });
      return [
        push(`${id}s`),
        `[${id}s]split=${spans.length}${spans.map((_, i) => `[${id}w${i}]`).join('')}`,
        ...branches,
        `${spans.map((_, i) => `[${id}v${i}]`).join('')}concat=n=${spans.length}:v=1:a=0,settb=1/${OUTPUT_FPS},setpts=N[${out}]`,
      ];
    }
  }
}

/**
 * Scales each frame by the factor expression `f` of its number `n` about the centre and crops
 * back to the frame. A factor of 1 is a pass-through: outside the transition this costs nothing.
 */
function zoomChain(f: string, frame: Frame): string {
  const w = `2*round(${frame.width}*(${f})/2)`;
  const h = `2*round(${frame.height}*(${f})/2)`;
  // crop's in_w is the size it was set up with, not the frame's: the centring is computed here.
  return `scale=w='${w}':h='${h}':eval=frame,crop=w=${frame.width}:h=${frame.height}:x='(${w}-${frame.width})/2':y='(${h}-${frame.height})/2'`;
}
