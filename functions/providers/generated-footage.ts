// Generated backgrounds: animated colour gradients from ffmpeg's own sources, the footage of last
// resort that never runs out.
import { deriveSeed, seededRandom, shuffle, type Random } from '../lib/seeded-random.ts';
import type { SourceClip } from '../domain/media.ts';
import { queryWords } from './footage-files.ts';
import type { FootageProvider, FootageRequest, FootageResult } from './ports.ts';

export interface GeneratedFootageOptions {
  fps?: number;
  /** Gradients are drawn at 1/scale of the frame and scaled up: smooth, and several times cheaper. */
  scale?: number;
  /** At most this many distinct backgrounds per request. */
  maxClips?: number;
}

interface Palette {
  colors: string[];
  tags: string[];
}

/** Hand-picked so every choice looks deliberate; tags steer the choice towards the topic. */
const PALETTES: Palette[] = [
  { colors: ['0x0f2027', '0x203a43', '0x2c5364'], tags: ['ocean', 'sea', 'water', 'night', 'deep', 'rain'] },
  { colors: ['0x00b4db', '0x0083b0', '0x003b5c'], tags: ['ocean', 'sea', 'water', 'sky', 'beach', 'wave', 'blue'] },
  { colors: ['0x134e5e', '0x71b280', '0x1d4d3a'], tags: ['forest', 'nature', 'tree', 'green', 'plant', 'garden'] },
  { colors: ['0x56ab2f', '0xa8e063', '0x2f6e1a'], tags: ['spring', 'grass', 'green', 'field', 'health', 'food'] },
  { colors: ['0xff512f', '0xdd2476', '0x5b0e2d'], tags: ['fire', 'sunset', 'energy', 'love', 'red', 'sport'] },
  { colors: ['0xf7971e', '0xffd200', '0xb35c00'], tags: ['sun', 'summer', 'desert', 'gold', 'money', 'light'] },
  { colors: ['0x41295a', '0x2f0743', '0x0b0220'], tags: ['space', 'star', 'night', 'galaxy', 'dream', 'music'] },
  { colors: ['0x8e2de2', '0x4a00e0', '0x1a0050'], tags: ['tech', 'future', 'neon', 'game', 'purple', 'music'] },
  { colors: ['0x232526', '0x414345', '0x0d0d0d'], tags: ['city', 'business', 'dark', 'mystery', 'history'] },
  { colors: ['0xe0eafc', '0xcfdef3', '0x8fa9c9'], tags: ['snow', 'winter', 'ice', 'cloud', 'calm', 'clean'] },
  { colors: ['0xee9ca7', '0xffdde1', '0xb56576'], tags: ['flower', 'beauty', 'fashion', 'pink', 'baby', 'love'] },
  { colors: ['0x3a1c71', '0xd76d77', '0xffaf7b'], tags: ['sunset', 'evening', 'travel', 'romance', 'sky'] },
];

const GRADIENT_TYPES = ['linear', 'radial', 'circular', 'linear'] as const;

/**
 * Animated colour gradients from ffmpeg's `gradients` source, one per wanted clip, palettes that
 * suit the query first, chosen by seed. The renderer uses each `lavfi` as a `-f lavfi` input.
 */
export class GeneratedFootage implements FootageProvider {
  readonly name = 'generated';
  readonly #o: Required<GeneratedFootageOptions>;

  constructor(opts: GeneratedFootageOptions = {}) {
    this.#o = { fps: 30, scale: 4, maxClips: 6, ...opts };
  }

  async find(req: FootageRequest, _dir: string, signal: AbortSignal): Promise<FootageResult> {
    signal.throwIfAborted();
    const random = seededRandom(deriveSeed(req.seed, 'generated'));
    const n = Math.min(this.#o.maxClips, Math.max(1, req.count));
    const palettes = rankPalettes(req.query, random).slice(0, n);
    // A lavfi source never runs out: each clip may cover everything still needed.
    const durationS = Math.max(5, Math.ceil(req.minTotalS));
    const clips: SourceClip[] = palettes.map((p, i) => ({
      kind: 'generated',
      lavfi: gradientGraph({
        width: req.width,
        height: req.height,
        fps: this.#o.fps,
        scale: this.#o.scale,
        colors: random() < 0.5 ? p.colors : [...p.colors].reverse(),
        type: GRADIENT_TYPES[(i + Math.floor(random() * GRADIENT_TYPES.length)) % GRADIENT_TYPES.length]!,
        speed: round4(0.006 + random() * 0.012),
        seed: Math.floor(random() * 0xffffffff),
      }),
      durationS,
      credit: null,
    }));
    return { clips, warnings: [] };
  }
}

function rankPalettes(query: string, random: Random): Palette[] {
  const q = new Set(queryWords(query));
  const shuffled = shuffle(PALETTES, random);
  const score = (p: Palette) => p.tags.filter((t) => q.has(t)).length;
  return shuffled.map((p, i) => ({ p, s: score(p), i })).sort((a, b) => b.s - a.s || a.i - b.i).map((x) => x.p);
}

export interface GradientSpec {
  width: number;
  height: number;
  fps: number;
  scale: number;
  colors: string[];
  type: (typeof GRADIENT_TYPES)[number];
  speed: number;
  seed: number;
}

/** A lavfi graph: a small animated gradient scaled up to the frame. Pure, exported for tests. */
export function gradientGraph(g: GradientSpec): string {
  const even = (x: number) => Math.max(2, Math.round(x / g.scale / 2) * 2);
  const colors = g.colors.slice(0, 8).map((c, i) => `c${i}=${c}`).join(':');
  return (
    `gradients=s=${even(g.width)}x${even(g.height)}:rate=${g.fps}:${colors}:n=${Math.min(8, g.colors.length)}` +
    `:type=${g.type}:speed=${g.speed}:seed=${g.seed},` +
    `scale=${g.width}:${g.height}:flags=bicubic,format=yuv420p,setsar=1`
  );
}

function round4(x: number): number {
  return Math.round(x * 10_000) / 10_000;
}
