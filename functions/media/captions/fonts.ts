// Which installed font draws a script: chosen by the writing system of the words, not the request's
// language alone (a "language: en" request may still be sent Arabic text). libass shapes Arabic
// and Hebrew right to left itself (fribidi + HarfBuzz); we only pick a font that has the glyphs.

export type WritingSystem = 'arabic' | 'hebrew' | 'cjk' | 'hangul' | 'devanagari' | 'bengali' | 'tamil' | 'thai' | 'cyrillic' | 'greek' | 'latin';

export interface CaptionFont {
  writingSystem: WritingSystem;
  /** Family name fontconfig resolves (Debian fonts-noto-core / fonts-noto-cjk). */
  family: string;
  rtl: boolean;
  /** Written without spaces between words: caption words are joined without a space. */
  noSpaces: boolean;
  /**
   * Average glyph advance as a fraction of the ASS font size, for line-length estimates. libass
   * scales a font so ascender + descender equal the size, so an em is well under the size (Noto
   * Sans: 1 em ≈ 0.73 size; Noto Sans Arabic, with its tall marks, less).
   */
  charWidth: number;
  /** The ASS size relative to the default: a display face with tall metrics draws smaller letters at the same size. */
  sizeScale: number;
}

const SCRIPTS: [WritingSystem, RegExp][] = [
  ['arabic', /\p{Script=Arabic}/gu],
  ['hebrew', /\p{Script=Hebrew}/gu],
  ['hangul', /\p{Script=Hangul}/gu],
  ['cjk', /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}]/gu],
  ['devanagari', /\p{Script=Devanagari}/gu],
  ['bengali', /\p{Script=Bengali}/gu],
  ['tamil', /\p{Script=Tamil}/gu],
  ['thai', /\p{Script=Thai}/gu],
  ['cyrillic', /\p{Script=Cyrillic}/gu],
  ['greek', /\p{Script=Greek}/gu],
];

/** The writing system most of the letters belong to; Latin when none of the others dominates. */
export function writingSystemOf(text: string): WritingSystem {
  let best: WritingSystem = 'latin';
  let bestCount = (text.match(/\p{Script=Latin}/gu) ?? []).length;
  for (const [ws, re] of SCRIPTS) {
    const n = (text.match(re) ?? []).length;
    if (n > bestCount) {
      best = ws;
      bestCount = n;
    }
  }
  return best;
}

/** Han text reads as Japanese, Traditional or Simplified Chinese depending on glyph forms: the language tag decides. */
function cjkFamily(language: string | undefined): string {
  const l = (language ?? '').toLowerCase();
  if (l.startsWith('ja')) return 'Noto Sans CJK JP';
  if (l.startsWith('ko')) return 'Noto Sans CJK KR';
  if (/^zh-(tw|hk|mo|hant)/.test(l)) return 'Noto Sans CJK TC';
  return 'Noto Sans CJK SC';
}

/**
 * The bold display face of the `boxed` and `pop` presets: League Spartan Black (SIL OFL, Debian
 * fonts-league-spartan). It draws Latin only; other scripts keep their Noto face. libass scales a
 * face so ascender + descender equal the size, and League Spartan's are tall: at 1.15× the size
 * its letters stand as high as Noto Sans Bold's.
 */
export const DISPLAY_FONT = { family: 'League Spartan Black', charWidth: 0.36, sizeScale: 1.15 } as const;

/** The face for captions of `text`; `display` asks for the bold display face where the script allows it. */
export function captionFont(text: string, language?: string, display = false): CaptionFont {
  const base = scriptFont(text, language);
  return display && base.writingSystem === 'latin' ? { ...base, family: DISPLAY_FONT.family, charWidth: DISPLAY_FONT.charWidth, sizeScale: DISPLAY_FONT.sizeScale } : base;
}

function scriptFont(text: string, language?: string): CaptionFont {
  const ws = writingSystemOf(text);
  const hasKana = /[\p{Script=Hiragana}\p{Script=Katakana}]/u.test(text);
  switch (ws) {
    case 'arabic':
      return { writingSystem: ws, family: 'Noto Sans Arabic', rtl: true, noSpaces: false, charWidth: 0.36, sizeScale: 1 };
    case 'hebrew':
      return { writingSystem: ws, family: 'Noto Sans Hebrew', rtl: true, noSpaces: false, charWidth: 0.42, sizeScale: 1 };
    case 'cjk':
      return { writingSystem: ws, family: hasKana ? 'Noto Sans CJK JP' : cjkFamily(language), rtl: false, noSpaces: true, charWidth: 0.72, sizeScale: 1 };
    case 'hangul':
      // Korean separates words with spaces.
      return { writingSystem: ws, family: 'Noto Sans CJK KR', rtl: false, noSpaces: false, charWidth: 0.72, sizeScale: 1 };
    case 'devanagari':
      return { writingSystem: ws, family: 'Noto Sans Devanagari', rtl: false, noSpaces: false, charWidth: 0.45, sizeScale: 1 };
    case 'bengali':
      return { writingSystem: ws, family: 'Noto Sans Bengali', rtl: false, noSpaces: false, charWidth: 0.45, sizeScale: 1 };
    case 'tamil':
      return { writingSystem: ws, family: 'Noto Sans Tamil', rtl: false, noSpaces: false, charWidth: 0.55, sizeScale: 1 };
    case 'thai':
      return { writingSystem: ws, family: 'Noto Sans Thai', rtl: false, noSpaces: true, charWidth: 0.42, sizeScale: 1 };
    default:
      // Noto Sans covers Latin, Cyrillic and Greek.
      return { writingSystem: ws, family: 'Noto Sans', rtl: false, noSpaces: false, charWidth: 0.44, sizeScale: 1 };
  }
}

/** Debian packages that provide every family above; scripts/setup.sh and the Dockerfile install them. */
export const FONT_PACKAGES = ['fonts-noto-core', 'fonts-noto-cjk', 'fonts-league-spartan'] as const;
