// The benchmark's workloads and the stock footage behind them, all made offline:
// - "six clips": a ~45 s script over six stock clips (9:16 and 16:9, 25 and 30 fps), the workload
//   of every earlier run, kept for the comparison with the recipe we replace;
// - "1080p": the same script at 1080p over eight clips, two of them the costly kinds stock sites
//   serve: a 60 fps portrait clip and a 2560x1440 landscape one;
// - "3 min": a ~3-minute script over the same kinds of clip, enough of them to cover it.
// Every clip exists in the renditions a stock site lists (largest first). The files are made once
// and cached under bench/.cache/media/, named by a hash of what made them, so a changed recipe
// makes new files instead of silently mixing old and new ones.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, rename, rm } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import type { SourceClip } from '../functions/domain/media.ts';
import type { Resolution } from '../functions/domain/video-request.ts';
import { runProcess } from '../functions/lib/run-process.ts';
import { probeMedia } from '../functions/media/probe.ts';
import { runFfmpeg } from '../functions/media/run.ts';
import type { MediaTools } from '../functions/media/tools.ts';
import { pickRendition } from '../functions/providers/pexels.ts';
import type { FakePexelsVideo, FakeRendition } from '../test/fakes/index.ts';

export const BENCH_DIR = resolve(import.meta.dirname);
export const CACHE_DIR = join(BENCH_DIR, '.cache');
const MEDIA_DIR = join(CACHE_DIR, 'media');

/** About 45 s of narration at the fake voice's rate (set from its length, see NARRATION_S). */
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
/** The fake ElevenLabs speaks every script at this rate: SCRIPT lasts NARRATION_S. */
export const SECONDS_PER_CHAR = NARRATION_S / SCRIPT.length;

/** About three minutes at the same rate (3135 characters, 45 sentences). */
export const LONG_SCRIPT = [
  'Before sunrise, the city is a grid of sleeping lights.',
  'The first trains leave the depot while the streets are still empty.',
  'A street sweeper hums along the avenue, leaving a damp trail behind it.',
  'Bakers open their doors, and the smell of bread drifts across the square.',
  'Delivery vans line up behind the market hall with crates of fruit and fish.',
  'On the river, a barge pushes upstream against a slow and steady current.',
  'Gulls circle the harbour cranes as the night shift hands over to the day.',
  'By seven, the bridges fill with cyclists, buses and people on foot.',
  'Coffee carts appear at every corner, and the queues grow by the minute.',
  'Office towers catch the light, one window at a time.',
  'Elevators climb forty floors in less time than it takes to say good morning.',
  'In the markets, traders stack oranges, peppers and bright green herbs.',
  'A florist trims the stems of tulips and sets them out in tall buckets.',
  'Children cross the park on their way to school, kicking through the leaves.',
  'Their teachers wait at the gates with lists, whistles and patient smiles.',
  'Down in the subway, musicians tune their guitars beside the ticket machines.',
  'Trains arrive every two minutes, and still every carriage is full.',
  'At the hospital, the morning rounds begin with charts and quiet voices.',
  'Builders on a new tower lift steel beams into the sky with a yellow crane.',
  'The old library opens its heavy doors to students and retired readers.',
  'By ten, the traffic has eased, and the city settles into its working rhythm.',
  'Couriers weave between taxis with parcels strapped to their backs.',
  'In a small workshop, a watchmaker bends over gears no bigger than a grain of rice.',
  'At noon, the whole city seems to pause for lunch.',
  'Office workers spill onto the steps with sandwiches and paper cups.',
  'Food trucks open their hatches, and the air fills with spice and smoke.',
  'The afternoon brings clouds, a short shower and a sudden rainbow.',
  'Umbrellas bloom along the boulevard, then fold away just as quickly.',
  'In the museum, a class of children sits in front of a painting of the sea.',
  'A tour guide raises a red flag and leads her group across the square.',
  'Down by the docks, containers are stacked like coloured building blocks.',
  'By four, the sun is low, and long shadows stretch across the streets.',
  'School is out, and the parks fill again with shouts and bicycles.',
  'The first commuters head home, reading on their phones as the trains sway.',
  'When evening falls, the lights come back on, street by street.',
  'Restaurants set out candles, and waiters chalk the specials on small boards.',
  'A jazz trio warms up in a cellar bar below the old bridge.',
  'On the rooftops, friends watch the sky turn from orange to deep blue.',
  'The river reflects a thousand windows, each one a small story.',
  'Late buses carry nurses, cooks and cleaners to the night shift.',
  'A bakery sweeps its floor and switches off its ovens for a few short hours.',
  'By midnight, only the taxis and the night owls are still moving.',
  'A lone cyclist rides the empty avenue under a row of amber lamps.',
  'High above, a plane blinks its way toward another city far away.',
  'And the city, tired but awake, gets ready to do it all again tomorrow.',
].join(' ');

