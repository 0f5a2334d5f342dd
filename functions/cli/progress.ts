// Progress of a video by stage: a bar per stage on a terminal, plain lines when piped, nothing
// with --json (stdout then carries exactly one JSON document).
import { MultiBar, Presets, type SingleBar } from 'cli-progress';
import type { Stage } from '../domain/task.ts';
import { STAGE_STARTS } from '../pipeline/produce-video.ts';

const SHOWN = ['speech', 'footage', 'render', 'upload'] as const;
type Shown = (typeof SHOWN)[number];

export interface ProgressView {
  update(stage: Stage, progress: number): void;
  stop(): void;
}

/** How far each shown stage is (0..1), from the task's stage and its overall progress 0..100. */
export function stageFractions(stage: Stage, progress: number): Record<Shown, number> {
  const out = {} as Record<Shown, number>;
  const current = stage === 'done' ? SHOWN.length : SHOWN.indexOf(stage as Shown);
  SHOWN.forEach((s, i) => {
    const start = STAGE_STARTS[s];
    const end = i + 1 < SHOWN.length ? STAGE_STARTS[SHOWN[i + 1]!] : 100;
    out[s] = i < current ? 1 : i > current ? 0 : Math.min(1, Math.max(0, (progress - start) / (end - start)));
  });
  return out;
}

export function progressView(mode: { json: boolean; tty: boolean }, err: NodeJS.WriteStream = process.stderr): ProgressView {
  if (mode.json) return { update() {}, stop() {} };
  if (!mode.tty) {
    // One line per stage change and per 10% of progress: readable in a log file or CI output.
    let last = '';
    return {
      update(stage, progress) {
        const line = `${stage} ${Math.floor(progress / 10) * 10}%`;
        if (line !== last) err.write(`${stage} ${Math.round(progress)}%\n`);
        last = line;
      },
      stop() {},
    };
  }
  const multi = new MultiBar(
    { stream: err, format: ' {stage} |{bar}| {percentage}%', hideCursor: true, clearOnComplete: false, autopadding: true },
    Presets.shades_classic,
  );
  const bars = Object.fromEntries(SHOWN.map((s) => [s, multi.create(100, 0, { stage: s.padEnd(7) })])) as Record<Shown, SingleBar>;
  return {
    update(stage, progress) {
      const f = stageFractions(stage, progress);
      for (const s of SHOWN) bars[s].update(Math.round(f[s] * 100));
    },
    stop() {
      multi.stop();
    },
  };
}
