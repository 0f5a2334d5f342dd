import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { findPauses, soundFrames, soundThreshold } from '../../functions/alignment/pauses.ts';

const levels = (...runs: [number, number][]) => Float32Array.from(runs.flatMap(([db, n]) => Array<number>(n).fill(db)));

describe('pauses', () => {
  it('sets the threshold between a noise floor and the speech', () => {
    const clean = levels([-100, 50], [-20, 100], [-100, 50]);
    const noisy = levels([-60, 50], [-20, 100], [-60, 50]);
    assert.ok(soundThreshold(clean) > -100 && soundThreshold(clean) < -40);
    const t = soundThreshold(noisy);
    assert.ok(t > -60 && t < -20, `${t}`);
  });

  it('reads the noise floor past digital silence an editor padded the recording with', () => {
    const padded = levels([-100, 200], [-55, 50], [-20, 100], [-55, 50]);
    assert.ok(soundThreshold(padded) > -55, `${soundThreshold(padded)}`);
  });

  it('takes a click inside a silence as silence, but keeps a short sound that starts the recording', () => {
    const db = levels([-20, 2], [-90, 20], [-20, 2], [-90, 20], [-20, 30]);
    const sound = soundFrames(db, -50, 3);
    assert.deepEqual([...sound.subarray(0, 2)], [1, 1]);
    assert.deepEqual([...sound.subarray(22, 24)], [0, 0]);
    assert.ok(sound.subarray(44).every((s) => s === 1));
  });

  it('finds pauses of at least the minimum, and the silence at both ends whatever its length', () => {
    const sound = Uint8Array.from([0, 0, 1, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1, 1, 0]);
    assert.deepEqual(findPauses(sound, { minPauseFrames: 4 }), [
      { from: 0, to: 2 },
      { from: 8, to: 13 },
      { from: 15, to: 16 },
    ]);
    assert.deepEqual(findPauses(Uint8Array.from([1, 1, 1]), { minPauseFrames: 2 }), []);
  });
});
