import assert from 'node:assert/strict';
import { describe, it, mock } from 'node:test';
import { createLogger } from '../../functions/log.ts';
import { ProgressWriter } from '../../functions/worker/progress-writer.ts';

describe('ProgressWriter', () => {
  it('writes at most once per interval, only when something changed, and the last value on close', async () => {
    mock.timers.enable({ apis: ['setTimeout', 'Date'] });
    try {
      const writes: string[] = [];
      const w = new ProgressWriter({ write: async (s, p) => void writes.push(`${s}:${p}`), intervalMs: 2000, log: createLogger('fatal') });
      w.report('speech', 2);
      mock.timers.tick(0);
      await Promise.resolve();
      assert.deepEqual(writes, ['speech:2'], 'the first report goes out at once');
      for (let p = 30; p <= 60; p += 0.25) w.report('render', p);
      mock.timers.tick(1999);
      await Promise.resolve();
      assert.deepEqual(writes, ['speech:2'], 'nothing within the interval');
      mock.timers.tick(1);
      await new Promise((r) => setImmediate(r));
      assert.deepEqual(writes, ['speech:2', 'render:60'], 'only the latest of many reports');
      w.report('render', 60.2);
      mock.timers.tick(5000);
      await new Promise((r) => setImmediate(r));
      assert.equal(writes.length, 2, 'no write when nothing changed');
      w.report('upload', 92);
      await w.close();
      assert.deepEqual(writes, ['speech:2', 'render:60', 'upload:92']);
    } finally {
      mock.timers.reset();
    }
  });

  it('a failed write is logged and the next one still goes', async () => {
    let n = 0;
    const w = new ProgressWriter({
      write: async () => {
        if (++n === 1) throw new Error('store down');
      },
      intervalMs: 0,
      log: createLogger('fatal'),
    });
    w.report('speech', 1);
    await w.close();
    w.report('footage', 20);
    await w.close();
    assert.equal(n, 2);
  });
});
