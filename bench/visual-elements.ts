// What motion, transitions and blur framing cost against plain cuts, at 1080x1920, the way the
// renderer spends it: a 16-second timeline of six pieces from stock-like clips of the shapes stock
// sites serve (1920x1080, 2560x1440, 1280x720 landscape; 1080x1920 portrait), rendered as two chunk
// processes (chunk-video.ts builders, x264 as every chunk is encoded: veryfast, CRF 23, one thread,
// lookahead 5), each measured with /usr/bin/time (user + sys CPU, peak RSS). Variants run
// interleaved, `--reps` rounds, medians kept: the machine's other load hits every variant alike.
//   node bench/visual-elements.ts [--reps 3] [--only <variant name starts or indexes>] [--filters-only] [--pieces-per-chunk 3]
import { existsSync, mkdirSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { Frame, SourceClip } from '../functions/domain/media.ts';
import { deriveSeed, seededRandom } from '../functions/lib/seeded-random.ts';
import { OUTPUT_FPS } from '../functions/media/chunks.ts';
import { chunkFilterGraph, chunkInputArgs, type VideoChunk, type PiecePlan } from '../functions/media/chunk-video.ts';
import type { Framing } from '../functions/media/framing.ts';
import { planKenBurns, type MotionStyle } from '../functions/media/motion.ts';
import { DEFAULT_ENCODE, encoderArgs } from '../functions/media/render-args.ts';
import { transitionFrames, type Transition } from '../functions/media/transitions.ts';
import { timedFfmpeg } from './ffmpeg-time.ts';
import { median, table } from './report.ts';

const { values: argv } = parseArgs({
  options: { reps: { type: 'string', default: '3' }, only: { type: 'string' }, 'filters-only': { type: 'boolean', default: false }, 'pieces-per-chunk': { type: 'string', default: '3' } },
});
/** Without the encoder (frames to -f null): what the filters alone cost. */
const FILTERS_ONLY = argv['filters-only'];
const REPS = Number(argv.reps);
const DIR = join(import.meta.dirname, '.cache', 'visual-elements');
const FRAME: Frame = { width: 1080, height: 1920 };
const SEED = 42;

const CLIPS: { size: Frame; source: string }[] = [
  { size: { width: 1920, height: 1080 }, source: 'mandelbrot' },
  { size: { width: 1080, height: 1920 }, source: 'testsrc2' },
  { size: { width: 2560, height: 1440 }, source: 'mandelbrot' },
  { size: { width: 1280, height: 720 }, source: 'testsrc2' },
];
/** Six pieces over the four clips: their clip, where in it, and seconds on screen (16 s in all). */
const PIECES = [
  { clip: 0, start: 0.5, s: 3.1 },
  { clip: 1, start: 1.0, s: 2.4 },
  { clip: 2, start: 0.2, s: 3.3 },
  { clip: 3, start: 2.0, s: 2.2 },
  { clip: 0, start: 4.0, s: 2.6 },
  { clip: 1, start: 3.0, s: 2.4 },
];
/** The pieces of each chunk process: three a chunk (the renderer's most), or fewer to see what a chunk's memory follows. */
const PER_CHUNK = Number(argv['pieces-per-chunk']);
const CHUNKS = Array.from({ length: Math.ceil(PIECES.length / PER_CHUNK) }, (_, c) => PIECES.map((_, k) => k).slice(c * PER_CHUNK, (c + 1) * PER_CHUNK));

interface Variant {
  name: string;
  motion: MotionStyle;
  transition: Transition['type'] | 'cut';
  framing: Framing;
}
const VARIANTS: Variant[] = [
  { name: 'plain cuts (cover, no motion)', motion: 'none', transition: 'cut', framing: 'cover' },
  { name: 'motion subtle', motion: 'subtle', transition: 'cut', framing: 'cover' },
  { name: 'fade 0.4 s', motion: 'none', transition: 'fade', framing: 'cover' },
  { name: 'blur framing', motion: 'none', transition: 'cut', framing: 'blur' },
  { name: 'subtle + fade 0.4 s + blur', motion: 'subtle', transition: 'fade', framing: 'blur' },
  { name: 'subtle + fade 0.4 s (cover)', motion: 'subtle', transition: 'fade', framing: 'cover' },
  { name: 'dynamic + whip 0.4 s + blur', motion: 'dynamic', transition: 'whip', framing: 'blur' },
];

function plan(v: Variant): VideoChunk[] {
  const frames = PIECES.map((p) => Math.round(p.s * OUTPUT_FPS));
  const enter = (i: number): Transition | null => (i > 0 && v.transition !== 'cut' ? { type: v.transition, frames: transitionFrames(0.4) } : null);
  const pieces: PiecePlan[] = PIECES.map((p, i) => ({
    clip: p.clip,
    source: CLIPS[p.clip]!.size,
    sourceStart: p.start,
    frames: frames[i]!,
    framing: v.framing,
    motion: planKenBurns(v.motion, p.s, seededRandom(deriveSeed(SEED, `motion-${i}`))),
    enter: enter(i),
    tail: 0,
  }));
  pieces.forEach((p, i) => (p.tail = i + 1 < pieces.length ? (pieces[i + 1]!.enter?.frames ?? 0) : 0));
  let start = 0;
  return CHUNKS.map((ks, index) => {
    const ps = ks.map((k) => pieces[k]!);
    const n = ps.reduce((a, p) => a + p.frames, 0);
    const c: VideoChunk = { index, startFrame: start, frames: n, pieces: ps, lead: ps[0]!.enter ? pieces[ks[0]! - 1]! : null };
    start += n;
    return c;
  });
}

function makeClips(): SourceClip[] {
  return CLIPS.map((c, i) => {
    const path = join(DIR, `clip-${i}-${c.size.width}x${c.size.height}-g60.mp4`);
    if (!existsSync(path)) {
      const src = c.source === 'mandelbrot' ? `mandelbrot=s=${c.size.width}x${c.size.height}:r=30,trim=duration=8` : `testsrc2=s=${c.size.width}x${c.size.height}:r=30:d=8`;
      // Stock-like: light temporal grain, ~8 Mbit/s at 1080p, a keyframe every 2 s as stock
      // sites' files have (a transition's continuation seeks into its clip, as every piece does).
      const rate = Math.round((8 * c.size.width * c.size.height) / (1920 * 1080));
      console.log(`making ${path}`);
      timedFfmpeg(['-f', 'lavfi', '-max_alloc', '1000000000', '-i', src, '-vf', 'noise=alls=5:allf=t,format=yuv420p', '-c:v', 'libx264', '-preset', 'veryfast', '-b:v', `${rate}M`, '-g', '60', path]);
    }
    return { kind: 'file', path, durationS: 8, width: c.size.width, height: c.size.height, credit: null };
  });
}

async function main() {
  mkdirSync(DIR, { recursive: true });
  const clips = makeClips();
  const wanted = argv.only ? argv.only.split(',') : null;
  const variants = VARIANTS.filter((v, i) => !wanted || wanted.some((w) => v.name.startsWith(w) || String(i) === w));
  const runs = new Map<string, { cpu: number[]; rss: number[] }>();
  for (let rep = 0; rep < REPS; rep++) {
    for (const v of variants) {
      let cpu = 0;
      let rss = 0;
      for (const c of plan(v)) {
        const script = `chunk-${c.index}.filter`;
        await writeFile(join(DIR, script), chunkFilterGraph(c, FRAME, null));
        const out = FILTERS_ONLY ? ['-f', 'null', '-'] : [...encoderArgs(DEFAULT_ENCODE), '-frames:v', String(c.frames), '-f', 'mpegts', `chunk-${c.index}.ts`];
        const r = timedFfmpeg([...chunkInputArgs(c, clips), '-filter_complex_script', script, '-filter_complex_threads', '1', '-map', '[vout]', '-an', ...out], DIR);
        cpu += r.cpuS;
        rss = Math.max(rss, r.rssKiB);
      }
      const e = runs.get(v.name) ?? { cpu: [], rss: [] };
      e.cpu.push(cpu);
      e.rss.push(rss);
      runs.set(v.name, e);
      console.log(`round ${rep + 1}: ${v.name}: ${cpu.toFixed(2)} CPU s, ${(rss / 1024).toFixed(0)} MiB`);
    }
  }
  const plain = median(runs.get(VARIANTS[0]!.name)?.cpu ?? [NaN]);
  const rows = variants.map((v) => {
    const e = runs.get(v.name)!;
    const cpu = median(e.cpu);
    const total = PIECES.reduce((n, p) => n + Math.round(p.s * OUTPUT_FPS), 0);
    return [v.name, cpu.toFixed(2), ((cpu * 1000) / total).toFixed(1), Number.isFinite(plain) ? `${cpu >= plain ? '+' : ''}${((100 * (cpu - plain)) / plain).toFixed(0)} %` : '', (median(e.rss) / 1024).toFixed(0)];
  });
  console.log(`\n1080x1920, 16 s, 6 pieces in ${CHUNKS.length} chunks${FILTERS_ONLY ? ', decode and filters only (no encoder)' : ''}; median of ${REPS} (CPU = user + sys of both chunk processes; RSS = the larger chunk's peak):`);
  console.log(table(['variant', 'CPU s', 'ms/frame', 'vs plain', 'peak RSS MiB'], rows));
}

await main();
