// What the on-screen craft of issue 24 costs a chunk: one chunk process (planned by planRender,
// its arguments by chunkArgs and chunkFilterGraph, as the renderer runs them) on a 12 s 1080x1920 clip, with plain captions and
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
import type { CaptionLookOptions, LogoFile, OverlayRequestSpec, ScreenText } from '../functions/domain/look.ts';
import type { Frame, SourceClip, WordTiming } from '../functions/domain/media.ts';
import type { CaptionOptions } from '../functions/domain/video-request.ts';
import { captionSpec, type OutputSpec } from '../functions/domain/video-spec.ts';
import { OUTPUT_FPS } from '../functions/media/chunks.ts';
import { logoArgs, logoSize } from '../functions/media/overlays/index.ts';
import { chunkArgs, chunkFilterGraph } from '../functions/media/chunk-video.ts';
import { chunkSubtitles, planRender } from '../functions/media/render-plan.ts';
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
const segments = [{ clip: 0, sourceStart: 0, duration: SECONDS, start: 0 }];
const output: OutputSpec = { aspect_ratio: '9:16', resolution: FRAME.width === 1080 ? '1080p' : '720p', frame: FRAME, orientation: 'portrait', label: null };

// 2.5 words a second, every fifth word emphasised (about what emphasis: auto finds in prose).
const script = 'the three biggest mistakes people make with money are simple to fix once you see them and most of us never notice that we make all three of them every single month of the year until it is too late';
const words: WordTiming[] = script.split(' ').map((text, i) => ({ text, start: 0.1 + i * 0.4, end: 0.1 + i * 0.4 + 0.32 })).filter((w) => w.end < SECONDS - 0.2);
const emphasis = words.map((_, i) => i % 5 === 2);
const svg = join(dir, 'logo.svg');
writeFileSync(svg, '<svg xmlns="http://www.w3.org/2000/svg" width="240" height="80"><rect width="240" height="80" rx="16" fill="#ff3366"/><circle cx="40" cy="40" r="24" fill="#fff"/></svg>');
// The logo as the worker keeps it (media/overlays/logo.ts).
const logo: LogoFile = { path: join(dir, 'logo.png'), ...logoSize(240, 80, 'svg') };
execFileSync('ffmpeg', ['-v', 'error', '-y', ...logoArgs(svg, 'svg', logo, logo.path)]);

interface Variant {
  name: string;
  captions: CaptionOptions | false;
  look?: CaptionLookOptions;
  emphasis?: boolean;
  overlays?: Partial<OverlayRequestSpec>;
}
const caps: CaptionOptions = { style: 'word-highlight', position: 'bottom', font_size: 1, max_words_per_line: 4 };
const ALL: Partial<OverlayRequestSpec> = {
  hook: { text: 'You are doing this **wrong**', durationS: 2.5 },
  progressBar: { position: 'top', colour: '#FF3366' },
  watermark: { kind: 'image', url: 'https://example.com/logo.svg', corner: 'bottom-right', opacity: 0.85, scale: 1 },
  endCard: { text: 'Follow for **part 2**', durationS: 2.5, extendS: 0 },
};
const screen: ScreenText = {
  emphasis,
  hook: { text: 'You are doing this wrong', emphasis: [false, false, false, false, true], repeatsNarration: false },
  endCard: { text: 'Follow for part 2', emphasis: [false, false, true, true] },
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

/** Plans the variant's render (one chunk) and writes its files; returns the chunk's ffmpeg arguments. */
function prepare(v: Variant, i: number): string[] {
  const overlays: OverlayRequestSpec = { hook: null, progressBar: null, watermark: null, endCard: null, ...v.overlays };
  const captions = captionSpec(v.captions === false ? false : { ...v.captions, ...v.look });
  const narration = { audioPath: 'voice.wav', durationS: SECONDS, words, sentenceEnds: [words.length] };
  const plan = planRender({ outputs: [output], captions, overlays, language: 'en' }, narration, { segments, music: null, screen: v.emphasis ? screen : { ...screen, emphasis: [] }, logo }, { parallel: 1, encode: { threads: 1 } });
  const out = plan.outputs[0]!;
  const chunk = out.chunks[0]!;
  if (out.chunks.length !== 1) throw new Error(`planned ${out.chunks.length} chunks, measured as one`);
  const ass = chunkSubtitles(out, chunk);
  const assFile = ass === null ? null : `v${i}.ass`;
  if (assFile) writeFileSync(join(dir, assFile), ass!);
  writeFileSync(join(dir, `v${i}.graph`), chunkFilterGraph(chunk, FRAME, assFile, out.logo ?? null));
  const args = chunkArgs({ chunk, clips: [clip], filterScript: `v${i}.graph`, outputFile: `v${i}.ts`, encode: plan.encode, logoFile: out.logo ? logo.path : null });
  return ['-v', 'error', '-y', ...args];
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
console.log(`\n${FRAME.width}x${FRAME.height}, one ${SECONDS} s chunk (${SECONDS * OUTPUT_FPS} frames), ${REPS} interleaved rounds, CPU s (user+sys) of the chunk's ffmpeg\n`);
console.log(`| variant | CPU s (median) | runs | vs ${VARIANTS[0]!.name} |`);
console.log('|---|---:|---|---:|');
VARIANTS.forEach((v, i) => {
  const m = median(cpu[i]!);
  console.log(`| ${v.name} | ${m.toFixed(2)} | ${cpu[i]!.map((x) => x.toFixed(2)).join(' ')} | ${i === 0 ? '1.000' : (m / base).toFixed(3)} |`);
});
rmSync(join(dir, 'time.txt'), { force: true });
