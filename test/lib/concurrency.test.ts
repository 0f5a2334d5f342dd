import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { mapLimit } from '../../functions/lib/concurrency.ts';
import { ByteBudget } from '../../functions/lib/byte-budget.ts';

describe('mapLimit', () => {
  test('keeps order and never exceeds the limit', async () => {
    let running = 0;
    let peak = 0;
    const out = await mapLimit([5, 1, 4, 2, 3], 2, async (n, i) => {
      running++;
      peak = Math.max(peak, running);
      await new Promise((r) => setTimeout(r, n * 5));
      running--;
      return `${i}:${n}`;
    });
    assert.deepEqual(out, ['0:5', '1:1', '2:4', '3:2', '4:3']);
    assert.equal(peak, 2);
  });

  test('stops starting work after a failure and waits for running work', async () => {
    const started: number[] = [];
    let settled = 0;
    await assert.rejects(
      mapLimit([0, 1, 2, 3, 4, 5], 2, async (n) => {
        started.push(n);
        await new Promise((r) => setTimeout(r, 10));
        settled++;
        if (n === 1) throw new Error('boom');
        return n;
      }),
      /boom/,
    );
    assert.equal(settled, started.length, 'no work left running');
    assert.ok(started.length < 6);
  });

  test('empty input', async () => {
    assert.deepEqual(await mapLimit([], 3, async () => 1), []);
  });
});

describe('ByteBudget', () => {
  test('takes what fits, refuses what does not (taking nothing), and takes back what is given', () => {
    const b = new ByteBudget(100);
    assert.equal(b.take(60), true);
    assert.equal(b.take(50), false);
    assert.equal(b.used, 60);
    assert.equal(b.remaining, 40);
    assert.equal(b.take(40), true);
    b.give(70);
    assert.equal(b.remaining, 70);
    b.give(1000);
    assert.equal(b.used, 0);
  });
});
