// `npm run bench`: the fixed workload through reelsmith (local mode, loopback fakes of ElevenLabs
// and Pexels), the recipe it replaces and the floor, each measured for wall time, CPU, peak RSS
// of its process tree and peak scratch bytes; then four tasks at once at concurrency 1 and 2.
// Fully offline. Options: --reps N (runs per figure, default 3), --quick (1 rep, no throughput),
// --no-throughput, --keep (leave bench/.cache/run). Results also go to bench/.cache/results/<time>.json.
import { cpus, totalmem } from 'node:os';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { runFfmpeg } from '../functions/media/run.ts';
import { resolveMediaTools, type MediaTools } from '../functions/media/tools.ts';
import { FAKE_ELEVENLABS_KEY, startFakeElevenLabs } from '../test/fakes/index.ts';
import { startService, type Service } from '../test/support/service.ts';
import { benchRequest, checkOutput, prepareInputs, RECIPE_FRAME, resetFloor, resetRecipe, runFloor, runRecipe, stageRecipe, type PreparedInputs } from './baselines.ts';
import { startBenchPexels } from './pexels.ts';
import { measure, type Usage } from './proc-sampler.ts';
import { MIB, median, medianUsage, ratioTable, RECIPE_X264, targets, targetTable, usageTable, type Kind } from './report.ts';
import { CACHE_DIR, catalogue, ensureMedia, NARRATION_S, SCRIPT } from './workload.ts';

const { values: argv } = parseArgs({
  options: {
    reps: { type: 'string' },
    quick: { type: 'boolean', default: false },
    'no-throughput': { type: 'boolean', default: false },
    'throughput-tasks': { type: 'string', default: '4' },
    'throughput-resolution': { type: 'string', default: '1080p' },
    /** Keep bench/.cache/run (service data, every task's video, the floor and recipe dirs) for inspection. */
    keep: { type: 'boolean', default: false },
  },
});
const REPS = Number(argv.reps ?? (argv.quick ? 1 : 3));
const THROUGHPUT = !argv.quick && !argv['no-throughput'];
const BATCH = Number(argv['throughput-tasks']);
const BATCH_RES = argv['throughput-resolution'] === '720p' ? '720p' : '1080p';
if (!(REPS >= 1) || !(BATCH >= 1)) throw new Error('--reps and --throughput-tasks must be whole numbers ≥ 1');

const RUN_DIR = join(CACHE_DIR, 'run');
/** Other load above this share of one core during a run is reported: the machine was not quiet. */
const BUSY_LIMIT = 0.15;
const disturbed: string[] = [];
const started = Date.now();
const say = (msg: string) => console.log(`[${((Date.now() - started) / 1000).toFixed(0).padStart(4)} s] ${msg}`);

async function machine(tools: MediaTools) {
  const ffmpegVersion = (await runFfmpeg(tools, ['-version'])).stdout.split('\n')[0] ?? 'unknown';
  return {
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    ramGiB: Math.round((totalmem() / 1024 ** 3) * 10) / 10,
    node: process.version,
    ffmpeg: ffmpegVersion.replace(/ Copyright.*$/, ''),
  };
}

interface ServiceHandle {
  svc: Service;
  scratch: string;
}

async function startBenchService(concurrency: number, fakes: { elevenlabs: string; pexels: string; pexelsKey: string }): Promise<ServiceHandle> {
  const dir = join(RUN_DIR, `service-c${concurrency}`);
  const scratch = join(dir, 'scratch');
  await mkdir(scratch, { recursive: true });
  const svc = await startService(
    {
      ELEVENLABS_API_KEY: FAKE_ELEVENLABS_KEY,
      ELEVENLABS_BASE_URL: fakes.elevenlabs,
      PEXELS_API_KEY: fakes.pexelsKey,
      PEXELS_BASE_URL: fakes.pexels,
      MAX_CONCURRENT_TASKS: String(concurrency),
      SCRATCH_DIR: scratch,
      // info: startService waits for the "listening on" line.
      LOG_LEVEL: 'info',
    },
    { dataDir: join(dir, 'data') },
  );
  return { svc, scratch };
}

