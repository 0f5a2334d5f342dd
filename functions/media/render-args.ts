// Pure builders for the single render pass: inputs with input seeking, one filter graph
// (per-piece normalise → concat → captions; voice (+ ducked music) → loudness), encoder settings.
import type { Segment, SourceClip } from '../domain/media.ts';

export const OUTPUT_FPS = 30;
export const TARGET_LUFS = -14;
/** Audio sample rate of the output (AAC at 48 kHz is what every platform re-encodes to anyway). */
export const AUDIO_RATE = 48_000;

export interface EncodeSettings {
  /** x264 preset; `veryfast` measured as the best speed/size trade-off for 2 shared cores. */
  preset: string;
  crf: number;
  /** Encoder threads; two concurrent renders on two cores each get 2. */
  threads: number;
  /** x264 frames of lookahead: 5 instead of veryfast's 10 saves 17–34 MiB at the same speed (bench/encode-sweep.ts). */
  lookahead: number;
  audioBitrate: string;
}

export const DEFAULT_ENCODE: EncodeSettings = { preset: 'veryfast', crf: 23, threads: 2, lookahead: 5, audioBitrate: '160k' };

export interface RenderPlan {
  clips: SourceClip[];
  segments: Segment[];
  width: number;
  height: number;
  durationS: number;
  /** Path of the narration audio (absolute, or relative to the render's cwd). */
  voicePath: string;
  /** The narration is already at the target loudness (media/loudness.ts): no loudnorm in this pass. */
  voiceNormalised?: boolean;
  music?: { path: string; volume: number } | undefined;
  /** ASS file name relative to the render's cwd (the task dir), or null for no burned-in captions. */
  assFile: string | null;
  outputFile: string;
  encode?: Partial<EncodeSettings>;
}

/** Extra source seconds read past each piece, so a short decode at the end does not starve the trim. */
const READ_SLACK_S = 0.5;

/** Frames each segment gets: boundaries rounded to the frame grid once, so the pieces add up exactly. */
export function segmentFrames(segments: Segment[], fps = OUTPUT_FPS): number[] {
  return segments.map((s) => Math.round((s.start + s.duration) * fps) - Math.round(s.start * fps));
}

/** `-ss`/`-t` before `-i` seek by index instead of decoding from the start. */
export function inputArgs(clip: SourceClip, seg: Segment): string[] {
  const t = fmt(seg.duration + READ_SLACK_S);
  if (clip.kind === 'generated') return ['-f', 'lavfi', '-t', t, '-i', clip.lavfi];
  // One decoder thread per input: pieces decode one after another, and frame threads cost memory per input.
  return ['-threads', '1', ...(seg.sourceStart > 0 ? ['-ss', fmt(seg.sourceStart)] : []), '-t', t, '-i', clip.path];
}

/**
 * One piece: restart timestamps, constant 30 fps (evens out VFR sources), centre-crop to the
 * frame's shape and scale to its size (cover: never black bars), square pixels, then exactly
 * `frames` frames; a source that ends early repeats its last frame for the few missing ones
 * instead of shortening the video.
 * Rotation metadata is applied by ffmpeg's autorotate on decode, before this chain.
 */
export function pieceFilter(input: number, frames: number, width: number, height: number, label: string): string {
  return (
    `[${input}:v:0]setpts=PTS-STARTPTS,fps=${OUTPUT_FPS},` +
    `${coverCrop(width, height)},scale=w=${width}:h=${height},setsar=1,format=yuv420p,` +
    `tpad=stop_mode=clone:stop=${frames},trim=end_frame=${frames},setpts=PTS-STARTPTS[${label}]`
  );
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
  if (!/^[A-Za-z0-9._-]+$/.test(assFile)) throw new Error(`captions file name must be a plain file name, got "${assFile}"`);
  return `ass=filename=${assFile}`;
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
  if (!/^[A-Za-z0-9._-]+$/.test(logFile)) throw new Error(`log file must be a plain file name, got "${logFile}"`);
  return ['-i', inputFile, '-vn', '-af', `${VOICE_STEREO},ebur128=metadata=1,ametadata=mode=print:key=lavfi.r128.I:file=${logFile}`, '-f', 'null', '-'];
}

/** The integrated loudness (LUFS) in a measureLoudnessArgs log, or null for silence. */
export function parseIntegratedLoudness(log: string): number | null {
  const last = [...log.matchAll(/lavfi\.r128\.I=(-?[\d.]+|-?inf|nan)/g)].at(-1)?.[1];
  const v = Number(last);
  return last && Number.isFinite(v) && v > -70 ? v : null;
}

/**
 * Second run: a fixed gain to the target and a limiter for the peaks (level=0: no auto gain;
 * latency=1: no delay, so the words stay on their timings). A linear gain keeps short narrations
 * exact, where single-pass loudnorm, which needs seconds of look-ahead, misses by several dB.
 */
export function voiceGainArgs(inputFile: string, outputFile: string, gainDb: number): string[] {
  return [
    '-i', inputFile, '-vn',
    '-af', `${VOICE_STEREO},volume=${fmt(gainDb)}dB,alimiter=limit=${VOICE_CEILING}:level=0:latency=1,aresample=${AUDIO_RATE}`,
    '-ar', String(AUDIO_RATE), '-c:a', 'pcm_s16le', '-f', 'wav', outputFile,
  ];
}

