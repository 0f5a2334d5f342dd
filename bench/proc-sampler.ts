// Resource use of a process tree, from /proc (Linux only): CPU seconds, peak RSS (whole tree and
// ffmpeg alone) and peak bytes in a scratch dir, sampled every 50 ms while a run is measured.
//
// CPU: ffmpeg children come and go between samples, so their last few ticks would be missed by
// sampling alone. The kernel adds a child's utime/stime to its parent's cutime/cstime when the
// parent reaps it (node does, at once), so the root's counters are exact for children that have
// ended; children still alive are added from their last sample, and per-pid maxima of every
// sampled process are kept as a cross-check.
import { readdirSync, readFileSync, statSync, type Dirent } from 'node:fs';
import { join } from 'node:path';

const TICKS_PER_S = 100; // USER_HZ; the same on every Linux architecture node runs on.
const PAGE_BYTES = 4096;
const FFMPEG_NAMES = new Set(['ffmpeg', 'ffprobe']);
export const ENCODE_START = 'encode-start';
export const ENCODE_END = 'encode-end';

export interface ProcStat {
  pid: number;
  comm: string;
  ppid: number;
  /** utime + stime, ticks. */
  selfTicks: number;
  /** cutime + cstime: children that ended and were reaped, ticks. */
  reapedTicks: number;
  rssBytes: number;
}

/** Parses /proc/<pid>/stat; `comm` may hold spaces and parentheses, so fields are read after the last ')'. */
export function parseStat(text: string): ProcStat {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) throw new Error(`not a /proc stat line: ${text.slice(0, 80)}`);
  const pid = Number(text.slice(0, open).trim());
  const f = text.slice(close + 2).trim().split(/\s+/);
  // f[0] is field 3 (state): field n is f[n - 3].
  const n = (field: number) => Number(f[field - 3]);
  return {
    pid,
    comm: text.slice(open + 1, close),
    ppid: n(4),
    selfTicks: n(14) + n(15),
    reapedTicks: n(16) + n(17),
    rssBytes: n(24) * PAGE_BYTES,
  };
}

/** CPU seconds of this process's children that ended and were reaped (cutime + cstime). */
export function reapedChildrenCpuS(): number {
  return parseStat(readFileSync('/proc/self/stat', 'utf8')).reapedTicks / TICKS_PER_S;
}

function readStat(pid: number): ProcStat | null {
  try {
    return parseStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return null; // it ended between listing and reading
  }
}

/** Busy CPU ticks of the whole machine (all cores) from /proc/stat: everything but idle and iowait. */
export function machineBusyTicks(statText = readFileSync('/proc/stat', 'utf8')): number {
  const f = (statText.split('\n')[0] ?? '').trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal (guest time is already inside user)
  return (f[0] ?? 0) + (f[1] ?? 0) + (f[2] ?? 0) + (f[5] ?? 0) + (f[6] ?? 0) + (f[7] ?? 0);
}

function readCmdline(pid: number): string[] {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
  } catch {
    return [];
  }
}

/** Resident bytes of a process split as the kernel counts them: private (anonymous + shmem) and file-backed. */
export function parseStatusRss(text: string): { privateBytes: number; fileBytes: number } {
  const kib = (key: string) => Number(new RegExp(`^${key}:\\s*(\\d+) kB`, 'm').exec(text)?.[1] ?? 0) * 1024;
  return { privateBytes: kib('RssAnon') + kib('RssShmem'), fileBytes: kib('RssFile') };
}

