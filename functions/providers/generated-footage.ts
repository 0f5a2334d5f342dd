// Generated backgrounds: the footage of last resort that never runs out, made to be a style of its
// own (the soft, slowly drifting colour fields of "aesthetic" faceless videos) rather than a
// placeholder. One palette per video, chosen by the seed among those that suit the topic; each
// clip of it a different arrangement of glows over a dark two-tone ground, drawn at an eighth of
// the frame (ffmpeg's `gradients` sources), scaled up smooth, with fine moving grain on top that
// also hides the banding of 8-bit gradients.
import { deriveSeed, seededRandom, shuffle, type Random } from '../lib/seeded-random.ts';
import type { SourceClip } from '../domain/media.ts';
import { queryWords } from './footage-files.ts';
import type { FootageProvider, FootageRequest, FootageResult } from './ports.ts';

export interface GeneratedFootageOptions {
  fps?: number;
  /** Drawn at 1/scale of the frame and scaled up: smooth, and many times cheaper. */
  scale?: number;
  /** At most this many distinct backgrounds per request. */
  maxClips?: number;
}

export interface Palette {
  /** The dark ground, two tones. */
  ground: [string, string];
  /** The glows drifting over it. */
  glows: [string, string, string];
  tags: string[];
}

/** Hand-picked so every choice looks deliberate and white captions read on it; tags steer the choice towards the topic. */
export const PALETTES: Palette[] = [
  { ground: ['0x021024', '0x0b2545'], glows: ['0x00b4db', '0x2ec4b6', '0x3a0ca3'], tags: ['ocean', 'sea', 'water', 'deep', 'rain', 'blue', 'wave', 'fish'] },
  { ground: ['0x021b2b', '0x06283d'], glows: ['0x00d2a8', '0x7b2ff7', '0x2af598'], tags: ['night', 'sky', 'aurora', 'north', 'ice', 'magic', 'science'] },
  { ground: ['0x0b1d13', '0x123524'], glows: ['0x71b280', '0x2a7f62', '0xc9d86b'], tags: ['forest', 'nature', 'tree', 'green', 'plant', 'garden', 'health', 'spring'] },
  { ground: ['0x1a0505', '0x3d0c11'], glows: ['0xff512f', '0xdd2476', '0xf09819'], tags: ['fire', 'energy', 'love', 'red', 'sport', 'volcano', 'passion'] },
  { ground: ['0x2b1800', '0x4a2c00'], glows: ['0xf7971e', '0xffd200', '0xff7e5f'], tags: ['sun', 'summer', 'desert', 'gold', 'money', 'light', 'food', 'coffee'] },
  { ground: ['0x0b0220', '0x1a0b3d'], glows: ['0x8e2de2', '0x4a00e0', '0xff4ecd'], tags: ['space', 'star', 'galaxy', 'dream', 'planet', 'universe'] },
  { ground: ['0x0d0221', '0x150b3a'], glows: ['0x08f7fe', '0xfe53bb', '0x7122fa'], tags: ['tech', 'future', 'neon', 'game', 'music', 'city', 'robot', 'ai'] },
  { ground: ['0x0f1115', '0x1e2229'], glows: ['0x4b6cb7', '0xd4a373', '0x182848'], tags: ['business', 'history', 'mystery', 'dark', 'war', 'finance'] },
  { ground: ['0x1b2a3a', '0x2c3e50'], glows: ['0xa1c4fd', '0xc2e9fb', '0x7f9cf5'], tags: ['snow', 'winter', 'cloud', 'calm', 'clean', 'sleep', 'mountain'] },
  { ground: ['0x3b1d2e', '0x5c2a45'], glows: ['0xee9ca7', '0xffdde1', '0xb56576'], tags: ['flower', 'beauty', 'fashion', 'pink', 'baby', 'love', 'wedding'] },
  { ground: ['0x1b1035', '0x2d1b69'], glows: ['0xff6a88', '0xffc371', '0x6a3093'], tags: ['sunset', 'evening', 'travel', 'romance', 'beach', 'holiday'] },
  { ground: ['0x10141f', '0x1f2a44'], glows: ['0xe94560', '0x533483', '0x0f3460'], tags: ['story', 'crime', 'night', 'movie', 'drama', 'secret'] },
];

/** Where a glow's radial gradient runs (fractions of the frame) and how fast its points turn about the centre. */
export interface Glow {
  color: string;
  from: [number, number];
  to: [number, number];
  speed: number;
  seed: number;
}

export interface BackgroundSpec {
  width: number;
  height: number;
  fps: number;
  scale: number;
  ground: [string, string];
  groundSpeed: number;
  glows: Glow[];
  /** Strength of the luma grain (ffmpeg noise, 0..100). */
  grain: number;
}

/** Grain strength: visible up close as texture, gone at arm's length. */
const GRAIN = 9;

/**
 * Backgrounds in one palette (the query's best matches first, chosen by seed), one per wanted
 * clip, each its own arrangement of the palette's glows. The renderer uses each `lavfi` as a
 * `-f lavfi` input.
 */
export class GeneratedFootage implements FootageProvider {
  readonly name = 'generated';
  readonly #o: Required<GeneratedFootageOptions>;

  constructor(opts: GeneratedFootageOptions = {}) {
    this.#o = { fps: 30, scale: 8, maxClips: 6, ...opts };
  }

