// Which installed font draws a script: chosen by the writing system of the words, not the request's
// language alone (a "language: en" request may still be sent Arabic text). libass shapes Arabic
// and Hebrew right to left itself (fribidi + HarfBuzz); we only pick a font that has the glyphs.
// A look names one of the shipped faces (FACES); where that face lacks the script, the script's
// Noto face draws instead.
import { DISPLAY_FONT, type CaptionFontId } from '../../domain/look.ts';

export type WritingSystem = 'arabic' | 'hebrew' | 'cjk' | 'hangul' | 'devanagari' | 'bengali' | 'tamil' | 'thai' | 'cyrillic' | 'greek' | 'latin';

export interface CaptionFont {
  writingSystem: WritingSystem;
  /** Family name fontconfig resolves (Debian fonts-noto-core / fonts-noto-cjk, or a shipped face). */
  family: string;
  /** The ASS Bold flag: off for a single-weight face, which libass would otherwise embolden synthetically. */
  bold: boolean;
  rtl: boolean;
  /** Written without spaces between words: caption words are joined without a space. */
  noSpaces: boolean;
  /**
   * Average glyph advance as a fraction of the ASS font size, for line-length estimates. libass
   * scales a font so ascender + descender equal the size, so an em is well under the size (Noto
   * Sans: 1 em ≈ 0.73 size; Noto Sans Arabic, with its tall marks, less).
   */
  charWidth: number;
  /** The same for capital letters (uppercase looks). */
  capWidth: number;
  /** The ASS size relative to the default: a face with tall metrics draws smaller letters at the same size. */
  sizeScale: number;
}

/** Where a shipped face comes from: a Debian package (installed by apt) or a file of an npm package (copied by scripts/install-fonts.ts). */
export type FaceSource = { debian: string; file: string } | { npm: string; file: string };

export interface Face {
  family: string;
  bold: boolean;
  /** Writing systems the face draws; for any other, the script's Noto face. */
  scripts: readonly WritingSystem[];
  charWidth: number;
  capWidth: number;
  sizeScale: number;
  /**
   * The file's vertical metrics (font units): libass sizes a face so that winAscent + winDescent
   * (OS/2) is the ASS size, where a browser makes unitsPerEm the CSS size; a box (the boxed style)
   * spans winAscent over the baseline to winDescent under it, where a browser's inline background
   * spans the hhea ascent and descent. The studio's preview draws the video's boxes from these.
   */
  metrics: { unitsPerEm: number; winAscent: number; winDescent: number; ascent: number; descent: number };
  source: FaceSource;
}

/** Where scripts/install-fonts.ts puts the faces that come from npm packages (fontconfig reads it). */
export const BUNDLED_FONT_DIR = '/usr/local/share/fonts/reelsmith';

/**
 * The faces a look may name, all SIL OFL. The sizes are measured (test/media/fonts.test.ts
 * renders each with libass): `sizeScale` makes a face's capitals as tall as Noto Sans Bold's
 * at the same caption size (Anton's on purpose taller); the widths are the average advance of a
 * sample text in lower case and in capitals, as fractions of the ASS size.
 */
