// How many renders run at once, read from /proc: every ffmpeg process runs with its task's scratch
// dir as its working dir (media/render.ts), so the distinct task dirs of the ffmpeg processes under
// SCRATCH_DIR are the renders running at that instant, whichever process started them (a killed
// worker's orphans included).
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { relative, sep } from 'node:path';

export interface RenderSampler {
  /** Renders running now. */
  current(): number;
  max: number;
  samples: number;
  stop(): void;
}

/** A task dir is `reelsmith-task-<task id>-<6 random characters>` (worker/scratch.ts). */
const TASK_DIR = /^reelsmith-task-(.+)-[A-Za-z0-9]{6}$/;

export function sampleRenders(scratchDir: string, everyMs = 50): RenderSampler {
  let now = 0;
  const s: RenderSampler = {
    current: () => now,
    max: 0,
    samples: 0,
    stop: () => clearInterval(timer),
  };
  const timer = setInterval(() => {
    now = rendersNow(scratchDir).size;
    s.max = Math.max(s.max, now);
    s.samples++;
  }, everyMs);
  return s;
}

export function rendersNow(scratchDir: string): Set<string> {
  const tasks = new Set<string>();
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      if (readFileSync(`/proc/${pid}/comm`, 'utf8').trim() !== 'ffmpeg') continue;
      const rel = relative(scratchDir, readlinkSync(`/proc/${pid}/cwd`).replace(/ \(deleted\)$/, ''));
      if (rel.startsWith('..')) continue;
      const m = TASK_DIR.exec(rel.split(sep)[0] ?? '');
      if (m) tasks.add(m[1]!);
    } catch {
      // The process ended between the listing and the read.
    }
  }
  return tasks;
}
