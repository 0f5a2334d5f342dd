// What a completed task says about where its time went (issue 22's `result.timings`): the seconds
// from its creation to its completion, split into the wait before the attempt that made it and
// that attempt's run, and the run split by stage, each with the CPU seconds of its ffmpeg
// processes. The recording itself is lib/stage-timings.ts.
import { TIMING_STAGES, type TimingStage, type TimingsSummary } from '../lib/stage-timings.ts';

export { TIMING_STAGES, type TimingStage };

export interface StageTimingView {
  stage: TimingStage;
  /** The output (index in the task's videos) a per-video stage was for; null for the task's shared stages. */
  output: number | null;
  /** Wall seconds during which at least one run of the stage was going. */
  seconds: number;
  /** How many times it ran: a process per chunk for `render`, a call per clip for `probe`. */
  runs: number;
  /** CPU seconds (user + system) of its ffmpeg processes; null when it ran none. */
  cpu_s: number | null;
}

export interface TaskTimings {
  /** From the task's creation to its completion. */
  total_s: number;
  /** Before the attempt that made the video started: in the queue, and any earlier attempts. */
  queued_s: number;
  /** That attempt, from its start to its end (for a render fanned out over workers: from planning to the join). */
  run_s: number;
  /** Seconds of `run_s` in no stage (store writes, waits for a CPU slot, the queue between fanned-out deliveries). */
  other_s: number;
  /** CPU seconds of every stage's ffmpeg processes. */
  cpu_s: number;
  /** Every stage that ran. They may overlap (speech and footage run at once); each counts its own time. */
  stages: StageTimingView[];
}

/** A recorder's summary (up to the task's completion) as the task reports it; `createdAt` the task's creation. */
export function taskTimings(run: TimingsSummary, createdAt: string): TaskTimings {
  const r3 = (x: number) => Math.round(x * 1000) / 1000;
  const queued = Math.max(0, (run.startMs - Date.parse(createdAt)) / 1000);
  return {
    total_s: r3(queued + run.runS),
    queued_s: r3(queued),
    run_s: run.runS,
    other_s: run.otherS,
    cpu_s: run.cpuS,
    stages: run.stages.map((s) => ({ stage: s.stage, output: s.output ?? null, seconds: s.seconds, runs: s.runs, cpu_s: s.cpuS ?? null })),
  };
}
