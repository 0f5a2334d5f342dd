import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PowerSpectrum } from '../../functions/alignment/fft.ts';
import { CEPSTRA, cepstraOf, frameAt, frameTime, HOP_S, spectraOf, speechFeatures } from '../../functions/alignment/features.ts';

/** A sum of sines (amplitudes in full-scale units) as 16-bit samples. */
function tones(sampleRate: number, seconds: number, parts: { hz: number; amp: number }[]): Int16Array {
  const n = Math.round(sampleRate * seconds);
  const out = new Int16Array(n);
  for (let k = 0; k < n; k++) {
    let x = 0;
    for (const p of parts) x += p.amp * Math.sin((2 * Math.PI * p.hz * k) / sampleRate);
    out[k] = Math.round(x * 32767);
  }
  return out;
}

function distance(a: Float32Array, b: Float32Array, from: number): number {
  let s = 0;
  for (let c = from; c < CEPSTRA; c++) s += (a[c]! - b[c]!) ** 2;
  return Math.sqrt(s);
}

describe('power spectrum', () => {
  it('puts a sine in its bin, and its energy where Parseval says', () => {
    const fft = new PowerSpectrum(64);
    const frame = Float64Array.from({ length: 64 }, (_, k) => Math.cos((2 * Math.PI * 5 * k) / 64));
    const out = new Float64Array(33);
    fft.compute(frame, out);
    const peak = out.indexOf(Math.max(...out));
    assert.equal(peak, 5);
    // |X[5]|² = (N/2)² for a unit cosine; everything else is numerical dust.
    assert.ok(Math.abs(out[5]! - 32 * 32) < 1e-6);
    assert.ok(out.every((v, k) => k === 5 || v < 1e-9));
  });

  it('zero-pads a short frame and refuses a size that is not a power of two', () => {
    const fft = new PowerSpectrum(8);
    const out = new Float64Array(5);
    fft.compute([1], out);
    assert.deepEqual([...out].map((v) => Math.round(v * 1e9) / 1e9), [1, 1, 1, 1, 1]);
    assert.throws(() => new PowerSpectrum(12), /power of two/);
  });
});

describe('speech features', () => {
  it('frames every 10 ms, and maps times to frames and back', () => {
    const f = speechFeatures(tones(16000, 1, [{ hz: 440, amp: 0.3 }]), 16000);
    assert.equal(f.frames, 100);
    assert.equal(f.cepstra.length, 100 * CEPSTRA);
    assert.equal(frameAt(frameTime(37)), 37);
    assert.ok(Math.abs(frameTime(frameAt(1.234)) - 1.234) <= HOP_S / 2);
  });

  it('gives a loud frame its level and digital silence -100 dB', () => {
    const s = new Int16Array(16000);
    s.set(tones(16000, 0.5, [{ hz: 300, amp: 0.5 }]), 8000);
    const f = speechFeatures(s, 16000);
    assert.equal(f.energyDb[10], -100);
    // A sine of amplitude 0.5 has a mean square of 0.125: -9 dB.
    assert.ok(Math.abs(f.energyDb[80]! + 9.03) < 0.1, `${f.energyDb[80]}`);
  });

  it('reads the same sound alike at 16 and 22.05 kHz (so espeak-ng and a recording compare)', () => {
    const sound = [
      { hz: 500, amp: 0.3 },
      { hz: 1500, amp: 0.1 },
      { hz: 2500, amp: 0.05 },
    ];
    const a = speechFeatures(tones(16000, 0.3, sound), 16000);
    const b = speechFeatures(tones(22050, 0.3, sound), 22050);
    const other = speechFeatures(tones(16000, 0.3, [{ hz: 900, amp: 0.3 }, { hz: 3100, amp: 0.1 }]), 16000);
    const at = (f: typeof a) => f.cepstra.subarray(10 * CEPSTRA, 11 * CEPSTRA);
    // c1..c12 (the envelope's shape) of one sound at two rates against another sound at one rate.
    const same = distance(at(a), at(b), 1);
    const different = distance(at(a), at(other), 1);
    assert.ok(same < different / 4, `same sound ${same.toFixed(2)}, other sound ${different.toFixed(2)}`);
  });

  it('a warp reads formants higher: a 1000 Hz sound warped by 1.2 matches a 1200 Hz one', () => {
    const low = spectraOf(tones(16000, 0.3, [{ hz: 1000, amp: 0.3 }, { hz: 2200, amp: 0.1 }]), 16000, [1, 1.2]);
    const high = spectraOf(tones(16000, 0.3, [{ hz: 1200, amp: 0.3 }, { hz: 2640, amp: 0.1 }]), 16000);
    const at = (f: ReturnType<typeof cepstraOf>) => f.cepstra.subarray(10 * CEPSTRA, 11 * CEPSTRA);
    const warped = distance(at(cepstraOf(low, 1.2)), at(cepstraOf(high, 1)), 1);
    const plain = distance(at(cepstraOf(low, 1)), at(cepstraOf(high, 1)), 1);
    assert.ok(warped < plain / 2, `warped ${warped.toFixed(2)}, unwarped ${plain.toFixed(2)}`);
  });
});
