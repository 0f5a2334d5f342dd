// The progress bar: a thin track across the safe area with a fill that grows from the left over
// the whole video. libass draws the fill at every frame from that frame's time in the whole
// video (\t scales it from 0 to full width between the first and the last frame), so a chunk
// draws exactly what a lone render would at the same frame and the bar runs on across joins. Pure.
import type { ProgressBarSpec } from '../../domain/look.ts';
import { frameAlignedCs, type AssPart } from '../captions/ass-document.ts';
import { assBgr } from '../captions/looks.ts';
import { OUTPUT_FPS } from '../chunks.ts';
import type { Rect } from './screen.ts';

/** The track: white at 35 % under the fill. */
const TRACK = { colour: 'FFFFFF', alpha: 'A6' } as const;

export function progressBarPart(bar: ProgressBarSpec, rect: Rect, durationS: number, fps: number = OUTPUT_FPS): AssPart {
  const w = rect.x1 - rect.x0;
  const h = rect.y1 - rect.y0;
  const shape = `m 0 0 l ${w} 0 ${w} ${h} 0 ${h}`;
  const at = `\\an7\\pos(${rect.x0},${rect.y0})`;
  // Full at the last frame: the fill's time runs from frame 0 to the last frame's time.
  const lastFrameMs = Math.max(1, Math.round(((Math.round(durationS * fps) - 1) / fps) * 1000));
  const endCs = frameAlignedCs(durationS, fps) + 1;
  return {
    styles: [
      { name: 'Bar', family: 'Noto Sans', size: 20, bold: false, primary: `&H00${assBgr(bar.colour)}`, secondary: '&H00FFFFFF', outlineColour: '&H00000000', back: '&H00000000', borderStyle: 1, outline: 0, shadow: 0, alignment: 7, marginL: 0, marginR: 0, marginV: 0 },
    ],
    events: [
      { layer: 3, startCs: 0, endCs, style: 'Bar', text: `{${at}\\1c&H${TRACK.colour}&\\1a&H${TRACK.alpha}&\\p1}${shape}` },
      { layer: 4, startCs: 0, endCs, style: 'Bar', text: `{${at}\\fscx0\\t(0,${lastFrameMs},\\fscx100)\\p1}${shape}` },
    ],
  };
}

/** The fill's width in pixels at frame `n` of a video of `durationS`, as libass draws it (for tests and the studio's preview). */
export function progressAt(n: number, rect: Rect, durationS: number, fps: number = OUTPUT_FPS): number {
  const last = Math.max(1, Math.round(durationS * fps) - 1);
  return Math.min(1, Math.max(0, n / last)) * (rect.x1 - rect.x0);
}
