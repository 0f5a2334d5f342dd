// Narration loudness: measured once, in a short run of its own before the render (it overlaps the
// footage downloads), and carried as a gain (dB) on the narration. The soundtrack applies it with
// a peak limiter where it mixes the voice (render-args audioFilters), so no pass rewrites the
// narration's file, and the render process holds no loudnorm state (about 100 MiB at any
// resolution).
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';

import { measureLoudnessArgs, parseIntegratedLoudness, TARGET_LUFS, voiceGainArgs } from './render-args.ts';
import { runFfmpeg } from './run.ts';
import type { MediaTools } from './tools.ts';
import type { Narration } from '../domain/media.ts';

/** Never amplify a near-silent narration into noise. */
const MAX_GAIN_DB = 30;

/** The narration with the gain that brings it to the target loudness (0 for silence): its file is left as it is. */
export async function measureNarration(tools: MediaTools, narration: Narration, dir: string, signal: AbortSignal): Promise<Narration & { gainDb: number }> {
  const log = 'loudness.log';
  await runFfmpeg(tools, measureLoudnessArgs(narration.audioPath, log), { cwd: dir, signal, errorCode: 'render_failed' });
  const measured = parseIntegratedLoudness(await readFile(join(dir, log), 'utf8'));
  await rm(join(dir, log), { force: true });
  return { ...narration, gainDb: measured === null ? 0 : Math.min(MAX_GAIN_DB, TARGET_LUFS - measured) };
}

/**
 * The narration brought to the target as a file of its own (48 kHz stereo WAV, its gain and
 * limiter applied as the soundtrack would): the voice as the video carries it, for a storyboard's
 * preview to play. A narration not yet measured is measured first. The result carries no gain.
 */
export async function normaliseNarration(tools: MediaTools, narration: Narration, dir: string, signal: AbortSignal): Promise<Narration> {
  const { gainDb, ...voice } = narration.gainDb === undefined ? await measureNarration(tools, narration, dir, signal) : { ...narration, gainDb: narration.gainDb };
  const out = join(dir, 'narration.normalised.wav');
  await runFfmpeg(tools, voiceGainArgs(narration.audioPath, out, gainDb), { cwd: dir, signal, errorCode: 'render_failed' });
  return { ...voice, audioPath: out };
}
