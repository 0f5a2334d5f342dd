// Where a scene's footage comes from, and in what order the sources are tried: the clips the
// request names, Pexels, FOOTAGE_DIR; each source tops up what the previous one left short.
// Generated backgrounds are not among them: they are the video's last resort (footage-plan.ts).
import type { VideoSpec } from '../domain/video-spec.ts';
import type { SourceClip } from '../domain/media.ts';
import type { FootageProvider, FootageRequest } from '../providers/ports.ts';

export interface FootageSources {
  /** The clips a request names by URL; `fields` are their request paths, for messages. */
  urls: (urls: string[], fields: string[]) => FootageProvider;
  pexels: FootageProvider | null;
  dir: FootageProvider | null;
}

/**
 * The sources for one scene, in the order they are tried. A scene's own clip_url comes first;
 * the request's clip_urls serve the first scene (explicit intent before any search).
 */
export function footageOrder(sources: FootageSources): (spec: Pick<VideoSpec, 'scenes' | 'footage'>, sceneIndex: number) => FootageProvider[] {
  return (spec, sceneIndex) => {
    const scene = spec.scenes[sceneIndex];
    const urls = spec.footage.clipUrls;
    const named = scene?.clip_url
      ? sources.urls([scene.clip_url], [`scenes.${sceneIndex}.clip_url`])
      : sceneIndex === 0 && urls
        ? sources.urls(urls, urls.map((_, i) => `clip_urls.${i}`))
        : null;
    return [named, sources.pexels, sources.dir].filter((p): p is FootageProvider => p !== null);
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
