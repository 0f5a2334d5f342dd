// A side experiment for the renderer's owner: the floor command (the renderer's single ffmpeg
// pass on files already on disk) under other encoder, thread and caption settings, measured like
// the benchmark measures everything (wall, CPU, peak ffmpeg RSS). Run after `npm run bench` has
// cached the workload: node bench/encode-sweep.ts [--reps N] [--only 720p|1080p]
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { renderArgs } from './single-pass.ts';
import { runFfmpeg } from '../functions/media/run.ts';
import { resolveMediaTools } from '../functions/media/tools.ts';
import { FAKE_ELEVENLABS_KEY, startFakeElevenLabs } from '../test/fakes/index.ts';
import { checkOutput, floorPlan, prepareInputs, type PreparedInputs } from './baselines.ts';
import { startBenchPexels } from './pexels.ts';
import { measure, type Usage } from './proc-sampler.ts';
import { MIB, medianUsage, table } from './report.ts';
import { CACHE_DIR, catalogue, ensureMedia, NARRATION_S, SCRIPT } from './workload.ts';

const { values: argv } = parseArgs({ options: { reps: { type: 'string', default: '1' }, only: { type: 'string' }, variants: { type: 'string' } } });
const REPS = Number(argv.reps);

export interface Variant {
  name: string;
  preset?: string;
  crf?: number;
  /** x264 threads (0 = ffmpeg's automatic choice). */
  threads?: number;
  /** Decoder threads per input; the renderer uses 1. */
  decoderThreads?: number;
  /** -filter_complex_threads; the renderer uses 1. */
  filterThreads?: number;
  captions?: boolean;
  /** Extra x264 options (-x264-params). */
  x264Params?: string;
  /** false: loudnorm replaced by a plain gain, to see what the loudness filter itself costs. */
  loudnorm?: boolean;
}

const VARIANTS: Variant[] = [
  { name: 'renderer today' },
  { name: 'no captions', captions: false },
  { name: 'ultrafast crf 28 (recipe\'s)', preset: 'ultrafast', crf: 28 },
  { name: 'superfast crf 23', preset: 'superfast' },
  { name: 'superfast crf 25', preset: 'superfast', crf: 25 },
  { name: 'veryfast, x264 threads auto', threads: 0 },
  { name: 'veryfast, decoder threads 2', decoderThreads: 2 },
  { name: 'veryfast, filter threads 2', filterThreads: 2 },
  { name: 'veryfast, rc-lookahead 5', x264Params: 'rc-lookahead=5' },
  { name: 'veryfast, no loudnorm (gain only)', loudnorm: false },
  { name: 'superfast crf 23, rc-lookahead 5, no loudnorm', preset: 'superfast', x264Params: 'rc-lookahead=5', loudnorm: false },
];

/** The renderer's argument list with one variant applied. */
export function variantArgs(inp: PreparedInputs, v: Variant, output: string): string[] {
  const args = renderArgs(
    floorPlan(inp, output, {
      assFile: v.captions === false ? null : inp.assFile,
      encode: { ...(v.preset ? { preset: v.preset } : {}), ...(v.crf !== undefined ? { crf: v.crf } : {}), ...(v.threads !== undefined ? { threads: v.threads } : {}) },
    }),
  );
  const graphAt = args.indexOf('-filter_complex');
  const out = [...args];
  if (v.decoderThreads !== undefined) {
    for (let i = 0; i < graphAt; i++) if (out[i] === '-threads') out[i + 1] = String(v.decoderThreads);
  }
  if (v.filterThreads !== undefined) out[out.indexOf('-filter_complex_threads') + 1] = String(v.filterThreads);
  if (v.loudnorm === false) {
    const g = graphAt + 1;
    out[g] = (out[g] as string).replace(/loudnorm=[^,\[]*/, 'volume=0dB');
  }
  if (v.x264Params) out.splice(out.indexOf('-c:v') + 2, 0, '-x264-params', v.x264Params);
  return out;
}

async function main() {
  const tools = resolveMediaTools({});
  await ensureMedia(tools, console.log);
  const elevenlabs = await startFakeElevenLabs({ secondsPerChar: NARRATION_S / SCRIPT.length });
  const pexels = await startBenchPexels(catalogue());
  const fakes = { elevenlabs: { url: elevenlabs.url, apiKey: FAKE_ELEVENLABS_KEY }, pexels: { url: pexels.url, apiKey: pexels.apiKey } };
  const wanted = argv.variants ? new Set(argv.variants.split(',').map(Number)) : null;
  try {
    for (const res of ['720p', '1080p'] as const) {
      if (argv.only && argv.only !== res) continue;
      const dir = join(CACHE_DIR, 'sweep', res);
      await mkdir(dir, { recursive: true });
      const inp = await prepareInputs(tools, fakes, res, dir);
      const rows: string[][] = [];
      for (const [i, v] of VARIANTS.entries()) {
        if (wanted && !wanted.has(i)) continue;
        const runs: Usage[] = [];
        let size = 0;
        for (let r = 0; r < REPS; r++) {
          await rm(join(dir, 'sweep.mp4'), { force: true });
          const { usage } = await measure({ root: process.pid, includeRoot: false, scratchDir: dir }, () =>
            runFfmpeg(tools, variantArgs(inp, v, 'sweep.mp4'), { cwd: dir }),
          );
          size = (await checkOutput(tools, join(dir, 'sweep.mp4'), { width: inp.width, height: inp.height, durationS: inp.narration.durationS })).sizeBytes;
          runs.push(usage);
        }
        const u = medianUsage(runs);
        const row = [`${i}`, v.name, u.wallS.toFixed(2), u.cpuS.toFixed(1), (u.peakFfmpegRssBytes / MIB).toFixed(0), ((size * 8) / inp.narration.durationS / 1e6).toFixed(2), u.otherCpuS.toFixed(1)];
        rows.push(row);
        console.log(`${res} ${row.join('  ')}`);
      }
      console.log(`\n${res}, floor command, median of ${REPS}:`);
      console.log(table(['#', 'variant', 'wall s', 'CPU s', 'ffmpeg RSS MiB', 'Mbit/s', 'other CPU s'], rows));
      console.log('');
    }
  } finally {
    await pexels.close();
    await elevenlabs.close();
  }
}

if (import.meta.main) await main();
