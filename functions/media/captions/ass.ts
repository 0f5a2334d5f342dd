// ASS subtitle text for libass (ffmpeg's `ass` filter): one style, events per caption line (or per
// spoken word for word-highlight). Pixel units: PlayRes equals the output frame.
import type { CaptionOptions } from '../../domain/video-request.ts';
import type { Frame } from '../../domain/media.ts';
import { OUTPUT_FPS } from '../chunks.ts';
import type { CaptionFont } from './fonts.ts';
import { fontSizePx, safeArea, type CaptionLine } from './layout.ts';

/** Colours as ASS writes them, blue-green-red: &HBBGGRR& inline, &HAABBGGRR in styles (alpha 00 = opaque). */
export const COLOURS = {
  text: 'FFFFFF',
  /** Warm yellow (#FFD400): the spoken word / the sung part. */
  highlight: '00D4FF',
  outline: '000000',
  shadow: '000000',
  /** The boxed preset's background: black at 65 % (alpha 59 of FF transparent). */
  box: '000000',
  boxAlpha: '59',
} as const;

const styleColour = (bgr: string, alpha = '00') => `&H${alpha}${bgr}`;
const inlineColour = (bgr: string) => `\\1c&H${bgr}&`;

const ALIGNMENT = { bottom: 2, center: 5, top: 8 } as const;

/** Seconds → ASS time h:mm:ss.cc (centiseconds, the format's resolution). */
export function assTime(seconds: number): string {
  const cs = Math.max(0, Math.round(seconds * 100));
  const h = Math.floor(cs / 360000);
  const m = Math.floor((cs % 360000) / 6000);
  const s = Math.floor((cs % 6000) / 100);
  const c = cs % 100;
  return `${h}:${pad2(m)}:${pad2(s)}.${pad2(c)}`;
}

/**
 * The ASS time (centiseconds) at which an event starting at `seconds` first shows on the frame
 * nearest that moment, so no caption change is more than half a frame early or late. ffmpeg's
 * `ass` filter asks libass for frame k at its time in whole milliseconds, truncated
 * (k × 1000 / fps, which float arithmetic may put a hair below the exact value), and libass shows
 * an event from its start on. The latest centisecond at least 1 ms before frame k's time and
 * after frame k−1's is shown first on frame k; a frame lasts 33 ms at 30 fps, so one exists.
 */
export function frameAlignedCs(seconds: number, fps: number = OUTPUT_FPS): number {
  const frame = Math.max(0, Math.round(seconds * fps));
  if (frame === 0) return 0;
  return Math.floor(Math.floor((frame * 1000) / fps - 1) / 10);
}

/** Caption text must not open override blocks or produce line breaks; ASS has no escape for braces. */
export function escapeAssText(text: string): string {
  return text
    .replace(/\\/g, '\u29f5')
    .replace(/\{/g, '\uff5b')
    .replace(/\}/g, '\uff5d')
    .replace(/[\r\n]+/g, ' ');
}

export interface AssStyle {
  fontSize: number;
  outline: number;
  shadow: number;
  alignment: number;
  marginL: number;
  marginR: number;
  marginV: number;
}

export function assStyle(frame: Frame, opts: Pick<CaptionOptions, 'position' | 'font_size'>, sizeScale = 1): AssStyle {
  const size = Math.round(fontSizePx(frame, opts.font_size) * sizeScale);
  const safe = safeArea(frame);
  return {
    fontSize: size,
    // Thick enough to read on white snow or a busy street; thin enough not to blob CJK strokes.
    outline: Math.max(2, Math.round(size * 0.07)),
    shadow: Math.max(1, Math.round(size * 0.04)),
    alignment: ALIGNMENT[opts.position],
    marginL: Math.round(frame.width * safe.left),
    marginR: Math.round(frame.width * safe.right),
    marginV: Math.round(frame.height * (opts.position === 'top' ? safe.top : opts.position === 'bottom' ? safe.bottom : 0)),
  };
}

