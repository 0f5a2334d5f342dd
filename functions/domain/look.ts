// The on-screen craft vocabulary every layer shares (issue 24): caption looks and fonts, and the
// overlays drawn over the footage (hook title, progress bar, watermark, end card). The values
// here are what a VideoSpec holds once every default is applied; media/ draws them.

/** Caption faces the project ships (scripts/install-fonts.ts); other writing systems fall back to Noto. */
export const CAPTION_FONTS = ['noto-sans', 'league-spartan', 'anton', 'montserrat', 'fredoka'] as const;
export type CaptionFontId = (typeof CAPTION_FONTS)[number];

/** Named looks: a font, a case, colours and an outline, chosen together. */
export const CAPTION_LOOKS = ['classic', 'bold', 'clean', 'neon', 'playful'] as const;
export type CaptionLookName = (typeof CAPTION_LOOKS)[number];

export const EMPHASIS_MODES = ['marked', 'auto', 'off'] as const;
export type EmphasisMode = (typeof EMPHASIS_MODES)[number];

/** An sRGB colour as `#RRGGBB`. */
export type HexColour = `#${string}`;
export const HEX_COLOUR = /^#[0-9A-Fa-f]{6}$/;

/** Everything a caption style draws with, resolved: a named look with the request's overrides applied. */
export interface CaptionLook {
  font: CaptionFontId;
  uppercase: boolean;
  text: HexColour;
  /** The spoken word (word-highlight, boxed, pop) or the part already sung (karaoke). */
  highlight: HexColour;
  /** Words marked `**like this**` (or found by `emphasis: "auto"`). */
  emphasis: HexColour;
  /** Outline width as a fraction of the font size (0 = none), and its colour. */
  outline: { width: number; colour: HexColour };
  /** Drop shadow depth as a fraction of the font size (0 = none). */
  shadow: number;
  /** Blur of the outline as a fraction of the font size: a glow when the outline is bright (0 = crisp). */
  glow: number;
  /** The box of the `boxed` style: colour and opacity 0..1. */
  box: { colour: HexColour; opacity: number };
}

/** An emphasised word is drawn this much larger (percent), in every style; the studio's preview too. */
export const EMPHASIS_SCALE = 112;

/** The box of the `boxed` style around each line: padding as fractions of the font size (libass and the studio's preview draw the same box). */
export const BOX_PADDING = { x: 0.3, y: 0.12 } as const;

/** The bold display face the `boxed` and `pop` styles draw in when no look is named. */
export const DISPLAY_FONT: CaptionFontId = 'league-spartan';

// A named look is a starting point; the caption options' own fields (uppercase, colours, outline,
// font) override it.
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
  /** Colours as `#RRGGBB` (the request schema checks them). */
  text_color?: string | undefined;
  highlight_color?: string | undefined;
  emphasis_color?: string | undefined;
  outline?: { width?: number | undefined; color?: string | undefined } | undefined;
}

const hex = (c: string | undefined): HexColour | undefined => (c && HEX_COLOUR.test(c) ? (c.toUpperCase() as HexColour) : undefined);

/**
 * The look a caption style draws with. Without a named look, `boxed` and `pop` draw in the bold
 * display face (League Spartan) and the other styles in Noto Sans, as they always have.
 */
export function resolveLook(style: string, o: CaptionLookOptions = {}): CaptionLook {
  const base = LOOKS[o.look ?? 'classic'];
  const font = o.font ?? (o.look ? base.font : style === 'boxed' || style === 'pop' ? DISPLAY_FONT : base.font);
  return {
    ...base,
    font,
    uppercase: o.uppercase ?? base.uppercase,
    text: hex(o.text_color) ?? base.text,
    highlight: hex(o.highlight_color) ?? base.highlight,
    emphasis: hex(o.emphasis_color) ?? base.emphasis,
    outline: { width: o.outline?.width ?? base.outline.width, colour: hex(o.outline?.color) ?? base.outline.colour },
  };
}

export const CORNERS = ['top-left', 'top-right', 'bottom-left', 'bottom-right'] as const;
export type Corner = (typeof CORNERS)[number];

export interface HookSpec {
  /** The title as captions would show it (display text: no markdown marks). */
  text: string;
  /** Per word of `text` (splitWords with the video's language): drawn in the emphasis colour (the title's `**marks**`). */
  emphasis: readonly boolean[];
  durationS: number;
  /** The title repeats the first words of the narration (`hook: true`): captions wait until it is gone. */
  repeatsNarration: boolean;
}

export interface ProgressBarSpec {
  position: 'top' | 'bottom';
  colour: HexColour;
}

export type WatermarkSpec =
  | {
      kind: 'image';
      /** The logo's size in pixels (LogoFile's), for its shape in the box it is fitted into. */
      width: number;
      height: number;
      corner: Corner;
      opacity: number;
      /** 1: the default size (at most 18 % of the frame's width, 8 % of its height); 0.5..2 scales it. */
      scale: number;
    }
  | { kind: 'text'; text: string; corner: Corner; opacity: number; scale: number };

export interface EndCardSpec {
  text: string;
  emphasis: readonly boolean[];
  durationS: number;
  /** Seconds added after the narration (0: the card shows over the narration's last seconds). */
  extendS: number;
}

/** The overlays of one video, resolved; absent ones are null. */
export interface OverlaySpec {
  hook: HookSpec | null;
  progressBar: ProgressBarSpec | null;
  watermark: WatermarkSpec | null;
  endCard: EndCardSpec | null;
}

export const NO_OVERLAYS: OverlaySpec = { hook: null, progressBar: null, watermark: null, endCard: null };

/**
 * The overlays as a VideoSpec holds them, every default applied: what the request asked for,
 * before the pipeline resolves the text (a hook of the first sentence, emphasis marks) and
 * fetches the logo (OverlaySpec is what the render draws).
 */
export interface OverlayRequestSpec {
  /** `text` null: the script's first sentence. */
  hook: { text: string | null; durationS: number } | null;
  progressBar: ProgressBarSpec | null;
  watermark: (({ kind: 'image'; url: string } | { kind: 'text'; text: string }) & { corner: Corner; opacity: number; scale: number }) | null;
  endCard: { text: string; durationS: number; extendS: number } | null;
}

/** The logo of an image watermark as the worker fetched it: a PNG in the scratch dir, at most LOGO_MAX_SIDE a side. */
export interface LogoFile {
  path: string;
  width: number;
  height: number;
}

/** A logo is kept at most this large (pixels a side): the largest watermark box at 4K with scale 2 is smaller. */
export const LOGO_MAX_SIDE = 1024;

/**
 * The words the screen shows beyond the voice's timings, resolved once by the pipeline (the
 * language layer finds emphasis and the first sentence) and kept with the video's plan: which
 * caption words are emphasised, and the hook's and end card's text with theirs.
 */
export interface ScreenText {
  /** Per word of the narration (its display words, in order): drawn emphasised. */
  emphasis: boolean[];
  hook: { text: string; emphasis: boolean[]; repeatsNarration: boolean } | null;
  endCard: { text: string; emphasis: boolean[] } | null;
}
