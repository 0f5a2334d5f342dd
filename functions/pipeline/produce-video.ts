// speech → footage → timeline → render → publish, for one task, inside its scratch dir.
// Voice and footage run at the same time; footage is sized from an estimate of the narration
// and topped up if the real narration turns out longer.
import { join } from 'node:path';
import type { Stage, TaskOutput, TaskRecord } from '../domain/task.ts';
import { frameSize, scenesOf, type VideoRequest } from '../domain/video-request.ts';
import { TaskError } from '../errors.ts';
import type { Logger } from '../log.ts';
import type { MediaTools } from '../media/tools.ts';
import { normaliseNarration } from '../media/loudness.ts';
import { renderVideo } from '../media/render.ts';
import type { EncodeSettings } from '../media/render-args.ts';
import { probeMedia } from '../media/probe.ts';
import { downloadToFile } from '../net/download.ts';
import type { BlobStore } from '../platform/ports.ts';
import type { FootageProvider, SpeechProvider } from '../providers/ports.ts';
import { findFootage } from './footage.ts';
import { planTimeline } from './timeline.ts';
import { blobKeys } from './blob-keys.ts';
import { splitSentences } from '../domain/text.ts';
import { queryFor } from './query.ts';
import { sceneSpans } from './scene-spans.ts';
import type { Credit, SourceClip } from '../domain/media.ts';
import { round3 } from '../lib/numbers.ts';

export interface PipelineDeps {
  tools: MediaTools;
  /** x264 preset and CRF of the render (RENDER_PRESET, RENDER_CRF). */
  encode?: Partial<EncodeSettings>;
  speech: SpeechProvider;
  /** Tried in order until enough footage is found; the last one (generated) never comes back empty. */
  footage: (req: VideoRequest, sceneIndex: number) => FootageProvider[];
  blobs: BlobStore;
  allowPrivateUrls: boolean;
  log: Logger;
}

export interface PipelineRun {
  task: TaskRecord;
  dir: string;
  signal: AbortSignal;
  report: (stage: Stage, progress: number) => void;
}

/** Rough speaking rate used to size the footage search before the narration exists. */
const CHARS_PER_SECOND = 15;
/** Progress (0..100) at which each stage starts. */
const AT = { speech: 2, footage: 20, render: 30, upload: 92 } as const;
export { AT as STAGE_STARTS };

