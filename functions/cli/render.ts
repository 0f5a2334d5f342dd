// `reelsmith render`: the whole pipeline in this process, no server and no cloud account: speech,
// footage, render, each MP4 and its sidecars written next to each other as soon as it is joined
// (each further output beside them: out.mp4, out-16x9.mp4), each under a temporary name and
// renamed, so an interrupted render leaves no half-written output (and what it did write goes).
import { randomInt } from 'node:crypto';
import { copyFile, mkdir, mkdtemp, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, extname, join, resolve } from 'node:path';
import { createPipeline } from '../compose.ts';
import { loadConfig } from '../config.ts';
import type { Credit } from '../domain/media.ts';
import { scriptBriefOf, type WrittenScript } from '../domain/script.ts';
import type { VideoRequest } from '../domain/video-request.ts';
import { videoSpec } from '../domain/video-spec.ts';
import type { PipelineDeps } from '../pipeline/pipeline-deps.ts';
import { CancelledError, ConfigError, TaskError } from '../errors.ts';
import { round3 } from '../lib/numbers.ts';
import { createLogger } from '../log.ts';
import type { RenderResult as RenderedVideo } from '../media/render.ts';
import { checkMediaTools, resolveMediaTools } from '../media/tools.ts';
import { produceVideo, STAGE_STARTS } from '../pipeline/produce-video.ts';
import { checkEspeak } from '../providers/espeak-voices.ts';
import { MusicLibrary } from '../providers/music-library.ts';
import { CliError, EXIT } from './exit-codes.ts';
import { progressView } from './progress.ts';
import { requestBody, validRequest, voiceoverFile, type RequestFlags } from './request.ts';

/** One video the render wrote, with its sidecars. */
export interface RenderedFile {
  output: string;
  aspect_ratio: string;
  resolution: string;
  duration_s: number;
  width: number;
  height: number;
  size_bytes: number;
  thumbnail: string | null;
  captions_vtt: string | null;
  captions_srt: string | null;
}

/** The main video's files at the top level; every video (one per request output) in `outputs`. */
export interface RenderResult extends RenderedFile {
  credits: Credit[];
  warnings: string[];
  outputs: RenderedFile[];
}

export async function renderLocally(script: string | undefined, flags: RequestFlags & { output: string; json: boolean }, signal: AbortSignal): Promise<RenderResult> {
  const checked = validRequest(requestBody(script, flags));
  // A recording on this machine is read where it is: the request's stand-in upload goes.
  const recording = voiceoverFile(flags);
  const { voiceover: _standIn, ...withoutUpload } = checked;
  const request = recording ? withoutUpload : checked;
  let cfg;
  try {
    cfg = loadConfig(process.env);
  } catch (err) {
    if (err instanceof ConfigError) throw new CliError(EXIT.usage, 'invalid_configuration', err.message);
    throw err;
  }
  // Logs go to stderr, and only errors: stdout is the result.
  const log = createLogger('error', process.stderr);
  const tools = resolveMediaTools(cfg);
  try {
    await checkMediaTools(tools);
    if (!cfg.ELEVENLABS_API_KEY) await checkEspeak(cfg.ESPEAK_PATH);
  } catch (err) {
    throw new CliError(EXIT.failed, 'missing_tool', (err as Error).message);
  }
  const pipeline = { ...createPipeline(cfg, tools, log, { music: cfg.MUSIC_DIR ? new MusicLibrary(cfg.MUSIC_DIR) : null, recentClips: async () => new Set() }), fanout: null };
  const writtenScript = request.topic ? await writeScript(pipeline, request, signal) : null;
  // A seed of its own per render: an unseeded request gets other clips each time, as from the service.
  const spec = videoSpec(request, { seed: randomInt(2 ** 32), script: writtenScript, ...(recording ? { voiceoverFile: recording } : {}) });
  const dir = await mkdtemp(join(tmpdir(), 'reelsmith-render-'));
  const written: string[] = [];
  const progress = progressView({ json: flags.json, tty: !!process.stderr.isTTY });
  try {
    const produced = await produceVideo(
      // No task store here: freshness across earlier videos does not apply to a one-off render;
      // and no blob store either: nothing is kept for a retry, and a long video renders in this
      // process instead of fanning out.
      pipeline,
      { spec, owner: null, dir, signal, report: (stage, p) => progress.update(stage, p) },
      // Each video is written where the user asked as soon as it is joined.
      (v) => writeVideo(v, resolve(flags.output), written),
    );
    if (produced.kind !== 'rendered') throw new Error('a render without a blob store does not fan out');
    const { video } = produced;
    // As the service reports it: every file is written by now, the last as its output was joined.
    progress.update('upload', STAGE_STARTS.upload);
    progress.update('done', 100);
    return { ...video.videos[0]!, credits: video.credits, warnings: video.warnings, outputs: video.videos };
  } catch (err) {
    await Promise.all(written.map((p) => rm(p, { force: true })));
    if (signal.aborted || err instanceof CancelledError) throw new CliError(EXIT.interrupted, 'interrupted', 'interrupted; nothing was written');
    if (err instanceof TaskError) throw new CliError(EXIT.failed, err.code, err.message);
    throw err;
  } finally {
    progress.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * One video's files where the user asked: the MP4 at `-o` (or beside it with its label for a
 * further output: out-16x9.mp4), its sidecars beside it with their own extensions (out.jpg,
 * out.vtt, out.srt). Each path is added to `written` once it is there.
 */
async function writeVideo(v: RenderedVideo, videoPath: string, written: string[]): Promise<RenderedFile> {
  const ext = extname(videoPath);
  const base = `${ext ? videoPath.slice(0, -ext.length) : videoPath}${v.output.label ? `-${v.output.label}` : ''}`;
  const place = async (from: string, to: string): Promise<string> => {
    const partial = `${to}.partial-${process.pid}`;
    try {
      await mkdir(dirname(to), { recursive: true });
      await copyFile(from, partial);
      await rename(partial, to);
    } catch (err) {
      await rm(partial, { force: true });
      throw err;
    }
    written.push(to);
    return to;
  };
  const [output, thumbnail, vtt, srt] = await Promise.all([
    place(v.videoPath, v.output.label ? `${base}${ext}` : videoPath),
    place(v.thumbnailPath, `${base}.jpg`),
    v.vttPath ? place(v.vttPath, `${base}.vtt`) : null,
    v.srtPath ? place(v.srtPath, `${base}.srt`) : null,
  ]);
  return {
    output,
    aspect_ratio: v.output.aspect_ratio,
    resolution: v.output.resolution,
    duration_s: round3(v.durationS),
    width: v.width,
    height: v.height,
    size_bytes: v.sizeBytes,
    thumbnail,
    captions_vtt: vtt,
    captions_srt: srt,
  };
}

/** A request's script written from its topic by the language model LLM_BASE_URL names here, as the service's first stage does. */
async function writeScript(pipeline: PipelineDeps, request: VideoRequest, signal: AbortSignal): Promise<WrittenScript> {
  if (!pipeline.scripts) {
    throw new CliError(EXIT.usage, 'no_language_model', 'topic: writing a script needs a language model: set LLM_BASE_URL and LLM_MODEL (and LLM_API_KEY) in the environment, or give a script');
  }
  try {
    return await pipeline.scripts.write(scriptBriefOf(request, pipeline.speech.name), signal);
  } catch (err) {
    if (err instanceof TaskError) throw new CliError(EXIT.failed, err.code, err.message);
    throw err;
  }
}
