// A storyboard: the video's plan made as a render would make it (voice, footage, music,
// timeline), plus a few spare clips per scene to swap in and a thumbnail of every clip, stored
// under the storyboard's prefix. Nothing is rendered; a video made from it later reuses all of it.
import { join } from 'node:path';
import type { SourceClip } from '../domain/media.ts';
import { estimateRender } from '../domain/estimate.ts';
import { STORYBOARD_VERSION, type StoryboardClip, type StoryboardResult, type TimedText } from '../domain/storyboard.ts';
import type { VideoPlan } from '../domain/video-plan.ts';
import type { VideoSpec } from '../domain/video-spec.ts';
import { scriptForms } from '../language/spoken-form.ts';
import { mapLimit } from '../lib/concurrency.ts';
import { round3 } from '../lib/numbers.ts';
import { buildCaptions } from '../media/captions/index.ts';
import { clipThumbnail } from '../media/clip-thumbnail.ts';
import { sentenceEndIndices } from '../domain/text.ts';
import type { FootageContext, FootageProvider } from '../providers/ports.ts';
import { findFootage } from './footage.ts';
import { newFootageContext, planFootageParts, type FootagePart } from './footage-plan.ts';
import type { PipelineDeps, PipelineRun, TaskStorage } from './pipeline-deps.ts';
import type { BlobStore } from '../platform/ports.ts';
import { savePlan } from './plan-store.ts';
import { prepareVideo, STAGE_STARTS } from './produce-video.ts';
import { storyboardPrefix } from './storyboard-plan.ts';

/** Spare clips looked for per scene: enough to choose from, few enough to download quickly. */
export const CANDIDATES_PER_SCENE = 3;

/** Thumbnail key of a storyboard's clip. */
export const thumbnailKey = (storyboardId: string, clip: number) => `${storyboardPrefix(storyboardId)}thumbs/${clip}.jpg`;

/** A storyboard is kept by the service: its run always has the storage the storyboard lives in. */
export async function prepareStoryboard(deps: PipelineDeps, run: PipelineRun & { storage: TaskStorage }): Promise<{ storyboard: StoryboardResult; warnings: string[] }> {
  const { spec, dir, signal, report } = run;
  const { blobs, taskId: id, prefix } = run.storage;
  const { frame } = spec.outputs[0]!;
  const footage = await newFootageContext(deps.footage, run.owner, run.downloads);

  report('speech', STAGE_STARTS.speech);
  const plan = await prepareVideo(deps, { ...run, footage });
  const forms = scriptForms(spec.scenes.map((s) => s.text), spec.language);

  report('footage', 40);
  const parts = await planFootageParts(spec, forms);
  const spare = await findCandidates(deps, { spec, plan, parts, footage, dir, signal });
  const clips = [...plan.clips, ...spare.flat()];
  let next = plan.clips.length;
  const candidates = spare.map((list) => list.map(() => next++));

  report('footage', 60);
  await thumbnails(deps, blobs, { storyboardId: id, plan: { ...plan, clips }, frame, dir, signal });

  report('upload', STAGE_STARTS.upload);
  // The plan with the candidates among its clips: a swap needs their files too.
  // Its narration is kept there already (prepareVideo): only the rest goes up.
  await savePlan(blobs, prefix, { ...plan, clips }, dir, { narrationKept: true });

  const { words, sentenceEnds, durationS } = plan.narration;
  const captions = buildCaptions(words, sentenceEnds, durationS, spec.captions.look, frame, spec.language);
  const sceneOf = (t: number) => Math.max(0, plan.pieces.findLastIndex((p) => p.start_s <= t + 1e-6));
  return {
    storyboard: {
      version: STORYBOARD_VERSION,
      duration_s: round3(durationS),
      width: frame.width,
      height: frame.height,
      scenes: plan.pieces,
      sentences: sentencesOf(plan, spec.language, captions?.font.noSpaces ?? false),
      captions: (captions?.lines ?? []).map((l) => ({ start_s: round3(l.start), end_s: round3(l.end), text: l.text })),
      clips: clips.map((c, i) => clipRecord(c, i, id)),
      pieces: plan.segments.map((s) => ({
        start_s: round3(s.start),
        end_s: round3(s.start + s.duration),
        scene: sceneOf(s.start + s.duration / 2),
        clip: s.clip,
        source_start_s: s.sourceStart,
        planned_clip: s.clip,
        planned_source_start_s: s.sourceStart,
      })),
      candidates,
      usage: {
        speech_provider: deps.speech.name,
        speech_characters: forms.spoken.length,
        pexels_requests: deps.footage.searchesPerVideo - footage.searchesLeft,
        clip_downloads: clips.filter((c) => c.kind === 'file' && !c.id?.startsWith('dir:') && c.path.startsWith(dir)).length,
      },
      estimate: estimateRender(durationS, frame, deps.encode?.preset ?? 'veryfast'),
    },
    warnings: plan.warnings,
  };
}

