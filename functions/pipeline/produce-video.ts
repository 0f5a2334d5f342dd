// speech → footage → timeline → render, for one video, inside its scratch dir; each output is
// handed to the caller as soon as it is joined, to publish (the service: publish.ts) or to write
// where the user asked (the CLI), and freed before the next is rendered.
// Voice and footage run at the same time; footage is sized from an estimate of the narration
// and topped up if the real narration turns out longer.
import { basename, join } from 'node:path';
import type { Narration } from '../domain/media.ts';
import type { MusicSpec, VideoSpec } from '../domain/video-spec.ts';
import { TaskError } from '../errors.ts';
import { measureNarration } from '../media/loudness.ts';
import { renderVideos, type Deliver } from '../media/render.ts';
import { DEFAULT_ENCODE, type EncodeSettings } from '../media/render-args.ts';
import { planRender } from '../media/render-plan.ts';
import { scratchRefusal } from '../media/scratch-need.ts';
import { probeInput } from '../media/probe.ts';
import { downloadToFile, type DownloadLimits } from '../net/download.ts';
import { CHARS_PER_SECOND, gatherFootage, pieceRecords, planFootageParts } from './footage-plan.ts';
import { planTimeline } from './timeline.ts';
import { startFanout } from './fanout-render.ts';
import type { PipelineDeps, PipelineRun } from './pipeline-deps.ts';
import { producedVideo, type ProducedVideo } from './produced-video.ts';
import { loadNarration, loadPlan, saveNarration, savePlan } from './plan-store.ts';
import { sceneSpans } from './scene-spans.ts';
import { VIDEO_PLAN_VERSION, type VideoPlan } from '../domain/video-plan.ts';
import { scriptForms } from '../language/spoken-form.ts';
import { displayNarration } from './display-narration.ts';
import { storyboardPlan } from './storyboard-plan.ts';
import { fitNarration } from './fit-duration.ts';
import { screenText } from './screen-text.ts';
import { watermarkLogo } from './watermark-logo.ts';
import { recordedNarration } from './voiceover.ts';
import type { SpeechRequest } from '../providers/ports.ts';
import { stage } from '../lib/stage-timings.ts';

/** Progress (0..100) at which each stage starts. */
const AT = { speech: 2, footage: 20, render: 30, upload: 92 } as const;
export { AT as STAGE_STARTS };

export type Produced<V> =
  | { kind: 'rendered'; video: ProducedVideo<V> }
  /** Long enough to be rendered by chunk deliveries on any worker: the plan and the chunks' inputs are stored. */
  | { kind: 'fanout'; frames: number[] };

/** The video of `run`; each output rendered in this process is handed to `deliver` as soon as it is joined. */
export async function produceVideo<V>(deps: PipelineDeps, run: PipelineRun, deliver: Deliver<V>): Promise<Produced<V>> {
  const { spec, dir, signal, report, storage } = run;
  const outputs = spec.outputs;

  report('speech', AT.speech);
  const plan = await videoPlan(deps, run);
  if (run.downloads) refuseOverScratch(plan.narration.durationS, spec, deps.encode, run.downloads.budget.limit);

  report('render', AT.render);
  // Every output is rendered from the same plan: what counts is the video to render in all.
  if (storage && deps.fanout && plan.narration.durationS * outputs.length > deps.fanout.minSeconds) {
    const frames = await startFanout({ ...deps, blobs: storage.blobs }, { spec, taskId: storage.taskId, attempt: storage.attempt, dir, signal, plan });
    return { kind: 'fanout', frames };
  }
  // Outputs are rendered one after the other in this process: each is cut for all the cores.
  const render = await stage('captions', async () =>
    planRender(spec, plan.narration, plan, {
      parallel: deps.cpu.capacity,
      ...(deps.encode ? { encode: deps.encode } : {}),
      voiceNormalised: true,
    }),
  );
  const videos = await renderVideos(deps.tools, {
    dir,
    plan: render,
    clips: plan.clips,
    logo: plan.logo ?? null,
    signal,
    cpu: deps.cpu,
    onProgress: (f) => report('render', AT.render + f * (AT.upload - AT.render)),
    deliver,
  });
  return { kind: 'rendered', video: producedVideo(plan, videos) };
}

