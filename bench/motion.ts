// How smooth and how costly each way of drawing a Ken Burns move is, measured the way
// reference/motion.md did and reproducible here:
//   node bench/motion.ts [--reps 3] [--only smooth|cost]
// Smoothness: a still of Gaussian dots (σ = 4 source px) goes through each chain for 150 frames
// (a 5 s piece at 30 fps); each dot's intensity-weighted centroid is tracked in every frame (raw
// grey from ffmpeg), and the dots' spread (scale) and mean (centre) are followed: the RMS of their
// second difference is the jitter (0 for an even move), reversals count the times the zoom turns
// back, and "off" is the worst distance of a dot from where the ideal move puts it.
// Cost: each chain on 150 frames of a stock-like 1080p H.264 clip (portrait and landscape, the
// latter cover-cropped into 9:16), one decoder thread and one filter thread, `-f null`: CPU
// seconds (user + sys of ffmpeg, from /usr/bin/time) over the plain cover scale. Runs are
// interleaved and the median of `--reps` kept, so a shared machine's load hits every chain alike.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { Frame } from '../functions/domain/media.ts';
import { coverRegion, kenBurnsGraph, viewAt, type KenBurns, type Rect } from '../functions/media/motion.ts';
import { DotTracker, readGreyFrames, smoothness, writeDotsImage, type Dot } from '../test/support/motion-track.ts';
import { timedFfmpeg } from './ffmpeg-time.ts';
import { median, table } from './report.ts';

const { values: argv } = parseArgs({ options: { reps: { type: 'string', default: '3' }, only: { type: 'string' }, chains: { type: 'string' } } });
const REPS = Number(argv.reps);
/** Only the chains whose names contain this (the reference always runs in the cost figures). */
const PICK = (name: string) => !argv.chains || name.includes(argv.chains);
const DIR = join(import.meta.dirname, '.cache', 'motion');
const FRAMES = 150;
const OUT: Frame = { width: 1080, height: 1920 };

interface Move {
  name: string;
  kb: KenBurns;
}
const MOVES: Move[] = [
  { name: 'zoom in 1.05→1.15', kb: { from: { zoom: 1.05, x: 0.5, y: 0.5 }, to: { zoom: 1.15, x: 0.5, y: 0.5 } } },
  { name: 'zoom + drift', kb: { from: { zoom: 1.06, x: 0.48, y: 0.52 }, to: { zoom: 1.16, x: 0.53, y: 0.47 } } },
];

interface Chain {
  name: string;
  /** A filter chain from the source to the frame, or (graph) a whole graph from `[src]` to `[out]`. */
  chain: (source: Frame, region: Rect, kb: KenBurns) => string;
  graph?: boolean;
}

/** The chain as a graph from the decoded source (`[0:v]`, made 4:2:0 first) to `[out]`. */
function graphOf(c: Chain, source: Frame, region: Rect, kb: KenBurns): string {
  const body = c.chain(source, region, kb);
  return `[0:v]format=yuv420p[src];${c.graph ? body : `[src]${body}[out]`}`;
}

const cropOf = (r: Rect) => `crop=w=${r.width}:h=${r.height}:x=${r.x}:y=${r.y}:exact=1`;
const LAST = FRAMES - 1;
/** The move as ffmpeg expressions of a frame-number variable. */
const zoomExpr = (kb: KenBurns, v: string) => `${kb.from.zoom}*pow(${kb.to.zoom / kb.from.zoom}\\,${v}/${LAST})`;
const lerpExpr = (a: number, b: number, v: string) => `(${a}+${b - a}*${v}/${LAST})`;

