import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { StageTimings } from '../../functions/lib/stage-timings.ts';

describe('StageTimings', () => {
  it('sums each stage over its runs, counts them, adds reported CPU, in the order stages first ran', async () => {
    let t = 0;
    const timings = new StageTimings(() => t);
    await timings.time('speech', async () => {
      t += 1200;
    });
    await timings.time('probe', async () => {
      t += 40.4;
    });
    await timings.time('probe', async () => {
      t += 35.2;
    });
    timings.addCpu('probe', 0.02);
    timings.addCpu('probe', 0.0304);
    timings.addCpu('probe', null);
    assert.deepEqual(timings.snapshot(), {
      speech: { seconds: 1.2, runs: 1 },
      probe: { seconds: 0.076, runs: 2, cpuS: 0.05 },
    });
  });

  it('counts a stage that throws, and rethrows', async () => {
    let t = 0;
    const timings = new StageTimings(() => t);
    await assert.rejects(
      timings.time('render', async () => {
        t += 500;
        throw new Error('boom');
      }),
      /boom/,
    );
    assert.deepEqual(timings.snapshot(), { render: { seconds: 0.5, runs: 1 } });
  });

  it('overlapping stages each count their own time', async () => {
    const timings = new StageTimings();
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const a = timings.time('speech', () => gate);
    const b = timings.time('footage', () => gate);
    release();
    await Promise.all([a, b]);
    const s = timings.snapshot();
    assert.deepEqual(Object.keys(s), ['speech', 'footage']);
    assert.ok(s.speech!.runs === 1 && s.footage!.runs === 1);
  });
});
