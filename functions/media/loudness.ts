// Narration loudness: measured once before the render (it overlaps the footage downloads), and
// carried as a gain (dB) on the narration. The soundtrack applies it with a peak limiter where it
// mixes the voice (render-args audioFilters), so no pass rewrites the narration's file, and the
// render process holds no loudnorm state (about 100 MiB at any resolution). A 16-bit PCM WAV (the
// espeak voice, a narration fitted to a length, a WAV recording) is measured in process, read in
// pieces; anything else (an ElevenLabs MP3, a recording in another format) by a run of ffmpeg.
import { open, readFile, rm, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';

import { addStageCpu } from '../lib/stage-timings.ts';
import { LoudnessMeter, MIN_METER_RATE } from './loudness-meter.ts';
import { measureLoudnessArgs, parseIntegratedLoudness, TARGET_LUFS, voiceGainArgs } from './render-args.ts';
import { runFfmpeg } from './run.ts';
import { wavLayout, type WavLayout } from './wav.ts';
import type { MediaTools } from './tools.ts';
import type { Narration } from '../domain/media.ts';

/** Never amplify a near-silent narration into noise. */
const MAX_GAIN_DB = 30;
/** Bytes of samples read at a time: memory stays flat for a narration of any length. */
const PIECE_BYTES = 1 << 20;

/** The narration with the gain that brings it to the target loudness (0 for silence): its file is left as it is. */
export async function measureNarration(tools: MediaTools, narration: Narration, dir: string, signal: AbortSignal): Promise<Narration & { gainDb: number }> {
  const measured = await integratedLoudness(tools, narration.audioPath, dir, signal);
  return { ...narration, gainDb: measured === null ? 0 : Math.min(MAX_GAIN_DB, TARGET_LUFS - measured) };
}

/** The integrated loudness (LUFS) of the voice in `path` as dual mono, or null for silence: in process for a 16-bit PCM WAV, by ffmpeg's ebur128 otherwise. */
export async function integratedLoudness(tools: MediaTools, path: string, dir: string, signal: AbortSignal): Promise<number | null> {
  const measured = await measureWav(path, signal);
  return measured !== undefined ? measured : measureWithFfmpeg(tools, path, dir, signal);
}

async function measureWithFfmpeg(tools: MediaTools, path: string, dir: string, signal: AbortSignal): Promise<number | null> {
  const log = 'loudness.log';
  await runFfmpeg(tools, measureLoudnessArgs(path, log), { cwd: dir, signal, errorCode: 'render_failed' });
  const measured = parseIntegratedLoudness(await readFile(join(dir, log), 'utf8'));
  await rm(join(dir, log), { force: true });
  return measured;
}

/**
 * The integrated loudness (LUFS, null for silence) of a 16-bit PCM WAV's first channel as dual
 * mono, as ffmpeg measures it; `undefined` for any other file. Its CPU counts to the stage it runs
 * in, as an ffmpeg run's would.
 */
async function measureWav(path: string, signal: AbortSignal): Promise<number | null | undefined> {
  const fh = await open(path, 'r');
  try {
    const layout = await pcmLayout(fh);
    if (!layout) return undefined;
    const { sampleRate, channels } = layout.format;
    const meter = new LoudnessMeter(sampleRate);
    const frameBytes = 2 * channels;
    const piece = Buffer.alloc(PIECE_BYTES - (PIECE_BYTES % frameBytes));
    // The meter runs synchronously on this thread, so its busy time is its CPU time (the thread's
    // CPU clock counts in ticks of 10 ms on some kernels: too coarse for the few ms a narration takes).
    let busyMs = 0;
    for (let at = 0; at < layout.dataBytes; ) {
      signal.throwIfAborted();
      const { bytesRead } = await fh.read(piece, 0, Math.min(piece.length, layout.dataBytes - at), layout.dataStart + at);
      const whole = bytesRead - (bytesRead % frameBytes);
      if (whole === 0) break;
      const start = performance.now();
      meter.push(new Int16Array(piece.buffer, piece.byteOffset, whole / 2), 1 / 32768, 0, channels);
      busyMs += performance.now() - start;
      at += whole;
    }
    addStageCpu(busyMs / 1000);
    return meter.integrated();
  } finally {
    await fh.close();
  }
}

/** Bytes read for a WAV's header: room for any chunks a writer puts before the samples (fmt, LIST, fact). */
const HEAD_BYTES = 64 * 1024;

/** Where a 16-bit PCM WAV's samples are (media/wav.ts), or null for anything else, or a WAV with no samples to measure here. */
async function pcmLayout(fh: FileHandle): Promise<WavLayout | null> {
  const size = (await fh.stat()).size;
  const head = Buffer.alloc(Math.min(HEAD_BYTES, size));
  const { bytesRead } = await fh.read(head, 0, head.length, 0);
  try {
    const layout = wavLayout(head.subarray(0, bytesRead), size);
    return layout.format.sampleRate >= MIN_METER_RATE && layout.dataBytes > 0 ? layout : null;
  } catch {
    return null;
  }
}

/**
 * The narration brought to the target as a file of its own (48 kHz stereo WAV, its gain and
 * limiter applied as the soundtrack would): the voice as the video carries it, for a storyboard's
 * preview to play. A narration not yet measured is measured first. The result carries no gain.
 */
export async function normaliseNarration(tools: MediaTools, narration: Narration, dir: string, signal: AbortSignal): Promise<Narration> {
  const { gainDb: measured, ...voice } = narration;
  const gainDb = measured ?? (await measureNarration(tools, narration, dir, signal)).gainDb;
  const out = join(dir, 'narration.normalised.wav');
  await runFfmpeg(tools, voiceGainArgs(narration.audioPath, out, gainDb), { cwd: dir, signal, errorCode: 'render_failed' });
  return { ...voice, audioPath: out };
}
