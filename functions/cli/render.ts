// `reelsmith render`: the whole pipeline in this process, no server and no cloud account: speech,
// footage, render, then the MP4 and its sidecars written next to each other (and each further
// output beside them: out.mp4, out-16x9.mp4).
import { randomInt, randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createPipeline } from '../compose.ts';
import { ConfigError, loadConfig } from '../config.ts';
import { videoSpec } from '../domain/video-spec.ts';
import { CancelledError, TaskError } from '../errors.ts';
import { createLogger } from '../log.ts';
import { checkMediaTools, resolveMediaTools } from '../media/tools.ts';
import { produceVideo } from '../pipeline/produce-video.ts';
import { checkEspeak } from '../providers/espeak-voices.ts';
import { MusicLibrary } from '../providers/music-library.ts';
import { CliError, EXIT } from './exit-codes.ts';
import { OutputFiles } from './output-files.ts';
import { progressView } from './progress.ts';
import { requestBody, validRequest, type RequestFlags } from './request.ts';

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
  credits: { provider: string; author: string | null; author_url: string | null; video_url: string | null }[];
  warnings: string[];
  outputs: RenderedFile[];
}

export async function renderLocally(script: string, flags: RequestFlags & { output: string; json: boolean }, signal: AbortSignal): Promise<RenderResult> {
  const request = validRequest(requestBody(script, flags));
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
  // One temporary root: the task's scratch dir, and the store of what the pipeline keeps between attempts.
  const root = await mkdtemp(join(tmpdir(), 'reelsmith-render-'));
  const dir = join(root, 'task');
  await mkdir(dir);
  const files = new OutputFiles(resolve(flags.output), join(root, 'store'));
  const progress = progressView({ json: flags.json, tty: !!process.stderr.isTTY });
  try {
    const spec = videoSpec(request, { seed: randomInt(2 ** 32) });
    const produced = await produceVideo(
      // No task store here: freshness across earlier videos does not apply to a one-off render;
      // and no queue either: a long video renders in this process instead of fanning out.
      {
        ...createPipeline(cfg, tools, files, log, { music: cfg.MUSIC_DIR ? new MusicLibrary(cfg.MUSIC_DIR) : null, recentClips: async () => new Set() }),
        fanout: null,
      },
      { spec, taskId: randomUUID(), attempt: 1, owner: null, dir, signal, report: (stage, p) => progress.update(stage, p) },
    );
    if (produced.kind !== 'completed') throw new Error('a render without a queue does not fan out');
    const { output, warnings } = produced;
    progress.update('done', 100);
    const videos = output.outputs ?? [];
    const rendered = videos.map((v, i): RenderedFile => {
      const { label } = spec.outputs[i]!;
      return {
        output: files.pathFor('mp4', label),
        aspect_ratio: v.aspect_ratio,
        resolution: v.resolution,
        duration_s: v.duration_s,
        width: v.width,
        height: v.height,
        size_bytes: v.size_bytes,
        thumbnail: files.writtenFor('jpg', label),
        captions_vtt: files.writtenFor('vtt', label),
        captions_srt: files.writtenFor('srt', label),
      };
    });
    return { ...rendered[0]!, credits: output.credits, warnings, outputs: rendered };
  } catch (err) {
    await files.removeWritten();
    if (signal.aborted || err instanceof CancelledError) throw new CliError(EXIT.interrupted, 'interrupted', 'interrupted; nothing was written');
    if (err instanceof TaskError) throw new CliError(EXIT.failed, err.code, err.message);
    throw err;
  } finally {
    progress.stop();
    await rm(root, { recursive: true, force: true });
  }
}