/**
 * A narration whose render could never fit the task's scratch (TASK_SCRATCH_BYTES, the budget its
 * downloads were given) fails the task for good before it renders: the api refused only what the
 * fastest voice could not fit, and a slower voice makes a longer video. On a worker whose volume
 * is sized to that budget it would otherwise fill the scratch mid-render. The CLI renders on the
 * user's own disk, with no budget, and is not held to it.
 */
function refuseOverScratch(durationS: number, spec: Pick<VideoSpec, 'outputs'>, encode: Partial<EncodeSettings> | undefined, limitBytes: number): void {
  const { preset, crf } = { ...DEFAULT_ENCODE, ...encode };
  const refused = scratchRefusal({ durationS, frames: spec.outputs.map((o) => o.frame), encode: { preset, crf }, limitBytes, from: 'narration' });
  if (refused) throw new TaskError('video_too_large', refused.message);
}

/**
 * The video's plan. A retried attempt renders the plan an earlier one stored: the voice is not
 * paid for twice, and the footage is the same. A video made from a storyboard renders the
 * storyboard's plan as the client last saw it: no voice or search again.
 */
async function videoPlan(deps: PipelineDeps, run: PipelineRun): Promise<VideoPlan> {
  const { spec, dir, storage } = run;
  if (!storage) {
    if (spec.storyboard) throw new TaskError('storyboard_unavailable', `storyboard ${spec.storyboard.id} is kept by the service that made it; render it there`);
    return prepareVideo(deps, run);
  }
  const { prefix } = storage;
  const kept = await stage('plan_store', () => loadPlan(storage.blobs, prefix, dir));
  if (kept) {
    deps.log.info({ task_id: storage.taskId, attempt: storage.attempt }, 'rendering the plan of an earlier attempt');
    return kept;
  }
  if (spec.storyboard) {
    const storyboard = spec.storyboard;
    const plan = await stage('plan_store', () => storyboardPlan(storage.blobs, storyboard, dir));
    await stage('plan_store', () => savePlan(storage.blobs, prefix, plan, dir));
    return plan;
  }
  const plan = await prepareVideo(deps, run);
  // Its narration is kept already (prepareVideo): only the rest goes up.
  await stage('plan_store', () => savePlan(storage.blobs, prefix, plan, dir, { narrationKept: true }));
  return plan;
}

/**
 * Speech, footage and music at the same time, then the timeline: the plan of the video. With
 * storage, the narration is kept there as soon as it exists, and one an earlier attempt kept is
 * used instead of speaking again: a retry after a footage or music failure does not pay for the
 * voice twice.
 */