  async find(req: FootageRequest, _dir: string, signal: AbortSignal): Promise<FootageResult> {
    signal.throwIfAborted();
    const random = seededRandom(deriveSeed(req.seed, 'generated'));
    const n = Math.min(this.#o.maxClips, Math.max(1, req.count));
    const palette = rankPalettes(req.query, random)[0]!;
    // A lavfi source never runs out: each clip may cover everything still needed.
    const durationS = Math.max(5, Math.ceil(req.minTotalS));
    const clips: SourceClip[] = Array.from({ length: n }, (_, i) => ({
      kind: 'generated',
      lavfi: backgroundGraph(arrangement(palette, req, this.#o, i, random)),
      durationS,
      credit: null,
    }));
    return { clips, warnings: [] };
  }
}

/** The palettes in the order the query suits them (ties in seeded order). Exported for tests. */
export function rankPalettes(query: string, random: Random): Palette[] {
  const q = new Set(queryWords(query));
  const shuffled = shuffle(PALETTES, random);
  const score = (p: Palette) => p.tags.filter((t) => q.has(t)).length;
  return shuffled.map((p, i) => ({ p, s: score(p), i })).sort((a, b) => b.s - a.s || a.i - b.i).map((x) => x.p);
}

/** Clip `i` of a palette: the glows in another order and place, drifting at their own slow speeds. */
function arrangement(palette: Palette, req: Pick<FootageRequest, 'width' | 'height'>, o: Required<GeneratedFootageOptions>, i: number, random: Random): BackgroundSpec {
  const order = [0, 1, 2].map((k) => palette.glows[(k + i) % 3]!);
  const point = (): [number, number] => [round4(0.1 + random() * 0.8), round4(0.1 + random() * 0.8)];
  const glows = order.map((color): Glow => {
    const from = point();
    // The glow's radius: a third to two thirds of the frame.
    const angle = random() * 2 * Math.PI;
    const r = 0.35 + random() * 0.3;
    // Pointing inwards where outwards would leave the frame (gradients takes no negative points).
    const dx = r * Math.cos(angle);
    const dy = r * Math.sin(angle);
    const to: [number, number] = [round4(inside(from[0] + dx) ? from[0] + dx : clamp01(from[0] - dx)), round4(inside(from[1] + dy) ? from[1] + dy : clamp01(from[1] - dy))];
    return { color, from, to, speed: round4(0.004 + random() * 0.008), seed: Math.floor(random() * 0xffffffff) };
  });
  return {
    width: req.width,
    height: req.height,
    fps: o.fps,
    scale: o.scale,
    ground: i % 2 ? [palette.ground[1], palette.ground[0]] : palette.ground,
    groundSpeed: round4(0.002 + random() * 0.004),
    glows,
    grain: GRAIN,
  };
}

/**
 * The lavfi graph of a background: the ground (a linear two-tone gradient) with each glow (a
 * radial gradient from its colour to transparent) laid over it, all at 1/scale of the frame in
 * RGB, softened, then 4:2:0, scaled up smooth, and grain on the luma, new every frame. Pure, exported for
 * tests.
 */
export function backgroundGraph(g: BackgroundSpec): string {
  const w = even(g.width / g.scale);
  const h = even(g.height / g.scale);
  const src = `gradients=s=${w}x${h}:rate=${g.fps}`;
  const at = (p: [number, number]) => `${Math.round(p[0] * w)}:${Math.round(p[1] * h)}`;
  const [x0, y0] = at([0, 0]).split(':');
  const [x1, y1] = at([1, 1]).split(':');
  const parts = [`${src}:n=2:c0=${g.ground[0]}:c1=${g.ground[1]}:type=linear:x0=${x0}:y0=${y0}:x1=${x1}:y1=${y1}:speed=${g.groundSpeed}[g0]`];
  g.glows.forEach((glow, i) => {
    const [fx, fy] = at(glow.from).split(':');
    const [tx, ty] = at(glow.to).split(':');
    parts.push(`${src}:n=2:c0=${glow.color}ff:c1=${glow.color}00:type=radial:x0=${fx}:y0=${fy}:x1=${tx}:y1=${ty}:speed=${glow.speed}:seed=${glow.seed}[l${i}]`);
  });
  let acc = 'g0';
  g.glows.forEach((_, i) => {
    const out = i === g.glows.length - 1 ? 'lit' : `m${i}`;
    parts.push(`[${acc}][l${i}]overlay=format=rgb[${out}]`);
    acc = out;
  });
  if (g.glows.length === 0) parts.push('[g0]null[lit]');
  // A light blur on the small picture rounds off where each glow's linear falloff ends.
  const blur = Math.max(1, Math.round(Math.min(w, h) / 24));
  parts.push(`[lit]format=yuv420p,boxblur=${blur}:2,scale=${g.width}:${g.height}:flags=bicubic,noise=c0s=${g.grain}:c0f=t+u,setsar=1[out0]`);
  return parts.join(';');
}

const inside = (v: number) => v >= 0 && v <= 1;
const clamp01 = (v: number) => Math.min(1, Math.max(0, v));

function even(x: number): number {
  return Math.max(2, Math.round(x / 2) * 2);
}

function round4(x: number): number {
  return Math.round(x * 10_000) / 10_000;
}