/**
 * Voice (+ music) → loudness. Music is looped by the input (-stream_loop -1), cut to length, and
 * pressed down by a sidechain compressor keyed on the voice, so it sits under speech and comes
 * back up in pauses. loudnorm then brings the mix to −14 LUFS integrated (the level TikTok,
 * Reels and YouTube normalise to) with a −1.5 dBTP ceiling.
 */
export function audioFilters(
  voiceInput: number,
  musicInput: number | null,
  musicVolume: number,
  durationS: number,
  voiceNormalised = false,
): string[] {
  const d = fmt(durationS);
  const voice = `[${voiceInput}:a:0]aresample=${AUDIO_RATE},aformat=sample_fmts=fltp:channel_layouts=stereo,apad=whole_dur=${d},atrim=duration=${d}`;
  const norm = `${LOUDNORM},aresample=${AUDIO_RATE},atrim=duration=${d}[aout]`;
  // loudnorm holds ~100 MiB in the render process; a voice normalised beforehand needs none.
  if (musicInput === null) return [voiceNormalised ? `${voice}[aout]` : `${voice},${norm}`];
  return [
    `${voice},asplit=2[voice][key]`,
    `[${musicInput}:a:0]aresample=${AUDIO_RATE},aformat=sample_fmts=fltp:channel_layouts=stereo,atrim=duration=${d},volume=${fmt(musicVolume)}[music]`,
    `[music][key]sidechaincompress=threshold=0.03:ratio=8:attack=20:release=350:makeup=1[ducked]`,
    `[voice][ducked]amix=inputs=2:duration=first:normalize=0,${norm}`,
  ];
}

export function filterGraph(plan: RenderPlan, voiceInput: number, musicInput: number | null): string {
  const frames = segmentFrames(plan.segments);
  const parts: string[] = [];
  const labels: string[] = [];
  plan.segments.forEach((_, i) => {
    const label = `p${i}`;
    parts.push(pieceFilter(i, frames[i]!, plan.width, plan.height, label));
    labels.push(`[${label}]`);
  });
  const tail = plan.assFile ? `,${assFilter(plan.assFile)}` : '';
  const joined = labels.length === 1 ? `${labels[0]}null` : `${labels.join('')}concat=n=${labels.length}:v=1:a=0`;
  parts.push(`${joined}${tail},format=yuv420p[vout]`);
  parts.push(...audioFilters(voiceInput, musicInput, plan.music?.volume ?? 0, plan.durationS, plan.voiceNormalised ?? false));
  return parts.join(';');
}

/** The whole argument list after ffmpeg's common flags (runFfmpeg adds those). */
export function renderArgs(plan: RenderPlan): string[] {
  if (plan.segments.length === 0) throw new Error('render plan has no segments');
  const enc = { ...DEFAULT_ENCODE, ...plan.encode };
  const args: string[] = [];
  for (const seg of plan.segments) {
    const clip = plan.clips[seg.clip];
    if (!clip) throw new Error(`segment refers to clip ${seg.clip}, but there are ${plan.clips.length} clips`);
    args.push(...inputArgs(clip, seg));
  }
  const voiceInput = plan.segments.length;
  args.push('-i', plan.voicePath);
  let musicInput: number | null = null;
  if (plan.music) {
    musicInput = voiceInput + 1;
    args.push('-stream_loop', '-1', '-i', plan.music.path);
  }
  args.push(
    '-filter_complex', filterGraph(plan, voiceInput, musicInput),
    // Filters run in one thread: the encoder gets the cores, and two renders share two cores.
    '-filter_complex_threads', '1',
    '-map', '[vout]',
    '-map', '[aout]',
    '-c:v', 'libx264',
    '-preset', enc.preset,
    '-crf', String(enc.crf),
    '-profile:v', 'high',
    '-pix_fmt', 'yuv420p',
    '-r', String(OUTPUT_FPS),
    // A keyframe every 2 s: platforms and players seek cleanly.
    '-g', String(OUTPUT_FPS * 2),
    '-threads', String(enc.threads),
    '-rc-lookahead', String(enc.lookahead),
    '-c:a', 'aac',
    '-b:a', enc.audioBitrate,
    '-ar', String(AUDIO_RATE),
    '-ac', '2',
    '-t', fmt(plan.durationS),
    '-movflags', '+faststart',
    '-f', 'mp4',
    plan.outputFile,
  );
  return args;
}

/** One JPEG frame from the rendered video. */
export function thumbnailArgs(videoFile: string, atS: number, outputFile: string, width: number): string[] {
  return ['-ss', fmt(atS), '-i', videoFile, '-frames:v', '1', '-vf', `scale=w=${Math.min(width, 720)}:h=-2`, '-q:v', '3', '-f', 'image2', outputFile];
}

/** Seconds with millisecond precision, no exponent, no trailing zeros. */
export function fmt(n: number): string {
  return String(Math.round(n * 1000) / 1000);
}
