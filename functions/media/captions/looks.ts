// Caption looks: a face, a case, colours and an outline chosen together. A named look is a
// starting point; the caption options' own fields (uppercase, colours, outline, font) override it.
// Pure.
import type { CaptionFontId, CaptionLook, CaptionLookName, HexColour } from '../../domain/look.ts';
import { DISPLAY_FACE } from './fonts.ts';

export const LOOKS: Record<CaptionLookName, CaptionLook> = {
  // What reelsmith always drew: Noto Sans Bold, white, the spoken word in warm yellow.
  classic: {
    font: 'noto-sans',
    uppercase: false,
    text: '#FFFFFF',
    highlight: '#FFD400',
    emphasis: '#3DEB7A',
    outline: { width: 0.07, colour: '#000000' },
    shadow: 0.04,
    glow: 0,
    box: { colour: '#000000', opacity: 0.65 },
  },
  // Heavy condensed capitals, a thick black outline, the spoken word yellow and keywords green.
  bold: {
    font: 'anton',
    uppercase: true,
    text: '#FFFFFF',
    highlight: '#FFE500',
    emphasis: '#2BF05B',
    outline: { width: 0.11, colour: '#000000' },
    shadow: 0.05,
    glow: 0,
    box: { colour: '#000000', opacity: 0.85 },
  },
  // Sentence case in a clean geometric sans, a hairline outline and a soft shadow.
  clean: {
    font: 'montserrat',
    uppercase: false,
    text: '#FFFFFF',
    highlight: '#8FD8FF',
    emphasis: '#FFD76A',
    outline: { width: 0.035, colour: '#1A1A1A' },
    shadow: 0.035,
    glow: 0,
    box: { colour: '#111111', opacity: 0.6 },
  },
  // White letters in a glowing magenta tube; the spoken word and keywords in electric cyan and yellow.
  neon: {
    font: 'montserrat',
    uppercase: true,
    text: '#FFFFFF',
    highlight: '#00F0FF',
    emphasis: '#FFF23D',
    outline: { width: 0.07, colour: '#FF2BD6' },
    shadow: 0,
    glow: 0.09,
    box: { colour: '#1B0030', opacity: 0.7 },
  },
  // Rounded and friendly: a purple outline, the spoken word orange, keywords pink.
  playful: {
    font: 'fredoka',
    uppercase: false,
    text: '#FFFFFF',
    highlight: '#FFB000',
    emphasis: '#FF5FA8',
    outline: { width: 0.1, colour: '#5B21B6' },
    shadow: 0.04,
    glow: 0,
    box: { colour: '#5B21B6', opacity: 0.8 },
  },
};

/** The look fields a request may set (all optional); `look` names the starting point. */
export interface CaptionLookOptions {
  look?: CaptionLookName | undefined;
  font?: CaptionFontId | undefined;
  uppercase?: boolean | undefined;
  text_color?: HexColour | undefined;
  highlight_color?: HexColour | undefined;
  emphasis_color?: HexColour | undefined;
  outline?: { width?: number | undefined; color?: HexColour | undefined } | undefined;
}

/**
 * The look a caption style draws with. Without a named look, `boxed` and `pop` draw in the bold
 * display face (League Spartan) and the other styles in Noto Sans, as they always have.
 */
export function resolveLook(style: string, o: CaptionLookOptions = {}): CaptionLook {
  const base = LOOKS[o.look ?? 'classic'];
  const font = o.font ?? (o.look ? base.font : style === 'boxed' || style === 'pop' ? DISPLAY_FACE : base.font);
  return {
    ...base,
    font,
    uppercase: o.uppercase ?? base.uppercase,
    text: o.text_color ?? base.text,
    highlight: o.highlight_color ?? base.highlight,
    emphasis: o.emphasis_color ?? base.emphasis,
    outline: { width: o.outline?.width ?? base.outline.width, colour: o.outline?.color ?? base.outline.colour },
  };
}

/** `#RRGGBB` as ASS writes a colour: blue-green-red hex. */
export function assBgr(hex: HexColour): string {
  const h = hex.slice(1).toUpperCase();
  return `${h.slice(4, 6)}${h.slice(2, 4)}${h.slice(0, 2)}`;
}

/** Opacity 0..1 as an ASS alpha byte (00 opaque, FF transparent). */
export function assAlpha(opacity: number): string {
  return Math.round((1 - Math.min(1, Math.max(0, opacity))) * 255)
    .toString(16)
    .toUpperCase()
    .padStart(2, '0');
}
