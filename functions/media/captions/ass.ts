// The captions as ASS for libass: one style, events per caption line (or per spoken word for the
// styles that mark it), drawn with a look (face, case, colours, outline) and emphasised words in
// their own colour, a little larger, in every style.
import { BOX_PADDING, EMPHASIS_SCALE, type CaptionLook } from '../../domain/look.ts';
import type { Frame } from '../../domain/media.ts';
import type { CaptionOptions } from '../../domain/video-request.ts';
import { OUTPUT_FPS } from '../chunks.ts';
import { assDocument, escapeAssText, frameAlignedCs, type AssEvent, type AssPart, type AssStyleDef } from './ass-document.ts';
import type { CaptionFont } from './fonts.ts';
import { fontSizePx, safeArea, type CaptionLine } from './layout.ts';
import { assAlpha, assBgr, resolveLook } from './looks.ts';

export { assTime, escapeAssText, frameAlignedCs } from './ass-document.ts';

export { EMPHASIS_SCALE } from '../../domain/look.ts';

const ALIGNMENT = { bottom: 2, center: 5, top: 8 } as const;

export interface AssStyle {
  fontSize: number;
  outline: number;
  shadow: number;
  alignment: number;
  marginL: number;
  marginR: number;
  marginV: number;
}

/** How the captions are drawn beyond their options: the look, room left for overlays, a late start. */
export interface CaptionDraw {
  look: CaptionLook;
  /** Pixels the overlays keep at the captions' edge of the safe area (a progress bar, a watermark): top and bottom captions move in by it. */
  reserveV?: number;
  /** Captions wait until this second (a hook title that repeats the narration's first words is on screen). */
  notBeforeS?: number;
  /** The language, for upper-casing (Turkish dotted i and the like). */
  language?: string | undefined;
}

export function assStyle(frame: Frame, opts: Pick<CaptionOptions, 'position' | 'font_size'>, sizeScale = 1, look: Pick<CaptionLook, 'outline' | 'shadow'> = resolveLook('line'), reserveV = 0): AssStyle {
  const size = Math.round(fontSizePx(frame, opts.font_size) * sizeScale);
  const safe = safeArea(frame);
  const edge = opts.position === 'top' ? safe.top : opts.position === 'bottom' ? safe.bottom : 0;
  return {
    fontSize: size,
    // Thick enough to read on white snow or a busy street; thin enough not to blob CJK strokes.
    outline: look.outline.width > 0 ? Math.max(1, Math.round(size * look.outline.width)) : 0,
    shadow: look.shadow > 0 ? Math.max(1, Math.round(size * look.shadow)) : 0,
    alignment: ALIGNMENT[opts.position],
    marginL: Math.round(frame.width * safe.left),
    marginR: Math.round(frame.width * safe.right),
    marginV: Math.round(frame.height * edge) + (opts.position === 'center' ? 0 : Math.round(reserveV)),
  };
}


export function captionStyle(frame: Frame, opts: CaptionOptions, font: CaptionFont, draw: CaptionDraw): AssStyleDef {
  const { look } = draw;
  const st = assStyle(frame, opts, font.sizeScale, look, draw.reserveV);
  const boxed = opts.style === 'boxed';
  const colour = (hex: `#${string}`, alpha = '00') => `&H${alpha}${assBgr(hex)}`;
  return {
    name: 'Caption',
    family: font.family,
    size: st.fontSize,
    bold: font.bold,
    // Karaoke: PrimaryColour is the part already sung, SecondaryColour the part still to come.
    primary: colour(opts.style === 'karaoke' ? look.highlight : look.text),
    secondary: colour(look.text),
    outlineColour: colour(look.outline.colour),
    // The box of the boxed style (BorderStyle 4: one box per event, so one per line); otherwise the shadow, 60 % opaque.
    back: boxed ? colour(look.box.colour, assAlpha(look.box.opacity)) : colour('#000000', '60'),
    borderStyle: boxed ? 4 : 1,
    // Text on a box needs no outline; the box's padding is its "shadow" depth, set per event.
    outline: boxed ? 0 : st.outline,
    shadow: boxed ? 0 : st.shadow,
    alignment: st.alignment,
    marginL: st.marginL,
    marginR: st.marginR,
    marginV: st.marginV,
  };
}

/** The captions' style and events. */
export function captionPart(lines: CaptionLine[], opts: CaptionOptions, frame: Frame, font: CaptionFont, draw: CaptionDraw, fps: number = OUTPUT_FPS): AssPart {
  const style = captionStyle(frame, opts, font, draw);
  const notBefore = frameAlignedCs(draw.notBeforeS ?? 0, fps);
  const cs = (seconds: number) => Math.max(notBefore, frameAlignedCs(seconds, fps));
  const { look } = draw;
  const upper = (s: string) => (look.uppercase ? s.toLocaleUpperCase(draw.language) : s);
  const word = (w: CaptionLine['words'][number]) => escapeAssText(upper(w.text));
  const tone = { text: inline(look.text), highlight: inline(look.highlight), emphasis: inline(look.emphasis) };
  // Per event: the box's padding (boxed) or the outline's glow; nothing for a plain look.
  const prefix =
    opts.style === 'boxed'
      ? `{\\xshad${Math.round(style.size * BOX_PADDING.x)}\\yshad${Math.round(style.size * BOX_PADDING.y)}}`
      : look.glow > 0
        ? `{\\blur${Math.max(1, Math.round(style.size * look.glow))}}`
        : '';
  const sep = font.noSpaces ? '' : ' ';

  const events: AssEvent[] = [];
  const push = (startCs: number, endCs: number, text: string) => {
    if (endCs > startCs) events.push({ layer: 0, startCs, endCs, style: style.name, text: prefix + text });
  };
  for (const line of lines) {
    const start = cs(line.start);
    const end = cs(line.end);
    if (end <= start) continue;
    if (opts.style === 'line') push(start, end, line.words.map((w) => plainWord(word(w), !!w.emphasis, tone)).join(sep));
    else if (opts.style === 'karaoke') push(start, end, karaokeText(line, font, cs, word, tone, start));
    else {
      const mark = opts.style === 'pop' ? popWord : colourWord;
      for (const e of wordEvents(line, cs)) {
        const text = line.words.map((w, k) => (k === e.index ? mark(word(w), !!w.emphasis, tone) : plainWord(word(w), !!w.emphasis, tone))).join(sep);
        push(e.startCs, e.endCs, text);
      }
    }
  }
  return { styles: [style], events };
}

