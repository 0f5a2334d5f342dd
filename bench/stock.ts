// The long-GOP workload (issue 22): footage as stock sites and cameras deliver it, which none of
// the other workloads look like. Its clips are 15–22 s long, high detail with grain, most at 24 fps
// with a keyframe only every 250 frames (10.4 s: two or three in a clip), one at 60 fps, and two
// landscape ones listed up to UHD (3840x2160), as Pexels lists them. So a piece that starts in the
// middle of its clip makes ffmpeg decode up to ten seconds of frames nobody sees, and a rendition
// larger than the frame needs costs its whole area in every decoded frame.
//
// Every file also exists re-encoded from the same master with a keyframe every second (`1s`), so
// the benchmark can run the same task on the same pictures with short GOPs and show what the long
// ones cost. The bench's Pexels proxy serves one variant or the other (the `pathOf` it is given).
// The files are made once and cached under bench/.cache/stock/, named by a hash of what made them.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, rename, rm } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { runProcess } from '../functions/lib/run-process.ts';
import { probeMedia } from '../functions/media/probe.ts';
import { runFfprobe } from '../functions/media/run.ts';
import type { MediaTools } from '../functions/media/tools.ts';
import type { SourceClip } from '../functions/domain/media.ts';
import { pickRendition } from '../functions/providers/pexels.ts';
import type { FakePexelsVideo, FakeRendition } from '../test/fakes/index.ts';
import { CACHE_DIR } from './workload.ts';

const STOCK_DIR = join(CACHE_DIR, 'stock');

/** Which encoding of the stock files is served: as delivered (a keyframe every 250 frames), or one every second. */
export type Gop = 'long' | '1s';
export const GOPS: Gop[] = ['long', '1s'];
/** Frames between keyframes in the files as delivered: x264's default keyint, scene cuts off. */
export const LONG_GOP_FRAMES = 250;

type Shape = 'portrait' | 'landscape';

interface StockClip {
  id: number;
  shape: Shape;
  fps: number;
  /** Whole seconds, as Pexels reports (the files last exactly this long). */
  durationS: number;
  /** Short side of the largest rendition; Pexels lists the smaller ones down to 360. */
  maxShortSide: 1080 | 1440 | 2160;
  /** An ffmpeg lavfi source with fine detail and motion; `{size}` and `{rate}` are filled in. */
  source: string;
  /** Temporal grain, as camera footage has: real bits for the decoder. */
  grain: number;
  author: string;
}

// Moving patterns and fractals with grain, whose bit rate grows with the rendition's size as real
// footage's does (cellular-automaton noise did not: x264 gave its 4K file a quarter of the bits of
// its 1440p one). Two landscape clips go up to UHD, two to 1440p: a 9:16 frame shows a third of
// their width.
const STOCK_CLIPS: StockClip[] = [
  { id: 7_300_001, shape: 'landscape', fps: 24, durationS: 20, maxShortSide: 2160, source: 'testsrc2=size={size}:rate={rate},hue=H=0.25*t:s=1.3', grain: 4, author: 'Kaique Rocha' },
  { id: 7_300_002, shape: 'portrait', fps: 24, durationS: 18, maxShortSide: 1080, source: 'cellauto=size={size}:rate={rate}:rule=110:random_fill_ratio=0.35:scroll=1,hue=H=0.4*t', grain: 4, author: 'Olya Kobruseva' },
  { id: 7_300_003, shape: 'landscape', fps: 24, durationS: 22, maxShortSide: 2160, source: 'mandelbrot=size={size}:rate={rate}:maxiter=64:start_x=-0.745:start_y=0.11,hue=H=-0.3*t', grain: 3, author: 'Jan van der Wolf' },
  // The 60 fps clip: a keyframe every 250 frames is every 4.2 s.
  { id: 7_300_004, shape: 'portrait', fps: 60, durationS: 15, maxShortSide: 1080, source: 'testsrc2=size={size}:rate={rate},hue=H=0.5*t', grain: 3, author: 'Yaroslav Shuraev' },
  { id: 7_300_005, shape: 'landscape', fps: 25, durationS: 16, maxShortSide: 1440, source: 'testsrc2=size={size}:rate={rate},hue=H=-0.2*t:s=1.5,vflip', grain: 5, author: 'Matthias Groeneveld' },
  { id: 7_300_006, shape: 'portrait', fps: 30, durationS: 20, maxShortSide: 1080, source: 'testsrc2=size={size}:rate={rate},hue=H=0.7*t,hflip', grain: 4, author: 'Cottonbro Studio' },
  { id: 7_300_007, shape: 'landscape', fps: 24, durationS: 21, maxShortSide: 1440, source: 'sierpinski=size={size}:rate={rate}:type=triangle,hue=H=0.15*t:s=1.2', grain: 4, author: 'Rostislav Uzunov' },
  { id: 7_300_008, shape: 'portrait', fps: 24, durationS: 17, maxShortSide: 1440, source: 'testsrc2=size={size}:rate={rate},hue=H=-0.6*t,vflip', grain: 3, author: 'Ahmed Akacha' },
];

