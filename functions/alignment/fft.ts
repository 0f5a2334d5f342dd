// The power spectrum of a real frame: an iterative radix-2 FFT with its tables built once per
// size. Speech features need one short transform per 10 ms of audio, so a plain FFT is plenty
// (a minute of audio is 6,000 transforms of 512 points).

export class PowerSpectrum {
  /** Transform length, a power of two. */
  readonly size: number;
  readonly #rev: Uint32Array;
  readonly #cos: Float64Array;
  readonly #sin: Float64Array;
  readonly #re: Float64Array;
  readonly #im: Float64Array;

  constructor(size: number) {
    if (!(size >= 2 && (size & (size - 1)) === 0)) throw new Error(`FFT size must be a power of two, got ${size}`);
    this.size = size;
    const bits = Math.log2(size);
    this.#rev = new Uint32Array(size);
    for (let i = 0; i < size; i++) {
      let r = 0;
      for (let b = 0; b < bits; b++) r |= ((i >> b) & 1) << (bits - 1 - b);
      this.#rev[i] = r;
    }
    this.#cos = new Float64Array(size / 2);
    this.#sin = new Float64Array(size / 2);
    for (let k = 0; k < size / 2; k++) {
      this.#cos[k] = Math.cos((2 * Math.PI * k) / size);
      this.#sin[k] = -Math.sin((2 * Math.PI * k) / size);
    }
    this.#re = new Float64Array(size);
    this.#im = new Float64Array(size);
  }

  /**
   * |X[k]|² for k = 0..size/2 of `frame` (zero-padded to `size`), written into `out`
   * (length size/2 + 1). The input is not modified.
   */
  compute(frame: ArrayLike<number>, out: Float64Array): void {
    const n = this.size;
    const re = this.#re;
    const im = this.#im;
    const rev = this.#rev;
    for (let i = 0; i < n; i++) {
      const j = rev[i]!;
      re[j] = i < frame.length ? frame[i]! : 0;
      im[j] = 0;
    }
    for (let len = 2; len <= n; len <<= 1) {
      const half = len >> 1;
      const step = n / len;
      for (let start = 0; start < n; start += len) {
        for (let k = 0; k < half; k++) {
          const wr = this.#cos[k * step]!;
          const wi = this.#sin[k * step]!;
          const a = start + k;
          const b = a + half;
          const xr = re[b]! * wr - im[b]! * wi;
          const xi = re[b]! * wi + im[b]! * wr;
          re[b] = re[a]! - xr;
          im[b] = im[a]! - xi;
          re[a] = re[a]! + xr;
          im[a] = im[a]! + xi;
        }
      }
    }
    for (let k = 0; k <= n / 2; k++) out[k] = re[k]! * re[k]! + im[k]! * im[k]!;
  }
}