/** One line of an ASS script's events, with when it shows (centiseconds, on the frame grid). */
export interface AssEvent {
  startCs: number;
  endCs: number;
  line: string;
}

/** An ASS script as its head (info and styles) and its events, so a render can draw a span of it. */
export interface AssScript {
  head: string;
  events: AssEvent[];
}

export function buildAss(lines: CaptionLine[], opts: CaptionOptions, frame: Frame, font: CaptionFont, fps: number = OUTPUT_FPS): string {
  const script = assScript(lines, opts, frame, font, fps);
  return assText(script.head, script.events.map((e) => e.line));
}

/** The text of an ASS script: its head and these event lines. */
export function assText(head: string, events: readonly string[]): string {
  return [head, ...events, ''].join('\n');
}

export function assScript(lines: CaptionLine[], opts: CaptionOptions, frame: Frame, font: CaptionFont, fps: number = OUTPUT_FPS): AssScript {
  const cs = (seconds: number) => frameAlignedCs(seconds, fps);
  const st = assStyle(frame, opts, font.sizeScale);
  const boxed = opts.style === 'boxed';
  // Karaoke: PrimaryColour is the part already sung, SecondaryColour the part still to come.
  const secondary = styleColour(COLOURS.text);
  const primary = styleColour(opts.style === 'karaoke' ? COLOURS.highlight : COLOURS.text);
  // Encoding -1 is libass's switch for whole-line layout: bidi reordering across override tags.
  // With a plain encoding, each colour run of an Arabic or Hebrew line is reordered on its own and
  // the highlighted word lands on the wrong side.
  const head = [
    '[Script Info]',
    '; reelsmith captions',
    'ScriptType: v4.00+',
    `PlayResX: ${frame.width}`,
    `PlayResY: ${frame.height}`,
    'WrapStyle: 0',
    'ScaledBorderAndShadow: yes',
    'YCbCr Matrix: TV.709',
    '',
    '[V4+ Styles]',
    'Format: Name, Fontname, Fontsize, PrimaryColour, SecondaryColour, OutlineColour, BackColour, Bold, Italic, Underline, StrikeOut, ScaleX, ScaleY, Spacing, Angle, BorderStyle, Outline, Shadow, Alignment, MarginL, MarginR, MarginV, Encoding',
    // Text on a box needs no outline or shadow of its own.
    `Style: Caption,${font.family},${st.fontSize},${primary},${secondary},${styleColour(COLOURS.outline)},${styleColour(COLOURS.shadow, '60')},-1,0,0,0,100,100,0,0,1,${boxed ? 0 : st.outline},${boxed ? 0 : st.shadow},${st.alignment},${st.marginL},${st.marginR},${st.marginV},-1`,
    ...(boxed
      ? [`Style: Box,${font.family},${st.fontSize},&HFF000000,&HFF000000,${styleColour(COLOURS.box, COLOURS.boxAlpha)},&HFF000000,-1,0,0,0,100,100,0,0,1,0,0,${st.alignment},${st.marginL},${st.marginR},${st.marginV},-1`]
      : []),
    '',
    '[Events]',
    'Format: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text',
  ];
  const events: AssEvent[] = [];
  for (const line of lines) {
    const start = cs(line.start);
    const end = cs(line.end);
    if (end <= start) continue;
    if (opts.style === 'line') events.push(dialogue(start, end, escapeAssText(line.text)));
    else if (opts.style === 'karaoke') events.push(dialogue(start, end, karaokeText(line, font, cs)));
    else if (opts.style === 'pop') events.push(...wordHighlightEvents(line, font, cs, popWord));
    else if (boxed) {
      events.push(boxEvent(start, end, line, st, opts.position));
      events.push(...wordHighlightEvents(line, font, cs, colourWord, `{\\q2}`, 1));
    } else events.push(...wordHighlightEvents(line, font, cs, colourWord));
  }
  return { head: head.join('\n'), events };
}

/** An event from `startCs` to `endCs` (centiseconds, already on the frame grid). */
function dialogue(startCs: number, endCs: number, text: string, layer = 0, style = 'Caption', marginV = 0): AssEvent {
  return { startCs, endCs, line: `Dialogue: ${layer},${assTime(startCs / 100)},${assTime(endCs / 100)},${style},,0,0,${marginV},,${text}` };
}

