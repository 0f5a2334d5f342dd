// What the on-screen craft of issue 24 costs a chunk: one chunk process (chunkArgs and
// chunkFilterGraph, as the renderer runs them) on a 12 s 1080x1920 clip, with plain captions and
// with every element on at once (a caption look with a thick outline, emphasised words, the hook,
// the progress bar, a logo watermark and the end card), and a few single elements. CPU seconds
// (user + sys of the ffmpeg process, from /usr/bin/time) are what is compared: the machine is
// shared, so wall time says little; the variants run interleaved, round after round, and the
// medians are reported with the ratio to plain captions.
//   node bench/overlay-cost.ts [--reps N] [--resolution 1080p|720p] [--variants 0,2]  (the first listed is the reference)
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { OverlaySpec } from '../functions/domain/look.ts';
import type { Frame, SourceClip, WordTiming } from '../functions/domain/media.ts';
import type { CaptionOptions } from '../functions/domain/video-request.ts';
import { assDocument } from '../functions/media/captions/ass-document.ts';
import { buildCaptions } from '../functions/media/captions/index.ts';
import { resolveLook } from '../functions/media/captions/looks.ts';
import { OUTPUT_FPS, type Chunk } from '../functions/media/chunks.ts';
import { planScreen, rasterizeWatermarkArgs, watermarkInputArgs, watermarkOverlay } from '../functions/media/overlays/index.ts';
import { chunkArgs, chunkFilterGraph, DEFAULT_ENCODE } from '../functions/media/render-args.ts';
import { CACHE_DIR } from './workload.ts';

const { values: argv } = parseArgs({ options: { reps: { type: 'string', default: '5' }, resolution: { type: 'string', default: '1080p' }, variants: { type: 'string' } } });
const REPS = Number(argv.reps);
if (!(Number.isInteger(REPS) && REPS >= 1)) throw new Error('--reps must be a whole number ≥ 1');
const FRAME: Frame = argv.resolution === '720p' ? { width: 720, height: 1280 } : { width: 1080, height: 1920 };
const SECONDS = 12;
const dir = join(CACHE_DIR, 'overlay-cost');
mkdirSync(dir, { recursive: true });

// A source clip with detail and motion everywhere (as footage has), made once.
const clipFile = join(dir, `source-${FRAME.width}.mp4`);
if (!existsSync(clipFile)) {
  execFileSync('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', `testsrc2=s=${FRAME.width}x${FRAME.height}:r=30:d=${SECONDS + 1}`, '-c:v', 'libx264', '-preset', 'ultrafast', '-crf', '18', '-pix_fmt', 'yuv420p', clipFile]);
}
const clip: SourceClip = { kind: 'file', path: clipFile, durationS: SECONDS + 1, width: FRAME.width, height: FRAME.height, credit: null };
const chunk: Chunk = { index: 0, startFrame: 0, frames: SECONDS * OUTPUT_FPS, pieces: [{ clip: 0, sourceStart: 0, frames: SECONDS * OUTPUT_FPS }] };

// 2.5 words a second, every fifth word emphasised (about what emphasis: auto finds in prose).
const script = 'the three biggest mistakes people make with money are simple to fix once you see them and most of us never notice that we make all three of them every single month of the year until it is too late';
const words: WordTiming[] = script.split(' ').map((text, i) => ({ text, start: 0.1 + i * 0.4, end: 0.1 + i * 0.4 + 0.32 })).filter((w) => w.end < SECONDS - 0.2);
const emphasis = words.map((_, i) => i % 5 === 2);
const logo = join(dir, 'logo.svg');
writeFileSync(logo, '<svg xmlns="http://www.w3.org/2000/svg" width="240" height="80"><rect width="240" height="80" rx="16" fill="#ff3366"/><circle cx="40" cy="40" r="24" fill="#fff"/></svg>');

interface Variant {
  name: string;
  captions: CaptionOptions | false;
  look?: Parameters<typeof resolveLook>[1];
  emphasis?: boolean;
  overlays?: Partial<OverlaySpec>;
}
const caps: CaptionOptions = { style: 'word-highlight', position: 'bottom', font_size: 1, max_words_per_line: 4 };
const ALL: Partial<OverlaySpec> = {
  hook: { text: 'You are doing this wrong', emphasis: [false, false, false, false, true], durationS: 2.5, repeatsNarration: false },
  progressBar: { position: 'top', colour: '#FF3366' },
  watermark: { kind: 'image', file: logo, format: 'svg', width: 240, height: 80, corner: 'bottom-right', opacity: 0.85, scale: 1 },
  endCard: { text: 'Follow for part 2', emphasis: [false, false, true, true], durationS: 2.5, extendS: 0 },
};
const ALL_VARIANTS: Variant[] = [
  { name: 'plain captions (word-highlight, classic look)', captions: caps },
  { name: 'all on: bold look + emphasis + hook + progress bar + logo + end card', captions: caps, look: { look: 'bold' }, emphasis: true, overlays: ALL },
  { name: 'all on with the neon look (blurred glow)', captions: caps, look: { look: 'neon' }, emphasis: true, overlays: ALL },
  { name: 'neon look alone (captions only)', captions: caps, look: { look: 'neon' } },
  { name: 'plain captions + hook + end card', captions: caps, overlays: { hook: ALL.hook!, endCard: ALL.endCard! } },
  { name: 'plain captions + progress bar', captions: caps, overlays: { progressBar: ALL.progressBar! } },
  { name: 'plain captions + logo watermark', captions: caps, overlays: { watermark: ALL.watermark! } },
  { name: 'no captions', captions: false },
];

