// Any sound file (a recorded narration: MP3, M4A, Ogg/Opus, WebM, WAV) as the plain samples an
// analysis reads: one channel of 16-bit PCM at a fixed rate.
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { runFfmpeg } from './run.ts';
import type { MediaTools } from './tools.ts';

/** Speech analysis needs nothing above 8 kHz. */
export const ANALYSIS_SAMPLE_RATE = 16_000;

/** The first audio stream of `input` as mono 16-bit PCM WAV at `sampleRate`. */
export function monoPcmArgs(input: string, output: string, sampleRate = ANALYSIS_SAMPLE_RATE): string[] {
  return ['-i', input, '-map', '0:a:0', '-vn', '-ac', '1', '-ar', String(sampleRate), '-c:a', 'pcm_s16le', '-f', 'wav', output];
}

/**
 * `input`'s first audio stream as a mono WAV at ANALYSIS_SAMPLE_RATE, in memory (2 bytes per
 * sample: 1.9 MB a minute); the file ffmpeg wrote is gone when this returns.
 */
export async function decodeMonoWav(tools: MediaTools, input: string, dir: string, signal: AbortSignal): Promise<Buffer> {
  const out = join(dir, `mono-${process.pid}-${Date.now()}.wav`);
  try {
    await runFfmpeg(tools, monoPcmArgs(input, out), { cwd: dir, signal, errorCode: 'unreadable_media' });
    return await readFile(out);
  } finally {
    await rm(out, { force: true });
  }
}
