// Where a render's CPU goes, chunk by chunk (issue 22). Runs the chunked render's own commands on
// a workload's inputs already on disk, one process at a time, and takes each chunk apart by running
// it again with a part left out:
//   full        the chunk as the render runs it (decode, filters, captions, x264)
//   no encode   the same graph into the null muxer: full − this = the encoder
//   no captions the same without the `ass` filter: no encode − this = captions
//   decode      the inputs as the chunk opens them (-ss/-t), no filters: no captions − this = filters
//   pre-roll    each input from the keyframe before its piece up to the piece's first frame: what
//               decoding frames nobody sees costs (decode − this = the shown frames)
//   start       ffmpeg on a one-frame lavfi input; with the captions file: + font set-up
// and the task's other ffmpeg and ffprobe runs (loudness, soundtrack, join, validation, thumbnail).
// CPU is user + system seconds of the children, from this process's cutime/cstime after each one
// is reaped, so other load on the machine changes it little; `--reps N` takes the median.
//   node bench/chunk-profile.ts [--workload stock|1080p|six-clips] [--gop long|1s] [--resolution 1080p|720p]
//                               [--preset P --crf N] [--reps N] [--cpus N] [--no-keyframes]
// (--no-keyframes: the timeline planned without the clips' keyframes, as before issue 22;
// --full-only: each chunk run once as the render runs it, and its pre-roll, without taking it apart;
// --uhd-renditions: the stock clips at the rendition the Pexels provider took before issue 22,
// 3840x2160 for the UHD landscape clips at 1080p, 2560x1440 at 720p.)
import { copyFile, mkdir, rm, writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { Frame, SourceClip } from '../functions/domain/media.ts';
import { captionSpec, type OutputSpec } from '../functions/domain/video-spec.ts';
import { chunkArgs, chunkFilterGraph } from '../functions/media/chunk-video.ts';
import { measureNarration } from '../functions/media/loudness.ts';
import { OUTPUT_FPS, type Chunk } from '../functions/media/chunks.ts';
import { probeKeyframes, probeMedia } from '../functions/media/probe.ts';
import { assembleArgs, audioArgs, DEFAULT_ENCODE, fmt, thumbnailArgs, type EncodeSettings } from '../functions/media/render-args.ts';
import { chunkSubtitles, planRender } from '../functions/media/render-plan.ts';
import { runFfmpeg } from '../functions/media/run.ts';
import { resolveMediaTools } from '../functions/media/tools.ts';
import { FAKE_ELEVENLABS_KEY, startFakeElevenLabs } from '../test/fakes/index.ts';
import { prepareInputs, type PreparedInputs } from './recipe.ts';
import { reapedChildrenCpuS } from './proc-sampler.ts';
import { median, table } from './report.ts';
import { ensureStockMedia, stockPoolClips, type Gop } from './stock.ts';
import { CACHE_DIR, ensureMedia, SECONDS_PER_CHAR, WORKLOADS, type WorkloadName } from './workload.ts';

const { values: argv } = parseArgs({
  options: {
    workload: { type: 'string', default: 'stock' },
    gop: { type: 'string', default: 'long' },
    resolution: { type: 'string', default: '1080p' },
    preset: { type: 'string' },
    crf: { type: 'string' },
    reps: { type: 'string', default: '1' },
    cpus: { type: 'string' },
    'no-keyframes': { type: 'boolean', default: false },
    'full-only': { type: 'boolean', default: false },
    'uhd-renditions': { type: 'boolean', default: false },
  },
});
const workload = WORKLOADS[argv.workload as WorkloadName];
if (!workload) throw new Error(`--workload must be one of ${Object.keys(WORKLOADS).join(', ')}`);
const GOP = argv.gop as Gop;
if (GOP !== 'long' && GOP !== '1s') throw new Error('--gop must be long or 1s');
const resolution = argv.resolution === '720p' ? '720p' : '1080p';
const REPS = Number(argv.reps);
const CPUS = Number(argv.cpus ?? availableParallelism());
const encode: EncodeSettings = {
  ...DEFAULT_ENCODE,
  ...(argv.preset ? { preset: argv.preset } : {}),
  ...(argv.crf ? { crf: Number(argv.crf) } : {}),
};

/** Median CPU seconds of `run` (which starts and awaits child processes only) over REPS runs. */
async function cpuOf(run: () => Promise<unknown>): Promise<number> {
  const xs: number[] = [];
  for (let i = 0; i < REPS; i++) {
    const before = reapedChildrenCpuS();
    await run();
    xs.push(reapedChildrenCpuS() - before);
  }
  return median(xs);
}

/** The piece's source start moved back to the keyframe at or before it, and how far that is. */
function keyframeBefore(keys: number[] | null, start: number): number {
  if (!keys) return 0;
  let k = 0;
  for (const t of keys) if (t <= start + 1e-6) k = t;
  return k;
}

async function main() {
  const tools = resolveMediaTools({});
  if (workload.name === 'stock') await ensureStockMedia(tools, console.log);
  else await ensureMedia(tools, console.log);
  const elevenlabs = await startFakeElevenLabs({ secondsPerChar: SECONDS_PER_CHAR });
  const dir = join(CACHE_DIR, 'profile', `${workload.name}-${GOP}-${resolution}`);
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  try {
    const frameOf = (r: typeof resolution): Frame => (r === '720p' ? { width: 720, height: 1280 } : { width: 1080, height: 1920 });
    const clips = workload.name === 'stock' ? stockPoolClips(GOP, frameOf(resolution)) : undefined;
    if (clips && argv['uhd-renditions']) {
      // The rule before issue 22 took the smallest rendition that filled the frame without upscaling, up to 4× its pixels.
      const big = resolution === '1080p' ? 2160 : 1440;
      const uhd = stockPoolClips(GOP, frameOf(resolution), big);
      clips.forEach((c, i) => {
        const u = uhd[i];
        if (c.kind === 'file' && u?.kind === 'file' && u.width > u.height && c.width < u.width) clips[i] = u;
      });
    }
    const inp: PreparedInputs = await prepareInputs(tools, { url: elevenlabs.url, apiKey: FAKE_ELEVENLABS_KEY }, workload, resolution, dir, {
      ...(clips ? { pool: clips } : {}),
      keyframes: !argv['no-keyframes'],
    });
    const signal = new AbortController().signal;
    const rows: string[][] = [];
    const other: [string, number][] = [];

    let narration = inp.narration;
    other.push(['loudness (measure)', await cpuOf(async () => (narration = await measureNarration(tools, inp.narration, dir, signal)))]);
    const keys = await Promise.all(inp.clips.map((c) => (c.kind === 'file' ? probeKeyframes(tools, c.path) : null)));
    other.push(['probe of the clips (as the download does)', await cpuOf(() => Promise.all(inp.clips.map((c) => (c.kind === 'file' ? probeMedia(tools, c.path) : null))))]);
    other.push(['keyframe index of the clips', await cpuOf(() => Promise.all(inp.clips.map((c) => (c.kind === 'file' ? probeKeyframes(tools, c.path) : null))))]);

    const frame = { width: inp.width, height: inp.height };
    // The render as the service plans it: one output, the workload's captions, nothing else drawn.
    const output: OutputSpec = { aspect_ratio: '9:16', resolution, frame, orientation: 'portrait', label: null };
    const plan = planRender({ outputs: [output], captions: captionSpec(inp.captions), language: 'en' }, narration, { segments: inp.segments, music: null }, { parallel: CPUS, encode });
    const planned = plan.outputs[0]!;
    const p = { encode: plan.encode, chunks: planned.chunks, assFile: planned.subtitles === null ? null : 'captions.ass' };
    // The first chunk's captions, for the font set-up measured below; each chunk writes its own.
    if (p.assFile) await writeFile(join(dir, p.assFile), chunkSubtitles(planned, planned.chunks[0]!)!, 'utf8');
    const soundtrack = audioArgs({ voicePath: narration.audioPath, voiceNormalised: true, voiceGainDb: narration.gainDb, durationS: narration.durationS, outputFile: 'audio.m4a', encode: p.encode });
    other.push(['soundtrack', await cpuOf(() => runFfmpeg(tools, soundtrack, { cwd: dir }))]);

    // Process start, and with the captions file: the font set-up every chunk process pays.
    const tiny = (vf: string) => ['-f', 'lavfi', '-i', `color=black:s=${frame.width}x${frame.height}:d=${1 / OUTPUT_FPS}`, '-vf', vf, '-frames:v', '1', '-f', 'null', '-'];
    const start = await cpuOf(() => runFfmpeg(tools, tiny('null'), { cwd: dir }));
    const fonts = p.assFile ? (await cpuOf(() => runFfmpeg(tools, tiny(`ass=filename=${p.assFile}`), { cwd: dir }))) - start : 0;

    const sum = { frames: 0, preroll: 0, full: 0, encode: 0, captions: 0, filters: 0, decode: 0, prerollCpu: 0 };
    const chunkFiles: string[] = [];
    for (const chunk of p.chunks) {
      const file = `chunk-${String(chunk.index).padStart(4, '0')}.ts`;
      chunkFiles.push(file);
      const withCaptions = `c${chunk.index}.filter`;
      const noCaptions = `c${chunk.index}.nocap.filter`;
      // Each chunk's captions are its own events under the output's head, as the renderer writes them.
      const subtitles = chunkSubtitles(planned, chunk);
      if (p.assFile && subtitles !== null) await writeFile(join(dir, p.assFile), subtitles, 'utf8');
      await writeFile(join(dir, withCaptions), chunkFilterGraph(chunk, frame, p.assFile), 'utf8');
      await writeFile(join(dir, noCaptions), chunkFilterGraph(chunk, frame, null), 'utf8');
      const args = (filterScript: string) => chunkArgs({ chunk, clips: inp.clips, filterScript, outputFile: file, encode: p.encode });
      const toNull = (a: string[]) => [...a.slice(0, a.indexOf('-an') + 1), '-frames:v', String(chunk.frames), '-f', 'null', '-'];
      const pieces = chunk.pieces.map((piece) => ({ piece, clip: inp.clips[piece.clip] as SourceClip, key: keyframeBefore(keys[piece.clip] ?? null, piece.sourceStart) }));
      // Inputs only, each decoded over `span` into the null muxer (no filters, no encoder).
      const decodeArgs = (span: (x: (typeof pieces)[number]) => { from: number; seconds: number } | null) => {
        const a: string[] = [];
        const maps: string[] = [];
        for (const x of pieces) {
          const s = span(x);
          if (!s || x.clip.kind !== 'file') continue;
          maps.push('-map', `${maps.length / 2}:v:0`);
          a.push('-threads', '1', ...(s.from > 0 ? ['-ss', fmt(s.from)] : []), '-t', fmt(s.seconds), '-i', x.clip.path);
        }
        return maps.length ? [...a, ...maps, '-f', 'null', '-'] : null;
      };
      const decode = decodeArgs((x) => ({ from: x.piece.sourceStart, seconds: x.piece.frames / OUTPUT_FPS }));
      // From the keyframe at or before the piece's start up to that start: frames decoded, never shown.
      const preroll = decodeArgs((x) => (x.piece.sourceStart - x.key > 0.001 ? { from: x.key, seconds: x.piece.sourceStart - x.key } : null));

      const full = await cpuOf(() => runFfmpeg(tools, args(withCaptions), { cwd: dir }));
      const parts = !argv['full-only'];
      const noEnc = parts ? await cpuOf(() => runFfmpeg(tools, toNull(args(withCaptions)), { cwd: dir })) : NaN;
      const noCap = parts ? await cpuOf(() => runFfmpeg(tools, toNull(args(noCaptions)), { cwd: dir })) : NaN;
      const dec = !parts ? NaN : decode ? await cpuOf(() => runFfmpeg(tools, decode, { cwd: dir })) : 0;
      const pre = preroll ? (await cpuOf(() => runFfmpeg(tools, preroll, { cwd: dir }))) - start : 0;
      const prerollS = pieces.reduce((n, x) => n + (x.piece.sourceStart - x.key), 0);
      const row = {
        frames: chunk.frames,
        preroll: prerollS,
        full,
        encode: full - noEnc,
        captions: noEnc - noCap,
        filters: noCap - dec,
        decode: dec - pre - start,
        prerollCpu: pre,
      };
      for (const k of Object.keys(sum) as (keyof typeof sum)[]) sum[k] += row[k];
      rows.push([
        String(chunk.index),
        describe(chunk, inp.clips, keys),
        String(chunk.frames),
        prerollS.toFixed(1),
        full.toFixed(2),
        start.toFixed(2),
        fonts.toFixed(2),
        pre.toFixed(2),
        row.decode.toFixed(2),
        row.filters.toFixed(2),
        row.captions.toFixed(2),
        row.encode.toFixed(2),
      ]);
      console.log(rows.at(-1)?.join('  '));
    }
    await copyFile(join(dir, 'audio.m4a'), join(dir, 'audio.keep.m4a'));
    // The chunks as files (the renderer feeds its list pipes; the join is the same stream copy).
    await writeFile(join(dir, 'chunks.txt'), ['ffconcat version 1.0', ...chunkFiles.map((f) => `file '${f}'`), ''].join('\n'), 'utf8');
    other.push(['join (concat by copy, audio muxed)', await cpuOf(async () => {
      await copyFile(join(dir, 'audio.keep.m4a'), join(dir, 'audio.m4a'));
      await runFfmpeg(tools, assembleArgs('chunks.txt', 'audio.m4a', 'output.mp4'), { cwd: dir });
    })]);
    other.push(['validation (ffprobe of the output)', await cpuOf(() => probeMedia(tools, join(dir, 'output.mp4')))]);
    other.push(['thumbnail', await cpuOf(() => runFfmpeg(tools, thumbnailArgs('output.mp4', narration.durationS / 3, 'thumbnail.jpg', frame.width), { cwd: dir }))]);

    const n = p.chunks.length;
    rows.push([
      'all',
      `${inp.segments.length} pieces`,
      String(sum.frames),
      sum.preroll.toFixed(1),
      sum.full.toFixed(2),
      (start * n).toFixed(2),
      (fonts * n).toFixed(2),
      sum.prerollCpu.toFixed(2),
      sum.decode.toFixed(2),
      sum.filters.toFixed(2),
      sum.captions.toFixed(2),
      sum.encode.toFixed(2),
    ]);
    const otherTotal = other.reduce((a, [, s]) => a + s, 0);
    console.log(`\n${workload.name} (${GOP} GOP), ${resolution}, ${p.encode.preset} CRF ${p.encode.crf}: narration ${narration.durationS.toFixed(1)} s, ${n} chunks; CPU s, median of ${REPS}`);
    console.log(table(['chunk', 'pieces (clip WxH@fps from s, keyframe before)', 'frames', 'pre-roll s of source', 'full', 'process start', 'font set-up', 'pre-roll decode', 'decode shown', 'filters', 'captions', 'x264'], rows));
    console.log(`\nThe rest of the task's ffmpeg/ffprobe work, CPU s:`);
    console.log(table(['step', 'CPU s'], [...other.map(([k, v]) => [k, v.toFixed(2)]), ['all', otherTotal.toFixed(2)]]));
    console.log(`\nRender total (chunks + the rest): ${(sum.full + otherTotal).toFixed(1)} CPU s, ${((sum.full + otherTotal) / narration.durationS).toFixed(2)} CPU s per output second`);
  } finally {
    await elevenlabs.close();
  }
}

function describe(chunk: Chunk, clips: SourceClip[], keys: (number[] | null)[]): string {
  return chunk.pieces
    .map((p) => {
      const c = clips[p.clip];
      const size = c?.kind === 'file' ? `${c.width}x${c.height}` : 'lavfi';
      const fps = c?.kind === 'file' ? /-(\d+)fps/.exec(c.path)?.[1] ?? '?' : '';
      return `${p.clip}:${size}@${fps} ${p.sourceStart.toFixed(2)} (${keyframeBefore(keys[p.clip] ?? null, p.sourceStart).toFixed(2)})`;
    })
    .join(', ');
}

await main();