/**
 * Per scene, up to CANDIDATES_PER_SCENE clips its own search found besides those the video took
 * (searches are cached, so most cost no request). A scene's own clip_url has no alternatives; a
 * video of generated backgrounds gets other backgrounds. Best effort: a failed search leaves a
 * scene without spares rather than failing the storyboard.
 */
async function findCandidates(
  deps: PipelineDeps,
  o: { spec: VideoSpec; plan: VideoPlan; parts: FootagePart[]; footage: FootageContext; dir: string; signal: AbortSignal },
): Promise<SourceClip[][]> {
  const generatedOnly = o.plan.clips.every((c) => c.kind === 'generated');
  const { frame, orientation } = o.spec.outputs[0]!;
  for (const c of o.plan.clips) if (c.kind === 'file' && c.id) o.footage.taken.add(c.id);
  return Promise.all(
    o.parts.map(async (part, i) => {
      const providers: FootageProvider[] = generatedOnly ? [deps.footage.generated] : deps.footage.sources(o.spec, part.sourceIndex).filter((p) => p.name !== 'clip_urls');
      const ignored: string[] = [];
      try {
        return await findFootage(
          providers,
          {
            query: part.query,
            ...(part.fallbacks ? { fallbacks: part.fallbacks } : {}),
            count: CANDIDATES_PER_SCENE,
            minTotalS: 0,
            orientation,
            width: frame.width,
            height: frame.height,
            // Other choices than the plan's, and other backgrounds when those are all there is.
            seed: o.spec.seed + 7919 * (i + 1),
            context: o.footage,
          },
          o.dir,
          o.signal,
          ignored,
        );
      } catch (err) {
        if (o.signal.aborted) throw err;
        deps.log.warn({ scene: i, err: (err as Error).message }, 'no candidates for a scene of the storyboard');
        return [];
      }
    }),
  );
}

/** A thumbnail of every clip: of the span its first piece plays, or of its middle for a candidate. */
async function thumbnails(
  deps: PipelineDeps,
  blobs: BlobStore,
  o: { storyboardId: string; plan: VideoPlan; frame: { width: number; height: number }; dir: string; signal: AbortSignal },
): Promise<void> {
  await mapLimit(o.plan.clips, deps.cpu.capacity, async (clip, i) => {
    const first = o.plan.segments.find((s) => s.clip === i);
    const atS = first ? first.sourceStart + first.duration / 2 : clip.durationS / 2;
    const file = `thumb-${i}.jpg`;
    await deps.cpu.with(1, o.signal, () => clipThumbnail(deps.tools, { clip, atS: Math.min(atS, Math.max(0, clip.durationS - 0.1)), frame: o.frame, dir: o.dir, file, signal: o.signal }));
    await blobs.put(thumbnailKey(o.storyboardId, i), join(o.dir, file), { contentType: 'image/jpeg', cacheControl: 'private, max-age=86400' });
  });
}

function clipRecord(c: SourceClip, index: number, storyboardId: string): StoryboardClip {
  const thumbnail_key = thumbnailKey(storyboardId, index);
  if (c.kind === 'generated') return { index, provider: 'generated', source_id: null, duration_s: round3(c.durationS), credit: null, thumbnail_key };
  const [kind, ...rest] = (c.id ?? '').split(':');
  const provider = c.credit?.provider ?? (kind === 'dir' ? 'footage_dir' : 'clip_urls');
  const sourceId = kind === 'dir' ? (rest.join(':').split('/').pop() ?? null) : rest.length ? rest.join(':') : null;
  return { index, provider, source_id: sourceId, duration_s: round3(c.durationS), credit: c.credit, thumbnail_key };
}

/** Each sentence of the narration with its times, in the words the captions show (scenes are cut into their sentences). */
function sentencesOf(plan: VideoPlan, language: string | undefined, noSpaces: boolean): TimedText[] {
  const { words } = plan.narration;
  const texts = words.map((w) => w.text);
  const ends = new Set([...plan.narration.sentenceEnds, ...sentenceEndIndices(texts.join(noSpaces ? '' : ' '), texts, language), words.length]);
  const out: TimedText[] = [];
  let from = 0;
  for (const end of [...ends].sort((a, b) => a - b)) {
    const ws = words.slice(from, end).filter((w) => w.text.trim());
    from = Math.max(from, end);
    if (ws.length === 0) continue;
    out.push({ start_s: round3(ws[0]!.start), end_s: round3(ws.at(-1)!.end), text: ws.map((w) => w.text).join(noSpaces ? '' : ' ') });
  }
  return out;
}
