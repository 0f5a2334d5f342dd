import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { breakMarkup, cutAtGaps, gappedText, readReference } from '../../functions/providers/espeak-reference.ts';
import type { Wav } from '../../functions/media/wav.ts';

const RATE = 8000;

/** A mono WAV of sound (a square wave) and digital silence, in the order given: [seconds, sound?]. */
function wav(...parts: [number, boolean][]): Wav {
  const samples: number[] = [];
  for (const [s, sound] of parts) for (let k = 0; k < Math.round(s * RATE); k++) samples.push(sound ? (k % 20 < 10 ? 3000 : -3000) : 0);
  const pcm = Buffer.alloc(samples.length * 2);
  samples.forEach((v, k) => pcm.writeInt16LE(v, 2 * k));
  return { format: { sampleRate: RATE, channels: 1, bitsPerSample: 16 }, pcm };
}

describe('espeak-ng reference reading', () => {
  it('asks espeak-ng for each word on its own: a zero-width space after each, phoneme brackets broken up', () => {
    assert.equal(gappedText(['one', 'of', '[[x]]']), 'one\u200b of\u200b [ [x]]');
  });

  it('writes SSML with a break after every word but the last, the text escaped', () => {
    assert.equal(breakMarkup(['Tom', '&', '<Jerry>']), '<speak>Tom <break time="500ms"/> &amp; <break time="500ms"/> &lt;Jerry&gt;</speak>');
  });

  it('cuts the gaps out (a comma lengthens one) and keeps each word where its sound is', () => {
    const r = cutAtGaps(wav([0.05, false], [0.2, true], [0.52, false], [0.3, true], [0.8, false], [0.25, true], [0.05, false]), ['a,', 'b', 'c.'], 'gaps');
    assert.equal(r.how, 'gaps');
    assert.equal(r.samples.length, Math.round(0.75 * RATE));
    assert.deepEqual(
      r.words.map((w) => [Number(w.startS.toFixed(3)), Number(w.endS.toFixed(3)), w.pauseAfter]),
      [
        [0, 0.2, true],
        [0.2, 0.5, false],
        [0.5, 0.75, true],
      ],
    );
  });

  it('gives a word espeak-ng said nothing for (a double gap) no sound, where the next word starts', () => {
    const r = cutAtGaps(wav([0.2, true], [1.05, false], [0.3, true]), ['a', '—', 'b'], 'gaps');
    assert.equal(r.how, 'gaps');
    assert.deepEqual(r.words.map((w) => [Number(w.startS.toFixed(2)), Number(w.endS.toFixed(2))]), [[0, 0.2], [0.2, 0.2], [0.2, 0.5]]);
  });

  it('shares the sound by spoken weight when the gaps do not add up to the words', () => {
    const r = cutAtGaps(wav([0.2, true], [1, false], [0.2, true], [1, false], [0.2, true]), ['one', 'two'], 'gaps');
    assert.equal(r.how, 'weight');
    assert.equal(r.words.length, 2);
    assert.equal(r.words[0]!.startS, 0);
    assert.ok(Math.abs(r.words[1]!.endS - r.samples.length / RATE) < 1e-9);
  });

  it('reads running speech with a gap per word, and a sentence whose words espeak-ng splits word by word', async () => {
    const [running, split] = await readReference([['one', 'of', 'the', 'most.'], ['well-known', 'U.S.', 'facts.']], {
      espeakPath: process.env.ESPEAK_PATH || 'espeak-ng',
      voice: 'en-us',
      signal: AbortSignal.timeout(60_000),
    });
    assert.equal(running!.how, 'gaps');
    assert.equal(split!.how, 'breaks');
    for (const r of [running!, split!]) {
      assert.ok(r.words.every((w, k) => w.endS > w.startS && (k === 0 || w.startS === r.words[k - 1]!.endS)));
      assert.ok(Math.abs(r.words.at(-1)!.endS - r.samples.length / r.sampleRate) < 1e-9);
    }
    // "of" in running speech is the short weak form: well under a quarter of a second.
    assert.ok(running!.words[1]!.endS - running!.words[1]!.startS < 0.25);
  });
});
