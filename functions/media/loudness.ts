// Narration loudness, in two short runs of its own before the render: measure, then a fixed
// gain with a peak limiter. The render process then holds no loudnorm state (about 100 MiB at
// any resolution), and the runs overlap the footage downloads.
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';

import { measureLoudnessArgs, parseIntegratedLoudness, TARGET_LUFS, voiceGainArgs } from './render-args.ts';
import { runFfmpeg } from './run.ts';
import type { MediaTools } from './tools.ts';
import type { Narration } from '../domain/media.ts';

/** Never amplify a near-silent narration into noise. */
const MAX_GAIN_DB = 30;

export async function normaliseNarration(tools: MediaTools, narration: Narration, dir: string, signal: AbortSignal): Promise<Narration> {
  const log = 'loudness.log';
  await runFfmpeg(tools, measureLoudnessArgs(narration.audioPath, log), { cwd: dir, signal, errorCode: 'render_failed' });
  const measured = parseIntegratedLoudness(await readFile(join(dir, log), 'utf8'));
  await rm(join(dir, log), { force: true });
  const gainDb = measured === null ? 0 : Math.min(MAX_GAIN_DB, TARGET_LUFS - measured);
  const out = join(dir, 'narration.normalised.wav');
  await runFfmpeg(tools, voiceGainArgs(narration.audioPath, out, gainDb), { cwd: dir, signal, errorCode: 'render_failed' });
  return { ...narration, audioPath: out };
}