/**
 * About 48 s (839 characters, 11 sentences): the long-GOP workload's narration (bench/stock.ts), as
 * issue 22 tried it.
 */
export const STOCK_SCRIPT = [
  'At dusk, the harbour trades its working noise for the slow rhythm of the tide.',
  'Fishing boats glide home in a line, their decks stacked with nets and empty crates.',
  'Gulls follow the last trawler, diving for whatever the crew throws over the side.',
  'On the quay, a crane swings a container onto a waiting truck with a long, low groan.',
  'The lighthouse wakes up and sweeps its beam across the darkening water.',
  'Couples walk the breakwater and watch the sun sink behind the islands.',
  'In the fish market, the catch is sorted on ice under bright white lamps.',
  'A ferry leaves for the night crossing, its windows glowing like a floating street.',
  'Cafes along the water pull their chairs closer as the wind picks up.',
  'Out past the buoys, a yacht turns for home with the last of the light.',
  'Then the harbour is quiet, and only the ropes creak against the posts.',
].join(' ');

export const SEED = 20261124;
export const CLIP_S = 12;

export type WorkloadName = 'six-clips' | '1080p' | '3min' | 'stock';

export interface Workload {
  name: WorkloadName;
  script: string;
  /** Pexels query: it picks the workload's pool from the catalogue by the clips' tags. */
  query: string;
  maxClips: number;
}

/**
 * The six original clips are untagged (every query finds them); the 60 fps and 1440p clips carry
 * `skyline` and `timelapse`; their copies for the long script carry only `timelapse`.
 */
export const WORKLOADS: Record<WorkloadName, Workload> = {
  'six-clips': { name: 'six-clips', script: SCRIPT, query: 'city morning', maxClips: 6 },
  '1080p': { name: '1080p', script: SCRIPT, query: 'city skyline', maxClips: 8 },
  '3min': { name: '3min', script: LONG_SCRIPT, query: 'city timelapse', maxClips: 8 },
  // Its own catalogue (bench/stock.ts), served by a Pexels of its own: every search finds its eight clips.
  stock: { name: 'stock', script: STOCK_SCRIPT, query: 'harbour dusk', maxClips: 8 },
};

/**
 * The request body of one benchmark task: the script as scenes of a sentence each, every scene
 * searched by the workload's query. A piece searches its own nouns first (language/search-terms.ts)
 * and the request's search only where they are thin, so a script-wide `search_query` would no
 * longer pick the workload's pool by its tags: the costly clips would never be found.
 */
export function benchRequest(w: Workload, resolution: Resolution) {
  const scenes = w.script.split(/(?<=[.!?])\s+/).map((text) => ({ text, search_query: w.query }));
  return { scenes, aspect_ratio: '9:16' as const, resolution, max_clips: w.maxClips, seed: SEED };
}

/** A short task that takes every code path once (imports, first ffmpeg runs) before anything is measured. */
export const WARM_UP_REQUEST = {
  script_text: 'The city wakes up. The trains start to run.',
  search_query: 'city morning',
  aspect_ratio: '9:16' as const,
  resolution: '720p' as const,
  max_clips: 2,
  seed: SEED,
};

type Shape = 'portrait' | 'landscape';

interface ClipSpec {
  id: number;
  shape: Shape;
  fps: number;
  /** Short side of the largest rendition; smaller ones follow down to 360. */
  maxShortSide: 1080 | 1440;
  /** An ffmpeg lavfi source with detail and motion; `{size}` and `{rate}` are filled in. */
  source: string;
  /** Light temporal grain, as camera footage has: it gives the encoder real work. */
  grain: number;
  author: string;
  tags: string[];
}