const CHAINS: Chain[] = [
  { name: 'cover scale, no motion (reference)', chain: (_s, r) => `${cropOf(r)},scale=w=${OUT.width}:h=${OUT.height}` },
  {
    name: 'zoompan',
    chain: (_s, r, kb) =>
      `${cropOf(r)},zoompan=z='${zoomExpr(kb, 'on')}':x='${lerpExpr(kb.from.x, kb.to.x, 'on')}*iw-iw/zoom/2':y='${lerpExpr(kb.from.y, kb.to.y, 'on')}*ih-ih/zoom/2':d=1:s=${OUT.width}x${OUT.height}:fps=30`,
  },
  {
    name: '2x supersampled zoompan',
    chain: (_s, r, kb) =>
      `${cropOf(r)},scale=w=${2 * OUT.width}:h=${2 * OUT.height},zoompan=z='${zoomExpr(kb, 'on')}':x='${lerpExpr(kb.from.x, kb.to.x, 'on')}*iw-iw/zoom/2':y='${lerpExpr(kb.from.y, kb.to.y, 'on')}*ih-ih/zoom/2':d=1:s=${OUT.width}x${OUT.height}:fps=30`,
  },
  {
    name: 'scale eval=frame + crop (one pass)',
    chain: (_s, r, kb) => {
      const z = zoomExpr(kb, 'n');
      const w = `2*round(${OUT.width}*${z}/2)`;
      const h = `2*round(${OUT.height}*${z}/2)`;
      // crop's in_w is the size it was set up with: the scaled size is written out again.
      return `${cropOf(r)},scale=w='${w}':h='${h}':eval=frame,crop=w=${OUT.width}:h=${OUT.height}:x='2*round((${lerpExpr(kb.from.x, kb.to.x, 'n')}*${w}-${OUT.width / 2})/2)':y='2*round((${lerpExpr(kb.from.y, kb.to.y, 'n')}*${h}-${OUT.height / 2})/2)':exact=1`;
    },
  },
  {
    name: 'perspective (linear)',
    chain: (_s, r, kb) => {
      const z = zoomExpr(kb, 'in');
      const x = lerpExpr(kb.from.x, kb.to.x, 'in');
      const y = lerpExpr(kb.from.y, kb.to.y, 'in');
      const X = (side: number) => `'(${x}+${side}*0.5/(${z}))*W'`;
      const Y = (side: number) => `'(${y}+${side}*0.5/(${z}))*H'`;
      return `${cropOf(r)},scale=w=${OUT.width}:h=${OUT.height},perspective=x0=${X(-1)}:y0=${Y(-1)}:x1=${X(1)}:y1=${Y(-1)}:x2=${X(-1)}:y2=${Y(1)}:x3=${X(1)}:y3=${Y(1)}:sense=source:interpolation=linear:eval=frame`;
    },
  },
  {
    name: 'two passes, per-frame sizes (media/motion.ts)',
    chain: (s, r, kb) => kenBurnsGraph({ source: s, region: r, out: OUT, motion: kb, frames: FRAMES }, 'src', 'out', 'm'),
    graph: true,
  },
];

const SOURCES: { name: string; size: Frame }[] = [
  { name: 'portrait 1080x1920', size: { width: 1080, height: 1920 } },
  { name: 'landscape 1920x1080', size: { width: 1920, height: 1080 } },
];

function ffmpeg(args: string[]): void {
  execFileSync('ffmpeg', ['-v', 'error', '-nostdin', '-y', ...args], { stdio: ['ignore', 'ignore', 'inherit'] });
}

/** Where the ideal move puts a region point in output frame k (pixel-index coordinates, as centroids are). */
function ideal(kb: KenBurns, r: Rect, k: number, p: Dot): Dot {
  const v = viewAt(kb, k / LAST);
  const w = r.width / v.zoom;
  const h = r.height / v.zoom;
  return { x: ((p.x + 0.5 - (v.x * r.width - w / 2)) * OUT.width) / w - 0.5, y: ((p.y + 0.5 - (v.y * r.height - h / 2)) * OUT.height) / h - 0.5 };
}

