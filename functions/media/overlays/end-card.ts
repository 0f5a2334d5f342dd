// The end card: a call to action ("Follow for part 2") over the last seconds, rising into place.
// With `extendS` the video runs that long past the narration: the last clip goes on, the music
// goes on (the voice is padded with silence), the captions have already stopped. Pure.
import type { CaptionLook, EndCardSpec } from '../../domain/look.ts';
import type { Frame, Segment } from '../../domain/media.ts';
import { OUTPUT_FPS } from '../chunks.ts';
import { frameAlignedCs, type AssPart } from '../captions/ass-document.ts';
import type { Rect } from './screen.ts';
import { fitTitle, titleGlow, titleStyle, titleText } from './title.ts';

export const END_CARD_MAX_SCALE = 1.5;
export const END_CARD_DEFAULT_S = 3;

/** The video's length: the narration, plus the end card's extension. */
export function videoDurationS(narrationS: number, endCard: EndCardSpec | null): number {
  return narrationS + (endCard?.extendS ?? 0);
}

/** When the end card shows, in the whole video's seconds (it never starts before 0). */
export function endCardWindow(narrationS: number, endCard: EndCardSpec): { startS: number; endS: number } {
  const endS = videoDurationS(narrationS, endCard);
  return { startS: Math.max(0, endS - endCard.durationS), endS };
}

/** The timeline for a longer video: the last piece plays on for `extendS` (its source loops if it ends, as inputArgs does). */
export function extendTimeline(segments: Segment[], extendS: number): Segment[] {
  if (extendS <= 0 || segments.length === 0) return segments;
  const last = segments.at(-1)!;
  return [...segments.slice(0, -1), { ...last, duration: last.duration + extendS }];
}

export function endCardPart(endCard: EndCardSpec, narrationS: number, box: Rect, frame: Frame, look: CaptionLook, language: string | undefined, fps: number = OUTPUT_FPS): AssPart {
  const fitted = fitTitle(endCard.text, endCard.emphasis, box, frame, look, language, END_CARD_MAX_SCALE);
  const { startS, endS } = endCardWindow(narrationS, endCard);
  const cx = Math.round((box.x0 + box.x1) / 2);
  const cy = Math.round((box.y0 + box.y1) / 2);
  const rise = Math.round(frame.height * 0.04);
  const move = `\\an5\\move(${cx},${cy + rise},${cx},${cy},0,300)\\fad(250,0)`;
  const glow = titleGlow(frame, look);
  return {
    styles: [titleStyle('EndCard', fitted, look)],
    events: [{ layer: 2, startCs: frameAlignedCs(startS, fps), endCs: frameAlignedCs(endS, fps) + 1, style: 'EndCard', text: `{${move}${glow}}${titleText(fitted, look)}` }],
  };
}
