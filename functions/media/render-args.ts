// Pure builders for the chunked render: a piece's input, the cover crop, the settings every chunk
// is encoded with (a chunk's own command and graph: chunk-video.ts), the audio (voice + ducked
// music → loudness), and the join of the chunks by stream copy with the audio muxed in.
import type { Frame, SourceClip } from '../domain/media.ts';
import { OUTPUT_FPS } from './chunks.ts';
import { STILL_FORMATS } from './limits.ts';

export const TARGET_LUFS = -14;
/** Audio sample rate of the output (AAC at 48 kHz is what every platform re-encodes to anyway). */
export const AUDIO_RATE = 48_000;

export interface EncodeSettings {
  /** x264 preset; `veryfast` measured as the best speed/size trade-off for 2 shared cores. */
  preset: string;
  crf: number;
  /** Encoder threads per chunk process; chunks run side by side, so usually 1. */
  threads: number;
  /** x264 frames of lookahead: 5 instead of veryfast's 10 saves 17–34 MiB at the same speed (bench/encode-sweep.ts). */
  lookahead: number;
  audioBitrate: string;
}

/** Seconds between the output's keyframes (and every chunk starts on one). */
export const KEYFRAME_EVERY_S = 2;

export const DEFAULT_ENCODE: EncodeSettings = { preset: 'veryfast', crf: 23, threads: 1, lookahead: 5, audioBitrate: '160k' };

/** Extra source seconds read past each piece, so a short decode at the end does not starve the trim. */
const READ_SLACK_S = 0.5;

/**
 * `-ss`/`-t` before `-i` seek by index instead of decoding from the start. A source shorter than
 * its piece (the timeline loops short sources on very long narrations) is looped by the demuxer.
 */
export function inputArgs(clip: SourceClip, span: { sourceStart: number; duration: number }): string[] {
  const t = fmt(span.duration + READ_SLACK_S);
  if (clip.kind === 'generated') return ['-f', 'lavfi', '-t', t, '-i', clip.lavfi];
  // A photo is one frame, decoded and scaled once, opened by its own demuxer (the still guard):
  // the piece's tpad holds it for the piece's frames. Looping it at the input (`-loop 1`) decodes
  // and scales it again for every frame: 3.7 instead of 1.3 CPU s for a 5.5 s piece at 1080p.
  if (clip.still) return ['-f', STILL_FORMATS[clip.still].demuxer, '-framerate', String(OUTPUT_FPS), '-i', clip.path];
  const loop = span.sourceStart + span.duration > clip.durationS ? ['-stream_loop', '-1'] : [];
  // One decoder thread per input: pieces decode one after another, and frame threads cost memory per input.
  return ['-threads', '1', ...loop, ...(span.sourceStart > 0 ? ['-ss', fmt(span.sourceStart)] : []), '-t', t, '-i', clip.path];
}

/**
 * Centre-crop the source to the frame's aspect ratio (even sizes, as 4:2:0 needs), so the scale
 * after it only ever works on the part that is shown. Scaling first and cropping after would
 * blow a landscape source up to 3413x1920 for a 1080x1920 frame: three times the pixels, memory
 * and time for every frame.
 */
export function coverCrop(width: number, height: number): string {
  return `crop=w='2*trunc(min(iw\,ih*${width}/${height})/2)':h='2*trunc(min(ih\,iw*${height}/${width})/2)'`;
}

/** ASS filter argument; the file lives in the cwd, so only ffmpeg's own filter escaping applies. */
export function assFilter(assFile: string): string {
  return `ass=filename=${plainName(assFile, 'captions file name')}`;
}

const LOUDNORM = `loudnorm=I=${TARGET_LUFS}:TP=-1.5:LRA=11`;

/** A narration is one voice: taken as channel 0, as dual mono, the way the video carries it. */
const VOICE_STEREO = 'pan=stereo|c0=c0|c1=c0';
/** −1.5 dBFS, the ceiling loudnorm keeps in the render graph too. */
const VOICE_CEILING = 0.841;

/**
 * First of the two runs that bring the narration to the target on its own (before the render,
 * while footage downloads): measure its integrated loudness. ebur128 writes the running value
 * per frame to `logFile` (relative to cwd); the last line is the whole narration's.
 */
export function measureLoudnessArgs(inputFile: string, logFile: string): string[] {
  plainName(logFile, 'log file');
  return ['-i', inputFile, '-vn', '-af', `${VOICE_STEREO},ebur128=metadata=1,ametadata=mode=print:key=lavfi.r128.I:file=${logFile}`, '-f', 'null', '-'];
}

