// Issue 14's figures: a 3-minute 1080p video rendered by one worker without fan-out, and with its
// chunks fanned out over 1, 2 and 4 worker processes, on the cloud path as `npm run cloud-local`
// runs it (Firestore and GCS emulators, the api and the workers as separate processes). A last run
// renders the chunks one at a time on one worker, so that each has both cores to itself, as it
// would on a 2-vCPU Cloud Run instance of its own: its parts (planning, the slowest chunk, the
// join) give the figure such a deployment would reach.
import { startFirestoreEmulator } from '../test/support/firestore-emulator.ts';
import { startCloudPath, type CloudPath } from '../test/support/service.ts';
import { ProcSampler, type Usage, type WindowPeak } from './proc-sampler.ts';
import { MIB, median, table } from './report.ts';
import { runTask, serviceEnv, type Fakes, type TaskView } from './services.ts';
import { benchRequest, SECONDS_PER_CHAR, WARM_UP_REQUEST, WORKLOADS } from './workload.ts';

export interface FanoutSetup {
  name: string;
  workers: number;
  env: Record<string, string>;
}

export const FANOUT_SETUPS: FanoutSetup[] = [
  { name: 'one worker, no fan-out', workers: 1, env: { FANOUT_MIN_SECONDS: '0' } },
  { name: 'one worker, fan-out', workers: 1, env: {} },
  { name: 'fan-out over 2 workers', workers: 2, env: {} },
  { name: 'fan-out over 4 workers', workers: 4, env: {} },
];
/** The chunks one after another, each with the machine to itself: the parts of the Cloud Run figure. */
export const PARTS_SETUP: FanoutSetup = { name: 'chunks one at a time (the parts)', workers: 1, env: { MAX_CONCURRENT_TASKS: '1' } };

export interface ChunkSpan {
  n: number;
  /** Index of the worker process that rendered it. */
  worker: number;
  claimedMs: number;
  renderedMs: number;
}

/** When a fanned-out task's steps happened, from the workers' JSON log lines. */
export interface FanoutTimeline {
  /** The planning delivery handed the task to its chunks. */
  plannedMs: number | null;
  chunks: ChunkSpan[];
  completedMs: number | null;
}

/**
 * Reads the timeline of task `taskId` from each worker's log lines (pino JSON, ISO `time`). A
 * chunk delivered twice keeps its last rendered span.
 */
export function fanoutTimeline(workerLogs: string[][], taskId: string): FanoutTimeline {
  const out: FanoutTimeline = { plannedMs: null, chunks: [], completedMs: null };
  const claimed = new Map<number, { worker: number; at: number }>();
  workerLogs.forEach((lines, worker) => {
    for (const line of lines) {
      if (!line.startsWith('{')) continue;
      let rec: { task_id?: string; message?: string; time?: string; chunk?: number };
      try {
        rec = JSON.parse(line);
      } catch {
        continue;
      }
      if (rec.task_id !== taskId || !rec.time) continue;
      const at = Date.parse(rec.time);
      if (rec.message === 'rendering in chunks on any worker') out.plannedMs = at;
      else if (rec.message === 'task completed from its chunks' || rec.message === 'task completed') out.completedMs = at;
      else if (rec.message === 'chunk claimed' && rec.chunk !== undefined) claimed.set(rec.chunk, { worker, at });
      else if (rec.message === 'chunk rendered' && rec.chunk !== undefined) {
        const c = claimed.get(rec.chunk);
        if (!c || c.worker !== worker) continue;
        out.chunks = out.chunks.filter((s) => s.n !== rec.chunk);
        out.chunks.push({ n: rec.chunk, worker, claimedMs: c.at, renderedMs: at });
      }
    }
  });
  out.chunks.sort((a, b) => a.n - b.n);
  return out;
}

export interface CloudRunParts {
  /** Submit until the chunks were handed out: speech, footage, downloads, the plan stored. */
  planS: number;
  /** Claim to stored, per chunk: the plan and its clips fetched from the blob store, the render, the upload. */
  chunkS: number[];
  /** The last chunk stored until the task completed: chunks fetched, joined, muxed, uploaded. */
  joinS: number;
}

