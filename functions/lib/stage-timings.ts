// Where a task's seconds went, stage by stage (issue 22's `result.timings`). A recorder is bound to
// the async work of one delivery (`run`); code anywhere below it marks a stage with `stage(name,
// fn)` and the ffmpeg runner adds the CPU seconds it reports to the stage it runs in, so no
// signature between the worker and ffmpeg has to carry the recorder. Outside a recorder both do
// nothing (the CLI, tests).
//
// A stage's seconds are the wall time during which at least one of its runs was going (probes
// run side by side: their union, not their sum), kept as time spans in epoch milliseconds so the
// deliveries of a fanned-out render, on other instances, merge into one account. Stages may
// overlap each other (speech and footage run at once); the time no stage covers is reported too.
import { AsyncLocalStorage } from 'node:async_hooks';

/** The stages a task's timings name (the API lists them), in the order a lone render meets them. */
export const TIMING_STAGES = [
  'plan_store',
  'speech',
  'loudness',
  'footage_search',
  'download',
  'probe',
  'music',
  'timeline',
  'captions',
  'soundtrack',
  'fetch',
  'render',
  'store',
  'join',
  'validation',
  'thumbnail',
  'upload',
] as const;
export type TimingStage = (typeof TIMING_STAGES)[number];

/** One stage, or one output's share of it (`render` of output 1). */
export interface StageKey {
  stage: TimingStage;
  output?: number;
}

export interface StageRecord extends StageKey {
  /** Times the stage ran (a probe per clip, a process per chunk). */
  runs: number;
  /** CPU seconds its processes reported (ffmpeg's -benchmark); absent when none did. */
  cpuS?: number;
  /** When it ran: [start, end] epoch milliseconds, overlapping spans merged. */
  spans: [number, number][];
}

/** What a recorder holds, as JSON: a delivery of a fan-out stores it for the one that joins. */
export interface TimingsSnapshot {
  startMs: number;
  stages: StageRecord[];
}

export interface StageSummary extends StageKey {
  seconds: number;
  runs: number;
  cpuS?: number;
}

export interface TimingsSummary {
  /** When the run started (epoch ms): the earliest start of this recorder and those merged into it. */
  startMs: number;
  /** From the recorder's start (the earliest merged) to `endMs`. */
  runS: number;
  /** Seconds of `runS` that no stage covers. */
  otherS: number;
  /** CPU seconds every stage's processes reported. */
  cpuS: number;
  stages: StageSummary[];
}

const current = new AsyncLocalStorage<{ recorder: StageTimings; key: StageKey | null }>();

export class StageTimings {
  readonly startMs: number;
  private readonly stages = new Map<string, StageRecord>();
  private readonly now: () => number;
  /** The earliest start of this recorder and those merged into it. */
  private earliest: number;

  /** `now`: epoch milliseconds (tests pass a clock). */
  constructor(now: () => number = () => Date.now()) {
    this.now = now;
    this.startMs = now();
    this.earliest = this.startMs;
  }

  /** Runs `fn` with this recorder as the one `stage` and `addStageCpu` write to. */
  run<T>(fn: () => Promise<T>): Promise<T> {
    return current.run({ recorder: this, key: null }, fn);
  }

  /** Runs `fn` as one run of stage `key`; its time counts whether it succeeds or throws. */
  async time<T>(key: StageKey, fn: () => Promise<T>): Promise<T> {
    const start = this.now();
    const s = this.record(key);
    try {
      return await current.run({ recorder: this, key }, fn);
    } finally {
      addSpan(s.spans, [start, this.now()]);
      s.runs += 1;
    }
  }

  /** CPU seconds a process of stage `key` used; null (not reported) adds nothing. */
  addCpu(key: StageKey, cpuS: number | null): void {
    if (cpuS === null || !Number.isFinite(cpuS)) return;
    const s = this.record(key);
    s.cpuS = (s.cpuS ?? 0) + cpuS;
  }

  /** Another delivery's stages added to these (spans merged, runs and CPU summed). */
  merge(other: TimingsSnapshot): void {
    for (const o of other.stages) {
      const s = this.record(o);
      for (const span of o.spans) addSpan(s.spans, span);
      s.runs += o.runs;
      if (o.cpuS !== undefined) s.cpuS = (s.cpuS ?? 0) + o.cpuS;
    }
    if (other.startMs < this.earliest) this.earliest = other.startMs;
  }

  snapshot(): TimingsSnapshot {
    return { startMs: this.earliest, stages: [...this.stages.values()].map((s) => ({ ...s, spans: s.spans.map(([a, b]) => [a, b]) })) };
  }

  /** Each stage in the order it first ran, and the whole run up to `endMs`; seconds to the millisecond. */
  summary(endMs: number = this.now()): TimingsSummary {
    const r3 = (x: number) => Math.round(x * 1000) / 1000;
    const all: [number, number][] = [];
    let cpuS = 0;
    const stages = [...this.stages.values()].map((s): StageSummary => {
      for (const span of s.spans) addSpan(all, span);
      cpuS += s.cpuS ?? 0;
      return { stage: s.stage, ...(s.output !== undefined ? { output: s.output } : {}), seconds: r3(spanSeconds(s.spans)), runs: s.runs, ...(s.cpuS !== undefined ? { cpuS: r3(s.cpuS) } : {}) };
    });
    const runS = Math.max(0, (endMs - this.earliest) / 1000);
    return { startMs: this.earliest, runS: r3(runS), otherS: r3(Math.max(0, runS - spanSeconds(all))), cpuS: r3(cpuS), stages };
  }

  private record(key: StageKey): StageRecord {
    const id = key.output === undefined ? key.stage : `${key.stage}#${key.output}`;
    let s = this.stages.get(id);
    if (!s) this.stages.set(id, (s = { stage: key.stage, ...(key.output !== undefined ? { output: key.output } : {}), runs: 0, spans: [] }));
    return s;
  }
}

/** Runs `fn` as a run of `stage` (of `output`) in the current recorder; just runs it outside one. */
export function stage<T>(name: TimingStage, fn: () => Promise<T>, opts: { output?: number } = {}): Promise<T> {
  const at = current.getStore();
  return at ? at.recorder.time({ stage: name, ...(opts.output !== undefined ? { output: opts.output } : {}) }, fn) : fn();
}

/** CPU seconds of a process that just ran, for the stage it ran in (nothing outside a stage). */
export function addStageCpu(cpuS: number | null): void {
  const at = current.getStore();
  if (at?.key) at.recorder.addCpu(at.key, cpuS);
}

/** The recorder the current async work writes to, if any. */
export function currentTimings(): StageTimings | null {
  return current.getStore()?.recorder ?? null;
}

/** Adds [a, b] to sorted, disjoint spans, merging what it overlaps. */
function addSpan(spans: [number, number][], [a, b]: [number, number]): void {
  let lo = a;
  let hi = Math.max(a, b);
  const kept: [number, number][] = [];
  for (const s of spans) {
    if (s[1] < lo || s[0] > hi) kept.push(s);
    else {
      lo = Math.min(lo, s[0]);
      hi = Math.max(hi, s[1]);
    }
  }
  kept.push([lo, hi]);
  kept.sort((x, y) => x[0] - y[0]);
  spans.splice(0, spans.length, ...kept);
}

function spanSeconds(spans: [number, number][]): number {
  return spans.reduce((n, [a, b]) => n + (b - a), 0) / 1000;
}
