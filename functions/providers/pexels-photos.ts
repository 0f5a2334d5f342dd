// What is particular to Pexels photos: the Photo resource of `GET /v1/search`, the size to ask
// the image CDN for (a photo is shown whole only through a cover crop, and motion zooms into it),
// and the credit Pexels asks for ("Photo by X on Pexels", linking the photo page).
import { STILL_SHOT_S } from '../domain/media.ts';
import type { Candidate } from './pexels.ts';

/** The Photo resource (Pexels API docs); every field is checked before use. */
interface PexelsPhoto {
  id: number;
  width?: number;
  height?: number;
  url?: string;
  photographer?: string;
  photographer_url?: string;
  src?: Partial<Record<'original' | 'large2x' | 'large' | 'medium' | 'small' | 'portrait' | 'landscape' | 'tiny', string>>;
  alt?: string;
}

/**
 * How much larger than the frame's cover a photo is asked for: slow zooms and pans (up to about
 * 15 %) then sample it down, never up, and the zoom filter supersamples for free.
 */
export const PHOTO_OVERSCAN = 1.25;
/** A photo that needs more upscaling than this to fill the frame is too small to show. */
const MAX_PHOTO_UPSCALE = 1.5;

/**
 * The file of a photo to download for a width×height frame: the original through the image CDN,
 * sized (`w`, `h`, the aspect kept) to cover the frame with PHOTO_OVERSCAN to spare, compressed
 * (`auto=compress&cs=tinysrgb`, as every `src` size Pexels lists); the original itself when it is
 * no larger than that. Null when the photo is too small for the frame or lists no usable file.
 * Pure, exported for tests.
 */
export function photoRendition(photo: { width?: number; height?: number; src?: PexelsPhoto['src'] }, width: number, height: number): { link: string; width: number; height: number } | null {
  const pw = photo.width;
  const ph = photo.height;
  const original = photo.src?.original;
  if (!(typeof pw === 'number' && pw > 0 && typeof ph === 'number' && ph > 0) || typeof original !== 'string') return null;
  let url: URL;
  try {
    url = new URL(original);
  } catch {
    return null;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return null;
  const cover = Math.max(width / pw, height / ph);
  if (cover > MAX_PHOTO_UPSCALE) return null;
  const scale = cover * PHOTO_OVERSCAN;
  if (scale >= 1) return { link: url.href, width: pw, height: ph };
  const w = Math.ceil(pw * scale);
  const h = Math.ceil(ph * scale);
  url.search = new URLSearchParams({ auto: 'compress', cs: 'tinysrgb', w: String(w), h: String(h) }).toString();
  return { link: url.href, width: w, height: h };
}

/** A photo of a search answer as a download candidate, or null when it is not usable. */
export function photoCandidate(item: unknown, query: string, width: number, height: number): Candidate | null {
  if (!item || typeof item !== 'object' || typeof (item as PexelsPhoto).id !== 'number') return null;
  const p = item as PexelsPhoto;
  const file = photoRendition(p, width, height);
  if (!file) return null;
  const author = typeof p.photographer === 'string' && p.photographer ? p.photographer : null;
  return {
    mediaId: p.id,
    query,
    fileKey: `${file.width}x${file.height}`,
    link: file.link,
    width: file.width,
    height: file.height,
    declaredS: STILL_SHOT_S,
    credit: {
      provider: 'pexels',
      author,
      author_url: typeof p.photographer_url === 'string' ? p.photographer_url : null,
      video_url: null,
      photo_url: typeof p.url === 'string' ? p.url : null,
      attribution: `Photo by ${author ?? 'an unnamed photographer'} on Pexels`,
    },
  };
}
