// The services under test, each its own node process in local mode against the benchmark's fakes:
// this checkout (the chunked renderer) and the baseline commit (bench/builds.ts), each with the
// default x264 settings and with the recipe's. A task goes in by HTTP as a user's would.
import type { TaskTimings } from '../functions/domain/task-timings.ts';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { FAKE_ELEVENLABS_KEY } from '../test/fakes/index.ts';
import { startService, type Service } from '../test/support/service.ts';
import type { System } from './report.ts';

export interface Fakes {
  elevenlabs: string;
  pexels: string;
  pexelsKey: string;
}

export interface BenchService {
  system: System;
  name: string;
  svc: Service;
  /** The service's SCRATCH_DIR: its per-task dirs are what an in-memory /tmp would hold. */
  scratch: string;
  /** The node process: root of the measured tree. */
  pid: number;
}

export async function startBenchService(p: {
  system: System;
  name: string;
  runDir: string;
  fakes: Fakes;
  /** Arguments after `node` (bench/builds.ts). */
  entry: string[];
  env?: Record<string, string>;
}): Promise<BenchService> {
  const dir = join(p.runDir, `service-${p.name}`);
  const scratch = join(dir, 'scratch');
  await mkdir(scratch, { recursive: true });
  const svc = await startService({ ...serviceEnv(p.fakes), SCRATCH_DIR: scratch, ...p.env }, { dataDir: join(dir, 'data'), entry: p.entry });
  return { system: p.system, name: p.name, svc, scratch, pid: svc.proc.pid as number };
}

/** Every benchmarked service's settings: the fakes, and the same clips on every run of a workload. */
export function serviceEnv(fakes: Fakes): Record<string, string> {
  return {
    ELEVENLABS_API_KEY: FAKE_ELEVENLABS_KEY,
    ELEVENLABS_BASE_URL: fakes.elevenlabs,
    PEXELS_API_KEY: fakes.pexelsKey,
    PEXELS_BASE_URL: fakes.pexels,
    MAX_CONCURRENT_TASKS: '2',
    // Every run of a workload must show the same clips: no preference for clips not shown lately.
    FRESHNESS_WINDOW: '0',
    // The fake has no hourly limit; the real default (200 per process) would turn a long run's
    // later tasks to other footage. (Settings a commit does not know are ignored by it.)
    PEXELS_HOURLY_LIMIT: '100000',
    // info: startService waits for the "listening on" line.
    LOG_LEVEL: 'info',
  };
}

export interface TaskView {
  task_id: string;
  status: string;
  /** `timings`: a service of this checkout says where the task's time went (the baseline predates it). */
  result: { width: number; height: number; duration_s: number; size_bytes: number; credits: { video_url: string | null }[]; timings?: TaskTimings | null };
}

/** POST → completed, polled every 100 ms (the poll's own cost is counted as the service's). */
export async function runTask(s: { name: string; svc: Pick<Service, 'url' | 'logs'> }, body: object): Promise<TaskView> {
  const res = await fetch(`${s.svc.url}/v1/videos`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const created = (await res.json()) as { status_url?: string };
  if (res.status !== 202 || !created.status_url) throw new Error(`${s.name}: submit failed: ${res.status} ${JSON.stringify(created)}`);
  const deadline = Date.now() + 30 * 60_000;
  while (Date.now() < deadline) {
    const view = (await (await fetch(created.status_url)).json()) as TaskView & { error?: unknown };
    if (view.status === 'completed') return view;
    if (view.status === 'failed' || view.status === 'cancelled') {
      throw new Error(`${s.name}: task ${view.status}: ${JSON.stringify(view.error)}\n${s.svc.logs.slice(-20).join('\n')}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${s.name}: task did not finish in 30 minutes`);
}