/** The integrated loudness (LUFS) in a measureLoudnessArgs log, or null for silence. */
export function parseIntegratedLoudness(log: string): number | null {
  const last = [...log.matchAll(/lavfi\.r128\.I=(-?[\d.]+|-?inf|nan)/g)].at(-1)?.[1];
  const v = Number(last);
  return last && Number.isFinite(v) && v > -70 ? v : null;
}

/**
 * The measured gain to the target and a limiter for the peaks (level=0: no auto gain; latency=1:
 * no delay, so the words stay on their timings), on the voice as dual mono at its own rate. A
 * linear gain keeps short narrations exact, where single-pass loudnorm, which needs seconds of
 * look-ahead, misses by several dB. The soundtrack applies it before its mix (audioFilters).
 */
function voiceGain(gainDb: number): string {
  return `${VOICE_STEREO},volume=${fmt(gainDb)}dB,alimiter=limit=${VOICE_CEILING}:level=0:latency=1`;
}

/**
 * The voice brought to the target as a file of its own (48 kHz stereo WAV), the way the video
 * carries it: a storyboard's preview plays it. A render applies the gain in its soundtrack instead.
 */
export function voiceGainArgs(inputFile: string, outputFile: string, gainDb: number): string[] {
  return [
    '-i', inputFile, '-vn',
    '-af', `${voiceGain(gainDb)},aresample=${AUDIO_RATE}`,
    '-ar', String(AUDIO_RATE), '-c:a', 'pcm_s16le', '-f', 'wav', outputFile,
  ];
}

/**
 * Voice (+ music) → loudness. Music is looped by the input (-stream_loop -1), cut to length, and
 * pressed down by a sidechain compressor keyed on the voice, so it sits under speech and comes
 * back up in pauses. A voice at −14 LUFS (the level TikTok, Reels and YouTube normalise to) keeps
 * its level: the music sits under it, and a limiter holds the peaks of the mix at −1.5 dBFS. The
 * voice gets there by its measured gain (`voiceGainDb`, media/loudness.ts), applied first, or
 * came as a file brought there before (`voiceNormalised` without a gain). Otherwise loudnorm
 * brings the whole mix there, which needs seconds of look-ahead: on a narration of two or three
 * seconds it misses by tens of dB.
 */
export function audioFilters(
  voiceInput: number,
  musicInput: number | null,
  musicVolume: number,
  durationS: number,
  voiceNormalised = false,
  voiceGainDb: number | null = null,
): string[] {
  const d = fmt(durationS);
  const gain = voiceGainDb === null ? '' : `${voiceGain(voiceGainDb)},`;
  const voice = `[${voiceInput}:a:0]${gain}aresample=${AUDIO_RATE},aformat=sample_fmts=fltp:channel_layouts=stereo,apad=whole_dur=${d},atrim=duration=${d}`;
  const norm = voiceNormalised
    ? `alimiter=limit=${VOICE_CEILING}:level=0,aresample=${AUDIO_RATE},atrim=duration=${d}[aout]`
    : `${LOUDNORM},aresample=${AUDIO_RATE},atrim=duration=${d}[aout]`;
  // loudnorm holds ~100 MiB in the render process; a voice normalised beforehand needs none.
  if (musicInput === null) return [voiceNormalised ? `${voice}[aout]` : `${voice},${norm}`];
  return [
    `${voice},asplit=2[voice][key]`,
    `[${musicInput}:a:0]aresample=${AUDIO_RATE},aformat=sample_fmts=fltp:channel_layouts=stereo,atrim=duration=${d},volume=${fmt(musicVolume)}[music]`,
    `[music][key]sidechaincompress=threshold=0.03:ratio=8:attack=20:release=350:makeup=1[ducked]`,
    `[voice][ducked]amix=inputs=2:duration=first:normalize=0,${norm}`,
  ];
}

/** A plain file name in the render's cwd: filter arguments and concat lists then need no escaping. */
export function plainName(name: string, what: string): string {
  if (!/^[A-Za-z0-9._-]+$/.test(name)) throw new Error(`${what} must be a plain file name, got "${name}"`);
  return name;
}

/**
 * The x264 settings every chunk of a video shares exactly: the concat demuxer joins chunks by
 * stream copy only when their codec parameters are identical. A fresh encoder starts on an IDR
 * frame, so every chunk opens on one.
 */
export function encoderArgs(enc: EncodeSettings): string[] {
  return [
    '-c:v', 'libx264',
    '-preset', enc.preset,
    '-crf', String(enc.crf),
    '-profile:v', 'high',
    '-pix_fmt', 'yuv420p',
    '-r', String(OUTPUT_FPS),
    // A keyframe every 2 s: platforms and players seek cleanly.
    '-g', String(OUTPUT_FPS * KEYFRAME_EVERY_S),
    '-threads', String(enc.threads),
    '-rc-lookahead', String(enc.lookahead),
  ];
}