export const FACES: Record<CaptionFontId, Face> = {
  // The default: Noto Sans covers Latin, Cyrillic and Greek.
  'noto-sans': {
    family: 'Noto Sans',
    bold: true,
    scripts: ['latin', 'cyrillic', 'greek'],
    charWidth: 0.44,
    capWidth: 0.51,
    sizeScale: 1,
    metrics: { unitsPerEm: 1000, winAscent: 1069, winDescent: 293, ascent: 1069, descent: 293 },
    source: { debian: 'fonts-noto-core', file: '/usr/share/fonts/truetype/noto/NotoSans-Bold.ttf' },
  },
  // Geometric, black: the boxed and pop presets' face.
  'league-spartan': {
    family: 'League Spartan Black',
    bold: true,
    scripts: ['latin'],
    charWidth: 0.36,
    capWidth: 0.44,
    sizeScale: 1.15,
    metrics: { unitsPerEm: 2000, winAscent: 2305, winDescent: 675, ascent: 1400, descent: 440 },
    source: { debian: 'fonts-league-spartan', file: '/usr/share/fonts/opentype/league-spartan/LeagueSpartan-Black.otf' },
  },
  // Heavy condensed grotesk: the uppercase title face of short-form video. Drawn a fifth taller
  // than the others' capitals: being narrow, it still fits as many words on a line.
  anton: {
    family: 'Anton',
    bold: false,
    scripts: ['latin'],
    charWidth: 0.26,
    capWidth: 0.27,
    sizeScale: 1.25,
    metrics: { unitsPerEm: 2048, winAscent: 2876, winDescent: 674, ascent: 2409, descent: 674 },
    source: { npm: '@expo-google-fonts/anton/400Regular/Anton_400Regular.ttf', file: `${BUNDLED_FONT_DIR}/Anton_400Regular.ttf` },
  },
  // Clean geometric sans, extra bold; draws Cyrillic too.
  montserrat: {
    family: 'Montserrat ExtraBold',
    bold: true,
    scripts: ['latin', 'cyrillic'],
    charWidth: 0.41,
    capWidth: 0.49,
    sizeScale: 1.15,
    metrics: { unitsPerEm: 1000, winAscent: 1109, winDescent: 453, ascent: 968, descent: 251 },
    source: { npm: '@expo-google-fonts/montserrat/800ExtraBold/Montserrat_800ExtraBold.ttf', file: `${BUNDLED_FONT_DIR}/Montserrat_800ExtraBold.ttf` },
  },
  // Rounded and bold: the friendly face; draws Hebrew too.
  fredoka: {
    family: 'Fredoka',
    bold: true,
    scripts: ['latin', 'hebrew'],
    charWidth: 0.42,
    capWidth: 0.52,
    sizeScale: 0.95,
    metrics: { unitsPerEm: 1000, winAscent: 999, winDescent: 252, ascent: 974, descent: 236 },
    source: { npm: '@expo-google-fonts/fredoka/700Bold/Fredoka_700Bold.ttf', file: `${BUNDLED_FONT_DIR}/Fredoka_700Bold.ttf` },
  },
};

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

/** The face the `boxed` and `pop` styles draw with when no look names one. */
export const DISPLAY_FACE: CaptionFontId = DISPLAY_FONT;

/**
 * The font for text in `text`'s writing system: the named face where it draws that script, the
 * script's Noto face otherwise. `face` defaults to Noto Sans.
 */
export function captionFont(text: string, language?: string, face: CaptionFontId = 'noto-sans'): CaptionFont {
  const base = scriptFont(text, language);
  const f = FACES[face];
  if (face === 'noto-sans' || !f.scripts.includes(base.writingSystem)) return base;
  return { ...base, family: f.family, bold: f.bold, charWidth: f.charWidth, capWidth: f.capWidth, sizeScale: f.sizeScale };
}

function scriptFont(text: string, language?: string): CaptionFont {
  const ws = writingSystemOf(text);
  const hasKana = /[\p{Script=Hiragana}\p{Script=Katakana}]/u.test(text);
  const font = (family: string, o: { rtl?: boolean; noSpaces?: boolean; charWidth: number }): CaptionFont => ({
    writingSystem: ws,
    family,
    bold: true,
    rtl: o.rtl ?? false,
    noSpaces: o.noSpaces ?? false,
    charWidth: o.charWidth,
    capWidth: o.charWidth,
    sizeScale: 1,
  });
  switch (ws) {
    case 'arabic':
      return font('Noto Sans Arabic', { rtl: true, charWidth: 0.36 });
    case 'hebrew':
      return font('Noto Sans Hebrew', { rtl: true, charWidth: 0.42 });
    case 'cjk':
      return font(hasKana ? 'Noto Sans CJK JP' : cjkFamily(language), { noSpaces: true, charWidth: 0.72 });
    case 'hangul':
      // Korean separates words with spaces.
      return font('Noto Sans CJK KR', { charWidth: 0.72 });
    case 'devanagari':
      return font('Noto Sans Devanagari', { charWidth: 0.45 });
    case 'bengali':
      return font('Noto Sans Bengali', { charWidth: 0.45 });
    case 'tamil':
      return font('Noto Sans Tamil', { charWidth: 0.55 });
    case 'thai':
      return font('Noto Sans Thai', { noSpaces: true, charWidth: 0.42 });
    default: {
      const noto = FACES['noto-sans'];
      return { ...font(noto.family, { charWidth: noto.charWidth }), capWidth: noto.capWidth };
    }
  }
}

/** Debian packages that provide the Noto families above and the Debian faces; scripts/setup.sh and the Dockerfile install them. */
export const FONT_PACKAGES = [...new Set(['fonts-noto-core', 'fonts-noto-cjk', ...Object.values(FACES).flatMap((f) => ('debian' in f.source ? [f.source.debian] : []))])];

/** The faces that come from npm packages: the file in node_modules, and where it is installed. */
export const BUNDLED_FONT_FILES = Object.values(FACES).flatMap((f) => ('npm' in f.source ? [{ npm: f.source.npm, file: f.source.file }] : []));
