// Where a task's seconds went, stage by stage (issue 22's `result.timings`): each named stage's
// wall time, how often it ran, and the CPU seconds of the processes it started (runFfmpeg reports
// them). Stages may overlap (speech and footage run at once): each counts its own time, so the
// stages do not add up to the task's. Pure bookkeeping: no I/O.

export interface StageTiming {
  /** Wall seconds, summed over the stage's runs. */
  seconds: number;
  /** Times the stage ran (a probe per clip, a chunk per process). */
  runs: number;
  /** CPU seconds of the stage's processes, when any reported them. */
  cpuS?: number;
}

export class StageTimings {
  private readonly stages = new Map<string, StageTiming>();
  private readonly now: () => number;

  /** `now`: milliseconds (tests pass a clock). */
  constructor(now: () => number = () => performance.now()) {
    this.now = now;
  }

  /** Runs `fn` as one run of stage `name`; its time counts whether it succeeds or throws. */
  async time<T>(name: string, fn: () => Promise<T>): Promise<T> {
    const start = this.now();
    try {
      return await fn();
    } finally {
      const s = this.stage(name);
      s.seconds += (this.now() - start) / 1000;
      s.runs += 1;
    }
  }

  /** CPU seconds a process of stage `name` used; null (not reported) adds nothing. */
  addCpu(name: string, cpuS: number | null): void {
    if (cpuS === null || !Number.isFinite(cpuS)) return;
    const s = this.stage(name);
    s.cpuS = (s.cpuS ?? 0) + cpuS;
  }

  /** Every stage so far, in the order they first appeared, seconds rounded to the millisecond. */
  snapshot(): Record<string, StageTiming> {
    const r3 = (x: number) => Math.round(x * 1000) / 1000;
    return Object.fromEntries(
      [...this.stages].map(([name, s]) => [name, { seconds: r3(s.seconds), runs: s.runs, ...(s.cpuS !== undefined ? { cpuS: r3(s.cpuS) } : {}) }]),
    );
  }

  private stage(name: string): StageTiming {
    let s = this.stages.get(name);
    if (!s) this.stages.set(name, (s = { seconds: 0, runs: 0 }));
    return s;
  }
}
