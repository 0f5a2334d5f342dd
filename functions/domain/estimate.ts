// What rendering a plan will take: seconds on a worker and what that costs on Cloud Run, from
// figures measured by `npm run bench` (BENCHMARKS.md) and Cloud Run's published prices. Pure.
// docs/storyboards.md "Estimates" lists these constants and where each comes from; keep the two in step.
import type { Frame } from './media.ts';

/**
 * The floor render of BENCHMARKS.md (2026-11-24, second run): the renderer alone on a 45.0 s
 * narration with six clips and burned-in captions, x264 `veryfast` CRF 23, on 2 cores.
 * 720x1280: 15.47 s wall, 23.7 CPU s; 1080x1920: 23.76 s wall, 39.4 CPU s.
 */
const MEASURED = [
  { pixels: 720 * 1280, wallPerS: 15.47 / 45, cpuPerS: 23.7 / 45 },
  { pixels: 1080 * 1920, wallPerS: 23.76 / 45, cpuPerS: 39.4 / 45 },
] as const;

/**
 * Per render, whatever its length: the chunk processes' start (fonts, x264 set-up), the soundtrack
 * pass, the join, the ffprobe check and the thumbnail. An allowance, not a measurement of its own:
 * a whole 6 s 720p render in test/e2e/storyboard.test.ts takes about 2.4 CPU s, per-second part included.
 */
export const FIXED_RENDER = { wallS: 1, cpuS: 1 } as const;

/**
 * The renderer settings experiment of BENCHMARKS.md: wall time of a preset over veryfast's, the
 * mean of 720p and 1080p. Presets it did not measure keep veryfast's figures (`measured: false`).
 */
const PRESET_FACTORS: Record<string, number> = { ultrafast: (9.69 / 15.86 + 13.39 / 24.11) / 2, superfast: (13.29 / 15.86 + 21.01 / 24.11) / 2, veryfast: 1 };

/**
 * Cloud Run, request-based billing, tier 1 regions (cloud.google.com/run/pricing, as of 2026):
 * USD per vCPU-second and per GiB-second while a request is being served.
 */
export const CLOUD_RUN_PRICES = { vcpuSecondUsd: 0.000024, gibSecondUsd: 0.0000025 } as const;
/** The worker service's shape (infra/run.tf): a render holds it for its wall time. */
export const WORKER_SHAPE = { vcpus: 2, memoryGib: 2 } as const;

export interface RenderEstimate {
  /** Wall time of the render on a 2-vCPU worker with the instance to itself. */
  render_s: number;
  /** CPU seconds the render's ffmpeg processes use. */
  render_cpu_s: number;
  /** What that wall time of the worker costs on Cloud Run (USD). */
  cloud_run_usd: number;
  /** The x264 preset the figures are for, and whether BENCHMARKS.md measured it. */
  preset: string;
  measured_preset: boolean;
}

const round = (n: number, places: number) => Math.round(n * 10 ** places) / 10 ** places;

/** The per-second figure for a frame of `pixels`: linear in the pixels between (and beyond) the two measured sizes. */
function perSecond(pixels: number, key: 'wallPerS' | 'cpuPerS'): number {
  const [a, b] = MEASURED;
  const slope = (b[key] - a[key]) / (b.pixels - a.pixels);
  return Math.max(0, a[key] + slope * (pixels - a.pixels));
}

export function estimateRender(durationS: number, frame: Frame, preset: string): RenderEstimate {
  const pixels = frame.width * frame.height;
  const factor = PRESET_FACTORS[preset] ?? 1;
  const wall = FIXED_RENDER.wallS + durationS * perSecond(pixels, 'wallPerS') * factor;
  const cpu = FIXED_RENDER.cpuS + durationS * perSecond(pixels, 'cpuPerS') * factor;
  const perSecondUsd = WORKER_SHAPE.vcpus * CLOUD_RUN_PRICES.vcpuSecondUsd + WORKER_SHAPE.memoryGib * CLOUD_RUN_PRICES.gibSecondUsd;
  return {
    render_s: round(wall, 1),
    render_cpu_s: round(cpu, 1),
    cloud_run_usd: round(wall * perSecondUsd, 6),
    preset,
    measured_preset: preset in PRESET_FACTORS,
  };
}