/** The spoken word in the highlight colour. */
function colourWord(text: string): string {
  return `{${inlineColour(COLOURS.highlight)}}${text}{${inlineColour(COLOURS.text)}}`;
}

/** The spoken word in the highlight colour, popping in: from 60 % to 112 % in 100 ms, settling at 100 % by 160 ms. */
function popWord(text: string): string {
  return `{${inlineColour(COLOURS.highlight)}\\fscx60\\fscy60\\t(0,100,\\fscx112\\fscy112)\\t(100,160,\\fscx100\\fscy100)}${text}{${inlineColour(COLOURS.text)}\\fscx100\\fscy100}`;
}

/**
 * The rounded background of a boxed line, on the layer below its text: the same text squeezed
 * to a hairline (\fscy1) and given a wide border, which libass strokes with round joins. The
 * border covers the gaps between letters and words, so what shows is one box exactly as wide as
 * the drawn line plus padding, with elliptical ends, whatever the font measures. Its margin moves
 * the hairline to the middle of the text line (libass aligns the squeezed line by its own height).
 */
function boxEvent(startCs: number, endCs: number, line: CaptionLine, st: AssStyle, position: CaptionOptions['position']): AssEvent {
  const padX = Math.round(st.fontSize * 0.32);
  const padY = Math.round(st.fontSize * 0.62);
  const marginV = position === 'center' ? 0 : st.marginV + Math.round(st.fontSize * 0.5);
  const text = `{\\q2\\fscy1\\xbord${padX}\\ybord${padY}}${escapeAssText(line.text)}`;
  return dialogue(startCs, endCs, text, 0, 'Box', marginV);
}

/**
 * One event per word, back to back in time, each showing the whole line with that word marked.
 * Boundaries are put on the frame grid once, so consecutive events share the exact same edge.
 */
function wordHighlightEvents(line: CaptionLine, font: CaptionFont, cs: (s: number) => number, mark: (text: string) => string, prefix = '', layer = 0): AssEvent[] {
  const sep = font.noSpaces ? '' : ' ';
  const n = line.words.length;
  const edges: number[] = [line.start];
  for (let i = 1; i < n; i++) edges.push(Math.min(Math.max(line.words[i]!.start, edges[i - 1]!), line.end));
  edges.push(line.end);
  const out: AssEvent[] = [];
  for (let i = 0; i < n; i++) {
    const a = cs(edges[i]!);
    const b = cs(edges[i + 1]!);
    if (b <= a) continue;
    const text = line.words.map((w, k) => (k === i ? mark(escapeAssText(w.text)) : escapeAssText(w.text))).join(sep);
    out.push(dialogue(a, b, prefix + text, layer));
  }
  return out;
}

/**
 * `\kf` sweeps each word from left to right while it is spoken; right-to-left scripts switch
 * whole words with `\k` instead, since a left-to-right sweep would run against the reading order.
 */
function karaokeText(line: CaptionLine, font: CaptionFont, cs: (s: number) => number): string {
  const tag = font.rtl ? 'k' : 'kf';
  const sep = font.noSpaces ? '' : ' ';
  let at = cs(line.start);
  const parts: string[] = [];
  for (let i = 0; i < line.words.length; i++) {
    const w = line.words[i]!;
    const wordStart = Math.max(at, cs(w.start));
    // A pause before the word: an empty timed block keeps later words in sync.
    if (wordStart > at) parts.push(`{\\k${wordStart - at}}`);
    const next = line.words[i + 1];
    const until = next ? Math.max(wordStart, cs(next.start)) : Math.max(wordStart, cs(w.end));
    parts.push(`{\\${tag}${until - wordStart}}${escapeAssText(w.text)}${i < line.words.length - 1 ? sep : ''}`);
    at = until;
  }
  return parts.join('');
}

function pad2(n: number): string {
  return String(n).padStart(2, '0');
}
