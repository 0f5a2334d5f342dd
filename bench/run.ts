// `npm run bench`: issue 11's figures for the renderer before chunks (a baseline commit, run end to
// end from its own copy) and this checkout's chunked renderer, side by side in one run, through the
// same loopback fakes of ElevenLabs and Pexels and the same requests; and the recipe reelsmith
// replaces. Each run is measured for wall time, CPU, peak RSS of the service's process tree and
// peak scratch bytes. Issue 22's long-GOP workload (bench/stock.ts) runs beside them: stock-like
// clips with keyframes ten seconds apart and UHD renditions on offer, against the same clips with a
// keyframe every second and against the recipe. Then issue 14's: a 3-minute video fanned out over
// worker processes on the cloud path (bench/fanout.ts). Fully offline. Options: see USAGE. Results
// also go to bench/.cache/results/<time>.json.
import { availableParallelism, cpus, totalmem } from 'node:os';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { frameSize } from '../functions/domain/video-spec.ts';
import { runFfmpeg } from '../functions/media/run.ts';
import { resolveMediaTools, type MediaTools } from '../functions/media/tools.ts';
import { FAKE_ELEVENLABS_KEY, startFakeElevenLabs } from '../test/fakes/index.ts';
import { baselineBuild, currentBuild, DEFAULT_BASELINE_REF, npmStartBuild, type Build } from './builds.ts';
import { fanoutReport, runFanoutBench, type FanoutResult } from './fanout.ts';
import { startBenchPexels, type BenchPexels, type ServedFile } from './pexels.ts';
import { measure, type Usage } from './proc-sampler.ts';
import { checkOutput, prepareInputs, RECIPE_FRAME, resetRecipe, runRecipe, stageRecipe, usedCredits, type PreparedInputs } from './recipe.ts';
import { ensureStockMedia, STOCK_COSTLY, stockCatalogue, stockPath, stockPoolClips, type Gop } from './stock.ts';
import {
  FIGURE_TITLES,
  RECIPE_OF,
  speedTable,
  speedTargets,
  stagesLine,
  type Recipe,
  cpuBounds,
  FIGURES,
  flatness,
  MIB,
  median,
  medianUsage,
  RECIPE_X264,
  renderStage,
  renderTable,
  targets,
  targetTable,
  usageTable,
  SYSTEMS,
  type Figure,
  type Kind,
  type Medians,
  type System,
} from './report.ts';
import { runTask, startBenchService, type BenchService, type TaskView } from './services.ts';
import { benchRequest, CACHE_DIR, catalogue, COSTLY_CLIPS, creditVideoId, ensureMedia, footageOf, renditionPath, SECONDS_PER_CHAR, WARM_UP_REQUEST, WORKLOADS, type Workload } from './workload.ts';

const USAGE = `npm run bench -- [options]
  --reps N          runs of each 45 s figure (default 3; --quick: 1)
  --long-reps N     runs of the two 3-minute tasks, and of each fan-out setup (default 1; --quick: 0)
  --quick           1 run each, no 3-minute runs: a check that everything works (a few minutes)
  --only LIST       figures to run, comma-separated: ${[...FIGURES, 'fanout'].join(', ')} (default: all);
                    fanout is issue 14's: a 3-minute video's chunks over 1, 2 and 4 workers (cloud path)
  --systems LIST    baseline, chunked or both (default: both)
  --baseline REF    the commit to compare with (default ${DEFAULT_BASELINE_REF}: one ffmpeg per task)
  --start HOW       how this checkout's service starts: image (compiled, the Dockerfile's CMD flags and ENV; the default)
                    or npm (as \`npm start\` runs it: the TypeScript entry, node's defaults, no image environment)
  --node-flags=F    node options for every service, e.g. --node-flags=--max-semi-space-size=2
  --service-env=E   extra environment for every service, e.g. --service-env=MALLOC_ARENA_MAX=2,UV_THREADPOOL_SIZE=2
  --keep            keep bench/.cache/run (every service's data, scratch dirs and videos)`;