/** The clips the benchmark checks for in a stock task's credits: the 60 fps one and a UHD one. */
export const STOCK_COSTLY = { fps60: 7_300_004, uhd: 7_300_001 } as const;

const SHORT_SIDES = [2160, 1440, 1080, 720, 540, 360] as const;

/** Near what Pexels serves (high profile, B-frames); the GOP is added per variant. */
const STOCK_ENCODE = ['-c:v', 'libx264', '-preset', 'faster', '-crf', '23', '-profile:v', 'high', '-pix_fmt', 'yuv420p', '-movflags', '+faststart'];

function gopArgs(c: StockClip, gop: Gop): string[] {
  // Scene cuts off: keyframes exactly every N frames, as a camera writes them.
  return ['-x264-params', `keyint=${gop === 'long' ? LONG_GOP_FRAMES : c.fps}:min-keyint=${gop === 'long' ? 25 : c.fps}:scenecut=0`];
}

function renditionsOf(c: StockClip): FakeRendition[] {
  return SHORT_SIDES.filter((s) => s <= c.maxShortSide).map((s) => {
    const long = Math.round((s * 16) / 9 / 2) * 2;
    const [width, height] = c.shape === 'portrait' ? [s, long] : [long, s];
    return { quality: s > 1080 ? 'uhd' : s >= 720 ? 'hd' : 'sd', width, height, fps: c.fps };
  });
}

const clipById = new Map(STOCK_CLIPS.map((c) => [c.id, c]));

/** Where a rendition of a stock video is cached in the given GOP variant. */
export function stockPath(videoId: number, r: FakeRendition, gop: Gop): string {
  const c = clipById.get(videoId);
  if (!c) throw new Error(`no stock clip ${videoId}`);
  const master = renditionsOf(c)[0] as FakeRendition;
  const hash = createHash('sha256')
    .update(JSON.stringify({ source: c.source, grain: c.grain, durationS: c.durationS, master, r, gop: gopArgs(c, gop), STOCK_ENCODE }))
    .digest('hex')
    .slice(0, 10);
  return join(STOCK_DIR, `${c.id}-${r.width}x${r.height}-${r.fps}fps-${gop}-${hash}.mp4`);
}

/** The catalogue the stock workload's Pexels serves: every clip untagged, so every search finds them all. */
export function stockCatalogue(): FakePexelsVideo[] {
  return STOCK_CLIPS.map((c, i) => {
    const renditions = renditionsOf(c);
    const big = renditions[0] as FakeRendition;
    const slug = c.author.toLowerCase().replace(/\s+/g, '-');
    return { id: c.id, durationS: c.durationS, width: big.width, height: big.height, user: { id: 950 + i, name: c.author, url: `https://www.pexels.com/@${slug}` }, renditions, tags: [] };
  });
}

/**
 * The stock clips as a service would have them for a frame: the rendition it picks (the Pexels
 * provider's own rule) or, with `shortSide`, the rendition of that size where the clip lists one
 * (the recipe's 1080p downloads), in the GOP variant asked for, credited as the fake's API
 * credits them.
 */
export function stockPoolClips(gop: Gop, frame: { width: number; height: number }, shortSide?: number): SourceClip[] {
  return stockCatalogue().map((v) => {
    const files = v.renditions.map((r, i) => ({ id: i, quality: r.quality, file_type: 'video/mp4', width: r.width, height: r.height, link: `http://bench/${i}` }));
    const fixed = shortSide ? v.renditions.find((x) => Math.min(x.width, x.height) === shortSide) : undefined;
    const r = fixed ?? (v.renditions[pickRendition(files, frame.width, frame.height)?.id ?? 0] as FakeRendition);
    return {
      kind: 'file',
      path: stockPath(v.id, r, gop),
      durationS: v.durationS,
      width: r.width,
      height: r.height,
      credit: { provider: 'pexels', author: v.user.name, author_url: v.user.url, video_url: `https://www.pexels.com/video/fake-${v.id}/` },
    };
  });
}

