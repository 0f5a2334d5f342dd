// A side experiment for the renderer's owner: the chunked render (planned and run in one process,
// as the pipeline does it) on inputs already on disk, under other encoder settings, CPU budgets and captions,
// measured like the benchmark measures everything (wall, CPU, peak ffmpeg RSS, scratch, bit rate).
// Run after `npm run bench` has cached the workload:
//   node bench/encode-sweep.ts [--reps N] [--variants 0,2,5] [--workload 1080p|six-clips|3min] [--resolution 720p|1080p]
import { availableParallelism } from 'node:os';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Semaphore } from '../functions/lib/semaphore.ts';
import { normaliseNarration } from '../functions/media/loudness.ts';
import { resolveMediaTools } from '../functions/media/tools.ts';
import { FAKE_ELEVENLABS_KEY, startFakeElevenLabs } from '../test/fakes/index.ts';
import { renderVideo, type RenderJob } from '../test/support/render.ts';
import { measure, type Usage } from './proc-sampler.ts';
import { prepareInputs } from './recipe.ts';
import { MIB, medianUsage, table } from './report.ts';
import { CACHE_DIR, ensureMedia, SECONDS_PER_CHAR, WORKLOADS, type WorkloadName } from './workload.ts';

const { values: argv } = parseArgs({
  options: {
    reps: { type: 'string', default: '1' },
    variants: { type: 'string' },
    workload: { type: 'string', default: '1080p' },
    resolution: { type: 'string', default: '1080p' },
  },
});
const REPS = Number(argv.reps);
const workload = WORKLOADS[argv.workload as WorkloadName];
const resolution = argv.resolution === '720p' ? '720p' : '1080p';
if (!workload) throw new Error(`--workload must be one of ${Object.keys(WORKLOADS).join(', ')}`);
if (!(Number.isInteger(REPS) && REPS >= 1)) throw new Error('--reps must be a whole number ≥ 1');
const CORES = availableParallelism();

interface Variant {
  name: string;
  /** What changes in the render job: encoder settings, captions, the CPU budget (RENDER_CPUS). */
  job: Partial<Pick<RenderJob, 'encode' | 'captions'>> & { cpus?: number };
}

const VARIANTS: Variant[] = [
  { name: `renderer today (veryfast CRF 23, lookahead 5, 1 x264 thread per chunk, ${CORES} CPUs)`, job: {} },
  { name: 'no burned-in captions', job: { captions: false } },
  { name: 'ultrafast CRF 28 (the recipe\'s)', job: { encode: { preset: 'ultrafast', crf: 28 } } },
  { name: 'superfast CRF 23', job: { encode: { preset: 'superfast' } } },
  { name: 'superfast CRF 25', job: { encode: { preset: 'superfast', crf: 25 } } },
  { name: 'rc-lookahead 10 (veryfast\'s own)', job: { encode: { lookahead: 10 } } },
  { name: '2 x264 threads per chunk (one chunk at a time on 2 CPUs)', job: { encode: { threads: 2 } } },
  { name: 'CPU budget 1 (RENDER_CPUS=1: one chunk at a time)', job: { cpus: 1 } },
  { name: `CPU budget ${CORES + 1} (one chunk more than cores)`, job: { cpus: CORES + 1 } },
];

async function main() {
  const tools = resolveMediaTools({});
  await ensureMedia(tools, console.log);
  const elevenlabs = await startFakeElevenLabs({ secondsPerChar: SECONDS_PER_CHAR });
  const wanted = argv.variants ? new Set(argv.variants.split(',').map(Number)) : null;
  try {
    const dir = join(CACHE_DIR, 'sweep', `${workload.name}-${resolution}`);
    await mkdir(dir, { recursive: true });
    const inp = await prepareInputs(tools, { url: elevenlabs.url, apiKey: FAKE_ELEVENLABS_KEY }, workload, resolution, dir);
    const signal = new AbortController().signal;
    const narration = await normaliseNarration(tools, inp.narration, dir, signal);
    console.log(`workload ${workload.name}, ${resolution}: narration ${narration.durationS.toFixed(1)} s, ${inp.clips.length} clips, ${inp.segments.length} pieces`);
    const rows: string[][] = [];
    for (const [i, v] of VARIANTS.entries()) {
      if (wanted && !wanted.has(i)) continue;
      const runs: Usage[] = [];
      let bytes = 0;
      for (let r = 0; r < REPS; r++) {
        await Promise.all(['output.mp4', 'thumbnail.jpg'].map((f) => rm(join(dir, f), { force: true })));
        const { result, usage } = await measure({ root: process.pid, includeRoot: false, childFilter: (p) => p.comm === 'ffmpeg' || p.comm === 'ffprobe', scratchDir: dir }, () =>
          renderVideo(tools, {
            dir,
            narration,
            clips: inp.clips,
            segments: inp.segments,
            width: inp.width,
            height: inp.height,
            captions: v.job.captions ?? inp.captions,
            voiceNormalised: true,
            signal,
            ...(v.job.encode ? { encode: v.job.encode } : {}),
            cpu: new Semaphore(v.job.cpus ?? CORES),
          }),
        );
        bytes = result.sizeBytes;
        runs.push(usage);
      }
      const u = medianUsage(runs);
      const row = [
        `${i}`,
        v.name,
        u.wallS.toFixed(2),
        u.cpuS.toFixed(1),
        `${((100 * u.cpuS) / u.wallS / CORES).toFixed(0)} %`,
        (u.peakFfmpegRssBytes / MIB).toFixed(0),
        ((bytes * 8) / narration.durationS / 1e6).toFixed(2),
        u.otherCpuS.toFixed(1),
      ];
      rows.push(row);
      console.log(row.join('  '));
    }
    console.log(`\nworkload ${workload.name}, ${resolution}: the render alone, median of ${REPS}:`);
    console.log(table(['#', 'variant', 'wall s', 'CPU s', 'CPU use', 'ffmpeg RSS MiB', 'Mbit/s', 'other CPU s'], rows));
  } finally {
    await elevenlabs.close();
  }
}

await main();