/** POST → completed, polled every 100 ms (the poll's own cost is counted as the service's). */
async function runTask(svc: Service, body: object): Promise<any> {
  const res = await fetch(`${svc.url}/v1/videos`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const created = (await res.json()) as { status_url?: string };
  if (res.status !== 202 || !created.status_url) throw new Error(`submit failed: ${res.status} ${JSON.stringify(created)}`);
  const deadline = Date.now() + 15 * 60_000;
  while (Date.now() < deadline) {
    const view = (await (await fetch(created.status_url)).json()) as any;
    if (view.status === 'completed') return view;
    if (view.status === 'failed' || view.status === 'cancelled') {
      throw new Error(`task ${view.status}: ${JSON.stringify(view.error)}\n${svc.logs.slice(-20).join('\n')}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('task did not finish in 15 minutes');
}

function creditIds(credits: { video_url: string | null }[]): string {
  return credits.map((c) => c.video_url ?? '').sort().join(',');
}

async function main() {
  const tools = resolveMediaTools({ FFMPEG_PATH: process.env.FFMPEG_PATH, FFPROBE_PATH: process.env.FFPROBE_PATH });
  const host = await machine(tools);
  console.log(`reelsmith benchmark — ${new Date().toISOString().slice(0, 10)}`);
  console.log(`machine: ${host.cpu}, ${host.cores} cores, ${host.ramGiB} GiB RAM; node ${host.node}; ${host.ffmpeg}`);
  console.log(`repetitions per figure: ${REPS}${THROUGHPUT ? `; throughput: ${BATCH} tasks at ${BATCH_RES}, concurrency 1 and 2` : ''}`);

  await ensureMedia(tools, say);
  await rm(RUN_DIR, { recursive: true, force: true });
  await mkdir(RUN_DIR, { recursive: true });

  const elevenlabs = await startFakeElevenLabs({ secondsPerChar: NARRATION_S / SCRIPT.length });
  const pexels = await startBenchPexels(catalogue());
  let service: ServiceHandle | null = null;
  try {
    const fakes = { elevenlabs: { url: elevenlabs.url, apiKey: FAKE_ELEVENLABS_KEY }, pexels: { url: pexels.url, apiKey: pexels.apiKey } };
    say('preparing the floor and recipe inputs (narration, clips, timeline, captions)…');
    const inputs: Record<'720p' | '1080p', PreparedInputs> = {
      '720p': await prepareInputs(tools, fakes, '720p', join(RUN_DIR, 'floor-720p')),
      '1080p': await prepareInputs(tools, fakes, '1080p', join(RUN_DIR, 'floor-1080p')),
    };
    const inp = inputs['1080p'];
    const durationS = inp.narration.durationS;
    const sizes = inp.clips.map((c) => (c.kind === 'file' ? `${c.width}x${c.height}` : 'generated'));
    say(`narration ${durationS.toFixed(2)} s, ${inp.narration.words.length} words; ${inp.clips.length} clips (1080p task: ${sizes.join(', ')}); ${inp.segments.length} pieces`);
    const recipeDir = join(RUN_DIR, 'recipe');
    await stageRecipe(inp, recipeDir);

    const svcFakes = { elevenlabs: elevenlabs.url, pexels: pexels.url, pexelsKey: pexels.apiKey };
    service = await startBenchService(1, svcFakes);
    const svc = service.svc;
    const svcRoot = svc.proc.pid as number;

    const runs: Record<Kind, Usage[]> = {
      'reelsmith-720p': [],
      'reelsmith-1080p': [],
      'recipe-720p': [],
      'floor-720p': [],
      'floor-1080p': [],
      'floor-720p-recipe-x264': [],
    };
    const self = { root: process.pid, includeRoot: false, childFilter: (s: { comm: string }) => s.comm === 'ffmpeg' || s.comm === 'ffprobe' };

    const reelsmith = async (res: '720p' | '1080p') => {
      const { result: view, usage } = await measure({ root: svcRoot, includeRoot: true, scratchDir: service!.scratch }, () => runTask(svc, benchRequest(res)));
      const want = inputs[res];
      const r = view.result;
      if (r.width !== want.width || r.height !== want.height || Math.abs(r.duration_s - durationS) > 0.15) {
        throw new Error(`reelsmith ${res} made ${r.width}x${r.height} ${r.duration_s} s`);
      }
      // The floor must work from the clips the service chose, or the comparison is off.
      const floorCredits = creditIds(want.clips.filter((_, i) => want.segments.some((s) => s.clip === i)).map((c) => c.credit ?? { video_url: null }));
      if (creditIds(r.credits) !== floorCredits) throw new Error(`reelsmith used other clips than the floor: ${creditIds(r.credits)} vs ${floorCredits}`);
      return usage;
    };
    const floor = async (res: '720p' | '1080p', encode?: typeof RECIPE_X264) => {
      await resetFloor(inputs[res]);
      const { result: out, usage } = await measure({ ...self, scratchDir: inputs[res].dir }, () => runFloor(tools, inputs[res], encode));
      await checkOutput(tools, out, { width: inputs[res].width, height: inputs[res].height, durationS });
      return usage;
    };
    const recipe = async () => {
      await resetRecipe(inp, recipeDir);
      const { result: out, usage } = await measure({ ...self, scratchDir: recipeDir }, () => runRecipe(tools, inp, recipeDir));
      await checkOutput(tools, out, { ...RECIPE_FRAME, durationS });
      return usage;
    };

    say('warm-up: one reelsmith task (not counted)…');
    await reelsmith('720p');

    // Interleaved, so a slow minute of the machine touches every kind alike.
    for (let rep = 1; rep <= REPS; rep++) {
      for (const [kind, fn] of [
        ['reelsmith-720p', () => reelsmith('720p')],
        ['recipe-720p', recipe],
        ['floor-720p', () => floor('720p')],
        ['reelsmith-1080p', () => reelsmith('1080p')],
        ['floor-1080p', () => floor('1080p')],
        ['floor-720p-recipe-x264', () => floor('720p', RECIPE_X264)],
      ] as [Kind, () => Promise<Usage>][]) {
        const u = await fn();
        runs[kind].push(u);
        if (u.otherCpuS > BUSY_LIMIT * u.wallS) {
          disturbed.push(`${kind} rep ${rep}`);
          say(`WARNING: other processes used ${u.otherCpuS.toFixed(1)} CPU s during this run; its times are not comparable`);
        }
        say(`rep ${rep}/${REPS} ${kind.padEnd(16)} wall ${u.wallS.toFixed(2)} s, CPU ${u.cpuS.toFixed(1)} s, tree ${(u.peakTreeRssBytes / MIB).toFixed(0)} MiB, ffmpeg ${(u.peakFfmpegRssBytes / MIB).toFixed(0)} MiB, scratch ${(u.peakScratchBytes / MIB).toFixed(0)} MiB`);
      }
    }

    const throughput: { concurrency: number; tasks: number; resolution: string; wallS: number; tasksPerMin: number; usage: Usage }[] = [];
    if (THROUGHPUT) {
      for (const c of [1, 2]) {
        if (c !== 1) {
          await service.svc.stop();
          service = await startBenchService(c, svcFakes);
        }
        const h = service;
        const { usage } = await measure({ root: h.svc.proc.pid as number, includeRoot: true, scratchDir: h.scratch }, () =>
          Promise.all(Array.from({ length: BATCH }, () => runTask(h.svc, benchRequest(BATCH_RES)))),
        );
        const t = { concurrency: c, tasks: BATCH, resolution: BATCH_RES, wallS: usage.wallS, tasksPerMin: (BATCH / usage.wallS) * 60, usage };
        throughput.push(t);
        if (usage.otherCpuS > BUSY_LIMIT * usage.wallS) disturbed.push(`throughput c=${c}`);
        say(`throughput c=${c}: ${BATCH} × ${BATCH_RES} in ${usage.wallS.toFixed(1)} s = ${t.tasksPerMin.toFixed(2)} tasks/min; peak tree+scratch ${(usage.peakTreePlusScratchBytes / MIB).toFixed(0)} MiB`);
      }
    }

    const med = Object.fromEntries(Object.entries(runs).map(([k, v]) => [k, medianUsage(v)])) as Record<Kind, Usage>;
    const ts = targets(med);
    console.log(`\nMedians of ${REPS} run(s); narration ${durationS.toFixed(1)} s, ${inp.clips.length} clips, ${inp.segments.length} pieces, 9:16.`);
    console.log(usageTable(med));
    console.log('\nRatios (reelsmith with captions; recipe: 720p, no captions):');
    console.log(ratioTable(med));
    console.log('\nTargets (issue 7):');
    console.log(targetTable(ts));
    const rs1080 = med['reelsmith-1080p'];
    console.log(
      `\n1080p, six clips, per task: ffmpeg ${(rs1080.peakFfmpegRssBytes / MIB).toFixed(0)} MiB + scratch ${(rs1080.peakScratchBytes / MIB).toFixed(0)} MiB ` +
        `(peak of the sum ${(rs1080.peakFfmpegPlusScratchBytes / MIB).toFixed(0)} MiB); with node's half share on a 2-task instance ` +
        `(${(rs1080.peakRootRssBytes / 2 / MIB).toFixed(0)} MiB): ${((rs1080.peakFfmpegPlusScratchBytes + rs1080.peakRootRssBytes / 2) / MIB).toFixed(0)} MiB`,
    );
    if (throughput.length) {
      console.log('\nThroughput:');
      for (const t of throughput) {
        console.log(
          `  ${t.tasks} × ${t.resolution} at MAX_CONCURRENT_TASKS=${t.concurrency}: ${t.wallS.toFixed(1)} s, ${t.tasksPerMin.toFixed(2)} tasks/min, ` +
            `CPU ${t.usage.cpuS.toFixed(0)} s, peak tree+scratch ${(t.usage.peakTreePlusScratchBytes / MIB).toFixed(0)} MiB`,
        );
      }
    }
    if (disturbed.length) {
      console.log(`\nWARNING: other processes were busy during ${disturbed.length} run(s) (${disturbed.join(', ')}); rerun on a quiet machine before recording.`);
    } else {
      console.log('\nThe machine was quiet during every measured run (other load below 15 % of one core).');
    }
    const resultsDir = join(CACHE_DIR, 'results');
    await mkdir(resultsDir, { recursive: true });
    const file = join(resultsDir, `${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
    await writeFile(file, JSON.stringify({ host, reps: REPS, disturbed, durationS, runs, medians: med, targets: ts, throughput, walls: Object.fromEntries(Object.entries(runs).map(([k, v]) => [k, v.map((u) => u.wallS)])), medianWall: median(runs['reelsmith-1080p'].map((u) => u.wallS)) }, null, 2));
    console.log(`\nraw results: ${file}\ntotal bench time ${((Date.now() - started) / 1000).toFixed(0)} s`);
  } finally {
    await service?.svc.stop();
    await pexels.close();
    await elevenlabs.close();
    // About 1 GB of rendered videos; the cached workload in bench/.cache/media stays.
    if (!argv.keep) await rm(RUN_DIR, { recursive: true, force: true });
  }
}

await main();
