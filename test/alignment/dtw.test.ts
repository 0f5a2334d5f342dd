import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fastWarp, fullBand, projectPath, warpInBand, type Frames } from '../../functions/alignment/dtw.ts';
import { seededRandom } from '../../functions/lib/seeded-random.ts';

interface Seq extends Frames {
  v: number[];
}

const seq = (v: number[]): Seq => ({ length: v.length, v });
const options = (radius: number) => ({
  distance: (a: Seq, i: number, b: Seq, j: number) => Math.abs(a.v[i]! - b.v[j]!),
  halve: (s: Seq) => seq(Array.from({ length: Math.ceil(s.length / 2) }, (_, k) => (s.v[2 * k]! + (s.v[2 * k + 1] ?? s.v[2 * k]!)) / 2)),
  radius,
});

function total(a: Seq, b: Seq, path: { i: Int32Array; j: Int32Array }): number {
  let s = 0;
  for (let k = 0; k < path.i.length; k++) s += Math.abs(a.v[path.i[k]!]! - b.v[path.j[k]!]!);
  return s;
}

function assertMonotoneAndConnected(path: { i: Int32Array; j: Int32Array }, n: number, m: number): void {
  assert.deepEqual([path.i[0], path.j[0]], [0, 0]);
  assert.deepEqual([path.i.at(-1), path.j.at(-1)], [n - 1, m - 1]);
  for (let k = 1; k < path.i.length; k++) {
    const di = path.i[k]! - path.i[k - 1]!;
    const dj = path.j[k]! - path.j[k - 1]!;
    assert.ok(di >= 0 && di <= 1 && dj >= 0 && dj <= 1 && di + dj >= 1, `step ${k}: (${di}, ${dj})`);
  }
}

describe('time warping', () => {
  it('finds the cheapest path of the full matrix on small sequences', () => {
    const a = seq([0, 1, 2, 3, 2, 1, 0]);
    const b = seq([0, 0, 1, 2, 2, 3, 3, 2, 1, 0]);
    const path = warpInBand(a, b, fullBand(a.length, b.length), options(0));
    assertMonotoneAndConnected(path, a.length, b.length);
    assert.equal(total(a, b, path), 0);
    assert.equal(path.cost.length, path.i.length);
  });

  it('recovers a known stretch of a long signal within its band, as the full search would', () => {
    const random = seededRandom(3);
    // A smooth random walk, and the same walk with a varying speed (as a slower, uneven reader).
    const a: number[] = [];
    let x = 0;
    for (let k = 0; k < 600; k++) a.push((x += random() - 0.5));
    const b: number[] = [];
    const truth: number[] = [];
    for (let k = 0; k < a.length; k++) {
      const copies = 1 + Math.floor(k / 150) % 2 + (random() < 0.2 ? 1 : 0);
      for (let c = 0; c < copies; c++) {
        b.push(a[k]!);
        truth.push(k);
      }
    }
    const path = fastWarp(seq(a), seq(b), options(8));
    assertMonotoneAndConnected(path, a.length, b.length);
    // Every frame of b is matched to the frame of a it was copied from (or one holding the same value).
    for (let k = 0; k < path.i.length; k++) assert.equal(a[path.i[k]!], a[truth[path.j[k]!]!]);
    const full = warpInBand(seq(a), seq(b), fullBand(a.length, b.length), options(0));
    assert.equal(total(seq(a), seq(b), path), total(seq(a), seq(b), full));
  });

  it('keeps a band no wider than the radius around the coarse path (memory linear in length)', () => {
    const coarse = { i: Int32Array.from([0, 1, 2, 3, 4]), j: Int32Array.from([0, 1, 2, 3, 4]) };
    const band = projectPath(coarse, 10, 10, 2);
    assert.equal(band.lo[0], 0);
    assert.equal(band.hi[9], 9);
    for (let i = 0; i < 10; i++) {
      assert.ok(band.lo[i]! <= i && band.hi[i]! >= i, `row ${i} covers the diagonal`);
      assert.ok(band.hi[i]! - band.lo[i]! + 1 <= 2 * 2 + 2 + 4, `row ${i} is ${band.hi[i]! - band.lo[i]! + 1} wide`);
      if (i > 0) assert.ok(band.lo[i]! >= band.lo[i - 1]! && band.hi[i]! >= band.hi[i - 1]!);
    }
  });

  it('refuses an empty sequence', () => {
    assert.throws(() => fastWarp(seq([]), seq([1]), options(2)), /empty/);
  });
});