async function smooth(): Promise<void> {
  const rows: string[][] = [];
  for (const src of SOURCES) {
    const region = coverRegion(src.size, OUT);
    // Dots around the region's centre, a quarter of the region out (region coordinates).
    const rel: Dot[] = [
      { x: region.width / 4, y: region.height / 2 },
      { x: (3 * region.width) / 4, y: region.height / 2 },
      { x: region.width / 2, y: region.height / 4 },
      { x: region.width / 2, y: (3 * region.height) / 4 },
      { x: region.width / 2, y: region.height / 2 },
    ];
    const image = await writeDotsImage(join(DIR, `dots-${src.size.width}x${src.size.height}.pgm`), src.size.width, src.size.height, rel.map((d) => ({ x: d.x + region.x, y: d.y + region.y })));
    const radius = Math.ceil((4 * 4 * OUT.width) / region.width) + 2;
    for (const move of MOVES) {
      for (const c of CHAINS.slice(1).filter((c) => PICK(c.name))) {
        const graph = graphOf(c, src.size, region, move.kb);
        const tracker = new DotTracker(OUT.width, OUT.height, rel.map((d) => ideal(move.kb, region, 0, d)), radius);
        let off = 0;
        await readGreyFrames('ffmpeg', ['-loop', '1', '-framerate', '30', '-i', image, '-filter_complex_threads', '1', '-filter_complex', graph, '-map', '[out]', '-frames:v', String(FRAMES), '-f', 'rawvideo', '-pix_fmt', 'gray', '-'], OUT.width, OUT.height, (f, k) => {
          tracker.add(f);
          tracker.track[k]!.forEach((d, i) => {
            const want = ideal(move.kb, region, k, rel[i]!);
            off = Math.max(off, Math.hypot(d.x - want.x, d.y - want.y));
          });
        });
        const t = tracker.track;
        const sx = smoothness(t.map((d) => d[1]!.x - d[0]!.x));
        const sy = smoothness(t.map((d) => d[3]!.y - d[2]!.y));
        const cx = smoothness(t.map((d) => d[4]!.x));
        const cy = smoothness(t.map((d) => d[4]!.y));
        rows.push([src.name, move.name, c.name, `${f2(sx.jitterRms)} / ${f2(sy.jitterRms)}`, `${f2(Math.max(sx.worstStep, sy.worstStep))}`, `${sx.reversals + sy.reversals}`, `${f2(cx.jitterRms)} / ${f2(cy.jitterRms)}`, f2(off)]);
        console.log(rows.at(-1)!.join('  |  '));
      }
    }
  }
  console.log('\nSmoothness (pixels of the 1080x1920 output; jitter = RMS of the second difference, x / y):');
  console.log(table(['source', 'move', 'chain', 'scale jitter', 'worst step', 'reversals', 'centre jitter', 'off ideal'], rows));
}

function f2(v: number): string {
  return v.toFixed(v < 0.1 ? 3 : 2);
}

async function cost(): Promise<void> {
  const move = MOVES[1]!;
  const rows: string[][] = [];
  for (const src of SOURCES) {
    const clip = join(DIR, `clip-${src.size.width}x${src.size.height}.mp4`);
    if (!existsSync(clip)) {
      // Stock-like: detail everywhere, light temporal grain, ~10 Mbit/s.
      ffmpeg(['-f', 'lavfi', '-i', `mandelbrot=s=${src.size.width}x${src.size.height}:r=30,trim=duration=${FRAMES / 30},noise=alls=6:allf=t`, '-c:v', 'libx264', '-preset', 'veryfast', '-b:v', '10M', '-pix_fmt', 'yuv420p', clip]);
    }
    const region = coverRegion(src.size, OUT);
    const runs = new Map<string, { cpu: number[]; rss: number[] }>();
    const chains = [{ name: 'decode only', graph: '[0:v]null[out]' }, ...CHAINS.filter((c, i) => i === 0 || PICK(c.name)).map((c) => ({ name: c.name, graph: graphOf(c, src.size, region, move.kb) }))];
    for (let rep = 0; rep < REPS; rep++) {
      for (const c of chains) {
        const r = timedFfmpeg(['-threads', '1', '-i', clip, '-filter_complex_threads', '1', '-filter_complex', c.graph, '-map', '[out]', '-frames:v', String(FRAMES), '-f', 'null', '-']);
        const e = runs.get(c.name) ?? { cpu: [], rss: [] };
        e.cpu.push(r.cpuS);
        e.rss.push(r.rssKiB);
        runs.set(c.name, e);
      }
    }
    const ref = median(runs.get(CHAINS[0]!.name)!.cpu);
    for (const c of chains) {
      const e = runs.get(c.name)!;
      const cpu = median(e.cpu);
      rows.push([src.name, c.name, cpu.toFixed(2), c.name === 'decode only' ? '' : `${cpu - ref >= 0 ? '+' : ''}${(((cpu - ref) * 1000) / FRAMES).toFixed(1)}`, (median(e.rss) / 1024).toFixed(0)]);
      console.log(rows.at(-1)!.join('  |  '));
    }
  }
  console.log(`\nCost (${FRAMES} frames, move "${move.name}", median of ${REPS}; ms/frame over the cover scale):`);
  console.log(table(['source', 'chain', 'CPU s', 'ms/frame', 'peak RSS MiB'], rows));
}

mkdirSync(DIR, { recursive: true });
if (!argv.only || argv.only === 'smooth') await smooth();
if (!argv.only || argv.only === 'cost') await cost();