const VARIANTS = argv.variants ? argv.variants.split(',').map((i) => ALL_VARIANTS[Number(i)]!) : ALL_VARIANTS;
if (VARIANTS.some((v) => !v)) throw new Error(`--variants: indices 0..${ALL_VARIANTS.length - 1}`);

/** Writes the variant's files and returns the chunk's ffmpeg arguments. */
function prepare(v: Variant, i: number): string[] {
  const look = resolveLook(v.captions === false ? 'line' : v.captions.style, v.look ?? {});
  const overlays: OverlaySpec = { hook: null, progressBar: null, watermark: null, endCard: null, ...v.overlays };
  const plan = planScreen({ frame: FRAME, narrationS: SECONDS, captions: v.captions, look, overlays, language: 'en' });
  const c = v.captions === false ? null : buildCaptions(words, [words.length], SECONDS, v.captions, FRAME, 'en', { look, ...(v.emphasis ? { emphasis } : {}), ...plan.captionExtras });
  const parts = [...(c ? [c.part] : []), ...plan.parts];
  const assFile = parts.length ? `v${i}.ass` : null;
  if (assFile) writeFileSync(join(dir, assFile), assDocument(FRAME, parts, { startS: 0, endS: SECONDS }));
  let graph = chunkFilterGraph(chunk, FRAME, assFile);
  const extra: string[] = [];
  if (plan.watermarkImage && overlays.watermark?.kind === 'image') {
    execFileSync('ffmpeg', ['-v', 'error', '-y', ...rasterizeWatermarkArgs(overlays.watermark, plan.watermarkImage.place, `v${i}-mark.png`)], { cwd: dir });
    extra.push(...watermarkInputArgs(`v${i}-mark.png`));
    graph = graph.replace(/,format=yuv420p\[vout\]$/, `[burned];${watermarkOverlay(chunk.pieces.length, plan.watermarkImage.place, 'burned', 'marked')};[marked]format=yuv420p[vout]`);
  }
  writeFileSync(join(dir, `v${i}.graph`), graph);
  const args = chunkArgs({ chunk, clips: [clip], filterScript: `v${i}.graph`, outputFile: `v${i}.ts`, encode: DEFAULT_ENCODE });
  // The logo's input goes after the pieces' inputs, before the graph.
  const at = args.indexOf('-filter_complex_script');
  return ['-v', 'error', '-y', ...args.slice(0, at), ...extra, ...args.slice(at)];
}

const argsOf = VARIANTS.map(prepare);
const cpu: number[][] = VARIANTS.map(() => []);
for (let r = 0; r < REPS; r++) {
  VARIANTS.forEach((_, i) => {
    const timeFile = join(dir, 'time.txt');
    execFileSync('/usr/bin/time', ['-f', '%U %S', '-o', timeFile, 'ffmpeg', ...argsOf[i]!], { cwd: dir, stdio: 'ignore' });
    const [u, s] = readFileSync(timeFile, 'utf8').trim().split(/\s+/).map(Number);
    cpu[i]!.push(u! + s!);
  });
  process.stderr.write(`round ${r + 1}/${REPS}\n`);
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const base = median(cpu[0]!);
console.log(`\n${FRAME.width}x${FRAME.height}, one ${SECONDS} s chunk (${chunk.frames} frames), ${REPS} interleaved rounds, CPU s (user+sys) of the chunk's ffmpeg\n`);
console.log(`| variant | CPU s (median) | runs | vs ${VARIANTS[0]!.name} |`);
console.log('|---|---:|---|---:|');
VARIANTS.forEach((v, i) => {
  const m = median(cpu[i]!);
  console.log(`| ${v.name} | ${m.toFixed(2)} | ${cpu[i]!.map((x) => x.toFixed(2)).join(' ')} | ${i === 0 ? '1.000' : (m / base).toFixed(3)} |`);
});
rmSync(join(dir, 'time.txt'), { force: true });