export async function produceVideo(deps: PipelineDeps, run: PipelineRun): Promise<{ output: TaskOutput; warnings: string[] }> {
  const { task, dir, signal, report } = run;
  const req = task.request;
  const { width, height } = frameSize(req.aspect_ratio, req.resolution);
  const scenes = scenesOf(req);
  const warnings: string[] = [];
  const seed = req.seed ?? seedFromId(task.id);

  report('speech', AT.speech);
  const text = scenes.map((s) => s.text).join(' ');
  const estimateS = Math.max(3, text.length / CHARS_PER_SECOND);
  const speechP = deps.speech.synthesize(
    {
      text,
      ...(req.voice_id ? { voiceId: req.voice_id } : {}),
      ...(req.model_id ? { modelId: req.model_id } : {}),
      ...(req.language ? { language: req.language } : {}),
      ...(req.speed ? { speed: req.speed } : {}),
      seed,
    },
    dir,
    signal,
  ).then((n) => normaliseNarration(deps.tools, n, dir, signal));
  const footageP = Promise.all(
    scenes.map((scene, i) =>
      findFootage(deps.footage(req, i), {
        query: queryFor(scene.search_query ?? req.search_query, scene.text),
        // About one clip per sentence is all the timeline can use; more would be wasted downloads.
        count: Math.max(1, Math.min(Math.ceil(req.max_clips * (scene.text.length / text.length)), splitSentences(scene.text, req.language).length)),
        minTotalS: estimateS * (scene.text.length / text.length) * 1.2,
        orientation: req.aspect_ratio === '9:16' ? 'portrait' : req.aspect_ratio === '16:9' ? 'landscape' : 'square',
        width,
        height,
        seed: seed + i,
      }, dir, signal, warnings),
    ),
  );
  const musicP = req.music ? fetchMusic(deps, req.music.url, dir, signal) : Promise.resolve(null);
  // Keep every branch observed so one failing early never leaves another rejection unhandled.
  const [narrationR, footageR, musicR] = await Promise.allSettled([speechP, footageP, musicP]);
  if (narrationR.status === 'rejected') throw narrationR.reason;
  if (footageR.status === 'rejected') throw footageR.reason;
  if (musicR.status === 'rejected') throw musicR.reason;
  const narration = narrationR.value;
  report('footage', AT.render - 2);

  const spans = sceneSpans(narration, scenes.map((s) => s.text), req.language);
  const clips: SourceClip[] = [];
  const clipScenes = footageR.value.map((found) => {
    const start = clips.length;
    clips.push(...found);
    return found.map((_, k) => start + k);
  });
  const segments = planTimeline({
    words: narration.words,
    sentenceEnds: narration.sentenceEnds,
    durationS: narration.durationS,
    clips: clips.map((c) => ({ durationS: c.durationS })),
    scenes: spans.map((s, i) => ({ startS: s.startS, endS: s.endS, clipIndices: clipScenes[i] ?? [] })),
    seed,
  });

  report('render', AT.render);
  const rendered = await renderVideo(deps.tools, {
    dir,
    narration,
    clips,
    segments,
    width,
    height,
    captions: req.captions,
    ...(req.language ? { language: req.language } : {}),
    ...(musicR.value && req.music ? { music: { path: musicR.value, volume: req.music.volume } } : {}),
    signal,
    voiceNormalised: true,
    ...(deps.encode ? { encode: deps.encode } : {}),
    onProgress: (f) => report('render', AT.render + f * (AT.upload - AT.render)),
  });

  report('upload', AT.upload);
  const keys = blobKeys(task.id);
  const cache = 'private, max-age=86400';
  await Promise.all([
    deps.blobs.put(keys.video, rendered.videoPath, { contentType: 'video/mp4', cacheControl: cache }),
    deps.blobs.put(keys.thumbnail, rendered.thumbnailPath, { contentType: 'image/jpeg', cacheControl: cache }),
    rendered.vttPath ? deps.blobs.put(keys.vtt, rendered.vttPath, { contentType: 'text/vtt; charset=utf-8', cacheControl: cache }) : null,
    rendered.srtPath ? deps.blobs.put(keys.srt, rendered.srtPath, { contentType: 'application/x-subrip; charset=utf-8', cacheControl: cache }) : null,
  ]);

  const used = new Set(segments.map((s) => s.clip));
  const credits = dedupeCredits(clips.filter((_, i) => used.has(i)).map((c) => c.credit));
  return {
    output: {
      video_key: keys.video,
      captions_vtt_key: rendered.vttPath ? keys.vtt : null,
      captions_srt_key: rendered.srtPath ? keys.srt : null,
      thumbnail_key: keys.thumbnail,
      duration_s: round3(rendered.durationS),
      width: rendered.width,
      height: rendered.height,
      size_bytes: rendered.sizeBytes,
      credits,
    },
    warnings,
  };
}

async function fetchMusic(deps: PipelineDeps, url: string, dir: string, signal: AbortSignal): Promise<string> {
  const path = join(dir, 'music.input');
  await downloadToFile(url, path, {
    field: 'music.url',
    maxBytes: 50 * 1024 * 1024,
    timeoutMs: 60_000,
    retries: 2,
    signal,
    allowPrivate: deps.allowPrivateUrls,
  });
  const info = await probeMedia(deps.tools, path, signal).catch((err: unknown) => {
    throw new TaskError('invalid_music', 'music.url: the file is not audio ffmpeg can read; send an MP3, AAC or WAV file', { cause: err });
  });
  if (!info.hasAudio) throw new TaskError('invalid_music', 'music.url: the file has no audio stream');
  return path;
}

function dedupeCredits(credits: (Credit | null)[]): Credit[] {
  const seen = new Map<string, Credit>();
  for (const c of credits) if (c) seen.set(`${c.provider}|${c.video_url}|${c.author}`, c);
  return [...seen.values()];
}

/** A stable seed from the task id, so a retried attempt makes the same choices. */
function seedFromId(id: string): number {
  let h = 2166136261;
  for (const ch of id) h = Math.imul(h ^ ch.charCodeAt(0), 16777619);
  return h >>> 0;
}
