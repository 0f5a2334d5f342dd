import assert from 'node:assert/strict';
import { test } from 'node:test';
import { deriveSeed, pick, randomInt, seededRandom, shuffle } from '../../functions/lib/seeded-random.ts';

test('same seed gives the same sequence; another seed a different one', () => {
  const a = seededRandom(42);
  const b = seededRandom(42);
  const c = seededRandom(43);
  const sa = Array.from({ length: 20 }, a);
  assert.deepEqual(sa, Array.from({ length: 20 }, b));
  assert.notDeepEqual(sa, Array.from({ length: 20 }, c));
  assert.ok(sa.every((x) => x >= 0 && x < 1));
});

test('values spread over [0, 1)', () => {
  const r = seededRandom(7);
  const buckets = new Array(10).fill(0);
  for (let i = 0; i < 10_000; i++) buckets[Math.floor(r() * 10)]++;
  for (const n of buckets) assert.ok(n > 850 && n < 1150, `bucket ${n}`);
});

test('shuffle is a deterministic permutation that leaves the input alone', () => {
  const items = ['a', 'b', 'c', 'd', 'e', 'f', 'g'];
  const s1 = shuffle(items, seededRandom(1));
  assert.deepEqual(s1, shuffle(items, seededRandom(1)));
  assert.deepEqual([...s1].sort(), items);
  assert.deepEqual(items, ['a', 'b', 'c', 'd', 'e', 'f', 'g']);
  const seen = new Set(Array.from({ length: 30 }, (_, seed) => shuffle(items, seededRandom(seed)).join('')));
  assert.ok(seen.size > 20, 'different seeds give different orders');
});

test('pick and randomInt stay in range; pick of nothing is undefined', () => {
  const r = seededRandom(5);
  for (let i = 0; i < 1000; i++) {
    const n = randomInt(r, 3);
    assert.ok(Number.isInteger(n) && n >= 0 && n < 3);
  }
  assert.equal(pick([], r), undefined);
  assert.equal(pick(['x', 'y'], seededRandom(9)), pick(['x', 'y'], seededRandom(9)));
});

test('deriveSeed is stable, 32-bit, and differs per label', () => {
  assert.equal(deriveSeed(1, 'scene-0'), deriveSeed(1, 'scene-0'));
  assert.notEqual(deriveSeed(1, 'scene-0'), deriveSeed(1, 'scene-1'));
  assert.notEqual(deriveSeed(1, 'scene-0'), deriveSeed(2, 'scene-0'));
  const s = deriveSeed(0xffffffff, 3);
  assert.ok(Number.isInteger(s) && s >= 0 && s <= 0xffffffff);
});
