// The reference workload: a ~45 s script and six stock clips with real picture detail (mixed
// 9:16 and 16:9 sources, 25 and 30 fps), each in a 1080p and three smaller renditions. The clips
// are made once and cached under bench/.cache/media/<hash of the recipe>/, so a rerun reuses them
// and a change to the recipe below makes a fresh set instead of silently mixing old and new files.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { runFfmpeg } from '../functions/media/run.ts';
import type { MediaTools } from '../functions/media/tools.ts';
import type { FakePexelsVideo, FakeRendition } from '../test/fakes/index.ts';

export const BENCH_DIR = resolve(import.meta.dirname);
export const CACHE_DIR = join(BENCH_DIR, '.cache');

/** About 45 s of narration at the fake voice's rate (set from the length, see NARRATION_S). */
export const SCRIPT = [
  'Before sunrise, the city is a grid of sleeping lights.',
  'The first trains leave the depot while the streets are still empty.',
  'Bakers open their doors, and the smell of bread drifts across the square.',
  'On the river, a barge pushes upstream against a slow and steady current.',
  'By seven, the bridges fill with cyclists, buses and people on foot.',
  'Office towers catch the light, one window at a time.',
  'In the markets, traders stack oranges, peppers and bright green herbs.',
  'Children cross the park on their way to school, kicking through the leaves.',
  'At noon, the whole city seems to pause for lunch.',
  'The afternoon brings clouds, a short shower and a sudden rainbow.',
  'When evening falls, the lights come back on, street by street.',
  'And the city, tired but awake, gets ready to do it all again tomorrow.',
].join(' ');

export const NARRATION_S = 45;
export const SEARCH_QUERY = 'city morning';
export const SEED = 20261124;
export const MAX_CLIPS = 6;
export const CLIP_S = 12;

type Shape = 'portrait' | 'landscape';

interface ClipSpec {
  id: number;
  shape: Shape;
  fps: number;
  /** An ffmpeg lavfi source with detail and motion; `{size}` and `{rate}` are filled in. */
  source: string;
  /** Light temporal grain, as camera footage has: it gives the encoder real work. */
  grain: number;
  author: string;
}

// Six sources that keep x264 busy: moving test patterns, zooming fractals, a hue-cycling Sierpinski.
const CLIPS: ClipSpec[] = [
  { id: 7_100_001, shape: 'portrait', fps: 25, source: 'testsrc2=size={size}:rate={rate}', grain: 3, author: 'Kelly Lacy' },
  { id: 7_100_002, shape: 'landscape', fps: 30, source: 'mandelbrot=size={size}:rate={rate}:maxiter=256', grain: 2, author: 'Ruvim Miksanskiy' },
  { id: 7_100_003, shape: 'portrait', fps: 30, source: 'sierpinski=size={size}:rate={rate},hue=H=0.6*t', grain: 4, author: 'Taryn Elliott' },
  { id: 7_100_004, shape: 'landscape', fps: 25, source: 'testsrc2=size={size}:rate={rate},hue=H=-0.4*t', grain: 3, author: 'Mikhail Nilov' },
  { id: 7_100_005, shape: 'portrait', fps: 25, source: 'mandelbrot=size={size}:rate={rate}:maxiter=256:start_x=-0.74:start_y=0.15', grain: 2, author: 'Pressmaster' },
  { id: 7_100_006, shape: 'landscape', fps: 30, source: 'sierpinski=size={size}:rate={rate}:type=triangle,hue=s=1.4', grain: 4, author: 'Tima Miroshnichenko' },
];

/** Short sides of the renditions, largest first: 1080p, 720p, 540p, 360p (as Pexels lists them). */
const SHORT_SIDES = [1080, 720, 540, 360] as const;

/** Encoder settings of the "stock" files: near what Pexels serves (high profile, 4–10 Mbit/s at 1080p). */
const STOCK_ENCODE = ['-c:v', 'libx264', '-preset', 'faster', '-crf', '23', '-profile:v', 'high', '-pix_fmt', 'yuv420p', '-movflags', '+faststart'];

function renditionsOf(c: ClipSpec): FakeRendition[] {
  return SHORT_SIDES.map((s) => {
    const long = Math.round((s * 16) / 9 / 2) * 2;
    const [width, height] = c.shape === 'portrait' ? [s, long] : [long, s];
    return { quality: s >= 720 ? 'hd' : 'sd', width, height, fps: c.fps };
  });
}

const recipeHash = createHash('sha256')
  .update(JSON.stringify({ CLIPS, SHORT_SIDES, STOCK_ENCODE, CLIP_S }))
  .digest('hex')
  .slice(0, 12);
export const MEDIA_DIR = join(CACHE_DIR, 'media', recipeHash);

export function renditionPath(videoId: number, r: FakeRendition): string {
  return join(MEDIA_DIR, `${videoId}-${r.width}x${r.height}-${r.fps}fps.mp4`);
}

/** The catalogue the benchmark's Pexels serves. */
export function catalogue(): FakePexelsVideo[] {
  return CLIPS.map((c, i) => {
    const renditions = renditionsOf(c);
    const big = renditions[0] as FakeRendition;
    return {
      id: c.id,
      durationS: CLIP_S,
      width: big.width,
      height: big.height,
      user: { id: 900 + i, name: c.author, url: `https://www.pexels.com/@${c.author.toLowerCase().replace(/\s+/g, '-')}` },
      renditions,
      tags: [],
    };
  });
}

/** The 1080p rendition of a video (the recipe we replace always downloaded the largest). */
export function largestRendition(v: FakePexelsVideo): FakeRendition {
  return v.renditions.reduce((a, b) => (b.width * b.height > a.width * a.height ? b : a));
}

/**
 * Makes the files that are not cached yet: the 1080p master from its lavfi source, the smaller
 * renditions scaled down from that master (as a stock site transcodes an upload).
 */
export async function ensureMedia(tools: MediaTools, log: (msg: string) => void): Promise<void> {
  await mkdir(MEDIA_DIR, { recursive: true });
  for (const c of CLIPS) {
    const [big, ...small] = renditionsOf(c) as [FakeRendition, ...FakeRendition[]];
    const master = renditionPath(c.id, big);
    if (!existsSync(master)) {
      log(`generating ${c.id} ${big.width}x${big.height} (${CLIP_S} s, once)…`);
      const src = c.source.replace('{size}', `${big.width}x${big.height}`).replace('{rate}', String(c.fps));
      await atomically(master, (tmp) =>
        runFfmpeg(tools, ['-f', 'lavfi', '-i', src, '-t', String(CLIP_S), '-vf', `noise=alls=${c.grain}:allf=t,format=yuv420p`, ...STOCK_ENCODE, '-f', 'mp4', tmp]),
      );
    }
    for (const r of small) {
      const out = renditionPath(c.id, r);
      if (existsSync(out)) continue;
      await atomically(out, (tmp) =>
        runFfmpeg(tools, ['-i', master, '-vf', `scale=${r.width}:${r.height}:flags=bicubic`, ...STOCK_ENCODE, '-an', '-f', 'mp4', tmp]),
      );
    }
  }
}

/** Written under a temporary name and renamed: an interrupted run never leaves a half file in the cache. */
async function atomically(path: string, make: (tmp: string) => Promise<unknown>): Promise<void> {
  const tmp = `${path}.partial`;
  try {
    await make(tmp);
    await rename(tmp, path);
  } finally {
    await rm(tmp, { force: true });
  }
}
