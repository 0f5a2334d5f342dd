/** Seconds (or any measure) rounded to thousandths: the precision timings are kept and stored at. */
export const round3 = (n: number): number => Math.round(n * 1000) / 1000;
