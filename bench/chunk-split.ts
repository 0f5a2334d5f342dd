// Whether a short video is worth a second chunk process (MIN_CHUNK_S, media/chunks.ts): the chunk
// processes of a captioned 1080x1920 video of a few seconds (two pieces, of two 1080p clips made
// here) run as one chunk with one x264 thread, one chunk with two, and two chunks of one thread
// side by side, as renderVideos runs them. CPU is user + system seconds of the reaped children
// (cutime + cstime), which other load changes little; wall is only worth reading on quiet cores.
//   node bench/chunk-split.ts [--lengths 1,2,3,4,6] [--reps 5]
import { mkdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { Segment, SourceClip } from '../functions/domain/media.ts';
import { renderChunk } from '../functions/media/render.ts';
import { planRender, type RenderPlan } from '../functions/media/render-plan.ts';
import { resolveMediaTools } from '../functions/media/tools.ts';
import { makeVideo } from '../test/support/media-fixtures.ts';
import { renderSpec } from '../test/support/render.ts';
import { reapedChildrenCpuS } from './proc-sampler.ts';
import { median, table } from './report.ts';

const { values: argv } = parseArgs({ options: { lengths: { type: 'string', default: '1,2,3,4,6' }, reps: { type: 'string', default: '5' } } });
const lengths = argv.lengths.split(',').map(Number);
const REPS = Number(argv.reps);
const tools = resolveMediaTools({});
const signal = new AbortController().signal;
const root = join(tmpdir(), 'reelsmith-chunk-split');

await rm(root, { recursive: true, force: true });
await mkdir(root, { recursive: true });
const clips: SourceClip[] = await Promise.all(
  (['testsrc2', 'mandelbrot'] as const).map(async (pattern, i) => ({
    kind: 'file' as const,
    path: await makeVideo(join(root, `clip-${i}.mp4`), { width: 1920, height: 1080, durationS: 10, pattern }),
    durationS: 10,
    width: 1920,
    height: 1080,
    credit: null,
  })),
);
const frame = { width: 1080, height: 1920 };
const caps = { style: 'word-highlight', position: 'bottom', font_size: 1, max_words_per_line: 4 } as const;
const variants = { 'one chunk, 1 thread': [1, 1], 'one chunk, 2 threads': [1, 2], 'two chunks, 1 thread each': [2, 1] } as const;

const rows: string[][] = [];
for (const L of lengths) {
  const words = Array.from({ length: Math.max(1, Math.floor(L * 2.5) - 1) }, (_, i) => ({ text: `word${i}`, start: 0.1 + i * 0.4, end: 0.45 + i * 0.4 }));
  const narration = { audioPath: join(root, 'unused.wav'), durationS: L, words, sentenceEnds: [words.length] };
  const segments: Segment[] = [0, 1].map((i) => ({ clip: i, sourceStart: 1, duration: L / 2, start: (i * L) / 2 }));
  // The two pieces' halves as two chunks: MIN_CHUNK_S is what is measured, so each chunk is one piece here.
  const plans = Object.entries(variants).map(([name, [parallel, threads]]): [string, RenderPlan] => {
    const plan = planRender(renderSpec([frame], caps), narration, { segments, music: null }, { parallel, encode: { threads } });
    const chunks = plan.outputs[0]!.chunks;
    return [name, parallel === 1 ? plan : { ...plan, outputs: [{ ...plan.outputs[0]!, chunks: chunks.length === 2 ? chunks : splitInTwo(plan) }] }];
  });
  const seen = new Map<string, { cpu: number[]; wall: number[] }>();
  for (let r = 0; r < REPS; r++) {
    for (const [name, plan] of plans) {
      const dir = join(root, 'render');
      await rm(dir, { recursive: true, force: true });
      await mkdir(dir, { recursive: true });
      const output = plan.outputs[0]!;
      const [cpu0, t0] = [reapedChildrenCpuS(), performance.now()];
      await Promise.all(output.chunks.map((chunk) => renderChunk(tools, { dir, plan, output, chunk, clips, signal })));
      const m = seen.get(name) ?? { cpu: [], wall: [] };
      m.wall.push((performance.now() - t0) / 1000);
      m.cpu.push(reapedChildrenCpuS() - cpu0);
      seen.set(name, m);
    }
  }
  for (const [name, m] of seen) rows.push([String(L), name, median(m.cpu).toFixed(2), median(m.wall).toFixed(2)]);
}
console.log(table(['video s', 'chunks', 'CPU s', 'wall s'], rows));

/** The plan's two pieces as a chunk each, planned as if a long video's (MIN_CHUNK_S would keep them together). */
function splitInTwo(plan: RenderPlan): RenderPlan['outputs'][number]['chunks'] {
  const [c] = plan.outputs[0]!.chunks as [RenderPlan['outputs'][number]['chunks'][number]];
  const [a, b] = c.pieces as [typeof c.pieces[number], typeof c.pieces[number]];
  return [
    { ...c, index: 0, frames: a.frames, pieces: [a] },
    { ...c, index: 1, startFrame: a.frames, frames: b.frames, pieces: [b] },
  ];
}
