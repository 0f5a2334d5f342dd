// speech → footage → timeline → render → publish, for one task, inside its scratch dir.
// Voice and footage run at the same time; footage is sized from an estimate of the narration
// and topped up if the real narration turns out longer.
import { basename, join } from 'node:path';
import type { TaskOutput } from '../domain/task.ts';
import { outputsOf } from '../domain/outputs.ts';
import { frameSize, scenesOf } from '../domain/video-request.ts';
import { TaskError } from '../errors.ts';
import { normaliseNarration } from '../media/loudness.ts';
import { renderVideos } from '../media/render.ts';
import { probeInput } from '../media/probe.ts';
import { downloadToFile, type DownloadLimits } from '../net/download.ts';
import { CHARS_PER_SECOND, gatherFootage, pieceRecords, planFootageParts } from './footage-plan.ts';
import { planTimeline } from './timeline.ts';
import { startFanout } from './fanout-render.ts';
import type { PipelineDeps, PipelineRun } from './pipeline-deps.ts';
import { publishVideo } from './publish.ts';
import { loadPlan, planPrefix, savePlan } from './plan-store.ts';
import { sceneSpans } from './scene-spans.ts';
import { VIDEO_PLAN_VERSION, type VideoPlan } from '../domain/video-plan.ts';
import { scriptForms } from '../language/spoken-form.ts';
import { displayNarration } from './display-narration.ts';
import { storyboardPlan } from './storyboard-plan.ts';
import { fitNarration } from './fit-duration.ts';
import type { SpeechRequest } from '../providers/ports.ts';
import { stage } from '../lib/stage-timings.ts';

/** Progress (0..100) at which each stage starts. */
const AT = { speech: 2, footage: 20, render: 30, upload: 92 } as const;
export { AT as STAGE_STARTS };

export type Produced =
  | { kind: 'completed'; output: TaskOutput; warnings: string[] }
  /** Long enough to be rendered by chunk deliveries on any worker: the plan and the chunks' inputs are stored. */
  | { kind: 'fanout'; frames: number[] };

export async function produceVideo(deps: PipelineDeps, run: PipelineRun): Promise<Produced> {
  const { task, dir, signal, report } = run;
  const req = task.request;
  const outputs = outputsOf(req);
  const prefix = planPrefix(task.id);

  report('speech', AT.speech);
  // A retried attempt renders the plan an earlier one made: the voice is not paid for twice,
  // and the footage is the same.
  let plan = await stage('plan_store', () => loadPlan(deps.blobs, prefix, dir));
  if (plan) deps.log.info({ task_id: task.id, attempt: task.attempt }, 'rendering the plan of an earlier attempt');
  else {
    // A video made from a storyboard renders its plan as the client last saw it: no voice or search again.
    plan = task.from_storyboard ? await stage('plan_store', () => storyboardPlan(deps.blobs, task.from_storyboard!, dir)) : await prepareVideo(deps, run);
    const made = plan;
    await stage('plan_store', () => savePlan(deps.blobs, prefix, made, dir));
  }

  report('render', AT.render);
  // Every output is rendered from the same plan: what counts is the video to render in all.
  if (deps.fanout && plan.narration.durationS * outputs.length > deps.fanout.minSeconds) {
    return { kind: 'fanout', frames: await startFanout(deps, { task, dir, signal, plan }) };
  }
  const rendered = await renderVideos(deps.tools, {
    dir,
    narration: plan.narration,
    clips: plan.clips,
    segments: plan.segments,
    frames: outputs.map((o) => frameSize(o.aspect_ratio, o.resolution)),
    captions: req.captions,
    ...(req.language ? { language: req.language } : {}),
    ...(plan.music ? { music: plan.music } : {}),
    signal,
    voiceNormalised: true,
    cpu: deps.cpu,
    ...(deps.encode ? { encode: deps.encode } : {}),
    onProgress: (f) => report('render', AT.render + f * (AT.upload - AT.render)),
  });

  report('upload', AT.upload);
  return { kind: 'completed', ...(await publishVideo(deps, task, plan, rendered)) };
}

