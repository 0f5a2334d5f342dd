// A narration sped up without raising its pitch, its word timings divided by exactly the same
// tempo: captions stay on the words they show.
//
// The stretch is librubberband's (ffmpeg's `rubberband` filter), not `atempo`: atempo's output
// starts about half its window (20-23 ms, depending on the sample rate and tempo) into the
// stretched sound, clipping the first onset and pulling every word that much earlier than its
// scaled timing, and how much of that its output length shows depends on the sound itself, so
// it cannot be measured back out. rubberband compensates its own latency; with its short window
// (crisper onsets, which speech is made of) measured onsets land within 6 ms of timing ÷ tempo at
// 24 and 44.1 kHz (test/pipeline/fit-duration.test.ts holds it to 8 ms: a quarter of a frame).
import { join } from 'node:path';
import type { Narration } from '../domain/media.ts';
import { probeMedia } from './probe.ts';
import { fmt } from './render-args.ts';
import { runFfmpeg } from './run.ts';
import type { MediaTools } from './tools.ts';

/** A narration is only ever sped up a little; more is a bug upstream. */
const MAX_TEMPO = 2;

/** The tempo the audio gets, to the millisecond ffmpeg is told: the words are scaled by this same value. */
export const tempoOf = (ratio: number) => Math.ceil(ratio * 1000 - 1e-9) / 1000;

/** `input` at `tempo` times its speed, the same pitch, as 16-bit PCM WAV. */
export function tempoArgs(input: string, output: string, tempo: number): string[] {
  if (!(tempo > 1 && tempo <= MAX_TEMPO)) throw new Error(`a tempo of ${tempo} is outside 1..${MAX_TEMPO}`);
  return ['-i', input, '-vn', '-af', `rubberband=tempo=${fmt(tempo)}:window=short`, '-c:a', 'pcm_s16le', '-f', 'wav', output];
}

/** Word timings of a narration played `tempo` times faster: every time divided by it. */
export function scaleTimings(n: Pick<Narration, 'words'>, tempo: number): Narration['words'] {
  return n.words.map((w) => ({ text: w.text, start: w.start / tempo, end: w.end / tempo }));
}

/** The narration `ratio` times faster (rounded up to the millisecond, see tempoOf), written into `dir` as narration.fitted.wav. */
export async function speedUpNarration(tools: MediaTools, narration: Narration, ratio: number, dir: string, signal: AbortSignal): Promise<Narration> {
  const tempo = tempoOf(ratio);
  const out = join(dir, 'narration.fitted.wav');
  await runFfmpeg(tools, tempoArgs(narration.audioPath, out, tempo), { cwd: dir, signal, errorCode: 'speech_failed' });
  const { durationS } = await probeMedia(tools, out, signal);
  return { audioPath: out, durationS, words: scaleTimings(narration, tempo), sentenceEnds: narration.sentenceEnds };
}
