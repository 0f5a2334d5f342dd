// Captions for one narration: the burned-in ASS and the WebVTT/SRT sidecars, from the same lines.
import type { CaptionLook } from '../../domain/look.ts';
import type { CaptionOptions } from '../../domain/video-request.ts';

import { assDocument, type AssPart } from './ass-document.ts';
import { captionPart, EMPHASIS_SCALE, type CaptionDraw } from './ass.ts';
import { captionFont, type CaptionFont } from './fonts.ts';
import { fontSizePx, layoutLines, safeArea, type CaptionLine, type CaptionWord } from './layout.ts';
import { resolveLook } from './looks.ts';
import { buildSrt, buildVtt } from './sidecars.ts';
import type { Frame, WordTiming } from '../../domain/media.ts';

export interface Captions {
  ass: string;
  /** The captions' styles and events, to draw in one document with the overlays (media/overlays). */
  part: AssPart;
  vtt: string;
  srt: string;
  font: CaptionFont;
  look: CaptionLook;
  lines: CaptionLine[];
}

/** What the captions draw beyond their options; every field has the look captions always had as its default. */
export interface CaptionExtras {
  look?: CaptionLook;
  /** Per word of `words`: drawn emphasised (language/emphasis.ts decides). */
  emphasis?: readonly boolean[];
  reserveV?: number;
  notBeforeS?: number;
}

export function buildCaptions(
  words: WordTiming[],
  sentenceEnds: number[],
  durationS: number,
  opts: CaptionOptions,
  frame: Frame,
  language?: string,
  extras: CaptionExtras = {},
): Captions | null {
  const look = extras.look ?? resolveLook(opts.style);
  const font = captionFont(words.map((w) => w.text).join(' '), language, look.font);
  const size = fontSizePx(frame, opts.font_size) * font.sizeScale;
  const safe = safeArea(frame);
  const maxWidth = frame.width * (1 - safe.left - safe.right);
  const marked: CaptionWord[] = extras.emphasis ? words.map((w, i) => (extras.emphasis![i] ? { ...w, emphasis: true } : w)) : words;
  const lines = layoutLines(marked, sentenceEnds, opts, font, size, maxWidth, durationS, { uppercase: look.uppercase, language, emphasisScale: EMPHASIS_SCALE / 100 });
  if (lines.length === 0) return null;
  const draw: CaptionDraw = { look, language, ...(extras.reserveV ? { reserveV: extras.reserveV } : {}), ...(extras.notBeforeS ? { notBeforeS: extras.notBeforeS } : {}) };
  const part = captionPart(lines, opts, frame, font, draw);
  return { ass: assDocument(frame, [part]), part, vtt: buildVtt(lines), srt: buildSrt(lines), font, look, lines };
}

export { captionFont, writingSystemOf, FONT_PACKAGES, FACES } from './fonts.ts';
export { resolveLook, LOOKS } from './looks.ts';
export type { CaptionFont, WritingSystem } from './fonts.ts';
export type { CaptionLine, CaptionWord } from './layout.ts';
