// The watermark: a logo overlaid in a corner of the safe area, or a handle drawn as text by
// libass. The worker brings a logo in once as a PNG of at most LOGO_MAX_SIDE a side (logoArgs: an
// SVG drawn by ffmpeg's librsvg, WebP and JPEG decoded), kept with the video's plan; each chunk
// scales that one frame into its place, bakes its opacity in and overlays it. Pure.
import { LOGO_MAX_SIDE, type CaptionLook, type Corner, type WatermarkSpec } from '../../domain/look.ts';
import type { ImageFormat } from '../../domain/media.ts';
import { escapeAssText, type AssPart } from '../captions/ass-document.ts';
import { captionFont } from '../captions/fonts.ts';
import { estimateWidthPx } from '../captions/layout.ts';
import { assAlpha, assBgr } from '../captions/looks.ts';
import { IMAGE_FORMATS, STILL_FORMATS } from '../limits.ts';
import { HANDLE_BOX, type Rect } from './screen.ts';

/** A logo of `width`x`height` as kept: within LOGO_MAX_SIDE at its own shape; a bitmap is never blown up, an SVG is drawn that large. */
export function logoSize(width: number, height: number, format: ImageFormat): { width: number; height: number } {
  const fit = LOGO_MAX_SIDE / Math.max(width, height);
  const k = format === 'svg' ? fit : Math.min(1, fit);
  return { width: Math.max(2, Math.round(width * k)), height: Math.max(2, Math.round(height * k)) };
}

/**
 * ffmpeg arguments that bring a logo in: the image opened by its own demuxer (the image guard), an
 * SVG drawn by librsvg at `size`, a bitmap scaled there with Lanczos, written as an RGBA PNG.
 */
export function logoArgs(file: string, format: ImageFormat, size: { width: number; height: number }, outputFile: string): string[] {
  const svg = format === 'svg' ? ['-width', String(size.width), '-height', String(size.height), '-keep_ar', '0'] : [];
  return [
    '-f', IMAGE_FORMATS[format].demuxer,
    ...svg,
    '-i', file,
    '-frames:v', '1',
    '-vf', `scale=w=${size.width}:h=${size.height}:flags=lanczos,format=rgba`,
    '-f', 'image2', '-c:v', 'png',
    outputFile,
  ];
}

/** The chunk's input for the kept logo (a PNG, opened by its own demuxer): one frame, which the overlay repeats. */
export function watermarkInputArgs(logoFile: string): string[] {
  return ['-f', STILL_FORMATS.png.demuxer, '-i', logoFile];
}

/** Where a logo goes and how opaque it is: the plan's data for every chunk of an output. */
export interface LogoPlacement {
  place: Rect;
  opacity: number;
}

/**
 * A filter-graph fragment: the logo (input `input`) scaled into its place once, its opacity baked
 * into its alpha, over the video `from`, as `to`. The blend is fixed to 4:2:0 with the logo
 * converted once: left to `format=auto`, the overlay's RGBA input draws the whole chain before it
 * (scale, captions) into another pixel format, a third more CPU.
 */
export function watermarkOverlay(input: number, mark: LogoPlacement, from: string, to: string): string {
  const { place } = mark;
  const logo = `[${input}:v]scale=w=${place.x1 - place.x0}:h=${place.y1 - place.y0}:flags=lanczos,format=rgba,colorchannelmixer=aa=${round3(mark.opacity)},format=yuva420p[${to}_logo]`;
  return `${logo};[${from}][${to}_logo]overlay=x=${place.x0}:y=${place.y0}:format=yuv420:eof_action=repeat[${to}]`;
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
