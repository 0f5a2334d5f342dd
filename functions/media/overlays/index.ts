// Everything drawn over the footage for one output, planned at once: where each element goes
// (screen.ts), the overlays libass draws (hook, end card, progress bar, a handle), the logo's
// placement, what the captions must do to clear them, and the video's length. The planner calls
// this once per output and draws the captions with `captionExtras`; every chunk then burns the
// events of its span and overlays the logo (media/render-plan.ts). Pure.
import type { CaptionLook, OverlaySpec } from '../../domain/look.ts';
import type { Frame } from '../../domain/media.ts';
import type { CaptionOptions } from '../../domain/video-request.ts';
import { OUTPUT_FPS } from '../chunks.ts';
import type { AssPart } from '../captions/ass-document.ts';
import { endCardPart, endCardWindow, videoDurationS } from './end-card.ts';
import { hookPart } from './hook.ts';
import { progressBarPart } from './progress-bar.ts';
import { screenLayout, type Rect, type ScreenLayout } from './screen.ts';
import { textWatermarkPart } from './watermark.ts';

export interface ScreenInput {
  frame: Frame;
  /** The narration's length; the video may run longer (an end card's extension). */
  narrationS: number;
  captions: CaptionOptions | false;
  look: CaptionLook;
  overlays: OverlaySpec;
  language?: string | undefined;
  fps?: number;
}

export interface ScreenPlan {
  layout: ScreenLayout;
  /** For buildCaptions' extras: clear the bar and watermark at the captions' edge; wait for a hook that repeats the narration. */
  captionExtras: { reserveV?: number; notBeforeS?: number };
  /** The overlays libass draws, for the same document as the captions. */
  parts: AssPart[];
  /** An image watermark's place: every chunk scales the kept logo into it and overlays it (watermarkOverlay). */
  watermarkImage: { place: Rect } | null;
  /** The whole video's length (narration plus any end card extension). */
  durationS: number;
}

export function planScreen(i: ScreenInput): ScreenPlan {
  const { overlays: o, frame, look } = i;
  const fps = i.fps ?? OUTPUT_FPS;
  const durationS = videoDurationS(i.narrationS, o.endCard);
  const captionsWait = !!o.hook?.repeatsNarration;
  const endCardAfterCaptions = !!o.endCard && endCardWindow(i.narrationS, o.endCard).startS >= i.narrationS;
  const placement = i.captions === false ? null : { position: i.captions.position, font_size: i.captions.font_size };
  const layout = screenLayout(frame, placement, { progressBar: o.progressBar, watermark: o.watermark, captionsWait, endCardAfterCaptions });

  const parts: AssPart[] = [];
  if (o.progressBar && layout.bar) parts.push(progressBarPart(o.progressBar, layout.bar, durationS, fps));
  if (o.hook) parts.push(hookPart(o.hook, layout.hook, frame, look, i.language, fps));
  if (o.endCard) parts.push(endCardPart(o.endCard, i.narrationS, layout.endCard, frame, look, i.language, fps));
  let watermarkImage: ScreenPlan['watermarkImage'] = null;
  if (o.watermark && layout.watermark) {
    if (o.watermark.kind === 'text') parts.push(textWatermarkPart(o.watermark, layout.watermark, durationS, look, i.language));
    else watermarkImage = { place: layout.watermark };
  }
  const captionExtras: ScreenPlan['captionExtras'] = {
    ...(layout.captionReserveV ? { reserveV: layout.captionReserveV } : {}),
    ...(captionsWait && o.hook ? { notBeforeS: o.hook.durationS } : {}),
  };
  return { layout, captionExtras, parts, watermarkImage, durationS };
}

export { assDocument, type AssPart, type Span } from '../captions/ass-document.ts';
export { endCardWindow, extendTimeline, videoDurationS } from './end-card.ts';
export { logoArgs, logoSize, watermarkInputArgs, watermarkOverlay, type LogoPlacement } from './watermark.ts';
export { progressAt } from './progress-bar.ts';
export type { Rect, ScreenLayout } from './screen.ts';
