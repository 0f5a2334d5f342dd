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

/** The request body: the file's, with every flag given on the command line on top. */
export function requestBody(path: string, f: RequestFlags): Record<string, unknown> {
  const body = readScript(path);
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
