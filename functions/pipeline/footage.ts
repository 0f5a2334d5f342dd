// Where a scene's footage comes from, and in what order the sources are tried: the clips the
// request names, Pexels (videos and photos, in the order the request's media mode says), then
// FOOTAGE_DIR; each source tops up what the previous one left short. Generated backgrounds are
// not among them: they are the video's last resort (footage-plan.ts).
import { DEFAULT_MEDIA_MODE, type MediaMode } from '../domain/footage-media.ts';
import type { VideoSpec } from '../domain/video-spec.ts';
import type { SourceClip } from '../domain/media.ts';
import type { FootageProvider, FootageRequest, FootageResult } from '../providers/ports.ts';

export interface FootageSources {
  /** The clips a request names by URL; `fields` are their request paths, for messages. */
  urls: (urls: string[], fields: string[]) => FootageProvider;
  pexels: FootageProvider | null;
  /** Pexels photos (the same key and limits as its videos). */
  pexelsPhotos?: FootageProvider | null;
  dir: FootageProvider | null;
}

/** The sources of one scene, in the order they are tried. */
export type FootageOrder = (spec: Pick<VideoSpec, 'scenes' | 'footage'>, sceneIndex: number, media?: MediaMode) => FootageProvider[];

/**
 * The sources for one scene, in the order they are tried. A scene's own clip_url comes first;
 * the request's clip_urls serve the first scene (explicit intent before any search). Then stock
 * footage by `media`: videos with photos filling in where they run short (before a clip repeats),
 * photos with videos filling in, or both interleaved; then FOOTAGE_DIR.
 */
export function footageOrder(sources: FootageSources): FootageOrder {
  const videos = sources.pexels;
  const photos = sources.pexelsPhotos ?? null;
  const mixed = videos && photos ? interleaved(videos, photos) : null;
  const stock: Record<MediaMode, (FootageProvider | null)[]> = {
    videos: [videos, photos],
    photos: [photos, videos],
    both: [mixed, videos, photos],
  };
  return (spec, sceneIndex, media = DEFAULT_MEDIA_MODE) => {
    const scene = spec.scenes[sceneIndex];
    const urls = spec.footage.clipUrls;
    const named = scene?.clip_url
      ? sources.urls([scene.clip_url], [`scenes.${sceneIndex}.clip_url`])
      : sceneIndex === 0 && urls
        ? sources.urls(urls, urls.map((_, i) => `clip_urls.${i}`))
        : null;
    return [named, ...stock[media], sources.dir].filter((p): p is FootageProvider => p !== null);
  };
}

/**
 * Half the footage from each source, searched at once and interleaved (a video, a photo, …), so
 * the timeline alternates them; what one leaves short, the sources after it in the order fill.
 */
export function interleaved(a: FootageProvider, b: FootageProvider): FootageProvider {
  return {
    name: `${a.name}+${b.name}`,
    async find(req: FootageRequest, dir: string, signal: AbortSignal): Promise<FootageResult> {
      const half = (share: number): FootageRequest => ({ ...req, count: Math.max(1, Math.ceil(req.count * share)), minTotalS: req.minTotalS * share });
      const [ra, rb] = await Promise.all([a.find(half(0.5), dir, signal), b.find(half(0.5), dir, signal)]);
      const clips: SourceClip[] = [];
      for (let i = 0; i < Math.max(ra.clips.length, rb.clips.length); i++) {
        if (ra.clips[i]) clips.push(ra.clips[i]!);
        if (rb.clips[i]) clips.push(rb.clips[i]!);
      }
      return { clips, warnings: [...ra.warnings, ...rb.warnings] };
    },
  };
}

/** Asks each source in turn until the part has enough footage; warnings collect what went short. May find nothing. */
export async function findFootage(
  providers: FootageProvider[],
  want: FootageRequest,
  dir: string,
  signal: AbortSignal,
  warnings: string[],
): Promise<SourceClip[]> {
  const found: SourceClip[] = [];
  let total = 0;
  for (const provider of providers) {
    const result = await provider.find({ ...want, minTotalS: want.minTotalS - total, count: want.count - found.length }, dir, signal);
    warnings.push(...result.warnings);
    found.push(...result.clips);
    total += result.clips.reduce((s, c) => s + c.durationS, 0);
    if (found.length > 0 && total >= want.minTotalS) break;
  }
  return found;
}
