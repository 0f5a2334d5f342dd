// Progress of a video by stage: a bar per stage on a terminal, plain lines when piped, nothing
// with --json (stdout then carries exactly one JSON document).
import { MultiBar, Presets, type SingleBar } from 'cli-progress';
import type { Stage } from '../domain/task.ts';
import { STAGE_STARTS } from '../pipeline/produce-video.ts';

const SHOWN = ['speech', 'footage', 'render', 'upload'] as const;
type Shown = (typeof SHOWN)[number];

export interface ProgressView {
  /** The task's stage and overall progress; `status` too when it is known (a task's view), so an end other than completed shows. */
  update(stage: Stage, progress: number, status?: string): void;
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
  const label = (s: string) => s.padEnd(18);
  const bars = Object.fromEntries(SHOWN.map((s) => [s, multi.create(100, 0, { stage: label(s) })])) as Record<Shown, SingleBar>;
  // The task's own figure, the one its status line shows: a stage's bar is that stage's share of it.
  const total = multi.create(100, 0, { stage: label('total') });
  return {
    update(stage, progress, status) {
      const f = stageFractions(stage, progress);
      // A task that ended otherwise (cancelled, failed) says so on the bar of the stage it stopped in.
      const stopped = status && status !== 'completed' && status !== 'queued' && status !== 'processing' ? status : null;
      for (const s of SHOWN) bars[s].update(Math.round(f[s] * 100), { stage: label(stopped && s === stage ? `${s} (${stopped})` : s) });
      total.update(Math.round(progress));
    },
    stop() {
      multi.stop();
    },
  };
}