/** Speech, footage and music at the same time, then the timeline: the plan of the video. */
export async function prepareVideo(deps: PipelineDeps, run: PipelineRun): Promise<VideoPlan> {
  const { task, dir, signal, report } = run;
  const req = task.request;
  const { width, height } = frameSize(req.aspect_ratio, req.resolution);
  const scenes = scenesOf(req);
  const warnings: string[] = [];
  const seed = req.seed ?? seedFromId(task.id);

  // The voice says the spoken form ("twelve hundred"); captions show the display form ("1,200").
  const forms = scriptForms(scenes.map((s) => s.text), req.language);
  const text = forms.spoken;
  const estimateS = Math.max(3, text.length / CHARS_PER_SECOND);
  const speech: SpeechRequest = {
    text,
    ...(req.voice_id ? { voiceId: req.voice_id } : {}),
    ...(req.model_id ? { modelId: req.model_id } : {}),
    ...(req.language ? { language: req.language } : {}),
    ...(req.speed ? { speed: req.speed } : {}),
    seed,
  };
  // A voice that fails (or a narration over max_duration_s) stops the footage downloads at once.
  const stop = new AbortController();
  const others = AbortSignal.any([signal, stop.signal]);
  const speechP = stage('speech', () =>
    deps.speech.synthesize(speech, dir, signal).then((n) => fitNarration(deps, { narration: n, speech, req, dir, signal, warnings })),
  )
    .then((n) => stage('loudness', () => normaliseNarration(deps.tools, n, dir, signal)))
    .then((n) => displayNarration(forms, n))
    .catch((err: unknown) => {
      stop.abort(err);
      throw err;
    });
  // Footage is planned from the text and searched while the voice is synthesised.
  const footageP = planFootageParts(req, forms).then(async (parts) => ({
    parts,
    found: await gatherFootage(deps.footage, {
      req,
      owner: task.owner,
      parts,
      estimateS,
      width,
      height,
      seed,
      dir,
      signal: others,
      warnings,
      ...(run.downloads ? { downloads: run.downloads } : {}),
      ...(run.footage ? { context: run.footage } : {}),
    }),
  }));
  const musicP = req.music ? stage('music', () => musicTrack(deps, req.music!, seed, dir, others, run.downloads)) : Promise.resolve(null);
  // Keep every branch observed so one failing early never leaves another rejection unhandled.
  const [narrationR, footageR, musicR] = await Promise.allSettled([speechP, footageP, musicP]);
  if (narrationR.status === 'rejected') throw narrationR.reason;
  if (footageR.status === 'rejected') throw footageR.reason;
  if (musicR.status === 'rejected') throw musicR.reason;
  const narration = narrationR.value;
  report('footage', AT.render - 2);

  const { parts, found } = footageR.value;
  const spans = sceneSpans(narration, parts.map((p) => p.text), req.language);
  const segments = await stage('timeline', async () => planTimeline({
    words: narration.words,
    sentenceEnds: narration.sentenceEnds,
    durationS: narration.durationS,
    clips: found.clips.map((c) => ({ durationS: c.durationS, keyframesS: c.kind === 'file' ? c.keyframesS : null })),
    scenes: spans.map((s, i) => ({ startS: s.startS, endS: s.endS, clipIndices: found.partClips[i] ?? [] })),
    seed,
  }));
  return {
    version: VIDEO_PLAN_VERSION,
    narration,
    clips: found.clips,
    segments,
    music: musicR.value && req.music ? { path: musicR.value, volume: req.music.volume } : null,
    pieces: pieceRecords(parts, spans, found),
    warnings,
  };
}

/** The music of a request: MUSIC_DIR's track for its mood (by seed), or its URL downloaded; through the probe gate as audio. */
async function musicTrack(
  deps: PipelineDeps,
  music: { url?: string; mood?: string },
  seed: number,
  dir: string,
  signal: AbortSignal,
  downloads: DownloadLimits | undefined,
): Promise<string> {
  if (music.mood) {
    if (!deps.music) throw new TaskError('invalid_music', 'music.mood: this service has no music library (MUSIC_DIR is not set); send music.url instead');
    const track = await deps.music.pickTrack(music.mood, seed);
    await probeAudio(deps, track, `music.mood: the track picked for "${music.mood}" (${basename(track)})`, signal);
    return track;
  }
  const path = join(dir, 'music.input');
  await downloadToFile(music.url!, path, {
    field: 'music.url',
    maxBytes: 50 * 1024 * 1024,
    timeoutMs: 60_000,
    retries: 2,
    signal,
    allowPrivate: deps.allowPrivateUrls,
    ...(deps.allowedUrlPorts ? { allowedPorts: deps.allowedUrlPorts } : {}),
    ...(downloads ? { limits: downloads } : {}),
  });
  await probeAudio(deps, path, 'music.url: the file', signal);
  return path;
}

/** The probe gate for a sound track: a file outside the media limits names the limit it breaks. */
async function probeAudio(deps: PipelineDeps, path: string, what: string, signal: AbortSignal): Promise<void> {
  await probeInput(deps.tools, path, 'audio', signal).catch((err: unknown) => {
    if (signal.aborted) throw signal.reason;
    const message =
      err instanceof TaskError && err.code === 'unsupported_media'
        ? `${what} was refused: ${err.message}`
        : `${what} is not audio ffmpeg can read; use an MP3, AAC or WAV file`;
    throw new TaskError('invalid_music', message, { cause: err });
  });
}


/** A stable seed from the task id, so a retried attempt makes the same choices. */
export function seedFromId(id: string): number {
  let h = 2166136261;
  for (const ch of id) h = Math.imul(h ^ ch.charCodeAt(0), 16777619);
  return h >>> 0;
}
