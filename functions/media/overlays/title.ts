// A large title in a box of the frame (the hook over the first seconds, the end card's call to
// action over the last): the look's face where it draws the script (Noto otherwise), broken into
// lines by words and sized to fit the box, emphasised words in the emphasis colour. Pure.
import type { CaptionLook } from '../../domain/look.ts';
import type { Frame } from '../../domain/media.ts';
import { splitWords } from '../../domain/text.ts';
import { escapeAssText, type AssStyleDef } from '../captions/ass-document.ts';
import { EMPHASIS_SCALE } from '../captions/ass.ts';
import { captionFont, type CaptionFont } from '../captions/fonts.ts';
import { estimateWidthPx, fontSizePx, lineWidthPx, type CaptionWord } from '../captions/layout.ts';
import { assBgr } from '../captions/looks.ts';
import type { Rect } from './screen.ts';

export interface FittedTitle {
  font: CaptionFont;
  /** The ASS font size. */
  size: number;
  /** Words per line, in reading order. */
  lines: CaptionWord[][];
}

/** At most this many lines; the size comes down until the text fits in them. */
const MAX_LINES = 3;
/** Line height as a multiple of the ASS size (libass: ascender + descender = the size, plus outline). */
const LINE_HEIGHT = 1.15;

/**
 * The largest size, from `maxScale` times the caption size down to the caption size, at which
 * `text` breaks into at most MAX_LINES lines that fit `box`; a word wider than the box alone
 * gets a line of its own (libass would overflow it, never cut it).
 */
export function fitTitle(text: string, emphasis: readonly boolean[], box: Rect, frame: Frame, look: CaptionLook, language: string | undefined, maxScale: number): FittedTitle {
  const shown = look.uppercase ? text.toLocaleUpperCase(language) : text;
  const font = captionFont(shown, language, look.font);
  const words: CaptionWord[] = splitWords(shown, language).map((w, i) => ({ text: w, start: 0, end: 0, ...(emphasis[i] ? { emphasis: true } : {}) }));
  const width = box.x1 - box.x0;
  const height = box.y1 - box.y0;
  const base = fontSizePx(frame, 1) * font.sizeScale;
  const measure = { emphasisScale: EMPHASIS_SCALE / 100 };
  let fitted: FittedTitle | null = null;
  for (let scale = maxScale; scale >= 1 - 1e-9; scale -= 0.05) {
    const size = Math.round(base * scale);
    const greedy: CaptionWord[][] = [];
    for (const w of words) {
      const cur = greedy.at(-1);
      if (cur && lineWidthPx([...cur, w], font, size, measure) <= width) cur.push(w);
      else greedy.push([w]);
    }
    const lines = balance(words, greedy.length, (ws) => lineWidthPx(ws, font, size, measure));
    fitted = { font, size, lines };
    if (lines.length <= MAX_LINES && lines.length * size * LINE_HEIGHT <= height && lines.every((l) => lineWidthPx(l, font, size, measure) <= width || l.length === 1)) return fitted;
  }
  return fitted ?? { font, size: Math.round(base), lines: [words] };
}

/**
 * The same words in `n` lines with the widest line as narrow as it can be: titles read as a block
 * ("Follow for / part 2"), not a full line and a widow ("Follow for part / 2").
 */
export function balance<T>(words: T[], n: number, widthOf: (line: T[]) => number): T[][] {
  const k = words.length;
  if (n <= 1 || k <= 1) return [words];
  // best[j][i]: the narrowest widest line putting the first i words in j lines; from[j][i]: where the last line starts.
  const best: number[][] = Array.from({ length: n + 1 }, () => Array<number>(k + 1).fill(Infinity));
  const from: number[][] = Array.from({ length: n + 1 }, () => Array<number>(k + 1).fill(0));
  best[0]![0] = 0;
  for (let j = 1; j <= n; j++)
    for (let i = j; i <= k; i++)
      for (let s = j - 1; s < i; s++) {
        const w = Math.max(best[j - 1]![s]!, widthOf(words.slice(s, i)));
        // On a tie the later break: a fuller first line ("Follow for / part 2").
        if (w <= best[j]![i]!) {
          best[j]![i] = w;
          from[j]![i] = s;
        }
      }
  const lines: T[][] = [];
  for (let j = n, i = k; j > 0; j--) {
    const s = from[j]![i]!;
    lines.unshift(words.slice(s, i));
    i = s;
  }
  return lines;
}

/**
 * The ASS text of a fitted title: its lines joined by hard breaks, emphasised words coloured and
 * larger. Larger by font size (\fs), not scale, so an animation may scale the whole title (\t with \fscx).
 */
export function titleText(t: FittedTitle, look: CaptionLook): string {
  const sep = t.font.noSpaces ? '' : ' ';
  const text = `\\1c&H${assBgr(look.text)}&\\fs${t.size}`;
  const emph = `\\1c&H${assBgr(look.emphasis)}&\\fs${Math.round((t.size * EMPHASIS_SCALE) / 100)}`;
  return t.lines
    .map((line) => line.map((w) => (w.emphasis ? `{${emph}}${escapeAssText(w.text)}{${text}}` : escapeAssText(w.text))).join(sep))
    .join('\\N');
}

/** A title's style: centred (\an5 with \pos), the look's colours with a heavier outline and shadow than the captions'. */
export function titleStyle(name: string, t: FittedTitle, look: CaptionLook): AssStyleDef {
  return {
    name,
    family: t.font.family,
    size: t.size,
    bold: t.font.bold,
    primary: `&H00${assBgr(look.text)}`,
    secondary: `&H00${assBgr(look.text)}`,
    outlineColour: `&H00${assBgr(look.outline.colour)}`,
    back: '&H60000000',
    borderStyle: 1,
    outline: Math.max(2, Math.round(t.size * Math.max(0.06, look.outline.width))),
    shadow: Math.max(1, Math.round(t.size * Math.max(0.04, look.shadow))),
    alignment: 5,
    marginL: 0,
    marginR: 0,
    marginV: 0,
  };
}

/**
 * A glowing look's blur on a title: as wide as on the captions, not scaled up with the title's
 * size. A wider blur looks no better and costs the chunk more CPU every frame the title shows.
 */
export function titleGlow(frame: Frame, look: CaptionLook): string {
  return look.glow > 0 ? `\\blur${Math.max(1, Math.round(fontSizePx(frame, 1) * look.glow))}` : '';
}

/** Width estimate of a fitted title's widest line, for tests and placement checks. */
export function titleWidthPx(t: FittedTitle): number {
  return Math.max(...t.lines.map((l) => lineWidthPx(l, t.font, t.size, { emphasisScale: EMPHASIS_SCALE / 100 })), estimateWidthPx('', t.font, t.size));
}
