// The video request the CLI sends (render and submit alike): the script file, or a JSON request
// body, with the command-line flags on top; validated by the same schema as the API.
import { readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { VideoSubmissionBody } from '../api/schemas.ts';
import { unspeakable } from '../api/submission.ts';
import { rendersStoryboard, VideoRequestSchema, type StoryboardVideo, type VideoRequest } from '../domain/video-request.ts';
import { zodDetails, type ErrorDetail } from '../errors.ts';
import { CliError, EXIT } from './exit-codes.ts';

export interface RequestFlags {
  aspect?: string;
  resolution?: string;
  /** Comma-separated aspect ratios: one video of each (docs/videos.md "Several videos from one script"). */
  outputs?: string;
  maxDuration?: number;
  fit?: string;
  captions?: string;
  captionPosition?: string;
  voice?: string;
  model?: string;
  language?: string;
  speed?: number;
  music?: string;
  musicVolume?: number;
  search?: string;
  clip?: string[];
  maxClips?: number;
  seed?: number;
  callback?: string;
  // The on-screen craft (docs/videos.md "Looks, emphasis and overlays").
  look?: string;
  font?: string;
  uppercase?: boolean;
  textColor?: string;
  highlightColor?: string;
  emphasisColor?: string;
  outlineWidth?: number;
  outlineColor?: string;
  emphasis?: string;
  /** `--hook` alone: the first sentence. */
  hook?: string | true;
  hookDuration?: number;
  /** `--progress-bar` alone: at the bottom. */
  progressBar?: string | true;
  progressColor?: string;
  /** A URL is a logo; anything else a handle. */
  watermark?: string;
  watermarkPosition?: string;
  watermarkOpacity?: number;
  watermarkScale?: number;
  endCard?: string;
  endCardDuration?: number;
  extend?: boolean;
  // The picture's own craft (docs/videos.md "Motion, transitions and framing").
  motion?: string;
  transition?: string;
  transitionDuration?: number;
  framing?: string;
  media?: string;
  /** --background-text / --no-background-text; left out: on over generated backgrounds. */
  backgroundText?: boolean;
  /** A script written from this topic by the service's language model (instead of a script file). */
  topic?: string;
  duration?: number;
  tone?: string;
  format?: string;
  title?: string;
  description?: string;
  hashtags?: string;
  template?: string;
  /** Your own recording: a file on this machine (uploaded by submit, read in place by render) or an http(s) URL. */
  voiceover?: string;
}

/** Which flag sets a request field, to name it in errors. */
const FLAG_OF: Record<string, string> = {
  aspect_ratio: '--aspect',
  resolution: '--resolution',
  outputs: '--outputs',
  max_duration_s: '--max-duration',
  fit: '--fit',
  captions: '--captions',
  'captions.style': '--captions',
  'captions.position': '--caption-position',
  voice_id: '--voice',
  model_id: '--model',
  language: '--language',
  speed: '--speed',
  music: '--music',
  'music.url': '--music',
  'music.volume': '--music-volume',
  search_query: '--search',
  clip_urls: '--clip',
  max_clips: '--max-clips',
  seed: '--seed',
  callback_url: '--callback',
  'captions.look': '--look',
  'captions.font': '--font',
  'captions.uppercase': '--uppercase',
  'captions.text_color': '--text-color',
  'captions.highlight_color': '--highlight-color',
  'captions.emphasis_color': '--emphasis-color',
  'captions.outline.width': '--outline-width',
  'captions.outline.color': '--outline-color',
  'captions.emphasis': '--emphasis',
  hook: '--hook',
  'hook.text': '--hook',
  'hook.duration_s': '--hook-duration',
  progress_bar: '--progress-bar',
  'progress_bar.position': '--progress-bar',
  'progress_bar.color': '--progress-color',
  watermark: '--watermark',
  'watermark.image_url': '--watermark',
  'watermark.text': '--watermark',
  'watermark.position': '--watermark-position',
  'watermark.opacity': '--watermark-opacity',
  'watermark.scale': '--watermark-scale',
  end_card: '--end-card',
  'end_card.text': '--end-card',
  'end_card.duration_s': '--end-card-duration',
  'end_card.extend': '--extend',
  motion: '--motion',
  transition: '--transition',
  'transition.type': '--transition',
  'transition.duration_s': '--transition-duration',
  framing: '--framing',
  media: '--media',
  background_text: '--background-text',
  topic: '--topic',
  duration_s: '--duration',
  tone: '--tone',
  script_format: '--format',
  title: '--title',
  description: '--description',
  hashtags: '--hashtags',
  template_id: '--template',
  voiceover: '--voiceover',
  'voiceover.url': '--voiceover',
  'voiceover.upload_id': '--voiceover',
};

/**
 * Stands in for the upload a local --voiceover file becomes, while the request is checked: the
 * request is refused (a --voice beside it, say) before anything is uploaded or rendered.
 */
const PENDING_UPLOAD = '00000000-0000-4000-8000-000000000000';

/** Where --voiceover points: a URL the service downloads, or a file here (which must be readable). */
export function voiceoverOf(value: string): { url: string } | { file: string } {
  if (/^https?:\/\//i.test(value)) return { url: value };
  const file = resolve(value);
  let isFile = false;
  try {
    isFile = statSync(file).isFile();
  } catch (err) {
    throw new CliError(EXIT.usage, 'unreadable_voiceover', `--voiceover: cannot read ${value}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  if (!isFile) throw new CliError(EXIT.usage, 'unreadable_voiceover', `--voiceover: ${value} is not a file; give an audio file (MP3, WAV, M4A, Ogg, WebM) or an http(s) URL`);
  return { file };
}

/** `-` reads stdin; a `.json` file is a whole request body (docs/api.md "Request body"); anything else is the script. */
export function readScript(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path === '-' ? 0 : path, 'utf8');
  } catch (err) {
    throw new CliError(EXIT.usage, 'unreadable_script', `cannot read the script ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  if (path.endsWith('.json')) {
    try {
      const body = JSON.parse(text) as unknown;
      if (body && typeof body === 'object' && !Array.isArray(body)) return body as Record<string, unknown>;
    } catch (err) {
      throw new CliError(EXIT.usage, 'invalid_script', `${path} is not valid JSON: ${(err as Error).message}`);
    }
    throw new CliError(EXIT.usage, 'invalid_script', `${path} must hold a JSON object (a request body)`);
  }
  if (!text.trim()) throw new CliError(EXIT.usage, 'invalid_script', `${path} is empty; write the script to narrate in it`);
  return { script_text: text.trim() };
}

/** The request body: the file's (none with --topic), with every flag given on the command line on top. */
export function requestBody(path: string | undefined, f: RequestFlags): Record<string, unknown> {
  if (path === undefined && f.topic === undefined) throw new CliError(EXIT.usage, 'missing_script', 'give a script file (- for stdin), or --topic to have one written');
  return flagFields(path === undefined ? {} : readScript(path), f);
}

/** The fields the flags set, over `body` (a request, or a batch's defaults). */
export function flagFields(body: Record<string, unknown>, f: RequestFlags): Record<string, unknown> {
  const set = (key: string, value: unknown) => value !== undefined && (body[key] = value);
  set('aspect_ratio', f.aspect);
  set('resolution', f.resolution);
  if (f.outputs !== undefined) body.outputs = f.outputs.split(',').map((a) => ({ aspect_ratio: a.trim() }));
  set('max_duration_s', f.maxDuration);
  set('fit', f.fit);
  if (f.captions === 'none') body.captions = false;
  else if (f.captions || f.captionPosition) {
    const base = body.captions && typeof body.captions === 'object' ? (body.captions as Record<string, unknown>) : {};
    body.captions = { ...base, ...(f.captions ? { style: f.captions } : {}), ...(f.captionPosition ? { position: f.captionPosition } : {}) };
  }
  set('voice_id', f.voice);
  set('model_id', f.model);
  set('language', f.language);
  set('speed', f.speed);
  if (f.music) body.music = { url: f.music, ...(f.musicVolume !== undefined ? { volume: f.musicVolume } : {}) };
  set('search_query', f.search);
  if (f.clip?.length) body.clip_urls = f.clip;
  set('max_clips', f.maxClips);
  set('seed', f.seed);
  set('callback_url', f.callback);
  craftFlags(body, f);
  visualFlags(body, f);
  set('topic', f.topic);
  set('duration_s', f.duration);
  set('tone', f.tone);
  set('script_format', f.format);
  set('title', f.title);
  set('description', f.description);
  if (f.hashtags !== undefined) body.hashtags = f.hashtags.split(/[\s,]+/).filter(Boolean);
  set('template_id', f.template);
  if (f.voiceover !== undefined) {
    const v = voiceoverOf(f.voiceover);
    body.voiceover = 'url' in v ? { url: v.url } : { upload_id: PENDING_UPLOAD };
  }
  return body;
}

/** The local file --voiceover names, if it names one (its request holds a stand-in upload until then). */
export const voiceoverFile = (f: RequestFlags): string | null => {
  if (f.voiceover === undefined) return null;
  const v = voiceoverOf(f.voiceover);
  return 'file' in v ? v.file : null;
};

/** The craft flags onto the body: each sets its field, over what a JSON body had there. */
function craftFlags(body: Record<string, unknown>, f: RequestFlags): void {
  const merge = (key: string, fields: Record<string, unknown>) => {
    const set = Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined));
    if (Object.keys(set).length === 0) return;
    const base = body[key] && typeof body[key] === 'object' ? (body[key] as Record<string, unknown>) : {};
    body[key] = { ...base, ...set };
  };
  if (body.captions !== false) {
    const outline = f.outlineWidth !== undefined || f.outlineColor !== undefined ? { width: f.outlineWidth, color: f.outlineColor } : undefined;
    const base = body.captions && typeof body.captions === 'object' ? ((body.captions as Record<string, unknown>).outline as Record<string, unknown> | undefined) : undefined;
    merge('captions', {
      look: f.look,
      font: f.font,
      uppercase: f.uppercase,
      text_color: f.textColor,
      highlight_color: f.highlightColor,
      emphasis_color: f.emphasisColor,
      outline: outline && { ...base, ...Object.fromEntries(Object.entries(outline).filter(([, v]) => v !== undefined)) },
      emphasis: f.emphasis,
    });
  }
  if (f.hook === true && f.hookDuration === undefined) body.hook = true;
  else if (f.hook !== undefined || f.hookDuration !== undefined) merge('hook', { text: f.hook === true ? undefined : f.hook, duration_s: f.hookDuration });
  if (f.progressBar === true && f.progressColor === undefined) body.progress_bar = true;
  else if (f.progressBar !== undefined || f.progressColor !== undefined) merge('progress_bar', { position: f.progressBar === true ? undefined : f.progressBar, color: f.progressColor });
  // A logo or a handle from the flag replaces either from the body.
  if (f.watermark !== undefined && body.watermark && typeof body.watermark === 'object') {
    const { image_url: _url, text: _text, ...rest } = body.watermark as Record<string, unknown>;
    body.watermark = rest;
  }
  const mark = f.watermark === undefined ? {} : /^https?:\/\//i.test(f.watermark) ? { image_url: f.watermark } : { text: f.watermark };
  merge('watermark', { ...mark, position: f.watermarkPosition, opacity: f.watermarkOpacity, scale: f.watermarkScale });
  merge('end_card', { text: f.endCard, duration_s: f.endCardDuration, extend: f.extend });
}

/** The picture's craft flags onto the body: each sets its field; the transition's duration keeps a JSON body's type. */
function visualFlags(body: Record<string, unknown>, f: RequestFlags): void {
  if (f.motion !== undefined) body.motion = f.motion;
  if (f.transition !== undefined || f.transitionDuration !== undefined) {
    const base = body.transition && typeof body.transition === 'object' ? (body.transition as Record<string, unknown>) : {};
    body.transition = { ...base, ...(f.transition !== undefined ? { type: f.transition } : {}), ...(f.transitionDuration !== undefined ? { duration_s: f.transitionDuration } : {}) };
  }
  if (f.framing !== undefined) body.framing = f.framing;
  if (f.media !== undefined) body.media = f.media;
  if (f.backgroundText !== undefined) body.background_text = f.backgroundText;
}

/**
 * A request `render` can make in this process: a script's. A storyboard is kept by the service that
 * made it, so a body naming one is refused here, saying where it renders.
 */
export function validRequest(body: Record<string, unknown>): VideoRequest {
  if (body.storyboard_id !== undefined) {
    throw new CliError(EXIT.usage, 'invalid_request', 'storyboard_id: a storyboard is kept by the service that made it; render it there with `reelsmith submit`');
  }
  return checked(VideoRequestSchema.safeParse(body), unspeakable);
}

/** A body the service takes (`submit`): a script's request, or a storyboard to render as it stands. */
export function validSubmission(body: Record<string, unknown>): VideoRequest | StoryboardVideo {
  return checked(VideoSubmissionBody.safeParse(body), (b) => (rendersStoryboard(b) ? [] : unspeakable(b)));
}

/** Validates the body as the API would (the schema, then what it cannot say), naming the flag (or the JSON field) to fix. */
function checked<T>(parsed: { success: true; data: T } | { success: false; error: Parameters<typeof zodDetails>[0] }, more: (data: T) => ErrorDetail[]): T {
  const details = parsed.success ? more(parsed.data) : zodDetails(parsed.error);
  if (parsed.success && details.length === 0) return parsed.data;
  const lines = details.map(({ path, message }) => {
    const flag = FLAG_OF[path] ?? FLAG_OF[path.split('.')[0] ?? ''];
    return `  ${flag ? `${flag} (${path})` : path}: ${message}`;
  });
  throw new CliError(EXIT.usage, 'invalid_request', `the request is not valid:\n${lines.join('\n')}`);
}