/**
 * Makes what is not cached yet: each clip's largest rendition from its lavfi source with long
 * GOPs, the smaller ones scaled down from it (long GOPs too), and every one of them re-encoded
 * with a keyframe a second. Each file is checked for its size, frame rate, length and keyframes.
 */
export async function ensureStockMedia(tools: MediaTools, log: (msg: string) => void): Promise<void> {
  await mkdir(STOCK_DIR, { recursive: true });
  const wanted = new Set(STOCK_CLIPS.flatMap((c) => renditionsOf(c).flatMap((r) => GOPS.map((g) => basename(stockPath(c.id, r, g))))));
  for (const name of await readdir(STOCK_DIR)) if (!wanted.has(name)) await rm(join(STOCK_DIR, name), { recursive: true, force: true });
  const ffmpeg = (args: string[]) =>
    runProcess(tools.ffmpeg, ['-hide_banner', '-nostdin', '-loglevel', 'error', '-y', ...args], { label: 'ffmpeg', errorCode: 'bench_media', maxStdoutBytes: 1024 * 1024 });
  for (const c of STOCK_CLIPS) {
    const [big, ...small] = renditionsOf(c) as [FakeRendition, ...FakeRendition[]];
    const master = stockPath(c.id, big, 'long');
    if (!existsSync(master)) {
      log(`generating stock clip ${c.id} ${big.width}x${big.height} at ${c.fps} fps, ${c.durationS} s (once; the UHD ones take minutes)…`);
      const src = c.source.replace('{size}', `${big.width}x${big.height}`).replace('{rate}', String(c.fps));
      await atomically(tools, master, c, big, 'long', (tmp) =>
        ffmpeg(['-f', 'lavfi', '-i', src, '-t', String(c.durationS), '-vf', `noise=alls=${c.grain}:allf=t,format=yuv420p`, ...STOCK_ENCODE, ...gopArgs(c, 'long'), '-f', 'mp4', tmp]),
      );
    }
    for (const r of [big, ...small]) {
      for (const gop of GOPS) {
        const out = stockPath(c.id, r, gop);
        if (existsSync(out)) continue;
        log(`encoding stock clip ${c.id} ${r.width}x${r.height}, ${gop === 'long' ? `keyframe every ${LONG_GOP_FRAMES} frames` : 'keyframe every second'}…`);
        const scale = r === big ? [] : ['-vf', `scale=${r.width}:${r.height}:flags=bicubic`];
        await atomically(tools, out, c, r, gop, (tmp) => ffmpeg(['-i', master, ...scale, ...STOCK_ENCODE, ...gopArgs(c, gop), '-an', '-f', 'mp4', tmp]));
      }
    }
  }
}

/** Written under a temporary name, checked, and renamed: the cache never holds a half or wrong file. */
async function atomically(tools: MediaTools, path: string, c: StockClip, want: FakeRendition, gop: Gop, make: (tmp: string) => Promise<unknown>): Promise<void> {
  const tmp = `${path}.partial`;
  try {
    await make(tmp);
    const info = await probeMedia(tools, tmp);
    const problems: string[] = [];
    if (info.width !== want.width || info.height !== want.height || Math.abs(info.fps - want.fps) > 0.01) problems.push(`${info.width}x${info.height} at ${info.fps} fps`);
    if (Math.abs(info.durationS - c.durationS) > 0.1) problems.push(`${info.durationS} s long`);
    const keys = await keyframeCount(tools, tmp);
    const every = gop === 'long' ? LONG_GOP_FRAMES : c.fps;
    const expected = Math.ceil((c.durationS * c.fps) / every);
    if (keys !== expected) problems.push(`${keys} keyframes, expected ${expected} (one every ${every} frames)`);
    if (problems.length) throw new Error(`${path}: made ${problems.join(', ')}; wanted ${want.width}x${want.height} at ${want.fps} fps, ${c.durationS} s`);
    await rename(tmp, path);
  } finally {
    await rm(tmp, { force: true });
  }
}

/** Keyframes of the first video stream, from the packet index (nothing is decoded). */
async function keyframeCount(tools: MediaTools, path: string): Promise<number> {
  const { stdout } = await runFfprobe(tools, ['-select_streams', 'v:0', '-show_entries', 'packet=flags', '-of', 'csv=p=0', path]);
  return stdout.split('\n').filter((l) => l.startsWith('K')).length;
}
