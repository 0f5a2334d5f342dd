// The peak resident memory of ffmpeg and ffprobe processes under a root process, sampled from
// /proc (Linux). VmHWM is each process's own high-water mark, so a sample taken any time before
// the process exits sees its peak; a process that starts and ends between two samples is missed,
// which is why callers also count what was seen.
import { readFileSync } from 'node:fs';

export interface PeakRss {
  /** Highest VmHWM of any sampled ffmpeg/ffprobe, bytes. */
  peakBytes: number;
  /** Distinct ffmpeg/ffprobe pids sampled. */
  seen: number;
  stop(): void;
}

const NAMES = new Set(['ffmpeg', 'ffprobe']);

function children(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

function descendants(root: number): number[] {
  const out: number[] = [];
  const stack = [root];
  while (stack.length) {
    for (const c of children(stack.pop()!)) {
      out.push(c);
      stack.push(c);
    }
  }
  return out;
}

/** `VmHWM:   123456 kB` → bytes, for ffmpeg/ffprobe only; null for anything else or a gone process. */
function peakOf(pid: number): number | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const name = /^Name:\s*(\S+)/m.exec(status)?.[1];
    if (!name || !NAMES.has(name)) return null;
    const kb = Number(/^VmHWM:\s*(\d+) kB/m.exec(status)?.[1]);
    return Number.isFinite(kb) ? kb * 1024 : null;
  } catch {
    return null;
  }
}

/** Samples every `everyMs` until stop(). */
export function watchPeakRss(rootPid: number, everyMs = 5): PeakRss {
  const pids = new Set<number>();
  const state: PeakRss = {
    peakBytes: 0,
    seen: 0,
    stop: () => clearInterval(timer),
  };
  const sample = () => {
    for (const pid of descendants(rootPid)) {
      const peak = peakOf(pid);
      if (peak === null) continue;
      pids.add(pid);
      state.seen = pids.size;
      state.peakBytes = Math.max(state.peakBytes, peak);
    }
  };
  const timer = setInterval(sample, everyMs);
  sample();
  return state;
}