// Sources that keep x264 busy: moving test patterns, zooming fractals, a hue-cycling Sierpinski.
const CLIPS: ClipSpec[] = [
  { id: 7_100_001, shape: 'portrait', fps: 25, maxShortSide: 1080, source: 'testsrc2=size={size}:rate={rate}', grain: 3, author: 'Kelly Lacy', tags: [] },
  { id: 7_100_002, shape: 'landscape', fps: 30, maxShortSide: 1080, source: 'mandelbrot=size={size}:rate={rate}:maxiter=256', grain: 2, author: 'Ruvim Miksanskiy', tags: [] },
  { id: 7_100_003, shape: 'portrait', fps: 30, maxShortSide: 1080, source: 'sierpinski=size={size}:rate={rate},hue=H=0.6*t', grain: 4, author: 'Taryn Elliott', tags: [] },
  { id: 7_100_004, shape: 'landscape', fps: 25, maxShortSide: 1080, source: 'testsrc2=size={size}:rate={rate},hue=H=-0.4*t', grain: 3, author: 'Mikhail Nilov', tags: [] },
  { id: 7_100_005, shape: 'portrait', fps: 25, maxShortSide: 1080, source: 'mandelbrot=size={size}:rate={rate}:maxiter=256:start_x=-0.74:start_y=0.15', grain: 2, author: 'Pressmaster', tags: [] },
  { id: 7_100_006, shape: 'landscape', fps: 30, maxShortSide: 1080, source: 'sierpinski=size={size}:rate={rate}:type=triangle,hue=s=1.4', grain: 4, author: 'Tima Miroshnichenko', tags: [] },
  // A 9:16 task takes the 1080x1920 rendition of this one: twice the frames of a 30 fps clip to decode.
  { id: 7_100_007, shape: 'portrait', fps: 60, maxShortSide: 1080, source: 'testsrc2=size={size}:rate={rate},hue=H=0.3*t:s=1.2', grain: 3, author: 'Anna Shvets', tags: ['skyline', 'timelapse'] },
  // No landscape rendition is 1920 tall, so a 9:16 task takes the largest one: 2560x1440.
  { id: 7_100_008, shape: 'landscape', fps: 30, maxShortSide: 1440, source: 'mandelbrot=size={size}:rate={rate}:maxiter=256:start_x=-1.25:start_y=0.05,hue=H=0.2*t', grain: 3, author: 'Kindel Media', tags: ['skyline', 'timelapse'] },
];

/** The clips the 60 fps and 1440p checks look for. */
export const COSTLY_CLIPS = { fps60: 7_100_007, qhd: 7_100_008 } as const;

/**
 * The long script needs 1.2 × 180 s of footage: the eight clips are listed twice more under other
 * ids (other authors, other pages), served from the same files. The service downloads and decodes
 * each copy as a clip of its own.
 */
const COPIES = 2;
const copyId = (base: number, n: number) => 7_200_000 + n * 100 + (base % 100);

const SHORT_SIDES = [1440, 1080, 720, 540, 360] as const;

/** Encoder settings of the "stock" files: near what Pexels serves (high profile; 1.6–18 Mbit/s at the largest size). */
const STOCK_ENCODE = ['-c:v', 'libx264', '-preset', 'faster', '-crf', '23', '-profile:v', 'high', '-pix_fmt', 'yuv420p', '-movflags', '+faststart'];

function renditionsOf(c: ClipSpec): FakeRendition[] {
  return SHORT_SIDES.filter((s) => s <= c.maxShortSide).map((s) => {
    const long = Math.round((s * 16) / 9 / 2) * 2;
    const [width, height] = c.shape === 'portrait' ? [s, long] : [long, s];
    return { quality: s > 1080 ? 'uhd' : s >= 720 ? 'hd' : 'sd', width, height, fps: c.fps };
  });
}

/** Every catalogue entry: the clips themselves, then their copies. */
const ENTRIES = [
  ...CLIPS.map((c) => ({ id: c.id, clip: c, author: c.author, tags: c.tags })),
  ...Array.from({ length: COPIES }, (_, k) => CLIPS.map((c) => ({ id: copyId(c.id, k + 1), clip: c, author: `${c.author} ${k + 2}`, tags: ['timelapse'] }))).flat(),
];
const entryById = new Map(ENTRIES.map((e) => [e.id, e]));

/** Where a rendition of a catalogue video is cached; the hash covers everything that made the file. */
export function renditionPath(videoId: number, r: FakeRendition): string {
  const c = entryById.get(videoId)?.clip;
  if (!c) throw new Error(`no benchmark clip ${videoId}`);
  const master = renditionsOf(c)[0] as FakeRendition;
  const hash = createHash('sha256')
    .update(JSON.stringify({ source: c.source, grain: c.grain, master, r, STOCK_ENCODE, CLIP_S }))
    .digest('hex')
    .slice(0, 10);
  return join(MEDIA_DIR, `${c.id}-${r.width}x${r.height}-${r.fps}fps-${hash}.mp4`);
}

/** The catalogue the benchmark's Pexels serves. */
export function catalogue(): FakePexelsVideo[] {
  return ENTRIES.map((e, i) => {
    const renditions = renditionsOf(e.clip);
    const big = renditions[0] as FakeRendition;
    const slug = e.author.toLowerCase().replace(/\s+/g, '-');
    return { id: e.id, durationS: CLIP_S, width: big.width, height: big.height, user: { id: 900 + i, name: e.author, url: `https://www.pexels.com/@${slug}` }, renditions, tags: e.tags };
  });
}

