// Where captions go and how big they are, and how words group into caption lines. Pure.
import type { CaptionOptions } from '../../domain/video-request.ts';

import type { CaptionFont } from './fonts.ts';
import type { Frame, WordTiming } from '../../domain/media.ts';

/** Fractions of the frame the platform UI covers; captions stay out of them. */
export interface SafeArea {
  top: number;
  bottom: number;
  left: number;
  right: number;
}

/**
 * TikTok, Reels and Shorts all overlay the lower fifth to quarter of a vertical video (caption,
 * account name, music ticker), a column of buttons on the right, and a header on top; the union
 * is roughly these insets. Square and landscape videos play in feeds with far less overlay.
 */
export function safeArea(frame: Frame): SafeArea {
  if (frame.height > frame.width * 1.3) return { top: 0.14, bottom: 0.25, left: 0.06, right: 0.15 };
  return { top: 0.08, bottom: 0.1, left: 0.06, right: 0.06 };
}

/**
 * Default caption size: 9 % of the short side (97 on a 1080-wide portrait frame, an em of about
 * 70 px: the bold, few-words-at-a-time look of short-form video), scaled by font_size.
 */
export function fontSizePx(frame: Frame, scale: number): number {
  return Math.round(0.09 * Math.min(frame.width, frame.height) * scale);
}

/** A word of the narration as captions draw it: `emphasis` marks it (script marks or `emphasis: "auto"`). */
export interface CaptionWord extends WordTiming {
  emphasis?: boolean;
}

export interface CaptionLine {
  words: CaptionWord[];
  /** Seconds, when the line appears and disappears. */
  start: number;
  end: number;
  text: string;
}

/** A gap in speech longer than this starts a new caption line. */
const PAUSE_BREAK_S = 0.8;
/** A line stays up this long after its last word when no other line follows soon. */
const HOLD_S = 0.4;
/** Lines closer than this are joined in time so the caption does not blink off and on. */
const BRIDGE_S = 0.6;

export function joinWords(words: readonly { text: string }[], font: CaptionFont): string {
  return words.map((w) => w.text).join(font.noSpaces ? '' : ' ');
}

/** A full-width (CJK) glyph is one em: about 0.72 of the ASS size with Noto Sans CJK. */
const FULL_WIDTH = 0.72;

/** Estimated drawn width of a text at a font size, in pixels (bold, with outline); capitals are wider. */
export function estimateWidthPx(text: string, font: Pick<CaptionFont, 'charWidth' | 'capWidth'>, sizePx: number): number {
  let units = 0;
  for (const ch of text) {
    // Full-width forms take a whole em even inside a Latin line.
    units += /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}\u3000-\u303f\uff00-\uffef]/u.test(ch)
      ? FULL_WIDTH
      : ch === ' '
        ? 0.2
        : /\p{Lu}/u.test(ch)
          ? font.capWidth
          : font.charWidth;
  }
  return units * sizePx;
}

/** How the words of a line are drawn, for width estimates: upper-cased, emphasised ones larger. */
export interface LineMeasure {
  uppercase?: boolean;
  language?: string | undefined;
  /** An emphasised word's size relative to the others. */
  emphasisScale?: number;
}

/** Estimated drawn width of a line of words. */
export function lineWidthPx(words: readonly CaptionWord[], font: CaptionFont, sizePx: number, m: LineMeasure = {}): number {
  const gap = font.noSpaces ? 0 : estimateWidthPx(' ', font, sizePx);
  return words.reduce((sum, w, i) => {
    const text = m.uppercase ? w.text.toLocaleUpperCase(m.language) : w.text;
    return sum + (i > 0 ? gap : 0) + estimateWidthPx(text, font, sizePx) * (w.emphasis ? (m.emphasisScale ?? 1) : 1);
  }, 0);
}

/**
 * Groups words into lines: at most `max_words_per_line`, never across a sentence end or a long
 * pause, a clause mark ends a line that is already half full, and no line wider than the safe
 * area (estimated) unless a single word is.
 */
export function layoutLines(
  words: CaptionWord[],
  sentenceEnds: number[],
  opts: Pick<CaptionOptions, 'max_words_per_line'>,
  font: CaptionFont,
  sizePx: number,
  maxWidthPx: number,
  durationS: number,
  measure: LineMeasure = {},
): CaptionLine[] {
  const ends = new Set(sentenceEnds);
  const groups: CaptionWord[][] = [];
  let cur: CaptionWord[] = [];
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    if (!w.text.trim()) continue;
    if (cur.length > 0) {
      const prev = cur[cur.length - 1]!;
      const full = cur.length >= opts.max_words_per_line;
      const pause = w.start - prev.end > PAUSE_BREAK_S;
      const tooWide = lineWidthPx([...cur, w], font, sizePx, measure) > maxWidthPx;
      const clause = /[,;:\u2013\u2014\u3001\uff0c\uff1b\uff1a\u060c\u061b]$/u.test(prev.text) && cur.length >= Math.ceil(opts.max_words_per_line / 2);
      if (full || pause || tooWide || clause) {
        groups.push(cur);
        cur = [];
      }
    }
    cur.push(w);
    if (ends.has(i + 1)) {
      groups.push(cur);
      cur = [];
    }
  }
  if (cur.length > 0) groups.push(cur);

  const lines: CaptionLine[] = [];
  for (let g = 0; g < groups.length; g++) {
    const ws = groups[g]!;
    const next = groups[g + 1]?.[0];
    const start = Math.max(0, ws[0]!.start);
    const lastEnd = Math.max(ws[ws.length - 1]!.end, start);
    let end = next ? (next.start - lastEnd <= BRIDGE_S ? next.start : lastEnd + HOLD_S) : lastEnd + HOLD_S;
    end = Math.min(end, durationS);
    if (end <= start) end = Math.min(durationS, start + 0.1);
    if (end <= start) continue;
    lines.push({ words: ws, start, end, text: joinWords(ws, font) });
  }
  return lines;
}
