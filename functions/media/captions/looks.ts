// Colours of a caption look as ASS writes them. The looks themselves are vocabulary every layer
// (and the studio's preview) shares: domain/look.ts. Pure.
import type { HexColour } from '../../domain/look.ts';

export { LOOKS, resolveLook, type CaptionLookOptions } from '../../domain/look.ts';

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