export async function prepareVideo(deps: PipelineDeps, run: PipelineRun): Promise<VideoPlan> {
  const { spec, dir, signal, report, storage } = run;
  const { frame } = spec.outputs[0]!;
  const warnings: string[] = [];
  const seed = spec.seed;

  // The voice says the spoken form ("twelve hundred"); captions show the display form ("1,200").
  const forms = scriptForms(spec.scenes.map((s) => s.text), spec.language);
  const text = forms.spoken;
  const estimateS = Math.max(3, text.length / CHARS_PER_SECOND);
  const speech: SpeechRequest = { text, ...spec.voice, ...(spec.language ? { language: spec.language } : {}), seed };
  // A voice that fails (a recording that does not say the script, a narration over max_duration_s) stops the footage downloads at once.
  const stop = new AbortController();
  const others = AbortSignal.any([signal, stop.signal]);
  const speak = async (): Promise<Narration> => {
    const voiceWarnings: string[] = [];
    // A recording in place of the voice: its words found in it, and it can only be time-stretched to fit.
    // The voice and its fitting to a length are one stage: one run a task, as result.timings counts it.
    const fitted = await stage('speech', async () => {
      const spoken = spec.voiceover
        ? await recordedNarration(deps, {
            voiceover: spec.voiceover,
            text,
            ...(spec.language ? { language: spec.language } : {}),
            ...(storage ? { storage } : {}),
            dir,
            signal,
            ...(run.downloads ? { downloads: run.downloads } : {}),
          })
        : await deps.speech.synthesize(speech, dir, signal);
      return fitNarration(deps, { narration: spoken, speech: spec.voiceover ? null : speech, fit: spec.fit, dir, signal, warnings: voiceWarnings });
    });
    warnings.push(...voiceWarnings);
    // Measured here, applied by the soundtrack (its gain travels with the narration, kept or stored).
    const narration = displayNarration(forms, await stage('loudness', () => measureNarration(deps.tools, fitted, dir, signal)));
    if (storage) await stage('plan_store', () => saveNarration(storage.blobs, storage.prefix, narration, voiceWarnings, dir));
    return narration;
  };
  const speechP = (storage ? stage('plan_store', () => loadNarration(storage.blobs, storage.prefix, dir)) : Promise.resolve(null))
    .then((kept) => {
      if (!kept) return speak();
      deps.log.info({ task_id: storage?.taskId }, 'using the narration an earlier attempt made');
      warnings.push(...kept.warnings);
      return kept.narration;
    })
    .catch((err: unknown) => {
      stop.abort(err);
      throw err;
    });
  // Footage is planned from the text and searched while the voice is synthesised.
  const footageP = planFootageParts(spec, forms).then(async (parts) => ({
    parts,
    found: await gatherFootage(deps.footage, {
      spec,
      owner: run.owner,
      parts,
      estimateS,
      width: frame.width,
      height: frame.height,
      seed,
      media: spec.visuals.media,
      dir,
      signal: others,
      warnings,
      ...(run.downloads ? { downloads: run.downloads } : {}),
      ...(run.footage ? { context: run.footage } : {}),
    }),
  }));
  const musicP = spec.music ? stage('music', () => musicTrack(deps, spec.music!, seed, dir, others, run.downloads)) : Promise.resolve(null);
  const logoP = watermarkLogo(deps, spec, dir, others, run.downloads);
  // Keep every branch observed so one failing early never leaves another rejection unhandled.
  const [narrationR, footageR, musicR, logoR] = await Promise.allSettled([speechP, footageP, musicP, logoP]);
  if (narrationR.status === 'rejected') throw narrationR.reason;
  if (footageR.status === 'rejected') throw footageR.reason;
  if (musicR.status === 'rejected') throw musicR.reason;
  if (logoR.status === 'rejected') throw logoR.reason;
  const narration = narrationR.value;
  report('footage', AT.render - 2);

  const { parts, found } = footageR.value;
  const spans = sceneSpans(narration, parts.map((p) => p.text), spec.language);
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
    music: musicR.value && spec.music ? { path: musicR.value, volume: spec.music.volume } : null,
    pieces: pieceRecords(parts, spans, found),
    warnings,
    screen: await screenText(spec, forms, narration),
    logo: logoR.value,
  };
}

/** The music of a request: MUSIC_DIR's track for its mood (by seed), or its URL downloaded; through the probe gate as audio. */
async function musicTrack(
  deps: PipelineDeps,
  music: MusicSpec,
  seed: number,
  dir: string,
  signal: AbortSignal,
  downloads: DownloadLimits | undefined,
): Promise<string> {
  if (music.mood !== undefined) {
    if (!deps.music) throw new TaskError('invalid_music', 'music.mood: this service has no music library (MUSIC_DIR is not set); send music.url instead');
    const track = await deps.music.pickTrack(music.mood, seed);
    await probeAudio(deps, track, `music.mood: the track picked for "${music.mood}" (${basename(track)})`, signal);
    return track;
  }
  const path = join(dir, 'music.input');
  await downloadToFile(music.url, path, {
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

