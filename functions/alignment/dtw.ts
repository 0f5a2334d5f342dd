// Dynamic time warping of two frame sequences in linear time and memory: the cheapest monotone
// path from (0, 0) to (n-1, m-1) is found at half the resolution first (recursively), and the
// full-resolution search only looks within `radius` frames of that path (FastDTW, Salvador &
// Chan 2007). Only the cells of that band are stored.

/** A sequence to align: `length` frames, compared by the caller's distance. */
export interface Frames {
  length: number;
}

/** Which cells of each row (a frame of the first sequence) may be on the path: [lo, hi], inclusive. */
export interface Band {
  lo: Int32Array;
  hi: Int32Array;
}

export interface WarpPath {
  /** Path cells in order: row i[k] of the first sequence is matched with column j[k] of the second. */
  i: Int32Array;
  j: Int32Array;
  /** The distance of each cell on the path. */
  cost: Float32Array;
}

export interface WarpOptions<F extends Frames> {
  /** Distance of frame i of `a` to frame j of `b`; non-negative. */
  distance(a: F, i: number, b: F, j: number): number;
  /** The same sequence at half the resolution (frames 2k and 2k+1 merged). */
  halve(f: F): F;
  /** Cells either side of the projected coarse path searched at the finer level. */
  radius: number;
  /** Added to a step that advances one sequence only, so that stretches need a reason. */
  stepPenalty?: number;
}

/** Sequences this short are aligned with no band (every cell). */
const FULL_SEARCH_FRAMES = 64;

export function fastWarp<F extends Frames>(a: F, b: F, opts: WarpOptions<F>): WarpPath {
  if (a.length === 0 || b.length === 0) throw new Error('cannot warp an empty sequence');
  if (a.length <= FULL_SEARCH_FRAMES || b.length <= FULL_SEARCH_FRAMES) {
    return warpInBand(a, b, fullBand(a.length, b.length), opts);
  }
  const coarse = fastWarp(opts.halve(a), opts.halve(b), opts);
  return warpInBand(a, b, projectPath(coarse, a.length, b.length, opts.radius), opts);
}

export function fullBand(n: number, m: number): Band {
  return { lo: new Int32Array(n), hi: new Int32Array(n).fill(m - 1) };
}

/**
 * The band at full resolution around a path found at half resolution: each coarse cell covers
 * 2×2 fine cells, widened by `radius` in every direction. Rows stay contiguous and monotone, so
 * a path through the band always exists.
 */
export function projectPath(coarse: Pick<WarpPath, 'i' | 'j'>, n: number, m: number, radius: number): Band {
  const lo0 = new Int32Array(n).fill(m);
  const hi0 = new Int32Array(n).fill(-1);
  for (let k = 0; k < coarse.i.length; k++) {
    const ci = coarse.i[k]!;
    const cj = coarse.j[k]!;
    for (let i = 2 * ci; i <= Math.min(n - 1, 2 * ci + 1); i++) {
      lo0[i] = Math.min(lo0[i]!, 2 * cj);
      hi0[i] = Math.max(hi0[i]!, Math.min(m - 1, 2 * cj + 1));
    }
  }
  // A row no coarse cell covers (there is none when halve keeps a lone last frame) takes its neighbour's columns.
  for (let i = 1; i < n; i++) {
    if (hi0[i]! < 0) {
      lo0[i] = lo0[i - 1]!;
      hi0[i] = hi0[i - 1]!;
    }
  }
  hi0[n - 1] = m - 1;
  const lo = new Int32Array(n);
  const hi = new Int32Array(n);
  // lo0 and hi0 are non-decreasing along the rows (the path is monotone), so the widest reach
  // within `radius` rows is at the ends of that window.
  for (let i = 0; i < n; i++) {
    lo[i] = Math.max(0, lo0[Math.max(0, i - radius)]! - radius);
    hi[i] = Math.min(m - 1, hi0[Math.min(n - 1, i + radius)]! + radius);
  }
  lo[0] = 0;
  return { lo, hi };
}

/** The cheapest path inside `band` (steps: diagonal, down, right). */
export function warpInBand<F extends Frames>(a: F, b: F, band: Band, opts: WarpOptions<F>): WarpPath {
  const n = a.length;
  const { lo, hi } = band;
  const penalty = opts.stepPenalty ?? 0;
  const offset = new Int32Array(n + 1);
  for (let i = 0; i < n; i++) offset[i + 1] = offset[i]! + (hi[i]! - lo[i]! + 1);
  const acc = new Float32Array(offset[n]!);
  const at = (i: number, j: number): number => (i >= 0 && j >= lo[i]! && j <= hi[i]! ? acc[offset[i]! + j - lo[i]!]! : Infinity);

  for (let i = 0; i < n; i++) {
    const row = offset[i]!;
    for (let j = lo[i]!; j <= hi[i]!; j++) {
      const d = opts.distance(a, i, b, j);
      let best: number;
      if (i === 0 && j === 0) best = 0;
      else best = Math.min(at(i - 1, j - 1), at(i - 1, j) + penalty, j > lo[i]! ? acc[row + j - 1 - lo[i]!]! + penalty : Infinity);
      acc[row + j - lo[i]!] = d + best;
    }
  }

  const m = b.length;
  const pi: number[] = [];
  const pj: number[] = [];
  let i = n - 1;
  let j = m - 1;
  if (!Number.isFinite(at(i, j))) throw new Error('the band does not reach the end of both sequences');
  for (;;) {
    pi.push(i);
    pj.push(j);
    if (i === 0 && j === 0) break;
    const diag = at(i - 1, j - 1);
    const up = at(i - 1, j) + penalty;
    const left = at(i, j - 1) + penalty;
    if (diag <= up && diag <= left) {
      i--;
      j--;
    } else if (up <= left) i--;
    else j--;
  }
  pi.reverse();
  pj.reverse();
  const path: WarpPath = { i: Int32Array.from(pi), j: Int32Array.from(pj), cost: new Float32Array(pi.length) };
  for (let k = 0; k < pi.length; k++) path.cost[k] = opts.distance(a, pi[k]!, b, pj[k]!);
  return path;
}
