// The gate a recorded narration passes before anything decodes it (an upload, or a voiceover URL's
// download): ffprobe under the input guard, then the narration's own rules. It must be audio alone
// in one of the containers a person records or exports to (MP3, WAV, M4A/AAC, Ogg/Opus, WebM), in
// a codec the guard lets through, at most `maxSeconds` long. A browser's MediaRecorder writes WebM
// with no duration in its header (it is written as it is recorded); such a file is remuxed (stream
// copy, no decode) so that it has one, and the remuxed file is the one kept.
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { CancelledError, TaskError } from '../errors.ts';
import { AUDIO_CODECS, formatDuration } from './limits.ts';
import { refusalOf } from './probe.ts';
import { runFfmpeg, runFfprobe } from './run.ts';
import type { MediaTools } from './tools.ts';

/** ffprobe's format names of the accepted containers, and what the service calls each. */
const CONTAINERS: Record<string, string> = {
  mp3: 'mp3',
  wav: 'wav',
  'mov,mp4,m4a,3gp,3g2,mj2': 'm4a',
  aac: 'aac',
  ogg: 'ogg',
  'matroska,webm': 'webm',
};
export const VOICEOVER_FORMATS = 'MP3, WAV, M4A/AAC, Ogg/Opus or WebM';
/** Shorter than this holds no sentence. */
const MIN_SECONDS = 0.5;

export interface VoiceoverFile {
  /** The file to use: the one given, or its remuxed copy (which then replaces it in `dir`). */
  path: string;
  format: string;
  codec: string;
  durationS: number;
}

interface ProbeOut {
  streams?: { codec_type?: string; codec_name?: string; duration?: string; disposition?: { attached_pic?: number } }[];
  format?: { format_name?: string; duration?: string };
}

/** What the file is, or why it is not a narration the service takes (pure; exported for tests). */
export function voiceoverProblem(out: ProbeOut, maxSeconds: number): { format: string; codec: string; durationS: number | null } | { problem: string } {
  const format = CONTAINERS[out.format?.format_name ?? ''];
  if (!format) return { problem: `it is not an audio file the service takes (${out.format?.format_name ?? 'unknown'}); send ${VOICEOVER_FORMATS}` };
  const streams = out.streams ?? [];
  if (streams.some((s) => s.codec_type === 'video' && !s.disposition?.attached_pic)) {
    return { problem: `it has a video stream; send the sound alone (${VOICEOVER_FORMATS})` };
  }
  const audio = streams.filter((s) => s.codec_type === 'audio');
  if (audio.length === 0) return { problem: 'it has no audio stream' };
  if (audio.length > 1) return { problem: `it has ${audio.length} audio streams; send one narration` };
  const codec = audio[0]!.codec_name ?? '';
  if (!(codec in AUDIO_CODECS)) return { problem: `its audio is ${codec || 'of an unknown codec'}; send ${VOICEOVER_FORMATS}` };
  const duration = [out.format?.duration, audio[0]!.duration].map(Number).find((d) => Number.isFinite(d) && d > 0) ?? null;
  if (duration !== null) {
    if (duration > maxSeconds) return { problem: `it is ${formatDuration(duration)} long; a narration may be at most ${formatDuration(maxSeconds)}` };
    if (duration < MIN_SECONDS) return { problem: `it is ${duration.toFixed(2)} s long: too short to say a sentence` };
  }
  return { format, codec, durationS: duration };
}

async function probe(tools: MediaTools, path: string, signal: AbortSignal): Promise<ProbeOut> {
  try {
    const out = await runFfprobe(tools, ['-show_format', '-show_streams', '-of', 'json', path], { signal, errorCode: 'unreadable_media' });
    const refusal = refusalOf(out.stderr);
    if (refusal.code === 'unsupported_media') throw new TaskError(refusal.code, refusal.message, { detail: out.stderr });
    return JSON.parse(out.stdout) as ProbeOut;
  } catch (err) {
    if (err instanceof CancelledError || signal.aborted) throw err;
    if (err instanceof TaskError && err.code === 'unsupported_media') throw err;
    const detail = err instanceof TaskError ? err.detail : undefined;
    const refusal = refusalOf(detail ?? '');
    throw new TaskError(refusal.code, refusal.code === 'unreadable_media' ? `it is not audio ffmpeg can read; send ${VOICEOVER_FORMATS}` : refusal.message, {
      cause: err,
      ...(detail ? { detail } : {}),
    });
  }
}

/**
 * The recording at `path` through the gate: its format, codec and length, and the file to use.
 * A refused file is an `unsupported_media` TaskError (`unreadable_media` when ffmpeg cannot read
 * it) whose message says why, for the caller to put under its field's name.
 */
export async function gateVoiceover(tools: MediaTools, path: string, dir: string, o: { maxSeconds: number; signal: AbortSignal }): Promise<VoiceoverFile> {
  const first = voiceoverProblem(await probe(tools, path, o.signal), o.maxSeconds);
  if ('problem' in first) throw new TaskError('unsupported_media', first.problem);
  if (first.durationS !== null) return { path, format: first.format, codec: first.codec, durationS: first.durationS };

  // No duration in the header: copy the stream into a container that gets one written.
  const out = join(dir, `voiceover-${process.pid}-${Date.now()}.${first.format === 'webm' ? 'webm' : 'mka'}`);
  try {
    await runFfmpeg(tools, ['-i', path, '-map', '0:a:0', '-c', 'copy', '-f', first.format === 'webm' ? 'webm' : 'matroska', out], {
      cwd: dir,
      signal: o.signal,
      errorCode: 'unreadable_media',
    });
    const again = voiceoverProblem(await probe(tools, out, o.signal), o.maxSeconds);
    if ('problem' in again) throw new TaskError('unsupported_media', again.problem);
    if (again.durationS === null) throw new TaskError('unreadable_media', 'it has no measurable length');
    return { path: out, format: first.format, codec: again.codec, durationS: again.durationS };
  } catch (err) {
    await rm(out, { force: true });
    if (err instanceof TaskError && err.code === 'unreadable_media' && !o.signal.aborted) {
      throw new TaskError('unreadable_media', `it is not audio ffmpeg can read to its end; send ${VOICEOVER_FORMATS}`, { cause: err });
    }
    throw err;
  }
}
