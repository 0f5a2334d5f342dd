// What kind of stock footage a video is made of: `media` in a request (issue 23). The field is
// added to the VideoSpec with the render plan; the footage side takes the mode as a parameter.
import { z } from 'zod';

/**
 * `videos`: stock video, photos filling in where video runs short (before any clip repeats or
 * generated backgrounds); `photos`: stock photos (with motion), video filling in; `both`: half of
 * each, interleaved.
 */
export const MEDIA_MODES = ['videos', 'photos', 'both'] as const;
export type MediaMode = (typeof MEDIA_MODES)[number];
export const DEFAULT_MEDIA_MODE: MediaMode = 'videos';

/** The request field, ready for the VideoSpec: `media: MediaModeSchema`. */
export const MediaModeSchema = z
  .enum(MEDIA_MODES, { error: 'must be "videos", "photos" or "both": what the stock footage is made of' })
  .optional()
  .meta({
    default: DEFAULT_MEDIA_MODE,
    description:
      'Stock footage from video clips (`videos`, the default; photos fill in where video runs short, before any clip repeats), ' +
      'from photos with motion (`photos`; video fills in), or from both, interleaved (`both`). Photos come from the Pexels Photos API ' +
      '(with PEXELS_API_KEY) and are credited "Photo by … on Pexels"; clip_urls may name JPEG, PNG or WebP images in any mode.',
  });