/** The parts of a run whose chunks ran one at a time, or null when the timeline is incomplete. */
export function cloudRunParts(t: FanoutTimeline, submittedMs: number): CloudRunParts | null {
  if (t.plannedMs === null || t.completedMs === null || t.chunks.length === 0) return null;
  const lastRendered = Math.max(...t.chunks.map((c) => c.renderedMs));
  return {
    planS: (t.plannedMs - submittedMs) / 1000,
    chunkS: t.chunks.map((c) => (c.renderedMs - c.claimedMs) / 1000),
    joinS: (t.completedMs - lastRendered) / 1000,
  };
}

/** One 2-vCPU instance per chunk, all at once: planning, the slowest chunk, the join. */
export const cloudRunEstimateS = (p: CloudRunParts) => p.planS + Math.max(...p.chunkS) + p.joinS;

export interface FanoutResult {
  setup: string;
  workers: number;
  wallS: number;
  /** The workers' CPU (node and ffmpeg); the emulators and the api are not in it. */
  cpuS: number;
  chunks: number;
  /** Worker processes that rendered at least one chunk. */
  workersUsed: number;
  /** The largest worker's peak of process tree + scratch: what one instance must hold. */
  peakWorkerBytes: number;
  /**
   * Per chunk, the peak of its worker's tree + scratch while it rendered, with node's RSS at that
   * moment (PARTS_SETUP only: one chunk at a time). Node's share is the process's, which planned
   * the whole video first; the rest is the chunk's ffmpeg and files.
   */
  chunkPeaks: WindowPeak[];
  /** CPU seconds anything else (emulators, the api, this benchmark) used during the run. */
  otherCpuS: number;
  parts: CloudRunParts | null;
}

/** Runs every setup `reps` times with the compiled service (`entry`, with the image's `env`) against the benchmark's fakes. */
export async function runFanoutBench(p: { fakes: Fakes; entry: string[]; env: Record<string, string>; reps: number; say: (msg: string) => void }): Promise<FanoutResult[][]> {
  const firestore = await startFirestoreEmulator().catch((err: unknown) => {
    throw new Error(`the fan-out runs need the Firestore emulator: run \`bash scripts/setup.sh --test\` first (${(err as Error).message})`);
  });
  const results: FanoutResult[][] = [];
  try {
    for (const setup of [...FANOUT_SETUPS, PARTS_SETUP]) {
      const runs: FanoutResult[] = [];
      for (let rep = 1; rep <= p.reps; rep++) {
        await firestore.reset();
        const r = await runSetup(setup, { ...p, firestore: { host: firestore.host, projectId: firestore.projectId } });
        p.say(
          `${setup.name.padEnd(34)} run ${rep}: wall ${r.wallS.toFixed(1)} s, worker CPU ${r.cpuS.toFixed(0)} s, ${r.chunks} chunks on ${r.workersUsed} worker(s), ` +
            `largest worker ${(r.peakWorkerBytes / MIB).toFixed(0)} MiB, other CPU ${r.otherCpuS.toFixed(0)} s`,
        );
        runs.push(r);
      }
      results.push(runs);
    }
  } finally {
    await firestore.stop();
  }
  return results;
}

async function runSetup(
  setup: FanoutSetup,
  p: { fakes: Fakes; entry: string[]; env: Record<string, string>; firestore: { host: string; projectId: string } },
): Promise<FanoutResult> {
  const cloud: CloudPath = await startCloudPath({ ...p.env, ...serviceEnv(p.fakes), ...setup.env }, { workers: setup.workers, firestore: p.firestore, entry: p.entry });
  try {
    const who = { name: setup.name, svc: cloud };
    await runTask(who, WARM_UP_REQUEST);
    const samplers = cloud.workers.map((w, i) => new ProcSampler({ root: w.proc.pid as number, includeRoot: true, scratchDir: cloud.workerScratch[i]! }));
    const submittedMs = Date.now();
    for (const s of samplers) s.start();
    let view: TaskView;
    let usages: Usage[];
    try {
      view = await runTask(who, benchRequest(WORKLOADS['3min'], '1080p'));
    } finally {
      usages = samplers.map((s) => s.stop());
    }
    checkOutput(setup, view);
    const timeline = fanoutTimeline(cloud.workers.map((w) => w.logs), view.task_id);
    const fannedOut = setup.env.FANOUT_MIN_SECONDS !== '0';
    if (fannedOut && (timeline.plannedMs === null || timeline.chunks.length === 0)) throw new Error(`${setup.name}: the task was not rendered in chunks`);
    const oneAtATime = setup === PARTS_SETUP;
    const wallS = (Date.now() - submittedMs) / 1000;
    return {
      setup: setup.name,
      workers: setup.workers,
      wallS,
      cpuS: usages.reduce((a, u) => a + u.cpuS, 0),
      chunks: timeline.chunks.length,
      workersUsed: new Set(timeline.chunks.map((c) => c.worker)).size,
      peakWorkerBytes: Math.max(...usages.map((u) => u.peakTreePlusScratchBytes)),
      chunkPeaks: oneAtATime ? timeline.chunks.flatMap((c) => samplers[c.worker]!.peakBetween(c.claimedMs, c.renderedMs) ?? []) : [],
      // Each sampler counts the whole machine's other load; the workers' own CPU is taken out once.
      otherCpuS: Math.max(0, Math.min(...usages.map((u) => u.otherCpuS + u.cpuS)) - usages.reduce((a, u) => a + u.cpuS, 0)),
      parts: oneAtATime ? cloudRunParts(timeline, submittedMs) : null,
    };
  } finally {
    await cloud.stop();
  }
}

