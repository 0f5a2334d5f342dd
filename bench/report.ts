// Medians, ratios, the targets and the printed table. Pure: no I/O.
import type { Usage } from './proc-sampler.ts';

export const MIB = 1024 * 1024;

export function median(xs: number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

/** The median of every field over several runs of one kind. */
export function medianUsage(runs: Usage[]): Usage {
  const keys = Object.keys(runs[0] ?? {}) as (keyof Usage)[];
  return Object.fromEntries(keys.map((k) => [k, median(runs.map((r) => r[k]))])) as unknown as Usage;
}

export type Kind = 'reelsmith-720p' | 'reelsmith-1080p' | 'recipe-720p' | 'floor-720p' | 'floor-1080p' | 'floor-720p-recipe-x264';

/** x264 settings of the recipe, for the floor run that isolates the architecture from the encoder preset. */
export const RECIPE_X264 = { preset: 'ultrafast', crf: 28 } as const;

export interface Target {
  name: string;
  ratio: number;
  limit: number;
  /** How the ratio was formed, for the table. */
  of: string;
}

export function targets(m: Record<Kind, Usage>): Target[] {
  const rs720 = m['reelsmith-720p'];
  const rs1080 = m['reelsmith-1080p'];
  const recipe = m['recipe-720p'];
  return [
    { name: 'wall time vs recipe, 720p (equal output size)', ratio: rs720.wallS / recipe.wallS, limit: 0.6, of: 'reelsmith 720p / recipe 720p' },
    {
      name: 'peak ffmpeg RSS + scratch vs recipe, 720p',
      ratio: rs720.peakFfmpegPlusScratchBytes / recipe.peakFfmpegPlusScratchBytes,
      limit: 0.8,
      of: 'reelsmith 720p / recipe 720p',
    },
    { name: 'wall time vs floor, 720p', ratio: rs720.wallS / m['floor-720p'].wallS, limit: 1.15, of: 'reelsmith 720p / floor 720p' },
    { name: 'wall time vs floor, 1080p', ratio: rs1080.wallS / m['floor-1080p'].wallS, limit: 1.15, of: 'reelsmith 1080p / floor 1080p' },
    { name: '1080p with captions vs recipe 720p without', ratio: rs1080.wallS / recipe.wallS, limit: 1.0, of: 'reelsmith 1080p / recipe 720p' },
    {
      name: 'peak memory per task at 1080p (MiB, node + ffmpeg + scratch)',
      ratio: rs1080.peakTreePlusScratchBytes / MIB,
      limit: 600,
      of: 'reelsmith 1080p, absolute',
    },
  ];
}

export function verdict(t: Target): string {
  if (t.ratio <= t.limit) return 'pass';
  const over = t.limit >= 10 ? `${(t.ratio - t.limit).toFixed(0)} MiB` : `${(((t.ratio - t.limit) / t.limit) * 100).toFixed(0)} %`;
  return `MISS by ${over}`;
}

const mib = (b: number) => (b / MIB).toFixed(0);

/** One row per kind: the medians, in the units people read. */
export function usageTable(m: Partial<Record<Kind, Usage>>): string {
  const head = ['run', 'wall s', 'CPU s', 'tree RSS MiB', 'node RSS MiB', 'ffmpeg RSS MiB', 'scratch MiB', 'tree+scratch MiB', 'ffmpeg+scratch MiB'];
  const rows = Object.entries(m).map(([k, u]) => [
    k,
    u.wallS.toFixed(2),
    u.cpuS.toFixed(1),
    mib(u.peakTreeRssBytes),
    u.peakRootRssBytes > 0 ? mib(u.peakRootRssBytes) : '–',
    mib(u.peakFfmpegRssBytes),
    mib(u.peakScratchBytes),
    mib(u.peakTreePlusScratchBytes),
    mib(u.peakFfmpegPlusScratchBytes),
  ]);
  return table(head, rows);
}

export function ratioTable(m: Record<Kind, Usage>): string {
  const head = ['captions on', 'wall / recipe', 'wall / floor', 'tree+scratch / recipe', 'ffmpeg+scratch / recipe', 'tree+scratch / floor', 'ffmpeg+scratch / floor'];
  const recipe = m['recipe-720p'];
  const rows = (['720p', '1080p'] as const).map((res) => {
    const rs = m[`reelsmith-${res}`];
    const floor = m[`floor-${res}`];
    return [
      `reelsmith ${res}`,
      (rs.wallS / recipe.wallS).toFixed(2),
      (rs.wallS / floor.wallS).toFixed(2),
      (rs.peakTreePlusScratchBytes / recipe.peakTreePlusScratchBytes).toFixed(2),
      (rs.peakFfmpegPlusScratchBytes / recipe.peakFfmpegPlusScratchBytes).toFixed(2),
      (rs.peakTreePlusScratchBytes / floor.peakTreePlusScratchBytes).toFixed(2),
      (rs.peakFfmpegPlusScratchBytes / floor.peakFfmpegPlusScratchBytes).toFixed(2),
    ];
  });
  // The renderer's command at the recipe's x264 settings: what the architecture costs at equal encoder work.
  const eq = m['floor-720p-recipe-x264'];
  if (eq) {
    rows.push([
      `floor 720p, x264 ${RECIPE_X264.preset} CRF ${RECIPE_X264.crf}`,
      (eq.wallS / recipe.wallS).toFixed(2),
      '–',
      (eq.peakTreePlusScratchBytes / recipe.peakTreePlusScratchBytes).toFixed(2),
      (eq.peakFfmpegPlusScratchBytes / recipe.peakFfmpegPlusScratchBytes).toFixed(2),
      '–',
      '–',
    ]);
  }
  return table(head, rows);
}

export function targetTable(ts: Target[]): string {
  return table(
    ['target', 'measured', 'limit', 'result'],
    ts.map((t) => [t.name, t.limit >= 10 ? t.ratio.toFixed(0) : t.ratio.toFixed(2), `≤ ${t.limit}`, verdict(t)]),
  );
}

/** A Markdown-compatible table (reads as plain text in a terminal too). */
export function table(head: string[], rows: string[][]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i] as number)).join(' | ')} |`;
  return [line(head), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}
