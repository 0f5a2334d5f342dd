import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it, mock } from 'node:test';
import { every } from '../../functions/lib/every.ts';

/** Lets the promise callbacks queued by a tick run (setImmediate is not mocked). */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('every', () => {
  beforeEach(() => mock.timers.enable({ apis: ['setInterval'] }));
  afterEach(() => mock.timers.reset());

  it('hands a failed run to onError instead of dropping it, and keeps running', async () => {
    const errors: unknown[] = [];
    let runs = 0;
    const t = every(
      1000,
      async () => {
        runs++;
        throw new Error(`run ${runs} failed`);
      },
      (err) => errors.push(err),
    );
    try {
      mock.timers.tick(1000);
      await settle();
      mock.timers.tick(1000);
      await settle();
      assert.equal(runs, 2);
      assert.deepEqual(errors.map((e) => (e as Error).message), ['run 1 failed', 'run 2 failed']);
    } finally {
      clearInterval(t);
    }
  });

  it('never starts a run while the last one is still going', async () => {
    let release = () => {};
    let runs = 0;
    const t = every(
      1000,
      () => {
        runs++;
        return new Promise<void>((r) => (release = r));
      },
      () => assert.fail('no error'),
    );
    try {
      mock.timers.tick(1000);
      mock.timers.tick(1000);
      assert.equal(runs, 1);
      release();
      await settle();
      mock.timers.tick(1000);
      assert.equal(runs, 2);
    } finally {
      clearInterval(t);
    }
  });
});
