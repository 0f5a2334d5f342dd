// Transitions between consecutive pieces. A transition overlaps two pieces; it never adds time:
// the outgoing piece's clip plays on for the transition's frames (its "tail") under the first
// frames of the incoming piece, which starts exactly where its cut would. So the video's length,
// the voice and every caption stay where they are, and every frame outside a transition is the
// frame of the cut version. Pure builders of filter-graph text.
import type { Frame } from '../domain/media.ts';
import { OUTPUT_FPS } from './chunks.ts';

export const TRANSITION_TYPES = ['cut', 'fade', 'slide', 'zoom', 'whip'] as const;
export type TransitionType = (typeof TRANSITION_TYPES)[number];

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
/** Whip: the horizontal motion blur at the transition's ends and, stronger, in its middle third (pixels of a 1080-wide frame). */
const WHIP_BLUR = [24, 64] as const;

export interface Stream {
  label: string;
  /** Frames the stream holds, its tail under the next transition included. */
  frames: number;
}

/**
 * Joins streams in order into `[output]`: runs of cuts through one `concat`, each transition
 * through `xfade` over the last `frames` of everything before it and the first of the next
 * stream. `enter[i]` is the transition into `streams[i]` (null: a cut; `enter[0]` is unused).
 * Every stream must be `frame`'s size, yuv420p, 30 fps, timestamps from 0. `id` prefixes inner
 * labels.
 */
export function joinGraph(streams: Stream[], enter: (Transition | null)[], frame: Frame, output: string, id: string): string {
  if (streams.length === 0) throw new Error('nothing to join');
  const parts: string[] = [];
  let acc = streams[0]!.label;
  let accFrames = streams[0]!.frames;
  let run: string[] = [acc];
  let n = 0;
  const label = () => `${id}j${n++}`;
  const flush = () => {
    if (run.length > 1) {
      const out = label();
      parts.push(`${run.map((l) => `[${l}]`).join('')}concat=n=${run.length}:v=1:a=0[${out}]`);
      acc = out;
    }
    run = [];
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
    flush();
    const at = accFrames - t.frames;
    const out = label();
    parts.push(...transitionGraph(t, acc, s.label, at, out, `${out}_`, frame));
    acc = out;
    run = [acc];
    accFrames = at + s.frames;
  }
  flush();
  parts.push(`[${acc}]null[${output}]`);
  return parts.join(';');
}

/** Seconds for xfade, exact to the frame: xfade rounds them back onto the 1/30 s grid. */
const secs = (frames: number) => (frames / OUTPUT_FPS).toFixed(6);

/**
 * One transition: `[a]` (whose last `t.frames` frames, from `at`, are the outgoing tail) into
 * `[b]`. xfade's first blended frame is still all `a` and its progress falls linearly to `b`.
 */
function transitionGraph(t: Transition, a: string, b: string, at: number, out: string, id: string, frame: Frame): string[] {
  const xfade = (kind: string, from: string, to: string, into: string) =>
    `[${from}][${to}]xfade=transition=${kind}:duration=${secs(t.frames)}:offset=${secs(at)}[${into}]`;
  switch (t.type) {
    case 'fade':
      return [xfade('fade', a, b, out)];
    case 'slide':
      return [xfade('slideleft', a, b, out)];
    case 'zoom': {
      // The outgoing picture pushes in faster and faster, the incoming one settles from the same
      // push, and they dissolve: a move this fast hides whole-pixel steps.
      const outF = `if(gte(n\\,${at})\\,1+${ZOOM_PUSH}*pow((n-${at})/${t.frames}\\,2)\\,1)`;
      const inF = `if(lt(n\\,${t.frames})\\,1+${ZOOM_PUSH}*pow(1-n/${t.frames}\\,2)\\,1)`;
      return [`[${a}]${zoomChain(outF, frame)}[${id}a]`, `[${b}]${zoomChain(inF, frame)}[${id}b]`, xfade('fade', `${id}a`, `${id}b`, out)];
    }
    case 'whip': {
      // A fast slide with horizontal motion blur, strongest mid-way.
      const scale = frame.width / 1080;
      const [soft, hard] = WHIP_BLUR.map((r) => Math.max(2, Math.round(r * scale)));
      const third = Math.max(1, Math.round(t.frames / 3));
      const whole = `between(n\\,${at + 1}\\,${at + t.frames - 1})`;
      const middle = `between(n\\,${at + third}\\,${at + t.frames - third})`;
      return [
        xfade('slideleft', a, b, `${id}s`),
        `[${id}s]avgblur=sizeX=${soft}:sizeY=1:enable='${whole}',avgblur=sizeX=${hard}:sizeY=1:enable='${middle}'[${out}]`,
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
