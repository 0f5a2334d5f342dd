// max_duration_s, a platform's limit on a video's length. A narration over it fails the task
// before anything is rendered, or, with `fit: "speed"`, the voice is sped up by at most
// MAX_SPEED_UP to fit: spoken again at a higher speed where the provider has one (a natural
// voice, but the words are paid for twice with ElevenLabs), else time-stretched with its word
// timings scaled exactly (media/tempo.ts); a voice spoken again that still comes out a little
// long is stretched the rest of the way.
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Narration } from '../domain/media.ts';
import type { FitSpec } from '../domain/video-spec.ts';
import { TaskError } from '../errors.ts';
import { speedUpNarration, tempoOf } from '../media/tempo.ts';
import type { SpeechRequest } from '../providers/ports.ts';
import type { PipelineDeps } from './pipeline-deps.ts';

/** The most a voice is sped up to fit: beyond it speech sounds rushed. */
export const MAX_SPEED_UP = 1.15;
/** How much longer than its narration a video may come out (its last frame, the AAC frame). */
export const VIDEO_SLACK_S = 0.04;

export type FitPlan =
  | { kind: 'fits' }
  | { kind: 'too_long'; message: string }
  /** Speed the voice up by `factor` (≤ MAX_SPEED_UP), to at most `targetS` seconds. */
  | { kind: 'speed_up'; factor: number; targetS: number };

/** Seconds for people, never rounded down below the limit they are compared with. */
const secs = (s: number) => `${Math.ceil(s * 10 - 1e-9) / 10} s`;

/** What a narration of `durationS` needs under the video's max_duration_s and fit (a recording's is shortened by recording it again). Pure. */
export function planFit(durationS: number, fit: FitSpec | null, recorded = false): FitPlan {
  if (!fit) return { kind: 'fits' };
  // An extending end card takes its seconds of the limit after the narration.
  const reserved = fit.reservedS ?? 0;
  const max = fit.maxDurationS - reserved;
  const targetS = max - VIDEO_SLACK_S;
  if (durationS <= targetS) return { kind: 'fits' };
  const limit = reserved > 0 ? `${fit.maxDurationS} s, ${max} s of it before the end card's ${reserved} s` : `${max} s`;
  const over = `the ${recorded ? 'recording' : 'narration'} is ${secs(durationS)} long and max_duration_s is ${limit}`;
  const shorten = (fits: number) => `shorten the ${recorded ? 'recording' : 'script'} by about ${Math.ceil((1 - fits / durationS) * 100)} %`;
  if (fit.mode !== 'speed') {
    return { kind: 'too_long', message: `${over}: ${shorten(targetS)}, or send fit: "speed" to speed ${recorded ? 'it' : 'the voice'} up by up to ${MAX_SPEED_UP}×` };
  }
  const factor = durationS / targetS;
  if (factor > MAX_SPEED_UP) {
    return { kind: 'too_long', message: `${over}; even sped up ${MAX_SPEED_UP}× it would be ${secs(durationS / MAX_SPEED_UP)}: ${shorten(targetS * MAX_SPEED_UP)}` };
  }
  return { kind: 'speed_up', factor, targetS };
}

/**
 * The narration within the request's max_duration_s: as it is, or sped up (with a warning saying
 * so); a narration that cannot fit is a permanent `narration_too_long`.
 */
export async function fitNarration(
  deps: Pick<PipelineDeps, 'speech' | 'tools' | 'log'>,
  /** `speech` is null for a recording, which cannot be spoken again: it is time-stretched. */
  o: { narration: Narration; speech: SpeechRequest | null; fit: FitSpec | null; dir: string; signal: AbortSignal; warnings: string[] },
): Promise<Narration> {
  const plan = planFit(o.narration.durationS, o.fit, o.speech === null);
  if (plan.kind === 'fits') return o.narration;
  if (plan.kind === 'too_long') throw new TaskError('narration_too_long', plan.message);

  let n = o.narration;
  const how: string[] = [];
  const range = deps.speech.speedRange;
  const speed = o.speech ? tempoOf((o.speech.speed ?? 1) * plan.factor) : Infinity;
  if (o.speech && range && speed <= range.max) {
    // Its own folder: the first narration's file stays, should it be the one to stretch.
    const again = join(o.dir, 'fit');
    await mkdir(again, { recursive: true });
    const spoken = await deps.speech.synthesize({ ...o.speech, speed }, again, o.signal);
    if (spoken.durationS < n.durationS) {
      n = spoken;
      how.push(`spoken again at speed ${speed}`);
    }
  }
  if (n.durationS > plan.targetS) {
    n = await speedUpNarration(deps.tools, n, n.durationS / plan.targetS, o.dir, o.signal);
    how.push('time-stretched');
  }
  o.warnings.push(`the narration (${secs(o.narration.durationS)}) was sped up ${(o.narration.durationS / n.durationS).toFixed(2)}× (${how.join(', then ')}) to fit max_duration_s ${o.fit?.maxDurationS} s`);
  deps.log.info({ from_s: o.narration.durationS, to_s: n.durationS, how: how.join(', then ') }, 'narration sped up to fit max_duration_s');
  return n;
}
