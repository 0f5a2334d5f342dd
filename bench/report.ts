// Medians, issue 11's targets and the printed tables. Pure: no I/O.
import type { TaskTimings } from '../functions/domain/task-timings.ts';
import { ENCODE_END, ENCODE_START, type Usage } from './proc-sampler.ts';

/** The renderer before chunks (a baseline commit) and this checkout's. */
export type System = 'baseline' | 'chunked';
export const SYSTEMS: System[] = ['baseline', 'chunked'];

export const MIB = 1024 * 1024;
const GIB = 1024 * MIB;

export function median(xs: number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

/** The median of every numeric field over several runs of one kind (marks are per run and dropped). */
export function medianUsage(runs: Usage[]): Usage {
  const keys = (Object.keys(runs[0] ?? {}) as (keyof Usage)[]).filter((k) => typeof runs[0]?.[k] === 'number');
  return { ...Object.fromEntries(keys.map((k) => [k, median(runs.map((r) => r[k] as number))])), marks: [] } as unknown as Usage;
}

/** What the benchmark runs, for each system (the baseline commit and this checkout). */
export const FIGURES = ['1080p', '1080p-x2', '3min-x2', '720p-fast', 'stock-1080p', 'stock-1s-1080p', 'stock-720p-fast'] as const;
export type Figure = (typeof FIGURES)[number];
export type Recipe = 'recipe 720p' | 'recipe stock 720p';
export type Kind = `${System} ${Figure}` | Recipe;

export const FIGURE_TITLES: Record<Figure, string> = {
  '1080p': 'one 1080p task (8 clips incl. 60 fps and 2560x1440, 45 s)',
  '1080p-x2': 'two 1080p tasks at once (MAX_CONCURRENT_TASKS=2)',
  '3min-x2': 'two 3-minute 1080p tasks at once',
  '720p-fast': 'one 720p task, six clips, x264 ultrafast CRF 28',
  'stock-1080p': 'one 1080p task, long-GOP stock clips (keyframes 250 frames apart, UHD on offer, one 60 fps), 48 s',
  'stock-1s-1080p': 'the same task on the same clips re-encoded with a keyframe every second',
  'stock-720p-fast': 'one 720p task, long-GOP stock clips, x264 ultrafast CRF 28',
};

/** The recipe run that each 720p figure at the recipe's settings is compared with. */
export const RECIPE_OF: Partial<Record<Figure, Recipe>> = { '720p-fast': 'recipe 720p', 'stock-720p-fast': 'recipe stock 720p' };

/** x264 settings of the recipe, for the service runs that compare with it at equal encoder work. */
export const RECIPE_X264 = { RENDER_PRESET: 'ultrafast', RENDER_CRF: '28' } as const;

/**
 * The render of a lone task: the window in which x264 encoded (from the first sample that saw an
 * encoding ffmpeg to the one that saw none left), with the whole tree's CPU in it.
 */
export function renderStage(u: Usage): { wallS: number; cpuS: number } | null {
  const from = u.marks.find((m) => m.name === ENCODE_START);
  const to = u.marks.find((m) => m.name === ENCODE_END);
  return from && to && to.atS > from.atS ? { wallS: to.atS - from.atS, cpuS: to.cpuS - from.cpuS } : null;
}

export interface Target {
  name: string;
  /** How the value is formed, for the table. */
  of: string;
  unit: 'MiB' | 'x' | '%' | 's';
  op: '<=' | '>=';
  limit: number;
  values: Partial<Record<System, number>>;
}

export interface Medians {
  usage: Partial<Record<Kind, Usage>>;
  /** Median render stage of the lone 1080p task. */
  render: Partial<Record<System, { wallS: number; cpuS: number }>>;
  /** Seconds of narration of the 45 s workloads (the video's length). */
  narrationS: number;
  /** Seconds of narration of the stock workload (about 48). */
  stockNarrationS: number;
  cores: number;
}

export function targets(m: Medians): Target[] {
  const per = (f: (s: System) => number | null): Partial<Record<System, number>> =>
    Object.fromEntries(SYSTEMS.flatMap((s) => {
      const v = f(s);
      return v === null || !Number.isFinite(v) ? [] : [[s, v]];
    }));
  const u = (s: System, f: Figure) => m.usage[`${s} ${f}`];
  const recipe = m.usage['recipe 720p'];
  return [
    {
      name: 'two 1080p tasks at once: peak of the instance (node + ffmpeg + scratch)',
      of: 'peak tree+scratch, MiB',
      unit: 'MiB',
      op: '<=',
      limit: (1.1 * GIB) / MIB,
      values: per((s) => (u(s, '1080p-x2')?.peakTreePlusScratchBytes ?? NaN) / MIB),
    },
    {
      name: 'two 3-minute tasks at once vs two 45 s tasks (memory flat in length)',
      of: 'peak tree+scratch, 3 min / 45 s',
      unit: 'x',
      op: '<=',
      limit: 1.1,
      values: per((s) => (u(s, '3min-x2')?.peakTreePlusScratchBytes ?? NaN) / (u(s, '1080p-x2')?.peakTreePlusScratchBytes ?? NaN)),
    },
    {
      name: 'one 1080p task: process tree + scratch',
      of: 'peak tree+scratch, MiB',
      unit: 'MiB',
      op: '<=',
      limit: 900,
      values: per((s) => (u(s, '1080p')?.peakTreePlusScratchBytes ?? NaN) / MIB),
    },
    {
      name: 'one 1080p render: CPU utilisation',
      of: `encode window CPU s / wall s / ${m.cores} cores`,
      unit: '%',
      op: '>=',
      limit: 90,
      values: per((s) => {
        const r = m.render[s];
        return r ? (100 * r.cpuS) / r.wallS / m.cores : null;
      }),
    },
    {
      name: '720p at the recipe\'s x264 settings (ultrafast CRF 28): wall time vs the recipe',
      of: 'task wall / recipe wall',
      unit: 'x',
      op: '<=',
      limit: 0.7,
      values: per((s) => (u(s, '720p-fast')?.wallS ?? NaN) / (recipe?.wallS ?? NaN)),
    },
    {
      name: '1080p with captions at the default settings: speed',
      of: 'narration s / task wall s',
      unit: 'x',
      op: '>=',
      limit: 2.2,
      values: per((s) => m.narrationS / (u(s, '1080p')?.wallS ?? NaN)),
    },
  ];
}

/** Issue 22's targets: speed against the recipe, realtime and CPU per output second, and what long GOPs may cost. */
export function speedTargets(m: Medians): Target[] {
  const per = (f: (s: System) => number | null): Partial<Record<System, number>> =>
    Object.fromEntries(SYSTEMS.flatMap((s) => {
      const v = f(s);
      return v === null || !Number.isFinite(v) ? [] : [[s, v]];
    }));
  const u = (s: System, f: Figure) => m.usage[`${s} ${f}`];
  const vsRecipe = (f: Figure) => (s: System) => (u(s, f)?.wallS ?? NaN) / (m.usage[RECIPE_OF[f] as Recipe]?.wallS ?? NaN);
  return [
    { name: '720p at the recipe\'s x264 settings, six clips: wall time vs the recipe side by side', of: 'task wall / recipe wall', unit: 'x', op: '<=', limit: 0.8, values: per(vsRecipe('720p-fast')) },
    { name: '720p at the recipe\'s x264 settings, long-GOP stock clips: wall time vs the recipe', of: 'task wall / recipe wall', unit: 'x', op: '<=', limit: 0.8, values: per(vsRecipe('stock-720p-fast')) },
    { name: '1080p at the default settings: speed', of: 'narration s / task wall s', unit: 'x', op: '>=', limit: 2.0, values: per((s) => m.narrationS / (u(s, '1080p')?.wallS ?? NaN)) },
    { name: '1080p at the default settings: CPU per second of video', of: 'task CPU s / narration s', unit: 's', op: '<=', limit: 0.9, values: per((s) => (u(s, '1080p')?.cpuS ?? NaN) / m.narrationS) },
    { name: 'long-GOP stock clips vs the same clips with a keyframe every second (1080p)', of: 'task wall, long / 1 s GOP', unit: 'x', op: '<=', limit: 1.1, values: per((s) => (u(s, 'stock-1080p')?.wallS ?? NaN) / (u(s, 'stock-1s-1080p')?.wallS ?? NaN)) },
  ];
}

/**
 * Issue 22's figures side by side per system: the ratios to the recipe, speed and CPU per output
 * second at 1080p on both workloads, and long against 1-s GOPs in wall time and in CPU seconds
 * (the CPU ratio barely moves with other load on the machine).
 */
export function speedTable(m: Medians): string {
  const rows = SYSTEMS.flatMap((s) => {
    const u = (f: Figure) => m.usage[`${s} ${f}`];
    const ratio = (a: number | undefined, b: number | undefined, unit = '×') => (a !== undefined && b !== undefined ? `${(a / b).toFixed(2)}${unit}` : '–');
    const lone = u('1080p');
    const stock = u('stock-1080p');
    const short = u('stock-1s-1080p');
    if (!lone && !stock && !u('720p-fast') && !u('stock-720p-fast')) return [];
    return [[
      s,
      ratio(u('720p-fast')?.wallS, m.usage['recipe 720p']?.wallS),
      ratio(u('stock-720p-fast')?.wallS, m.usage['recipe stock 720p']?.wallS),
      ratio(m.narrationS, lone?.wallS),
      ratio(lone?.cpuS, m.narrationS, ''),
      ratio(m.stockNarrationS, stock?.wallS),
      ratio(stock?.cpuS, m.stockNarrationS, ''),
      ratio(stock?.wallS, short?.wallS),
      ratio(stock?.cpuS, short?.cpuS),
    ]];
  });
  return table(
    ['system', '720p fast / recipe, six clips', '720p fast / recipe, stock', '1080p speed', '1080p CPU s per output s', 'stock 1080p speed', 'stock 1080p CPU s per output s', 'long / 1 s GOP, wall', 'long / 1 s GOP, CPU'],
    rows,
  );
}

/**
 * A task's `result.timings` on one line, the stages by wall seconds (CPU seconds where ffmpeg ran),
 * the longest first: `run 21.4 s (other 0.1), CPU 30.6 s: render#0 15.8 s/28.9 CPU ×2, speech 2.1 s, …`.
 */
export function stagesLine(t: TaskTimings): string {
  const stages = [...t.stages]
    .sort((a, b) => b.seconds - a.seconds)
    .map((s) => `${s.stage}${s.output === null ? '' : `#${s.output}`} ${s.seconds.toFixed(2)} s${s.cpu_s === null ? '' : `/${s.cpu_s.toFixed(2)} CPU`}${s.runs > 1 ? ` ×${s.runs}` : ''}`);
  return `run ${t.run_s.toFixed(2)} s (other ${t.other_s.toFixed(2)}), CPU ${t.cpu_s.toFixed(2)} s: ${stages.join(', ')}`;
}

function show(v: number, unit: Target['unit']): string {
  return unit === 'MiB' ? `${v.toFixed(0)} MiB` : unit === '%' ? `${v.toFixed(0)} %` : unit === 's' ? `${v.toFixed(2)} s` : `${v.toFixed(2)}×`;
}

export function verdict(t: Target, v: number | undefined): string {
  if (v === undefined) return 'not run';
  const ok = t.op === '<=' ? v <= t.limit : v >= t.limit;
  if (ok) return 'pass';
  const gap = Math.abs(v - t.limit);
  const by = t.unit === 'MiB' ? `${gap.toFixed(0)} MiB` : t.unit === '%' ? `${gap.toFixed(0)} points` : t.unit === 's' ? `${gap.toFixed(2)} s` : `${gap.toFixed(2)}×`;
  return `MISS by ${by} (${((gap / t.limit) * 100).toFixed(0)} %)`;
}

export function targetTable(ts: Target[]): string {
  return table(
    ['target', 'measured as', 'limit', 'baseline', 'result', 'chunked', 'result'],
    ts.map((t) => [
      t.name,
      t.of,
      `${t.op === '<=' ? '≤' : '≥'} ${show(t.limit, t.unit)}`,
      t.values.baseline === undefined ? '–' : show(t.values.baseline, t.unit),
      verdict(t, t.values.baseline),
      t.values.chunked === undefined ? '–' : show(t.values.chunked, t.unit),
      verdict(t, t.values.chunked),
    ]),
  );
}

const mib = (b: number) => (b / MIB).toFixed(0);

/** One row per kind: the medians, in the units people read. */
export function usageTable(m: Partial<Record<Kind, Usage>>, cores: number): string {
  const head = ['run', 'wall s', 'CPU s', 'CPU use', 'tree RSS MiB', 'node RSS MiB', 'ffmpeg RSS MiB', 'scratch MiB', 'tree+scratch MiB', 'ffmpeg+scratch MiB', 'tree+scratch, shared pages once MiB', 'ffmpeg processes at once', 'largest ffmpeg MiB'];
  const rows = Object.entries(m).map(([k, u]) => [
    k,
    u.wallS.toFixed(2),
    u.cpuS.toFixed(1),
    `${((100 * u.cpuS) / u.wallS / cores).toFixed(0)} %`,
    mib(u.peakTreeRssBytes),
    u.peakRootRssBytes > 0 ? mib(u.peakRootRssBytes) : '–',
    mib(u.peakFfmpegRssBytes),
    mib(u.peakScratchBytes),
    mib(u.peakTreePlusScratchBytes),
    mib(u.peakFfmpegPlusScratchBytes),
    mib(u.peakTreeSharedOncePlusScratchBytes),
    String(u.peakFfmpegProcs),
    mib(u.peakOneFfmpegRssBytes),
  ]);
  return table(head, rows);
}

/**
 * How the process tree alone grows from the 45 s pair to the 3-minute pair: the scratch (sources
 * on disk, the output) grows with length by nature, the processes need not.
 */
export function flatness(m: Partial<Record<Kind, Usage>>): string | null {
  const parts = SYSTEMS.flatMap((s) => {
    const long = m[`${s} 3min-x2`];
    const short = m[`${s} 1080p-x2`];
    return long && short ? [`${s} ${(long.peakTreeRssBytes / short.peakTreeRssBytes).toFixed(2)}×`] : [];
  });
  return parts.length ? parts.join(', ') : null;
}

/**
 * What the CPU seconds allow at best, every core busy for the whole task: a bound that holds on a
 * busy machine too, since CPU seconds barely depend on other load.
 */
export function cpuBounds(m: Medians): string | null {
  const recipe = m.usage['recipe 720p'];
  const parts = SYSTEMS.flatMap((s) => {
    const lone = m.usage[`${s} 1080p`];
    const fast = m.usage[`${s} 720p-fast`];
    const out: string[] = [];
    if (lone) out.push(`${s} 1080p speed ≤ ${(m.narrationS / (lone.cpuS / m.cores)).toFixed(2)}×`);
    if (fast && recipe) out.push(`${s} 720p-fast wall ≥ ${(fast.cpuS / m.cores).toFixed(1)} s (the recipe took ${recipe.wallS.toFixed(1)} s)`);
    return out;
  });
  return parts.length ? parts.join('; ') : null;
}

/** The lone 1080p task's render stage next to the whole task. */
export function renderTable(m: Medians): string {
  const rows = SYSTEMS.flatMap((s) => {
    const task = m.usage[`${s} 1080p`];
    const r = m.render[s];
    if (!task || !r) return [];
    return [[s, task.wallS.toFixed(2), r.wallS.toFixed(2), r.cpuS.toFixed(1), `${((100 * r.cpuS) / r.wallS / m.cores).toFixed(0)} %`, `${(m.narrationS / task.wallS).toFixed(2)}×`, `${(m.narrationS / r.wallS).toFixed(2)}×`]];
  });
  return table(['1080p, one task', 'task wall s', 'render wall s', 'render CPU s', 'render CPU use', 'task speed (realtime)', 'render speed (realtime)'], rows);
}

/** A Markdown-compatible table (reads as plain text in a terminal too). */
export function table(head: string[], rows: string[][]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i] as number)).join(' | ')} |`;
  return [line(head), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}
