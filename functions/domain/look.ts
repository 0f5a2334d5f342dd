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
      /** The logo as the probe gate let it in: a PNG, WebP or SVG file in the task dir. */
      file: string;
      format: 'png' | 'webp' | 'svg';
      /** Its size in pixels (an SVG's intrinsic size), for the box it is fitted into. */
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
