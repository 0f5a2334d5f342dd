// The recipe reelsmith replaces, on the same narration and the same clips as the service's task:
// every piece re-encoded to 720x1280 on its own (libx264 ultrafast, CRF 28) from the 1080p
// renditions, joined by the concat demuxer with stream copy, then the narration muxed in (video
// copied, AAC 128k). It had no captions. Its inputs (prepareInputs, which the encoder sweep uses
// too) are the workload's whole pool of clips, as cached, and the narration from the fake voice.
import { copyFile, mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { VideoRequestSchema, type CaptionOptions, type Resolution } from '../functions/domain/video-request.ts';
import { outputsOf } from '../functions/domain/video-spec.ts';
import type { MediaInfo, Narration, Segment, SourceClip } from '../functions/domain/media.ts';
import { OUTPUT_FPS, segmentFrames } from '../functions/media/chunks.ts';
import { probeKeyframes, probeMedia } from '../functions/media/probe.ts';
import { coverCrop, fmt } from '../functions/media/render-args.ts';
import { runFfmpeg } from '../functions/media/run.ts';
import type { MediaTools } from '../functions/media/tools.ts';
import { planTimeline } from '../functions/pipeline/timeline.ts';
import { ElevenLabsSpeech } from '../functions/providers/elevenlabs.ts';
import { benchRequest, poolClips, type Workload } from './workload.ts';

/** What a task works from once speech and footage are done. */
export interface PreparedInputs {
  dir: string;
  resolution: Resolution;
  width: number;
  height: number;
  narration: Narration;
  clips: SourceClip[];
  segments: Segment[];
  captions: CaptionOptions;
}

/**
 * The narration from the fake voice, the workload's clips (by default at the rendition a service
 * picks for the frame, straight from the cache: no download), and a timeline planned over them.
 * The six-clip workload's tasks use exactly its six clips, which the benchmark checks.
 */
export async function prepareInputs(
  tools: MediaTools,
  elevenlabs: { url: string; apiKey: string },
  workload: Workload,
  resolution: Resolution,
  dir: string,
  opts: {
    /** The clips to plan over; the workload's pool at the rendition the service picks when absent. */
    pool?: SourceClip[];
    /** false: plan without the clips' keyframes, as the service did before issue 22. */
    keyframes?: boolean;
  } = {},
): Promise<PreparedInputs> {
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  const req = VideoRequestSchema.parse(benchRequest(workload, resolution));
  const { width, height } = outputsOf(req)[0]!.frame;
  const speech = new ElevenLabsSpeech({ apiKey: elevenlabs.apiKey, baseUrl: elevenlabs.url, modelId: 'eleven_multilingual_v2', tools });
  const seed = req.seed as number;
  const narration = await speech.synthesize({ text: workload.script, seed }, dir, new AbortController().signal);
  // With their keyframes, as the service's probe of a download finds them: the timeline places pieces on them.
  const clips = await Promise.all(
    (opts.pool ?? poolClips(workload, { width, height })).map(async (c) =>
      c.kind === 'file' && opts.keyframes !== false ? { ...c, keyframesS: await probeKeyframes(tools, c.path) } : c,
    ),
  );
  const segments = planTimeline({
    words: narration.words,
    sentenceEnds: narration.sentenceEnds,
    durationS: narration.durationS,
    clips: clips.map((c) => ({ durationS: c.durationS, keyframesS: c.kind === 'file' ? c.keyframesS : null })),
    seed,
  });
  if (req.captions === false) throw new Error('the benchmark request must have captions on');
  return { dir, resolution, width, height, narration, clips, segments, captions: req.captions };
}

/** Credits of the clips a plan uses, as comparable strings. */
export function usedCredits(inp: PreparedInputs): string[] {
  const used = new Set(inp.segments.map((s) => s.clip));
  return [...new Set(inp.clips.filter((_, i) => used.has(i)).map((c) => (c.kind === 'file' ? (c.credit?.video_url ?? '') : '')))].sort();
}

export const RECIPE_FRAME = { width: 720, height: 1280 };

/**
 * The recipe's working dir holds its own copies of the 1080p renditions and the narration, as
 * the old system downloaded them into its task dir; they count as its scratch bytes.
 */
export async function stageRecipe(inp1080: PreparedInputs, dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  for (const c of inp1080.clips) if (c.kind === 'file') await copyFile(c.path, join(dir, basename(c.path)));
  await copyFile(inp1080.narration.audioPath, join(dir, 'narration.mp3'));
}

/** Removes what a previous recipe run made, keeping the staged inputs. */
export async function resetRecipe(inp1080: PreparedInputs, dir: string): Promise<void> {
  const keep = new Set([...inp1080.clips.map((c) => (c.kind === 'file' ? basename(c.path) : '')), 'narration.mp3']);
  for (const name of await readdir(dir)) if (!keep.has(name)) await rm(join(dir, name), { force: true });
}

/** One piece at a time, then concat by copy, then the voice: the old system's three steps. */
export async function runRecipe(tools: MediaTools, inp1080: PreparedInputs, dir: string): Promise<string> {
  const { width, height } = RECIPE_FRAME;
  const frames = segmentFrames(inp1080.segments);
  const parts: string[] = [];
  for (const [i, seg] of inp1080.segments.entries()) {
    const clip = inp1080.clips[seg.clip];
    if (!clip || clip.kind !== 'file') throw new Error(`segment ${i} has no file clip`);
    const part = `part-${String(i).padStart(2, '0')}.mp4`;
    await runFfmpeg(
      tools,
      [
        ...(seg.sourceStart > 0 ? ['-ss', fmt(seg.sourceStart)] : []),
        '-i', basename(clip.path),
        '-vf', `fps=${OUTPUT_FPS},${coverCrop(width, height)},scale=${width}:${height},setsar=1,format=yuv420p`,
        '-frames:v', String(frames[i]),
        '-an',
        '-c:v', 'libx264', '-preset', 'ultrafast', '-crf', '28',
        part,
      ],
      { cwd: dir },
    );
    parts.push(part);
  }
  await writeFile(join(dir, 'parts.txt'), parts.map((p) => `file '${p}'\n`).join(''), 'utf8');
  await runFfmpeg(tools, ['-f', 'concat', '-safe', '0', '-i', 'parts.txt', '-c', 'copy', 'joined.mp4'], { cwd: dir });
  await runFfmpeg(
    tools,
    ['-i', 'joined.mp4', '-i', 'narration.mp3', '-map', '0:v:0', '-map', '1:a:0', '-c:v', 'copy', '-c:a', 'aac', '-b:a', '128k', '-shortest', 'recipe.mp4'],
    { cwd: dir },
  );
  return join(dir, 'recipe.mp4');
}

/** An output must be what was asked for, or its timing means nothing. */
export async function checkOutput(tools: MediaTools, path: string, expect: { width: number; height: number; durationS: number }): Promise<MediaInfo> {
  const info = await probeMedia(tools, path);
  const problems: string[] = [];
  if (!info.hasVideo || !info.hasAudio) problems.push('missing a stream');
  if (info.width !== expect.width || info.height !== expect.height) problems.push(`${info.width}x${info.height}`);
  if (Math.abs(info.durationS - expect.durationS) > 0.25) problems.push(`${info.durationS.toFixed(2)} s, expected ${expect.durationS.toFixed(2)} s`);
  if (problems.length) throw new Error(`${path}: ${problems.join(', ')}`);
  return info;
}
