// Several ASS documents burned by one ffmpeg process: each on its own generated background, with
// its own `ass` filter and its own frames, exactly as `burn` (frames.ts) draws one; one process
// start instead of one per document, for tests that compare documents side by side.
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { OUTPUT_FPS } from '../../functions/media/chunks.ts';
import type { Rgb } from './frames.ts';

export interface BurnJob {
  ass: string;
  width: number;
  height: number;
  /** Frame indices to return, in the rendered stream (0-based). */
  frames: number[];
  /** An ffmpeg lavfi source at the frame's size and 30 fps (default: a mid-grey field). */
  background?: string;
  /** Where the stream starts in the whole video (frames): frames carry that time for libass, as a chunk's do. */
  startFrame?: number;
}

/** Burns every job's document onto its background in one ffmpeg; per job, its requested frames as RGB24. */
export function burnMany(jobs: BurnJob[], dir: string): Rgb[][] {
  const inputs: string[] = [];
  const graphs: string[] = [];
  const outputs: string[] = [];
  jobs.forEach((o, k) => {
    writeFileSync(join(dir, `look-${k}.ass`), o.ass);
    const last = Math.max(...o.frames);
    const bg = o.background ?? `color=c=0x707070:s=${o.width}x${o.height}:r=${OUTPUT_FPS}`;
    const shift = o.startFrame ? `setpts=PTS-STARTPTS+${o.startFrame}/${OUTPUT_FPS}/TB,` : '';
    const unshift = o.startFrame ? ',setpts=PTS-STARTPTS' : '';
    const select = `select='${o.frames.map((f) => `eq(n\\,${f})`).join('+')}'`;
    inputs.push('-f', 'lavfi', '-t', String((last + 2) / OUTPUT_FPS), '-i', bg);
    graphs.push(`[${k}:v]${shift}ass=filename=look-${k}.ass${unshift},${select},format=rgb24[out${k}]`);
    outputs.push('-map', `[out${k}]`, '-fps_mode', 'passthrough', '-f', 'rawvideo', `burn-${k}.raw`);
  });
  execFileSync('ffmpeg', ['-v', 'error', '-y', ...inputs, '-filter_complex', graphs.join(';'), ...outputs], { cwd: dir });
  return jobs.map((o, k) => {
    const file = join(dir, `burn-${k}.raw`);
    const out = readFileSync(file);
    rmSync(file, { force: true });
    const size = o.width * o.height * 3;
    if (out.length !== size * o.frames.length) throw new Error(`ffmpeg returned ${out.length / size} frames for document ${k}, asked for ${o.frames.length}`);
    return o.frames.map((_, i) => ({ width: o.width, height: o.height, data: out.subarray(i * size, (i + 1) * size) }));
  });
}