/** A workload's pool: what its query finds, by the fake Pexels' rule (untagged videos match every query). */
export function poolOf(w: Workload): FakePexelsVideo[] {
  const words = w.query.toLowerCase().split(/\s+/);
  return catalogue().filter((v) => v.tags.length === 0 || v.tags.some((t) => words.includes(t)));
}

/**
 * The pool's clips as a service would have them for a frame: the rendition it picks (the Pexels
 * provider's own rule), from the cache, credited as the fake's API credits them.
 */
export function poolClips(w: Workload, frame: { width: number; height: number }): SourceClip[] {
  return poolOf(w).map((v) => {
    const files = v.renditions.map((r, i) => ({ id: i, quality: r.quality, file_type: 'video/mp4', width: r.width, height: r.height, link: `http://bench/${i}` }));
    const r = v.renditions[pickRendition(files, frame.width, frame.height)?.id ?? 0] as FakeRendition;
    return {
      kind: 'file',
      path: renditionPath(v.id, r),
      durationS: v.durationS,
      width: r.width,
      height: r.height,
      credit: { provider: 'pexels', author: v.user.name, author_url: v.user.url, video_url: `https://www.pexels.com/video/fake-${v.id}/` },
    };
  });
}

/** The clip a catalogue video shows: itself, or the clip a copy was listed from. */
export function footageOf(videoId: number | null): number | null {
  return videoId === null ? null : (entryById.get(videoId)?.clip.id ?? null);
}

/** The video id in a credit's Pexels page URL (`https://www.pexels.com/video/fake-<id>/`). */
export function creditVideoId(videoUrl: string | null): number | null {
  const m = /(\d+)\/?$/.exec(videoUrl ?? '');
  return m ? Number(m[1]) : null;
}

/**
 * Makes the files that are not cached yet: the largest rendition from its lavfi source, the
 * smaller ones scaled down from it (as a stock site transcodes an upload), each checked with
 * ffprobe for its size and frame rate.
 */
export async function ensureMedia(tools: MediaTools, log: (msg: string) => void): Promise<void> {
  await mkdir(MEDIA_DIR, { recursive: true });
  // Files of an older recipe (or of the older per-recipe folders) are never served again.
  const wanted = new Set(CLIPS.flatMap((c) => renditionsOf(c).map((r) => basename(renditionPath(c.id, r)))));
  for (const name of await readdir(MEDIA_DIR)) if (!wanted.has(name)) await rm(join(MEDIA_DIR, name), { recursive: true, force: true });
  for (const c of CLIPS) {
    const [big, ...small] = renditionsOf(c) as [FakeRendition, ...FakeRendition[]];
    const master = renditionPath(c.id, big);
    if (!existsSync(master)) {
      log(`generating ${c.id} ${big.width}x${big.height} at ${c.fps} fps (${CLIP_S} s, once)…`);
      const src = c.source.replace('{size}', `${big.width}x${big.height}`).replace('{rate}', String(c.fps));
      // Our own generator, not footage from outside: without runFfmpeg's input guard, whose
      // -max_alloc (128 MiB) is smaller than mandelbrot's point cache at 1080p and above.
      const args = ['-hide_banner', '-nostdin', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', src, '-t', String(CLIP_S), '-vf', `noise=alls=${c.grain}:allf=t,format=yuv420p`, ...STOCK_ENCODE, '-f', 'mp4'];
      await atomically(tools, master, big, (tmp) => runProcess(tools.ffmpeg, [...args, tmp], { label: 'ffmpeg', errorCode: 'bench_media', maxStdoutBytes: 1024 * 1024 }));
    }
    for (const r of small) {
      const out = renditionPath(c.id, r);
      if (existsSync(out)) continue;
      await atomically(tools, out, r, (tmp) =>
        runFfmpeg(tools, ['-i', master, '-vf', `scale=${r.width}:${r.height}:flags=bicubic`, ...STOCK_ENCODE, '-an', '-f', 'mp4', tmp]),
      );
    }
  }
}

/** Written under a temporary name, checked, and renamed: the cache never holds a half or wrong file. */
async function atomically(tools: MediaTools, path: string, want: FakeRendition, make: (tmp: string) => Promise<unknown>): Promise<void> {
  const tmp = `${path}.partial`;
  try {
    await make(tmp);
    const info = await probeMedia(tools, tmp);
    if (info.width !== want.width || info.height !== want.height || Math.abs((info.fps ?? 0) - want.fps) > 0.01) {
      throw new Error(`${path}: made ${info.width}x${info.height} at ${info.fps} fps, wanted ${want.width}x${want.height} at ${want.fps}`);
    }
    await rename(tmp, path);
  } finally {
    await rm(tmp, { force: true });
  }
}
