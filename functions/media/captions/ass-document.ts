// An ASS document for libass (ffmpeg's `ass` filter) as data: styles and timed events, from the
// captions and every overlay drawn by libass, serialised once per output or per chunk span.
// Pixel units: PlayRes equals the output frame. Pure.
import type { Frame } from '../../domain/media.ts';
import { OUTPUT_FPS } from '../chunks.ts';

export interface AssStyleDef {
  name: string;
  family: string;
  size: number;
  bold: boolean;
  /** Colours as &HAABBGGRR (alpha 00 = opaque). */
  primary: string;
  secondary: string;
  outlineColour: string;
  back: string;
  /** 1: outline and shadow; 4: one box (BackColour) around each event, padded by its shadow depth (a libass extension). */
  borderStyle: 1 | 4;
  outline: number;
  shadow: number;
  /** Numpad alignment: 1..3 bottom, 4..6 middle, 7..9 top. */
  alignment: number;
  marginL: number;
  marginR: number;
  marginV: number;
}

export interface AssEvent {
  layer: number;
  /** Centiseconds, already on the frame grid (frameAlignedCs). */
  startCs: number;
  endCs: number;
  style: string;
  /** Overrides the style's vertical margin (0: the style's). */
  marginV?: number;
  /** Text with its override blocks; literal text escaped with escapeAssText. */
  text: string;
}

/** The styles and events one element (the captions, a hook, a progress bar…) contributes. */
export interface AssPart {
  styles: AssStyleDef[];
  events: AssEvent[];
}

/** A span of the whole video in seconds, [startS, endS): a chunk's part of the timeline. */
export interface Span {
  startS: number;
  endS: number;
}

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

const STYLE_FORMAT =
  'Format: Name, Fontname, Fontsize, PrimaryColour, SecondaryColour, OutlineColour, BackColour, Bold, Italic, Underline, StrikeOut, ScaleX, ScaleY, Spacing, Angle, BorderStyle, Outline, Shadow, Alignment, MarginL, MarginR, MarginV, Encoding';

// Encoding -1 is libass's switch for whole-line layout: bidi reordering across override tags.
// With a plain encoding, each colour run of an Arabic or Hebrew line is reordered on its own and
// the highlighted word lands on the wrong side.
function styleLine(s: AssStyleDef): string {
  return `Style: ${s.name},${s.family},${s.size},${s.primary},${s.secondary},${s.outlineColour},${s.back},${s.bold ? -1 : 0},0,0,0,100,100,0,0,${s.borderStyle},${s.outline},${s.shadow},${s.alignment},${s.marginL},${s.marginR},${s.marginV},-1`;
}

/** An event as its `Dialogue:` line. */
export function assEventLine(e: AssEvent): string {
  return `Dialogue: ${e.layer},${assTime(e.startCs / 100)},${assTime(e.endCs / 100)},${e.style},,0,0,${e.marginV ?? 0},,${e.text}`;
}

/** The head of the document for `frame` (script info, every part's styles, the events' format line). */
export function assHead(frame: Frame, parts: readonly AssPart[]): string {
  const styles = parts.flatMap((p) => p.styles);
  const names = new Set<string>();
  for (const s of styles) {
    if (names.has(s.name)) throw new Error(`two ASS styles are named ${s.name}`);
    names.add(s.name);
  }
  return [
    '[Script Info]',
    '; reelsmith captions and overlays',
    'ScriptType: v4.00+',
    `PlayResX: ${frame.width}`,
    `PlayResY: ${frame.height}`,
    'WrapStyle: 0',
    'ScaledBorderAndShadow: yes',
    'YCbCr Matrix: TV.709',
    '',
    '[V4+ Styles]',
    STYLE_FORMAT,
    ...styles.map(styleLine),
    '',
    '[Events]',
    'Format: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text',
  ].join('\n');
}

/** A document's text: its head and these `Dialogue:` lines. */
export function assText(head: string, eventLines: readonly string[]): string {
  return [head, ...eventLines, ''].join('\n');
}

/**
 * The document for `frame`: every part's styles and events, or only the events that show during
 * `span` (a chunk burns the events of its span; its frames carry their time in the whole video).
 */
export function assDocument(frame: Frame, parts: AssPart[], span?: Span): string {
  const inSpan = (e: AssEvent) => !span || (e.endCs / 100 > span.startS && e.startCs / 100 < span.endS);
  return assText(assHead(frame, parts), parts.flatMap((p) => p.events).filter(inSpan).map(assEventLine));
}

function pad2(n: number): string {
  return String(n).padStart(2, '0');
}
