// A small deterministic PRNG so that a request's `seed` picks the same clips and colours every
// time: Math.random cannot be seeded, and reproducible output is what a seed promises.

export type Random = () => number;

/** mulberry32: 32-bit state, good enough spread for picking clips; returns floats in [0, 1). */
export function seededRandom(seed: number): Random {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** An integer in [0, n). */
export function randomInt(random: Random, n: number): number {
  return Math.floor(random() * n);
}

/** A shuffled copy (Fisher–Yates); the input is left alone. */
export function shuffle<T>(items: readonly T[], random: Random): T[] {
  const out = items.slice();
  for (let i = out.length - 1; i > 0; i--) {
    const j = randomInt(random, i + 1);
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

/** One item, or undefined for an empty list. */
export function pick<T>(items: readonly T[], random: Random): T | undefined {
  return items.length ? items[randomInt(random, items.length)] : undefined;
}

/**
 * Derives an independent seed for a sub-choice (scene 2's clips, the gradient colours) so that
 * adding a scene does not reshuffle the choices made for the others.
 */
export function deriveSeed(seed: number, label: string | number): number {
  let h = (seed ^ 0x9e3779b9) >>> 0;
  for (const ch of String(label)) {
    h = Math.imul(h ^ ch.codePointAt(0)!, 0x01000193) >>> 0;
  }
  return seededRandom(h)() * 4294967296 >>> 0;
}