/** The whole captions document (captions only). */
export function buildAss(lines: CaptionLine[], opts: CaptionOptions, frame: Frame, font: CaptionFont, draw: CaptionDraw = { look: resolveLook(opts.style) }, fps: number = OUTPUT_FPS): string {
  return assDocument(frame, [captionPart(lines, opts, frame, font, draw, fps)]);
}

interface Tones {
  text: string;
  highlight: string;
  emphasis: string;
}

const inline = (hex: `#${string}`) => `\\1c&H${assBgr(hex)}&`;
const EMPH = `\\fscx${EMPHASIS_SCALE}\\fscy${EMPHASIS_SCALE}`;
const UNSCALED = '\\fscx100\\fscy100';

/** A word that is not being spoken: plain, or emphasised (its colour, a little larger). */
function plainWord(text: string, emphasis: boolean, t: Tones): string {
  return emphasis ? `{${t.emphasis}${EMPH}}${text}{${t.text}${UNSCALED}}` : text;
}

/** The spoken word in the highlight colour (an emphasised one keeps its size). */
function colourWord(text: string, emphasis: boolean, t: Tones): string {
  return `{${t.highlight}${emphasis ? EMPH : ''}}${text}{${t.text}${emphasis ? UNSCALED : ''}}`;
}

/** The spoken word in the highlight colour, popping in: from 60 % to 112 % of its size in 100 ms, settling by 160 ms. */
function popWord(text: string, emphasis: boolean, t: Tones): string {
  const full = emphasis ? EMPHASIS_SCALE : 100;
  const s = (pct: number) => Math.round((full * pct) / 100);
  return `{${t.highlight}\\fscx${s(60)}\\fscy${s(60)}\\t(0,100,\\fscx${s(112)}\\fscy${s(112)})\\t(100,160,\\fscx${full}\\fscy${full})}${text}{${t.text}${UNSCALED}}`;
}

/**
 * The spans during which each word of a line is the spoken one, back to back, on the frame grid
 * once, so consecutive events share the exact same edge.
 */
function wordEvents(line: CaptionLine, cs: (s: number) => number): { index: number; startCs: number; endCs: number }[] {
  const n = line.words.length;
  const edges: number[] = [line.start];
  for (let i = 1; i < n; i++) edges.push(Math.min(Math.max(line.words[i]!.start, edges[i - 1]!), line.end));
  edges.push(line.end);
  const out: { index: number; startCs: number; endCs: number }[] = [];
  for (let i = 0; i < n; i++) {
    const a = cs(edges[i]!);
    const b = cs(edges[i + 1]!);
    if (b > a) out.push({ index: i, startCs: a, endCs: b });
  }
  return out;
}

/**
 * `\kf` sweeps each word from left to right while it is spoken; right-to-left scripts switch
 * whole words with `\k` instead, since a left-to-right sweep would run against the reading order.
 * An emphasised word waits in the emphasis colour (SecondaryColour) and is sung in the highlight.
 * Timings count from `fromCs`, the event's start: words sung before it (the line started while a
 * hook was on screen) show as sung.
 */
function karaokeText(line: CaptionLine, font: CaptionFont, cs: (s: number) => number, word: (w: CaptionLine['words'][number]) => string, t: Tones, fromCs: number): string {
  const tag = font.rtl ? 'k' : 'kf';
  const sep = font.noSpaces ? '' : ' ';
  let at = fromCs;
  const parts: string[] = [];
  for (let i = 0; i < line.words.length; i++) {
    const w = line.words[i]!;
    const wordStart = Math.max(at, cs(w.start));
    // A pause before the word: an empty timed block keeps later words in sync.
    if (wordStart > at) parts.push(`{\\k${wordStart - at}}`);
    const next = line.words[i + 1];
    const until = next ? Math.max(wordStart, cs(next.start)) : Math.max(wordStart, cs(w.end));
    const text = `${word(w)}${i < line.words.length - 1 ? sep : ''}`;
    const timing = `\\${tag}${until - wordStart}`;
    parts.push(w.emphasis ? `{${t.emphasis.replace('\\1c', '\\2c')}${EMPH}${timing}}${text}{${t.text.replace('\\1c', '\\2c')}${UNSCALED}}` : `{${timing}}${text}`);
    at = until;
  }
  return parts.join('');
}
