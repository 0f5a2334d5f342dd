// Integrated loudness (ITU-R BS.1770-4, EBU R128), in process, of a voice measured the way the
// video carries it: one channel as dual mono, which sums to 3 dB above the channel alone, as
// ffmpeg's ebur128 measures `pan=stereo|c0=c0|c1=c0` (render-args measureLoudnessArgs). The
// K-weighting is designed for the signal's own rate; blocks of 400 ms start every 100 ms; blocks
// under −70 LUFS are gated out, then those 10 LU under the mean of the rest. Pure.

/** The two biquads of the K-weighting (a high shelf for the head, a high-pass), from their analog prototypes as BS.1770 gives them at 48 kHz. */
export function kWeighting(sampleRate: number): { shelf: Biquad; highPass: Biquad } {
  let k = Math.tan((Math.PI * 1681.974450955533) / sampleRate);
  let q = 0.7071752369554196;
  const vh = 10 ** (3.999843853973347 / 20);
  const vb = vh ** 0.4996667741545416;
  let a0 = 1 + k / q + k * k;
  const shelf: Biquad = {
    b: [(vh + (vb * k) / q + k * k) / a0, (2 * (k * k - vh)) / a0, (vh - (vb * k) / q + k * k) / a0],
    a: [(2 * (k * k - 1)) / a0, (1 - k / q + k * k) / a0],
  };
  k = Math.tan((Math.PI * 38.13547087602444) / sampleRate);
  q = 0.5003270373238773;
  a0 = 1 + k / q + k * k;
  const highPass: Biquad = { b: [1, -2, 1], a: [(2 * (k * k - 1)) / a0, (1 - k / q + k * k) / a0] };
  return { shelf, highPass };
}

/** b0..b2 over a1, a2 (a0 = 1). */
export interface Biquad {
  b: [number, number, number];
  a: [number, number];
}

/** The gates of BS.1770-4: absolute, in LUFS; relative, in LU under the mean loudness of the blocks above the absolute gate. */
const ABSOLUTE_GATE = -70;
const RELATIVE_GATE = -10;
/** Channels of the voice as the video carries it: each weighs 1 (front left and right). */
const DUAL_MONO = 2;

/** Below this rate the K-weighting's shelf (1.7 kHz) is too near Nyquist to design. */
export const MIN_METER_RATE = 8000;

const loudnessOf = (power: number) => -0.691 + 10 * Math.log10(power);

/** Samples in, one at a time in runs of any length; `integrated()` at the end. */
export class LoudnessMeter {
  readonly #step: number;
  readonly #blockLength: number;
  readonly #f: { shelf: Biquad; highPass: Biquad };
  /** Each step's (100 ms) sum of K-weighted squares, the last four: a block is four steps. */
  readonly #steps: number[] = [];
  #stepSum = 0;
  #inStep = 0;
  /** Every block's mean square, as dual mono: 10 a second, a few kB for a long narration. */
  readonly #blocks: number[] = [];
  // The filters' state (direct form I): inputs and outputs one and two samples back.
  #x1 = 0;
  #x2 = 0;
  #y1 = 0;
  #y2 = 0;
  #z1 = 0;
  #z2 = 0;

  constructor(sampleRate: number) {
    if (!(sampleRate >= MIN_METER_RATE)) throw new Error(`no loudness meter for ${sampleRate} Hz`);
    this.#f = kWeighting(sampleRate);
    this.#step = Math.round(sampleRate / 10);
    this.#blockLength = 4 * this.#step;
  }

  /** Samples of the voice's channel, full scale ±1, from `from` every `stride` (an interleaved file's first channel). */
  push(samples: ArrayLike<number>, scale = 1, from = 0, stride = 1): void {
    const { shelf, highPass } = this.#f;
    const [sb0, sb1, sb2] = shelf.b;
    const [sa1, sa2] = shelf.a;
    const [ha1, ha2] = highPass.a;
    let [x1, x2, y1, y2, z1, z2] = [this.#x1, this.#x2, this.#y1, this.#y2, this.#z1, this.#z2];
    let sum = this.#stepSum;
    let inStep = this.#inStep;
    for (let i = from; i < samples.length; i += stride) {
      const x = samples[i]! * scale;
      const y = sb0 * x + sb1 * x1 + sb2 * x2 - sa1 * y1 - sa2 * y2;
      // The high-pass's b is [1, -2, 1].
      const z = y - 2 * y1 + y2 - ha1 * z1 - ha2 * z2;
      x2 = x1;
      x1 = x;
      y2 = y1;
      y1 = y;
      z2 = z1;
      z1 = z;
      sum += z * z;
      if (++inStep === this.#step) {
        this.#endStep(sum);
        sum = 0;
        inStep = 0;
      }
    }
    [this.#x1, this.#x2, this.#y1, this.#y2, this.#z1, this.#z2] = [x1, x2, y1, y2, z1, z2];
    this.#stepSum = sum;
    this.#inStep = inStep;
  }

  #endStep(sum: number): void {
    this.#steps.push(sum);
    if (this.#steps.length > 4) this.#steps.shift();
    if (this.#steps.length === 4) this.#blocks.push((DUAL_MONO * (this.#steps[0]! + this.#steps[1]! + this.#steps[2]! + this.#steps[3]!)) / this.#blockLength);
  }

  /** The integrated loudness (LUFS) of what was pushed, or null for silence (nothing above the absolute gate). */
  integrated(): number | null {
    const audible = this.#blocks.filter((p) => loudnessOf(p) >= ABSOLUTE_GATE);
    if (audible.length === 0) return null;
    const relative = loudnessOf(mean(audible)) + RELATIVE_GATE;
    const kept = audible.filter((p) => loudnessOf(p) >= relative);
    const lufs = loudnessOf(mean(kept));
    return lufs > ABSOLUTE_GATE ? lufs : null;
  }
}

function mean(xs: number[]): number {
  let s = 0;
  for (const x of xs) s += x;
  return s / xs.length;
}
