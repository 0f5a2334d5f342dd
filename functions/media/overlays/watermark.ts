// The watermark: a logo (PNG, WebP or SVG, rasterised once by ffmpeg, whose librsvg decoder draws
// SVG) overlaid in a corner of the safe area, or a handle drawn as text by libass. The logo is
// fitted into the corner's box at its own aspect ratio, its opacity baked into the raster, so each
// chunk only overlays one small still image. Pure.
import type { CaptionLook, Corner, WatermarkSpec } from '../../domain/look.ts';
import { escapeAssText, type AssPart } from '../captions/ass-document.ts';
import { captionFont } from '../captions/fonts.ts';
import { estimateWidthPx } from '../captions/layout.ts';
import { assAlpha, assBgr } from '../captions/looks.ts';
import { HANDLE_BOX, type Rect } from './screen.ts';

type ImageMark = Extract<WatermarkSpec, { kind: 'image' }>;

/**
 * ffmpeg arguments that rasterise the logo once, at the size it is drawn, with its opacity in its
 * alpha channel, as a PNG. An SVG is drawn by librsvg at that size (sharp at any scale); PNG and
 * WebP are scaled with Lanczos.
 */
export function rasterizeWatermarkArgs(mark: Pick<ImageMark, 'file' | 'format' | 'opacity'>, place: Rect, outputFile: string): string[] {
  const w = place.x1 - place.x0;
  const h = place.y1 - place.y0;
  const svg = mark.format === 'svg' ? ['-width', String(w), '-height', String(h), '-keep_ar', '0'] : [];
  return [
    ...svg,
    '-i', mark.file,
    '-frames:v', '1',
    '-vf', `scale=w=${w}:h=${h}:flags=lanczos,format=rgba,colorchannelmixer=aa=${round3(mark.opacity)}`,
    '-f', 'image2', '-c:v', 'png',
    outputFile,
  ];
}

/** The chunk's input for the rasterised logo: one still frame, which overlay repeats. */
export function watermarkInputArgs(rasterFile: string): string[] {
  return ['-i', rasterFile];
}

/**
 * A filter-graph fragment: the logo (input `input`) over the video `from`, as `to`. The blend is
 * fixed to 4:2:0 with the logo converted once: left to `format=auto`, the overlay's RGBA input
 * draws the whole chain before it (scale, captions) into another pixel format, a third more CPU.
 */
export function watermarkOverlay(input: number, place: Rect, from: string, to: string): string {
  return `[${input}:v]format=yuva420p[${to}_logo];[${from}][${to}_logo]overlay=x=${place.x0}:y=${place.y0}:format=yuv420:eof_action=repeat[${to}]`;
}

const ALIGN: Record<Corner, number> = { 'top-left': 7, 'top-right': 9, 'bottom-left': 1, 'bottom-right': 3 };

/** A handle as text in its box (screen.ts): the look's face, as large as fits, at its opacity. */
export function textWatermarkPart(mark: Extract<WatermarkSpec, { kind: 'text' }>, box: Rect, durationS: number, look: CaptionLook, language?: string): AssPart {
  const font = captionFont(mark.text, language, look.font);
  const w = box.x1 - box.x0;
  const h = box.y1 - box.y0;
  const byWidth = w / Math.max(1e-6, estimateWidthPx(mark.text, font, 1));
  const size = Math.max(8, Math.floor(Math.min(h / HANDLE_BOX.lineHeight, byWidth)));
  const [v, hz] = mark.corner.split('-');
  const x = hz === 'left' ? box.x0 : box.x1;
  const y = v === 'top' ? box.y0 : box.y1;
  const alpha = assAlpha(mark.opacity);
  return {
    styles: [
      {
        name: 'Mark',
        family: font.family,
        size,
        bold: font.bold,
        primary: `&H00${assBgr(look.text)}`,
        secondary: `&H00${assBgr(look.text)}`,
        outlineColour: '&H00000000',
        back: '&H80000000',
        borderStyle: 1,
        outline: Math.max(1, Math.round(size * 0.06)),
        shadow: Math.max(1, Math.round(size * 0.05)),
        alignment: ALIGN[mark.corner],
        marginL: 0,
        marginR: 0,
        marginV: 0,
      },
    ],
    events: [{ layer: 5, startCs: 0, endCs: Math.ceil(durationS * 100) + 1, style: 'Mark', text: `{\\an${ALIGN[mark.corner]}\\pos(${x},${y})\\alpha&H${alpha}&\\q2}${escapeAssText(mark.text)}` }],
  };
}

const round3 = (n: number) => Math.round(n * 1000) / 1000;