const { values: argv } = parseArgs({
  options: {
    reps: { type: 'string' },
    'long-reps': { type: 'string' },
    quick: { type: 'boolean', default: false },
    only: { type: 'string' },
    systems: { type: 'string' },
    baseline: { type: 'string', default: DEFAULT_BASELINE_REF },
    start: { type: 'string', default: 'image' },
    'node-flags': { type: 'string', default: '' },
    'service-env': { type: 'string', default: '' },
    keep: { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});
if (argv.help) {
  console.log(USAGE);
  process.exit(0);
}
const REPS = Number(argv.reps ?? (argv.quick ? 1 : 3));
const LONG_REPS = Number(argv['long-reps'] ?? (argv.quick ? 0 : 1));
if (!Number.isInteger(REPS) || REPS < 1 || !Number.isInteger(LONG_REPS) || LONG_REPS < 0) {
  throw new Error(`--reps must be a whole number ≥ 1 and --long-reps ≥ 0\n${USAGE}`);
}
const listOption = <T extends string>(name: string, value: string | undefined, all: readonly T[]): T[] => {
  const picked = value ? value.split(',').map((s) => s.trim()).filter(Boolean) : [...all];
  const wrong = picked.filter((p) => !all.includes(p as T));
  if (wrong.length || picked.length === 0) throw new Error(`--${name}: ${wrong.join(', ') || 'empty'}; choose from ${all.join(', ')}\n${USAGE}`);
  return picked as T[];
};
const ONLY = new Set(listOption('only', argv.only, [...FIGURES, 'fanout'] as const).filter((f) => (f !== '3min-x2' && f !== 'fanout') || LONG_REPS > 0));
const FANOUT = ONLY.delete('fanout');
const RUN_SYSTEMS = listOption('systems', argv.systems, SYSTEMS);
if (argv.start !== 'image' && argv.start !== 'npm') throw new Error(`--start: "${argv.start}"; choose image or npm\n${USAGE}`);
const NODE_FLAGS = argv['node-flags'].split(/\s+/).filter(Boolean);
const SERVICE_ENV = Object.fromEntries(
  argv['service-env'].split(',').filter(Boolean).map((kv) => {
    const at = kv.indexOf('=');
    if (at < 1) throw new Error(`--service-env: "${kv}" is not NAME=value\n${USAGE}`);
    return [kv.slice(0, at), kv.slice(at + 1)];
  }),
);

const RUN_DIR = join(CACHE_DIR, 'run');
/** Other load above this share of one core during a run is reported: the machine was not quiet. */
const BUSY_LIMIT = 0.15;
const CORES = availableParallelism();
const started = Date.now();
const say = (msg: string) => console.log(`[${((Date.now() - started) / 1000).toFixed(0).padStart(4)} s] ${msg}`);

async function machine(tools: MediaTools) {
  const ffmpegVersion = (await runFfmpeg(tools, ['-version'])).stdout.split('\n')[0] ?? 'unknown';
  return {
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: CORES,
    ramGiB: Math.round((totalmem() / 1024 ** 3) * 10) / 10,
    node: process.version,
    ffmpeg: ffmpegVersion.replace(/ Copyright.*$/, ''),
  };
}

/** What every finished task is checked against: the output asked for, from the clips the workload is about. */
class Checks {
  private readonly lengths = new Map<string, number>();
  private readonly clips = new Map<string, number>();
  private readonly pexels: BenchPexels;
  private readonly recipeCredits: string[] | null;
  /** What a stock task was served, per system and figure: the renditions the service picked. */
  readonly stockServed = new Map<string, string>();
  constructor(pexels: BenchPexels, recipeCredits: string[] | null) {
    this.pexels = pexels;
    this.recipeCredits = recipeCredits;
  }

  /** A stock task: its length, the costly clips in its credits, and which renditions it downloaded (reported). */
  stock(who: string, w: Workload, res: '720p' | '1080p', view: TaskView, served: ServedFile[]): void {
    const r = view.result;
    const want = frameSize('9:16', res);
    const nominal = w.script.length * SECONDS_PER_CHAR;
    const problems: string[] = [];
    if (r.width !== want.width || r.height !== want.height) problems.push(`${r.width}x${r.height}, not ${want.width}x${want.height}`);
    if (Math.abs(r.duration_s - nominal) > 0.02 * nominal) problems.push(`${r.duration_s} s, where the narration is ${nominal.toFixed(1)} s`);
    const ids = new Set(r.credits.map((c) => creditVideoId(c.video_url)));
    if (!ids.has(STOCK_COSTLY.fps60)) problems.push(`the 60 fps clip ${STOCK_COSTLY.fps60} is not in the credits`);
    if (!ids.has(STOCK_COSTLY.uhd)) problems.push(`the UHD clip ${STOCK_COSTLY.uhd} is not in the credits`);
    if (problems.length) throw new Error(`${who}: ${problems.join('; ')}`);
    this.lengths.set(w.name, r.duration_s);
    this.clips.set(w.name, ids.size);
    const files = [...new Set(served.map((f) => `${f.videoId % 100}: ${f.rendition.width}x${f.rendition.height}@${f.rendition.fps}`))].sort();
    this.stockServed.set(who, files.join(', '));
  }

  task(who: string, w: Workload, res: '720p' | '1080p', view: TaskView, servedFrom: number | null): void {
    const r = view.result;
    const want = frameSize('9:16', res);
    const nominal = w.script.length * SECONDS_PER_CHAR;
    const first = this.lengths.get(w.name) ?? r.duration_s;
    this.lengths.set(w.name, first);
    const problems: string[] = [];
    if (r.width !== want.width || r.height !== want.height) problems.push(`${r.width}x${r.height}, not ${want.width}x${want.height}`);
    if (Math.abs(r.duration_s - first) > 0.15 || Math.abs(r.duration_s - nominal) > 0.02 * nominal) {
      problems.push(`${r.duration_s} s, where the narration is ${nominal.toFixed(1)} s`);
    }
    const ids = new Set(r.credits.map((c) => creditVideoId(c.video_url)));
    this.clips.set(w.name, ids.size);
    if (w.name === 'six-clips' && this.recipeCredits) {
      const used = r.credits.map((c) => c.video_url ?? '').sort();
      if (used.join() !== this.recipeCredits.join()) problems.push(`used other clips than the recipe: ${used.join()} vs ${this.recipeCredits.join()}`);
    }
    if (w.name !== 'six-clips') {
      // A copy of a costly clip (the long workload lists each clip three times) is the same footage.
      const shown = new Set([...ids].map(footageOf));
      for (const id of Object.values(COSTLY_CLIPS)) if (!shown.has(id)) problems.push(`clip ${id} (or a copy of it) is not in the credits`);
    }
    // The costly renditions must really have been downloaded (the service picks renditions by frame size).
    if (w.name === '1080p' && servedFrom !== null) {
      const got = this.pexels.served().slice(servedFrom);
      const has = (id: number, width: number, height: number, fps: number) =>
        got.some((f) => f.videoId === id && f.rendition.width === width && f.rendition.height === height && f.rendition.fps === fps);
      if (!has(COSTLY_CLIPS.fps60, 1080, 1920, 60)) problems.push('the 60 fps clip was not downloaded as 1080x1920 at 60 fps');
      if (!has(COSTLY_CLIPS.qhd, 2560, 1440, 30)) problems.push('the 1440p clip was not downloaded as 2560x1440');
    }
    if (problems.length) throw new Error(`${who}: ${problems.join('; ')}`);
  }

  /** Clips a task of the workload used (its credits). */
  clipsOf(w: Workload): number {
    return this.clips.get(w.name) ?? 0;
  }

  lengthOf(w: Workload): number {
    return this.lengths.get(w.name) ?? w.script.length * SECONDS_PER_CHAR;
  }
}

function workloadOf(f: Figure): Workload {
  if (f.startsWith('stock-')) return WORKLOADS.stock;
  return f === '720p-fast' ? WORKLOADS['six-clips'] : f === '3min-x2' ? WORKLOADS['3min'] : WORKLOADS['1080p'];
}
const isStock = (f: Figure) => f.startsWith('stock-');
const resolutionOf = (f: Figure) => (f.endsWith('720p-fast') ? '720p' : '1080p');
const x264Of = (f: Figure) => (f.endsWith('-fast') ? 'fast' : 'default');
/** The stock files a figure's tasks are served: re-encoded with a keyframe a second, or as delivered. */
const gopOf = (f: Figure): Gop => (f === 'stock-1s-1080p' ? '1s' : 'long');
type ServiceKey = `${System} ${'default' | 'fast'} ${'house' | 'stock'}`;
const serviceOf = (system: System, f: Figure): ServiceKey => `${system} ${x264Of(f)} ${isStock(f) ? 'stock' : 'house'}`;

async function main() {
  const tools = resolveMediaTools({ FFMPEG_PATH: process.env.FFMPEG_PATH, FFPROBE_PATH: process.env.FFPROBE_PATH });
  const host = await machine(tools);
  console.log(`reelsmith benchmark — ${new Date().toISOString().slice(0, 10)}`);
  console.log(`machine: ${host.cpu}, ${host.cores} cores, ${host.ramGiB} GiB RAM; node ${host.node}; ${host.ffmpeg}`);
  console.log(`figures: ${[...ONLY, ...(FANOUT ? ['fanout'] : [])].join(', ')}; ${ONLY.size ? `systems: ${RUN_SYSTEMS.join(', ')}; ${REPS} run(s) each, ` : ''}${LONG_REPS} of the 3-minute runs`);
  if (NODE_FLAGS.length || Object.keys(SERVICE_ENV).length) console.log(`services run with node ${NODE_FLAGS.join(' ')} and ${JSON.stringify(SERVICE_ENV)}`);

  await ensureMedia(tools, say);
  if ([...ONLY].some((f) => isStock(f as Figure))) await ensureStockMedia(tools, say);
  const builds: Partial<Record<System, Build>> = {};
  // The fan-out runs need this checkout only.
  const toBuild = new Set<System>([...(ONLY.size ? RUN_SYSTEMS : []), ...(FANOUT ? (['chunked'] as const) : [])]);
  for (const system of toBuild) {
    builds[system] = system === 'baseline' ? await baselineBuild(argv.baseline, say) : argv.start === 'npm' ? npmStartBuild() : await currentBuild(say);
  }
  const baseline = builds.baseline ?? null;
  await rm(RUN_DIR, { recursive: true, force: true });
  await mkdir(RUN_DIR, { recursive: true });

  const elevenlabs = await startFakeElevenLabs({ secondsPerChar: SECONDS_PER_CHAR });
  const pexels = await startBenchPexels(catalogue(), renditionPath);
  // The stock workload's own Pexels: its catalogue only, served in the GOP variant of the figure being run.
  let gop: Gop = 'long';
  const stockPexels = await startBenchPexels(stockCatalogue(), (id, r) => stockPath(id, r, gop));
  const services: BenchService[] = [];
  const disturbed: string[] = [];
  try {
    const fakes = { elevenlabs: elevenlabs.url, pexels: pexels.url, pexelsKey: pexels.apiKey };
    const stockFakes = { ...fakes, pexels: stockPexels.url, pexelsKey: stockPexels.apiKey };

    // Issue 11: the renderer before chunks beside the chunked one, and the recipe.
    const measureRenders = async () => {
      // The recipe on the 1080p renditions of each workload compared with it, planned as the service plans.
      const recipeInputs: Partial<Record<Recipe, PreparedInputs>> = {};
      const recipeDir = (r: Recipe) => join(RUN_DIR, r.replace(/\W+/g, '-'));
      for (const f of ['720p-fast', 'stock-720p-fast'] as const) {
        const r = RECIPE_OF[f] as Recipe;
        if (!ONLY.has(f)) continue;
        say(`preparing the inputs of ${r} (narration, clips, timeline)…`);
        const w = workloadOf(f);
        const pool = isStock(f) ? { pool: stockPoolClips('long', frameSize('9:16', '1080p'), 1080) } : {};
        const inp = await prepareInputs(tools, { url: elevenlabs.url, apiKey: FAKE_ELEVENLABS_KEY }, w, '1080p', join(RUN_DIR, `${r.replace(/\W+/g, '-')}-inputs`), pool);
        await stageRecipe(inp, recipeDir(r));
        recipeInputs[r] = inp;
      }
      const sixClipRecipe = recipeInputs['recipe 720p'];
      const checks = new Checks(pexels, sixClipRecipe ? usedCredits(sixClipRecipe) : null);

      // Per system: a service per x264 setting (the default, the recipe's) and per catalogue (the house clips, the stock clips).
      const svc: Partial<Record<ServiceKey, BenchService>> = {};
      for (const system of RUN_SYSTEMS) {
        const { entry, env } = builds[system] as Build;
        const keys = [...new Set([...ONLY].map((f) => serviceOf(system, f as Figure)))];
        for (const key of keys) {
          const [, x264, cat] = key.split(' ');
          const name = `${system}-${x264}${cat === 'stock' ? '-stock' : ''}`;
          const s = await startBenchService({
            system,
            name,
            runDir: RUN_DIR,
            fakes: cat === 'stock' ? stockFakes : fakes,
            entry: [...NODE_FLAGS, ...entry],
            env: { ...env, ...SERVICE_ENV, ...(x264 === 'fast' ? RECIPE_X264 : {}) },
          });
          services.push(s);
          svc[key] = s;
          say(`warm-up: one short task on ${s.name} (not counted)…`);
          await runTask(s, WARM_UP_REQUEST);
        }
      }

      const runs: Partial<Record<Kind, Usage[]>> = {};
      const mbps: Partial<Record<Kind, number[]>> = {};
      const record = (kind: Kind, u: Usage, outputs: { size_bytes: number; duration_s: number }[], rep: number) => {
        (runs[kind] ??= []).push(u);
        for (const o of outputs) (mbps[kind] ??= []).push((o.size_bytes * 8) / o.duration_s / 1e6);
        if (u.otherCpuS > BUSY_LIMIT * u.wallS) {
          disturbed.push(`${kind} run ${rep}`);
          say(`WARNING: other processes used ${u.otherCpuS.toFixed(1)} CPU s during this run; its times are not comparable`);
        }
        say(
          `${kind.padEnd(22)} run ${rep}: wall ${u.wallS.toFixed(2)} s, CPU ${u.cpuS.toFixed(1)} s, tree ${(u.peakTreeRssBytes / MIB).toFixed(0)} MiB ` +
            `(node ${(u.peakRootRssBytes / MIB).toFixed(0)}), scratch ${(u.peakScratchBytes / MIB).toFixed(0)} MiB, tree+scratch ${(u.peakTreePlusScratchBytes / MIB).toFixed(0)} MiB`,
        );
      };

      /** `n` identical tasks submitted at once to one service, measured as one run. */
      const tasks = async (system: System, figure: Figure, rep: number) => {
        const s = svc[serviceOf(system, figure)] as BenchService;
        const w = workloadOf(figure);
        const res = resolutionOf(figure);
        const n = figure.endsWith('-x2') ? 2 : 1;
        gop = gopOf(figure);
        const proxy = isStock(figure) ? stockPexels : pexels;
        const servedFrom = proxy.served().length;
        const { result: views, usage } = await measure({ root: s.pid, includeRoot: true, scratchDir: s.scratch }, () =>
          Promise.all(Array.from({ length: n }, () => runTask(s, benchRequest(w, res)))),
        );
        for (const v of views) {
          if (isStock(figure)) checks.stock(`${system} ${figure}`, w, res, v, proxy.served().slice(servedFrom));
          else checks.task(`${system} ${figure}`, w, res, v, n === 1 ? servedFrom : null);
        }
        record(`${system} ${figure}`, usage, views.map((v) => v.result), rep);
        for (const v of views) if (v.result.timings) say(`  its timings: ${stagesLine(v.result.timings)}`);
      };
      const recipe = async (r: Recipe, rep: number) => {
        const inp = recipeInputs[r] as PreparedInputs;
        const dir = recipeDir(r);
        await resetRecipe(inp, dir);
        const self = { root: process.pid, includeRoot: false, childFilter: (p: { comm: string }) => p.comm === 'ffmpeg' || p.comm === 'ffprobe' };
        const { result: out, usage } = await measure({ ...self, scratchDir: dir }, () => runRecipe(tools, inp, dir));
        const info = await checkOutput(tools, out, { ...RECIPE_FRAME, durationS: inp.narration.durationS });
        record(r, usage, [{ size_bytes: info.sizeBytes, duration_s: info.durationS }], rep);
      };

      // Interleaved, and the systems' order alternated, so a slow minute of the machine touches every kind alike.
      // The long-GOP task and its 1-s GOP twin run back to back, as does each 720p task and its recipe.
      for (let rep = 1; rep <= REPS; rep++) {
        const order = rep % 2 ? RUN_SYSTEMS : [...RUN_SYSTEMS].reverse();
        for (const figure of ['1080p', '720p-fast', '1080p-x2', 'stock-1080p', 'stock-1s-1080p', 'stock-720p-fast'] as const) {
          if (!ONLY.has(figure)) continue;
          for (const system of order) await tasks(system, figure, rep);
          const r = RECIPE_OF[figure];
          if (r) await recipe(r, rep);
        }
      }
      for (let rep = 1; rep <= LONG_REPS && ONLY.has('3min-x2'); rep++) {
        for (const system of rep % 2 ? RUN_SYSTEMS : [...RUN_SYSTEMS].reverse()) await tasks(system, '3min-x2', rep);
      }

      const usage = Object.fromEntries(Object.entries(runs).map(([k, v]) => [k, medianUsage(v)])) as Partial<Record<Kind, Usage>>;
      const render = Object.fromEntries(
        RUN_SYSTEMS.flatMap((s) => {
          const stages = (runs[`${s} 1080p`] ?? []).map((u) => renderStage(u)).filter((r) => r !== null);
          return stages.length ? [[s, { wallS: median(stages.map((r) => r.wallS)), cpuS: median(stages.map((r) => r.cpuS)) }]] : [];
        }),
      );
      const medians: Medians = { usage, render, narrationS: checks.lengthOf(WORKLOADS['1080p']), stockNarrationS: checks.lengthOf(WORKLOADS.stock), cores: CORES };
      const ts = targets(medians);
      const speed = speedTargets(medians);
      const baselineName = baseline ? `baseline = ${baseline.ref} (${baseline.sha?.slice(0, 12)}, one ffmpeg per task)` : '';
      const longNote = ONLY.has('3min-x2') ? ` (${LONG_REPS} for the 3-minute pair)` : '';
      console.log(`\nMedians of ${REPS} run(s)${longNote}. ${baselineName}; chunked = this checkout.`);
      for (const f of FIGURES) if (ONLY.has(f)) console.log(`  ${f}: ${FIGURE_TITLES[f]}; ${checks.clipsOf(workloadOf(f))} clips used per task`);
      if (usage['recipe 720p']) console.log(`  recipe 720p: the recipe we replace, six clips, no captions`);
      if (usage['recipe stock 720p']) console.log(`  recipe stock 720p: the recipe on the long-GOP stock clips' 1080p renditions, no captions`);
      console.log(usageTable(usage, CORES));
      const rates = Object.entries(mbps).map(([k, v]) => `${k} ${median(v).toFixed(1)}`);
      console.log(`\nOutput bit rates, Mbit/s: ${rates.join('; ')}`);
      if (Object.keys(render).length) {
        console.log(`\nThe lone 1080p task's render (the window in which x264 encoded), narration ${medians.narrationS.toFixed(1)} s:`);
        console.log(renderTable(medians));
      }
      console.log('\nTargets (issue 11):');
      console.log(targetTable(ts));
      console.log('\nIssue 22, side by side (ratios within this run):');
      console.log(speedTable(medians));
      for (const [who, files] of checks.stockServed) console.log(`  ${who} downloaded (clip: rendition): ${files}`);
      console.log('\nTargets (issue 22):');
      console.log(targetTable(speed));
      const flat = flatness(usage);
      if (flat) console.log(`\nMemory against length without scratch (3-minute pair / 45 s pair, tree RSS only): ${flat}`);
      const bounds = cpuBounds(medians);
      if (bounds) console.log(`At best, with every core busy for the whole task (CPU s / ${CORES} cores): ${bounds}`);
      return { narrationS: medians.narrationS, runs, medians, mbps, targets: ts, speedTargets: speed, stockServed: Object.fromEntries(checks.stockServed) };
    };
    const renders = ONLY.size ? await measureRenders() : null;
    let fanout: FanoutResult[][] | null = null;
    if (FANOUT) {
      say(`issue 14: a 3-minute 1080p video fanned out over worker processes (cloud path, ${LONG_REPS} run(s) per setup)…`);
      // The cloud path's roles need the compiled server (`npm start` is the local role only).
      const { entry, env } = argv.start === 'npm' ? await currentBuild(say) : (builds.chunked as Build);
      fanout = await runFanoutBench({ fakes, entry: [...NODE_FLAGS, ...entry], env: { ...env, ...SERVICE_ENV }, reps: LONG_REPS, say });
      console.log('\nFan-out (issue 14), medians:');
      console.log(fanoutReport(fanout));
    }
    if (disturbed.length) {
      console.log(`\nWARNING: other processes were busy during ${disturbed.length} run(s) (${disturbed.join(', ')}); rerun on a quiet machine before recording.`);
    } else {
      console.log('\nThe machine was quiet during every measured run (other load below 15 % of one core).');
    }
    const resultsDir = join(CACHE_DIR, 'results');
    await mkdir(resultsDir, { recursive: true });
    const file = join(resultsDir, `${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
    const totalS = (Date.now() - started) / 1000;
    await writeFile(
      file,
      JSON.stringify({ host, builds, nodeFlags: NODE_FLAGS, serviceEnv: SERVICE_ENV, reps: REPS, longReps: LONG_REPS, figures: [...ONLY, ...(FANOUT ? ['fanout'] : [])], disturbed, ...renders, fanout, totalS }, null, 2),
    );
    console.log(`\nraw results: ${file}\ntotal bench time ${totalS.toFixed(0)} s`);
  } finally {
    await Promise.all(services.map((s) => s.svc.stop()));
    await pexels.close();
    await stockPexels.close();
    await elevenlabs.close();
    // Gigabytes of rendered videos; the cached workload in bench/.cache/media stays.
    if (!argv.keep) await rm(RUN_DIR, { recursive: true, force: true });
  }
}

await main();
