// A storyboard: the video's plan made as a render would make it (voice, footage, music,
// timeline), plus a few spare clips per scene to swap in and a thumbnail of every clip, stored
// under the storyboard's prefix. Nothing is rendered; a video made from it later reuses all of it.
import { basename, join } from 'node:path';
import type { SourceClip } from '../domain/media.ts';
import { estimateRender } from '../domain/estimate.ts';
import { STORYBOARD_VERSION, type StoryboardClip, type StoryboardResult, type StoryboardScreen, type TimedText } from '../domain/storyboard.ts';
import type { VideoPlan } from '../domain/video-plan.ts';
import type { VideoSpec } from '../domain/video-spec.ts';
import { scriptForms } from '../language/spoken-form.ts';
import { mapLimit } from '../lib/concurrency.ts';
import { round3 } from '../lib/numbers.ts';
import { stage } from '../lib/stage-timings.ts';
import { buildCaptions } from '../media/captions/index.ts';
import { clipThumbnail } from '../media/clip-thumbnail.ts';
import { normaliseNarration } from '../media/loudness.ts';
import { pieceVisuals, sceneStarts } from '../media/piece-visuals.ts';
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
  const [spare, narrationKey] = await Promise.all([findCandidates(deps, { spec, plan, parts, footage, dir, signal }), voicePreview(deps, blobs, { plan, prefix, dir, signal })]);
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
  const captions = buildCaptions(words, sentenceEnds, durationS, spec.captions.look, frame, spec.language, { look: spec.captions.appearance });
  const sceneOf = (t: number) => Math.max(0, plan.pieces.findLastIndex((p) => p.start_s <= t + 1e-6));
  // As the render will plan them (media/piece-visuals.ts).
  const visuals = pieceVisuals(plan.segments, {
    visuals: spec.visuals,
    seed: spec.seed,
    clips: plan.clips,
    scenes: spec.scenes,
    sceneStartsS: sceneStarts(plan.pieces, spec.scenes.length),
    footage: plan.pieces,
    generatedSize: frame,
    language: spec.language,
  });
  return {
    storyboard: {
      version: STORYBOARD_VERSION,
      duration_s: round3(durationS),
      narration_key: narrationKey,
      screen: screenOf(spec, plan, prefix),
      width: frame.width,
      height: frame.height,
      scenes: plan.pieces,
      sentences: sentencesOf(plan, spec.language, captions?.font.noSpaces ?? false),
      captions: (captions?.lines ?? []).map((l) => ({ start_s: round3(l.start), end_s: round3(l.end), text: l.text })),
      clips: clips.map((c, i) => clipRecord(c, i, id)),
      pieces: plan.segments.map((s, i) => ({
        start_s: round3(s.start),
        end_s: round3(s.start + s.duration),
        scene: sceneOf(s.start + s.duration / 2),
        clip: s.clip,
        source_start_s: s.sourceStart,
        planned_clip: s.clip,
        planned_source_start_s: s.sourceStart,
        visual: visuals[i]!,
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
 * The voice as the video will carry it, stored for the storyboard's preview to play (its key): a
 * render applies the narration's gain in its soundtrack, the preview gets a file of it. A
 * narration an earlier attempt kept before the gain moved there is that file already.
 */
async function voicePreview(deps: PipelineDeps, blobs: BlobStore, o: { plan: VideoPlan; prefix: string; dir: string; signal: AbortSignal }): Promise<string> {
  const { narration } = o.plan;
  if (narration.gainDb === undefined) return `${o.prefix}${basename(narration.audioPath)}`;
  const preview = await stage('loudness', () => normaliseNarration(deps.tools, narration, o.dir, o.signal));
  const key = `${o.prefix}${basename(preview.audioPath)}`;
  await blobs.put(key, preview.audioPath, { contentType: 'audio/wav' });
  return key;
}

/** What the video shows over its footage and when (the plan's resolved titles; the logo as kept beside it). */
function screenOf(spec: VideoSpec, plan: VideoPlan, prefix: string): StoryboardScreen {
  const o = spec.overlays;
  const narrationS = plan.narration.durationS;
  const videoS = narrationS + (o.endCard?.extendS ?? 0);
  const hook = o.hook && plan.screen?.hook ? { start_s: 0, end_s: round3(Math.min(videoS, o.hook.durationS)), text: plan.screen.hook.text } : null;
  const endCard = o.endCard && plan.screen?.endCard ? { start_s: round3(Math.max(0, videoS - o.endCard.durationS)), end_s: round3(videoS), text: plan.screen.endCard.text } : null;
  const w = o.watermark;
  const c = spec.captions;
  return {
    duration_s: round3(videoS),
    captions: c.burnIn ? { style: c.look.style, position: c.look.position, font_size: c.look.font_size, look: c.appearance } : null,
    hook,
    end_card: endCard,
    progress_bar: o.progressBar ? { position: o.progressBar.position, color: o.progressBar.colour } : null,
    watermark: w
      ? { position: w.corner, opacity: w.opacity, scale: w.scale, text: w.kind === 'text' ? w.text : null, logo_key: w.kind === 'image' && plan.logo ? `${prefix}${basename(plan.logo.path)}` : null }
      : null,
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
      const providers: FootageProvider[] = generatedOnly ? [deps.footage.generated] : deps.footage.sources(o.spec, part.sourceIndex, o.spec.visuals.media).filter((p) => p.name !== 'clip_urls');
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
  const description = describeClip(c);
  if (c.kind === 'generated') return { index, provider: 'generated', source_id: null, duration_s: round3(c.durationS), description, credit: null, thumbnail_key };
  const [kind, ...rest] = (c.id ?? '').split(':');
  const provider = c.credit?.provider ?? (kind === 'dir' ? 'footage_dir' : 'clip_urls');
  const sourceId = kind === 'dir' ? (rest.join(':').split('/').pop() ?? null) : rest.length ? rest.join(':') : null;
  return { index, provider, source_id: sourceId, duration_s: round3(c.durationS), description, credit: c.credit, thumbnail_key };
}

/**
 * What a clip shows, in words, for a person choosing between clips: the name of its page at the
 * provider (pexels.com names a video's page after it: "aerial-view-of-a-beach-856381"), else the
 * search that found it, else its file's name. Exported for tests.
 */
export function describeClip(c: SourceClip): string {
  if (c.kind === 'generated') return 'a generated colour background';
  const words = (s: string) => s.replace(/\.[A-Za-z0-9]{2,4}$/, '').replace(/[-_+.]+/g, ' ').replace(/\s+/g, ' ').trim();
  const page = c.credit?.video_url ?? c.credit?.photo_url;
  const name = page ? decodeURIComponent(new URL(page).pathname.split('/').filter(Boolean).pop() ?? '') : '';
  const slug = words(name.replace(/-?\d+$/, ''));
  if (slug && !/^\d+$/.test(slug)) return slug;
  if (c.query) return `found by searching "${c.query}"`;
  // A file of FOOTAGE_DIR by its name; one the request named by URL is kept under a name of ours.
  const [kind, ...rest] = (c.id ?? '').split(':');
  const file = kind === 'dir' ? words(rest.join(':').split('/').pop() ?? '') : '';
  return file || (c.still ? 'your photo (clip_urls)' : 'your clip (clip_urls)');
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
