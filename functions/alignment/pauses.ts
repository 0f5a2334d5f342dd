// Speech and pauses in a recording, from the loudness of its frames. The threshold follows the
// recording: a little above its quietest frames (room noise, or digital silence) and well below
// its loud ones, so a noisy phone recording and a clean studio one are read alike.

/** A run of frames [from, to). */
export interface FrameRun {
  from: number;
  to: number;
}

export interface PauseOptions {
  /** A silence at least this many frames long is a pause (not the closure of a stop consonant). */
  minPauseFrames: number;
}

/** dB above the noise floor that counts as sound, and the most below the speech level that does. */
const ABOVE_FLOOR_DB = 10;
const BELOW_SPEECH_DB = 40;
/** However noisy the recording, sound within this much of the speech level is speech. */
const NEAR_SPEECH_DB = 25;

function percentile(values: Float32Array, p: number): number {
  const sorted = Float32Array.from(values).sort();
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.floor(p * (sorted.length - 1))))] ?? -100;
}

/** Frames at or below this are digital silence (an editor's padding), not the room. */
const DIGITAL_SILENCE_DB = -90;

/** Room noise is steady: this share of the frames that are not digital silence lie within NOISE_SPREAD_DB of its level. */
const NOISE_SHARE = 0.1;
const NOISE_SPREAD_DB = 4;

/**
 * The loudness (dB) above which a frame of this recording is sound. Its noise floor is its
 * quietest frames' level; but when it also holds digital silence (padding added in an editor),
 * the floor is the room noise under the rest, if there is a steady one.
 */
export function soundThreshold(energyDb: Float32Array): number {
  if (energyDb.length === 0) return 0;
  const live = energyDb.filter((db) => db > DIGITAL_SILENCE_DB);
  const liveFloor = percentile(live, 0.05);
  const steady = live.filter((db) => db <= liveFloor + NOISE_SPREAD_DB).length >= NOISE_SHARE * live.length;
  const floor = live.length > 0 && steady ? liveFloor : percentile(energyDb, 0.05);
  const speech = percentile(energyDb, 0.95);
  return Math.min(Math.max(floor + ABOVE_FLOOR_DB, speech - BELOW_SPEECH_DB), speech - NEAR_SPEECH_DB);
}

/**
 * 1 for each frame of sound, 0 for each frame of silence. Sound shorter than minSoundFrames
 * between two silences is taken as silence.
 */
export function soundFrames(energyDb: Float32Array, threshold: number, minSoundFrames = 3): Uint8Array {
  const sound = new Uint8Array(energyDb.length);
  for (let j = 0; j < energyDb.length; j++) sound[j] = energyDb[j]! > threshold ? 1 : 0;
  let j = 0;
  while (j < sound.length) {
    if (!sound[j]) {
      j++;
      continue;
    }
    let k = j;
    while (k < sound.length && sound[k]) k++;
    if (k - j < minSoundFrames && j > 0 && k < sound.length) sound.fill(0, j, k);
    j = k;
  }
  return sound;
}

/**
 * Runs of silence at least minPauseFrames long, in order, including the silence before the
 * first sound and after the last (whatever their length, since nothing is said there).
 */
export function findPauses(sound: Uint8Array, opts: PauseOptions): FrameRun[] {
  const pauses: FrameRun[] = [];
  let j = 0;
  while (j < sound.length) {
    if (sound[j]) {
      j++;
      continue;
    }
    let k = j;
    while (k < sound.length && !sound[k]) k++;
    if (k - j >= opts.minPauseFrames || j === 0 || k === sound.length) pauses.push({ from: j, to: k });
    j = k;
  }
  return pauses;
}