function readStatusRss(pid: number): { privateBytes: number; fileBytes: number } | null {
  try {
    return parseStatusRss(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return null;
  }
}

function childrenOf(pid: number): number[] {
  try {
    // Node forks from its main thread (libuv's uv_spawn), and ffmpeg forks nothing, so the main
    // thread's list holds every child we care about.
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** Bytes of the regular files under `dir` (apparent size: what an in-memory /tmp holds). */
export function dirBytes(dir: string): number {
  let total = 0;
  let entries: Dirent[];
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return 0;
  }
  for (const e of entries) {
    const p = join(dir, e.name);
    if (e.isDirectory()) total += dirBytes(p);
    else if (e.isFile()) {
      try {
        total += statSync(p).size;
      } catch {
        /* removed while we looked */
      }
    }
  }
  return total;
}

export interface SamplerOptions {
  /** The tree's root: the service's node process, or this process for commands it runs itself. */
  root: number;
  /** Count the root's own CPU and RSS (false when the root is the benchmark process itself). */
  includeRoot: boolean;
  /** Only these direct children of the root (and their descendants) belong to the tree. */
  childFilter?: (s: ProcStat) => boolean;
  scratchDir: string;
  intervalMs?: number;
}

export interface Usage {
  wallS: number;
  cpuS: number;
  /** Sum of per-pid maxima of sampled CPU, plus the root's: a lower bound that cpuS should meet. */
  cpuSampledS: number;
  peakTreeRssBytes: number;
  /** The root alone when it is counted (the service's node process), else 0. */
  peakRootRssBytes: number;
  /** ffmpeg and ffprobe processes only. */
  peakFfmpegRssBytes: number;
  peakScratchBytes: number;
  /** Peak of (tree RSS + scratch) at one instant: the memory a Cloud Run instance must hold. */
  peakTreePlusScratchBytes: number;
  /**
   * Peak of the tree with file-backed pages (the node and ffmpeg binaries and their libraries)
   * counted once per program instead of once per process, plus scratch: nearer to what the
   * instance's cgroup is charged when several ffmpeg processes run at once. Summed RSS counts
   * each process's ~40 MiB of shared library pages again.
   */
  peakTreeSharedOncePlusScratchBytes: number;
  /** Most ffmpeg/ffprobe processes alive at one sample, and the largest one's RSS. */
  peakFfmpegProcs: number;
  peakOneFfmpegRssBytes: number;
  /** Peak of (ffmpeg RSS + scratch) at one instant. */
  peakFfmpegPlusScratchBytes: number;
  /**
   * CPU seconds the machine spent on anything but the measured tree during the run (this
   * benchmark's own sampling and fakes included). Large values mean something else was running
   * and the run's wall time is not to be trusted.
   */
  otherCpuS: number;
  samples: number;
  /**
   * The encode window: the first sample that saw an x264 process (an ffmpeg with libx264 in its
   * arguments: the single-pass render, or a chunk) and the last sample before none was left.
   * Empty when no video was encoded.
   */
  marks: Mark[];
}

export interface WindowPeak {
  atMs: number;
  /** Tree RSS + scratch. */
  bytes: number;
  /** The root's RSS in the same sample (0 when the root is not counted). */
  rootBytes: number;
}

export interface Mark {
  name: string;
  /** Seconds since the run started. */
  atS: number;
  /** CPU seconds of the tree since the run started. */
  cpuS: number;
}

export class ProcSampler {
  private readonly opts: Required<Omit<SamplerOptions, 'childFilter'>> & Pick<SamplerOptions, 'childFilter'>;
  private timer: NodeJS.Timeout | null = null;
  private t0 = 0;
  private busy0 = 0;
  private rootStart: ProcStat | null = null;
  private aliveAtStart = new Map<number, number>();
  private maxTicks = new Map<number, number>();
  private peaks = { root: 0, tree: 0, ffmpeg: 0, scratch: 0, treeScratch: 0, ffmpegScratch: 0, sharedOnceScratch: 0, ffmpegProcs: 0, oneFfmpeg: 0 };
  private samples = 0;
  /** (time, tree RSS + scratch, the root's RSS) of every sample, for peaks within a window (peakBetween). */
  private readonly series: WindowPeak[] = [];
  /** Per pid: does it encode video? Read once from its command line. */
  private readonly encoders = new Map<number, boolean>();
  private encoding = false;
  private encodeStart: Mark | null = null;
  private encodeEnd: Mark | null = null;

  constructor(opts: SamplerOptions) {
    this.opts = { intervalMs: 50, ...opts };
  }

  /** The tree as it is now: root (if counted) and descendants, filtered at the first level. */
  private tree(): ProcStat[] {
    const out: ProcStat[] = [];
    const root = readStat(this.opts.root);
    if (root && this.opts.includeRoot) out.push(root);
    const queue = childrenOf(this.opts.root);
    let first = true;
    while (queue.length) {
      const level = queue.splice(0);
      for (const pid of level) {
        const s = readStat(pid);
        if (!s) continue;
        if (first && this.opts.childFilter && !this.opts.childFilter(s)) continue;
        out.push(s);
        queue.push(...childrenOf(pid));
      }
      first = false;
    }
    return out;
  }

  start(): void {
    this.t0 = performance.now();
    this.busy0 = machineBusyTicks();
    this.rootStart = readStat(this.opts.root);
    for (const s of this.tree()) if (s.pid !== this.opts.root) this.aliveAtStart.set(s.pid, s.selfTicks);
    this.sample();
    this.timer = setInterval(() => this.sample(), this.opts.intervalMs);
  }

  sample(): void {
    const procs = this.tree();
    let tree = 0;
    let rootRss = 0;
    let ffmpeg = 0;
    let privateBytes = 0;
    let ffmpegProcs = 0;
    const fileByProgram = new Map<string, number>();
    for (const s of procs) {
      tree += s.rssBytes;
      const split = readStatusRss(s.pid) ?? { privateBytes: s.rssBytes, fileBytes: 0 };
      privateBytes += split.privateBytes;
      fileByProgram.set(s.comm, Math.max(fileByProgram.get(s.comm) ?? 0, split.fileBytes));
      if (s.pid === this.opts.root) {
        rootRss = s.rssBytes;
        this.peaks.root = Math.max(this.peaks.root, s.rssBytes);
      }
      if (FFMPEG_NAMES.has(s.comm)) {
        ffmpeg += s.rssBytes;
        ffmpegProcs++;
        this.peaks.oneFfmpeg = Math.max(this.peaks.oneFfmpeg, s.rssBytes);
      }
      this.maxTicks.set(s.pid, Math.max(this.maxTicks.get(s.pid) ?? 0, s.selfTicks));
    }
    const encoding = procs.some((s) => this.isEncoder(s));
    if (encoding !== this.encoding) {
      this.encoding = encoding;
      const at = { atS: (performance.now() - this.t0) / 1000, cpuS: this.cpuTicks(procs) / TICKS_PER_S };
      if (encoding) this.encodeStart ??= { name: ENCODE_START, ...at };
      else this.encodeEnd = { name: ENCODE_END, ...at };
    }
    const scratch = dirBytes(this.opts.scratchDir);
    const p = this.peaks;
    p.tree = Math.max(p.tree, tree);
    p.ffmpeg = Math.max(p.ffmpeg, ffmpeg);
    p.scratch = Math.max(p.scratch, scratch);
    p.treeScratch = Math.max(p.treeScratch, tree + scratch);
    this.series.push({ atMs: Date.now(), bytes: tree + scratch, rootBytes: rootRss });
    p.ffmpegProcs = Math.max(p.ffmpegProcs, ffmpegProcs);
    const sharedOnce = privateBytes + [...fileByProgram.values()].reduce((a, b) => a + b, 0);
    p.sharedOnceScratch = Math.max(p.sharedOnceScratch, sharedOnce + scratch);
    p.ffmpegScratch = Math.max(p.ffmpegScratch, ffmpeg + scratch);
    this.samples++;
  }

  /**
   * CPU ticks of the tree since start(): the root's own (if counted) and its reaped children's
   * from its counters, children still alive from `alive` (their latest stats).
   */
  private cpuTicks(alive: ProcStat[]): number {
    const root = this.opts.root;
    const end = readStat(root);
    const start = this.rootStart;
    let ticks = 0;
    if (start && end) {
      ticks += end.reapedTicks - start.reapedTicks;
      if (this.opts.includeRoot) ticks += end.selfTicks - start.selfTicks;
    }
    // Children still running have not reached the root's counters yet.
    const aliveNow = new Set<number>();
    for (const s of alive) {
      if (s.pid === root) continue;
      aliveNow.add(s.pid);
      ticks += s.selfTicks - (this.aliveAtStart.get(s.pid) ?? 0);
    }
    // Children alive at the start and reaped since were counted in full by cutime: take back what came before.
    for (const [pid, before] of this.aliveAtStart) if (!aliveNow.has(pid)) ticks -= before;
    return ticks;
  }

  private isEncoder(s: ProcStat): boolean {
    if (!FFMPEG_NAMES.has(s.comm)) return false;
    let known = this.encoders.get(s.pid);
    if (known === undefined) {
      known = readCmdline(s.pid).includes('libx264');
      this.encoders.set(s.pid, known);
    }
    return known;
  }

  /** The sample with the most tree RSS + scratch among those taken between two wall-clock times (ms since the epoch). */
  peakBetween(fromMs: number, toMs: number): WindowPeak | null {
    let peak: WindowPeak | null = null;
    for (const s of this.series) if (s.atMs >= fromMs && s.atMs <= toMs && (!peak || s.bytes > peak.bytes)) peak = s;
    return peak;
  }

  stop(): Usage {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.sample();
    const wallS = (performance.now() - this.t0) / 1000;
    const busyTicks = machineBusyTicks() - this.busy0;
    const root = this.opts.root;
    const ticks = this.cpuTicks(this.tree());
    let sampledTicks = 0;
    for (const [pid, max] of this.maxTicks) {
      if (pid === root) continue;
      sampledTicks += max - (this.aliveAtStart.get(pid) ?? 0);
    }
    const start = this.rootStart;
    const end = readStat(root);
    if (this.opts.includeRoot && start && end) sampledTicks += end.selfTicks - start.selfTicks;
    const p = this.peaks;
    return {
      wallS,
      cpuS: ticks / TICKS_PER_S,
      cpuSampledS: sampledTicks / TICKS_PER_S,
      peakTreeRssBytes: p.tree,
      peakRootRssBytes: p.root,
      peakFfmpegRssBytes: p.ffmpeg,
      peakScratchBytes: p.scratch,
      peakTreePlusScratchBytes: p.treeScratch,
      peakTreeSharedOncePlusScratchBytes: p.sharedOnceScratch,
      peakFfmpegProcs: p.ffmpegProcs,
      peakOneFfmpegRssBytes: p.oneFfmpeg,
      peakFfmpegPlusScratchBytes: p.ffmpegScratch,
      otherCpuS: Math.max(0, (busyTicks - ticks) / TICKS_PER_S),
      samples: this.samples,
      marks: [this.encodeStart, this.encodeEnd].filter((m) => m !== null),
    };
  }
}

/** Runs `fn` under a sampler and returns its result with the usage. */
export async function measure<T>(opts: SamplerOptions, fn: () => Promise<T>): Promise<{ result: T; usage: Usage }> {
  const sampler = new ProcSampler(opts);
  sampler.start();
  try {
    const result = await fn();
    return { result, usage: sampler.stop() };
  } catch (err) {
    sampler.stop();
    throw err;
  }
}