/** The soundtrack, rendered once for the whole video: voice (+ looped, ducked music) → AAC. */
export function audioArgs(p: {
  voicePath: string;
  /** The narration's level is settled (media/loudness.ts): no loudnorm here. */
  voiceNormalised: boolean;
  /** The measured gain (dB) the voice gets, with the limiter, before the mix; absent: it is at the target as it is. */
  voiceGainDb?: number | undefined;
  music?: { path: string; volume: number } | undefined;
  durationS: number;
  outputFile: string;
  encode: EncodeSettings;
}): string[] {
  const music = p.music ? ['-stream_loop', '-1', '-i', p.music.path] : [];
  return [
    '-i', p.voicePath,
    ...music,
    '-filter_complex', audioFilters(0, p.music ? 1 : null, p.music?.volume ?? 0, p.durationS, p.voiceNormalised, p.voiceGainDb ?? null).join(';'),
    '-map', '[aout]',
    '-c:a', 'aac',
    '-b:a', p.encode.audioBitrate,
    '-ar', String(AUDIO_RATE),
    '-ac', '2',
    '-t', fmt(p.durationS),
    '-f', 'mp4',
    plainName(p.outputFile, 'audio file'),
  ];
}

/** The file descriptor of the first chunk's pipe in the join (0, 1 and 2 are stdin, stdout, stderr). */
export const FIRST_CHUNK_FD = 3;

/**
 * The concat demuxer's list of an output's chunks (each this many frames), in order, each read
 * from a pipe of its own (fd 3, 4, …) so the join can remove a chunk as soon as it is read, and
 * each with its exact length: a pipe cannot be measured, and the demuxer starts every chunk where
 * the one before it ends by that length (to the microsecond, as it would measure a file).
 */
export function concatList(chunkFrames: number[]): string {
  const entries = chunkFrames.flatMap((f, i) => [`file 'pipe:${FIRST_CHUNK_FD + i}'`, `duration ${(f / OUTPUT_FPS).toFixed(6)}`]);
  return ['ffconcat version 1.0', ...entries, ''].join('\n');
}

/**
 * The final MP4 without re-encoding: chunks joined by stream copy, the audio muxed in, moov first
 * (+faststart moves it within the same file: no second copy). `-safe 0` lets the list name its
 * pipes; the list is ours, and the input guard still allows files and pipes only.
 */
export function assembleArgs(listFile: string, audioFile: string, outputFile: string): string[] {
  return [
    '-f', 'concat', '-safe', '0', '-i', plainName(listFile, 'concat list'),
    '-i', plainName(audioFile, 'audio file'),
    '-map', '0:v:0',
    '-map', '1:a:0',
    '-c', 'copy',
    '-movflags', '+faststart',
    '-f', 'mp4',
    plainName(outputFile, 'output file'),
  ];
}

/**
 * One JPEG frame from the rendered video: past the first keyframe interval, the keyframe at or
 * before `atS` (at most 2 s earlier), decoded alone on one thread, its timestamp passed through
 * (the image muxer would drop frames until time zero, that is decode up to `atS` after all).
 * Seeking to `atS` exactly decoded every frame from that keyframe on: 0.36 CPU s at 1080p, now
 * 0.16.
 */
export function thumbnailArgs(videoFile: string, atS: number, outputFile: string, width: number): string[] {
  return [
    '-threads', '1', ...(atS >= KEYFRAME_EVERY_S ? ['-noaccurate_seek'] : []), '-ss', fmt(atS), '-i', videoFile,
    '-frames:v', '1', '-vf', `scale=w=${Math.min(width, 720)}:h=-2`, '-fps_mode', 'passthrough', '-q:v', '3', '-f', 'image2', outputFile,
  ];
}

/**
 * A small JPEG of a clip as the video will show it: the frame at `atS`, cover-cropped to the
 * frame's shape and scaled to `width` (storyboard thumbnails).
 */
export function clipThumbnailArgs(clip: SourceClip, atS: number, frame: Frame, width: number, outputFile: string): string[] {
  return [
    ...inputArgs(clip, { sourceStart: Math.max(0, atS), duration: 0.1 }),
    '-frames:v', '1',
    '-vf', `${coverCrop(frame.width, frame.height)},scale=w=${2 * Math.round(width / 2)}:h=-2,setsar=1`,
    '-q:v', '4', '-f', 'image2', outputFile,
  ];
}

/** Seconds with millisecond precision, no exponent, no trailing zeros. */
export function fmt(n: number): string {
  return String(Math.round(n * 1000) / 1000);
}