/** Every setup renders the same video: the frame asked for and the narration's length. */
function checkOutput(setup: FanoutSetup, view: TaskView): void {
  const r = view.result;
  const nominal = WORKLOADS['3min'].script.length * SECONDS_PER_CHAR;
  if (r.width !== 1080 || r.height !== 1920 || Math.abs(r.duration_s - nominal) > 0.02 * nominal) {
    throw new Error(`${setup.name}: ${r.width}x${r.height}, ${r.duration_s} s, where 1080x1920 and ${nominal.toFixed(1)} s were asked for`);
  }
}

const mib = (b: number) => (b / MIB).toFixed(0);

/** The medians per setup, the parts and the computed Cloud Run figure. */
export function fanoutReport(results: FanoutResult[][]): string {
  const med = (rs: FanoutResult[], f: (r: FanoutResult) => number) => median(rs.map(f));
  const alone = results.find((rs) => rs[0]?.setup === FANOUT_SETUPS[0]!.name);
  const refWall = alone ? med(alone, (r) => r.wallS) : null;
  const rows = results.map((rs) => {
    const wall = med(rs, (r) => r.wallS);
    return [
      rs[0]!.setup,
      String(rs[0]!.workers),
      wall.toFixed(1),
      refWall ? `${(wall / refWall).toFixed(2)}` : '–',
      med(rs, (r) => r.cpuS).toFixed(0),
      String(rs[0]!.chunks),
      String(rs[0]!.workersUsed),
      mib(med(rs, (r) => r.peakWorkerBytes)),
      med(rs, (r) => r.otherCpuS).toFixed(0),
    ];
  });
  const lines = [table(['3-minute 1080p video', 'workers', 'wall s', 'wall / no fan-out', 'worker CPU s', 'chunks', 'workers that rendered chunks', 'largest worker tree+scratch MiB', 'other CPU s'], rows)];
  const partsRuns = results.find((rs) => rs[0]?.setup === PARTS_SETUP.name)?.filter((r) => r.parts) ?? [];
  if (partsRuns.length) {
    const parts = partsRuns.map((r) => r.parts as CloudRunParts);
    const planS = median(parts.map((x) => x.planS));
    const slowest = median(parts.map((x) => Math.max(...x.chunkS)));
    const all = parts.flatMap((x) => x.chunkS);
    const joinS = median(parts.map((x) => x.joinS));
    const estimate = median(parts.map(cloudRunEstimateS));
    const chunkPeak = partsRuns.flatMap((r) => r.chunkPeaks).reduce<WindowPeak | null>((a, b) => (!a || b.bytes > a.bytes ? b : a), null);
    lines.push(
      '',
      'The parts, chunks one at a time (each with both cores, as on a 2-vCPU instance of its own):',
      table(
        ['planning s', 'chunk s (fastest / median / slowest)', 'join s', 'one chunk: worker tree+scratch MiB (node, the rest)', 'computed: one instance per chunk, s', 'computed / no fan-out'],
        [
          [
            planS.toFixed(1),
            `${Math.min(...all).toFixed(1)} / ${median(all).toFixed(1)} / ${slowest.toFixed(1)}`,
            joinS.toFixed(1),
            chunkPeak ? `${mib(chunkPeak.bytes)} (${mib(chunkPeak.rootBytes)}, ${mib(chunkPeak.bytes - chunkPeak.rootBytes)})` : '–',
            estimate.toFixed(1),
            refWall ? (estimate / refWall).toFixed(2) : '–',
          ],
        ],
      ),
    );
  }
  return lines.join('\n');
}
