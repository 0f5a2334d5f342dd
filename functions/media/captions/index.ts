// Captions for one narration: the burned-in ASS and the WebVTT/SRT sidecars, from the same lines.
import type { CaptionOptions } from '../../domain/video-request.ts';

import { assScript, assText, type AssScript } from './ass.ts';
import { captionFont, type CaptionFont } from './fonts.ts';
import { fontSizePx, layoutLines, safeArea, type CaptionLine } from './layout.ts';
import { buildSrt, buildVtt } from './sidecars.ts';
import type { Frame, WordTiming } from '../../domain/media.ts';

export interface Captions {
  ass: string;
  /** The same ASS as its head and timed events, for a render that draws it a span at a time. */
  script: AssScript;
  vtt: string;
  srt: string;
  font: CaptionFont;
  lines: CaptionLine[];
}

export function buildCaptions(
  words: WordTiming[],
  sentenceEnds: number[],
  durationS: number,
  opts: CaptionOptions,
  frame: Frame,
  language?: string,
): Captions | null {
  const font = captionFont(words.map((w) => w.text).join(' '), language, opts.style === 'boxed' || opts.style === 'pop');
  const size = fontSizePx(frame, opts.font_size) * font.sizeScale;
  const safe = safeArea(frame);
  const maxWidth = frame.width * (1 - safe.left - safe.right);
  const lines = layoutLines(words, sentenceEnds, opts, font, size, maxWidth, durationS);
  if (lines.length === 0) return null;
  const script = assScript(lines, opts, frame, font);
  return { ass: assText(script.head, script.events.map((e) => e.line)), script, vtt: buildVtt(lines), srt: buildSrt(lines), font, lines };
}

export { captionFont, writingSystemOf, FONT_PACKAGES } from './fonts.ts';
export type { CaptionFont, WritingSystem } from './fonts.ts';
export type { AssEvent, AssScript } from './ass.ts';
export type { CaptionLine } from './layout.ts';
