// The renderer as it was before chunks: one ffmpeg process with an input per timeline piece, one
// filter graph (pieces → concat → captions; voice (+ ducked music) → loudness) and the encoder.
// Kept for the benchmark's floor and its encoder sweep, the yardstick the chunked render is
// compared with; the service renders in chunks (functions/media/render.ts).
import type { Segment, SourceClip } from '../functions/domain/media.ts';
import { OUTPUT_FPS, segmentFrames } from '../functions/media/chunks.ts';
import { assFilter, audioFilters, AUDIO_RATE, DEFAULT_ENCODE, fmt, inputArgs, pieceFilter, type EncodeSettings } from '../functions/media/render-args.ts';

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
  // Before chunks the one process had every core: x264 ran two threads.
  const enc = { ...DEFAULT_ENCODE, threads: 2, ...plan.encode };
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

