// Where everything drawn over the footage goes on one frame, decided together so nothing
// collides and all of it stays inside the platform's safe area (captions/layout.ts): from each
// edge of the safe area inwards, a progress bar, then a watermark in that edge's corners, then
// captions at that edge; a hook title or end card takes the room the captions leave. Pure.
import type { OverlaySpec } from '../../domain/look.ts';
import type { Frame } from '../../domain/media.ts';
import type { CaptionOptions } from '../../domain/video-request.ts';
import { fontSizePx, safeArea } from '../captions/layout.ts';

export interface Rect {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

export interface ScreenLayout {
  /** The platform's safe area in pixels. */
  safe: Rect;
  /** The progress bar's track. */
  bar: Rect | null;
  /** Where the watermark goes, in its corner: a logo's exact place, a handle's box. */
  watermark: Rect | null;
  /** Pixels the captions move in from their edge to clear the bar and watermark there. */
  captionReserveV: number;
  /** The band the captions occupy (top, centre or bottom), null without captions. */
  captions: Rect | null;
  /** Where a hook title is centred and must fit (clear of the captions unless they wait for it); where an end card goes (clear of them unless it comes after the narration). */
  hook: Rect;
  endCard: Rect;
}

/** The placement of the captions that overlays must clear (null: no burned-in captions). */
export type CaptionPlacement = Pick<CaptionOptions, 'position' | 'font_size'> | null;

/** The bar's thickness: a thin line, 0.75 % of the short side (8 px at 1080p). */
export const barThickness = (frame: Frame) => Math.max(3, Math.round(0.0075 * Math.min(frame.width, frame.height)));
/** Space between stacked elements: 1.5 % of the short side. */
export const gapPx = (frame: Frame) => Math.round(0.015 * Math.min(frame.width, frame.height));
/** The largest box a watermark is fitted into at scale 1, as fractions of the frame. */
export const WATERMARK_MAX = { width: 0.18, height: 0.08 } as const;
/** A handle's box height as a multiple of its font size, and its width per character (bold Latin, with outline). */
export const HANDLE_BOX = { lineHeight: 1.3, charWidth: 0.5 } as const;
const handleAspect = (text: string) => Math.max(1, [...text].length * HANDLE_BOX.charWidth) / HANDLE_BOX.lineHeight;
/**
 * Height of a caption line's band as a multiple of its font size: the line itself, the pop
 * style's overshoot, an emphasised word's extra size, the outline and the boxed style's padding.
 */
const CAPTION_BAND = 1.7;

export function screenLayout(frame: Frame, captions: CaptionPlacement, overlays: Pick<OverlaySpec, 'progressBar' | 'watermark'> & { captionsWait?: boolean; endCardAfterCaptions?: boolean }): ScreenLayout {
  const s = safeArea(frame);
  // The bar and the full-width elements keep the same distance from both sides, so they sit centred.
  const side = Math.round(frame.width * Math.max(s.left, s.right));
  const safe: Rect = { x0: Math.round(frame.width * s.left), y0: Math.round(frame.height * s.top), x1: Math.round(frame.width * (1 - s.right)), y1: Math.round(frame.height * (1 - s.bottom)) };
  const gap = gapPx(frame);
  // How far each edge of the safe area is taken, from the edge inwards.
  const taken = { top: 0, bottom: 0 };

  let bar: Rect | null = null;
  const pb = overlays.progressBar;
  if (pb) {
    const t = barThickness(frame);
    bar = pb.position === 'top' ? { x0: side, y0: safe.y0, x1: frame.width - side, y1: safe.y0 + t } : { x0: side, y0: safe.y1 - t, x1: frame.width - side, y1: safe.y1 };
    taken[pb.position] += t + gap;
  }

  let watermark: Rect | null = null;
  const wm = overlays.watermark;
  if (wm) {
    // The box at the mark's own shape: a logo at its aspect ratio, a handle about as wide as its text.
    const maxW = frame.width * WATERMARK_MAX.width * wm.scale;
    const maxH = frame.height * WATERMARK_MAX.height * wm.scale;
    const aspect = wm.kind === 'image' ? wm.width / wm.height : handleAspect(wm.text);
    const k = Math.min(maxW / aspect, maxH);
    const w = Math.max(2, 2 * Math.floor((aspect * k) / 2));
    const h = Math.max(2, 2 * Math.floor(k / 2));
    const [v, hz] = wm.corner.split('-') as ['top' | 'bottom', 'left' | 'right'];
    const x0 = hz === 'left' ? safe.x0 : safe.x1 - w;
    const y0 = v === 'top' ? safe.y0 + taken.top : safe.y1 - taken.bottom - h;
    watermark = { x0, y0, x1: x0 + w, y1: y0 + h };
    taken[v] += h + gap;
  }

  const size = captions ? fontSizePx(frame, captions.font_size) : 0;
  const band = Math.round(size * CAPTION_BAND);
  let captionBand: Rect | null = null;
  let reserve = 0;
  if (captions) {
    if (captions.position === 'center') {
      const mid = Math.round(frame.height / 2);
      captionBand = { x0: safe.x0, y0: mid - Math.round(band / 2), x1: safe.x1, y1: mid + Math.round(band / 2) };
    } else {
      reserve = taken[captions.position];
      captionBand =
        captions.position === 'top'
          ? { x0: safe.x0, y0: safe.y0 + reserve, x1: safe.x1, y1: safe.y0 + reserve + band }
          : { x0: safe.x0, y0: safe.y1 - reserve - band, x1: safe.x1, y1: safe.y1 - reserve };
    }
  }

  // The free room between what the top and bottom edges hold.
  const free: Rect = { x0: side, y0: safe.y0 + taken.top, x1: frame.width - side, y1: safe.y1 - taken.bottom };
  const beside = (c: Rect | null): Rect => {
    if (!c) return free;
    const above = { ...free, y1: c.y0 - gap };
    const below = { ...free, y0: c.y1 + gap };
    return above.y1 - above.y0 >= below.y1 - below.y0 ? above : below;
  };
  const hook = beside(overlays.captionsWait ? null : captionBand);
  return { safe, bar, watermark, captionReserveV: reserve, captions: captionBand, hook, endCard: beside(overlays.endCardAfterCaptions ? null : captionBand) };
}
