// A piece's key term set large and faint behind the captions, drifting slowly: the kinetic
// typography of faceless videos over generated backgrounds. Pure builder of a drawtext chain,
// indexed by the piece's own frame numbers like its motion, so a chunk that renders a piece's
// continuation draws the same frames.
import type { Frame } from '../domain/media.ts';
import { captionFont, writingSystemOf } from './captions/fonts.ts';

/** How visible the term is at most: a texture behind the captions, not a second caption. */
const OPACITY = 0.13;
/** Frames over which it fades in and out. */
const FADE_FRAMES = 10;
/** Where its middle sits, as a fraction of the frame's height: above the middle, clear of bottom captions. */
const HEIGHT_AT = 0.4;
/** How far it drifts sideways over the piece, as a fraction of the frame's width. */
const DRIFT = 0.05;

/**
 * drawtext lays glyphs out one by one, with no shaping: scripts whose letters join or reorder
 * (Arabic, Hebrew, the Indic scripts, Thai) would come out wrong, so they get no background term.
 */
const UNSHAPED_OK = new Set(['latin', 'cyrillic', 'greek', 'cjk', 'hangul']);

export interface BackgroundText {
  term: string;
  frame: Frame;
  /** Frames the piece spans (its transition overlap included) and the ones this chain renders. */
  frames: number;
  first?: number;
  /** The request's language, for the CJK face. */
  language?: string | undefined;
  /** Which way it drifts: 1 to the right, -1 to the left (the planner alternates or draws it from the seed). */
  direction?: 1 | -1;
}

/** The term as drawn: letters, digits, spaces and hyphens, upper case, at most 24 characters; null when nothing drawable is left. */
export function drawableTerm(term: string, language?: string): string | null {
  const t = term
    .normalize('NFC')
    .replace(/[^\p{L}\p{N}\p{M} -]+/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim()
    .toLocaleUpperCase(language || undefined);
  if (!t || [...t].length > 24) return null;
  return UNSHAPED_OK.has(writingSystemOf(t)) ? t : null;
}

/**
 * The drawtext filter (for a chain) that sets the term over a piece, or null when the term has
 * nothing drawtext can draw. Its size fits the frame's width; it fades in over the piece's first
 * frames and out over its last, drifting sideways at constant speed.
 */
export function backgroundTextFilter(p: BackgroundText): string | null {
  const text = drawableTerm(p.term, p.language);
  if (!text) return null;
  const font = captionFont(text, p.language, 'league-spartan');
  const chars = [...text].length;
  // Capitals of a heavy face advance about 0.65 of the size (League Spartan Black, Noto Sans Bold);
  // CJK glyphs a whole size. The term keeps a margin at each side for its drift.
  const advance = font.writingSystem === 'cjk' || font.writingSystem === 'hangul' ? 1 : 0.7;
  const size = Math.round(Math.min(0.26 * p.frame.width, (0.86 * p.frame.width) / (chars * advance)));
  const first = p.first ?? 0;
  const last = Math.max(1, p.frames - 1);
  const n = `(n+${first})`;
  const dir = p.direction ?? 1;
  const x = `(w-text_w)/2+${dir * DRIFT}*w*(${n}/${last}-0.5)`;
  const y = `${HEIGHT_AT}*h-text_h/2`;
  const alpha = `${OPACITY}*min(1\\,min(${n}/${FADE_FRAMES}\\,(${last}-${n})/${FADE_FRAMES}))`;
  // drawtext takes `font` as a family name only (no fontconfig style): scripts other than Latin
  // get their Noto face's regular weight, Latin the display face, which is black already.
  return `drawtext=font='${font.family}':text='${text}':fontsize=${size}:fontcolor=white:x='${x}':y='${y}':alpha='${alpha}'`;
}
