import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { addStageCpu, stage, StageTimings } from '../../functions/lib/stage-timings.ts';

/** A clock the test moves by hand. */
function clock(start = 1_000_000) {
  const c = { t: start, now: () => c.t };
  return c;
}

describe('StageTimings', () => {
  it('counts each stage\'s runs, its wall time as the union of its runs, and the CPU reported inside it', async () => {
    const c = clock();
    const timings = new StageTimings(c.now);
    await timings.run(async () => {
      await stage('speech', async () => {
        c.t += 1200;
        addStageCpu(0.3);
      });
      // Two probes side by side: 100 ms of wall, not 160.
      let release!: () => void;
      const gate = new Promise<void>((r) => (release = r));
      const probes = [stage('probe', () => gate), stage('probe', () => gate)];
      c.t += 100;
      release();
      await Promise.all(probes);
      c.t += 60;
      addStageCpu(5); // outside any stage: nobody's
      await stage('render', async () => {
        c.t += 2000;
        addStageCpu(1.5);
        addStageCpu(null);
        addStageCpu(1.25);
      }, { output: 1 });
    });
    c.t += 40;
    const s = timings.summary();
    assert.deepEqual(s.stages, [
      { stage: 'speech', seconds: 1.2, runs: 1, cpuS: 0.3 },
      { stage: 'probe', seconds: 0.1, runs: 2 },
      { stage: 'render', output: 1, seconds: 2, runs: 1, cpuS: 2.75 },
    ]);
    assert.equal(s.runS, 3.4);
    assert.equal(s.startMs, 1_000_000);
    assert.equal(s.otherS, 0.1, 'the 60 ms between stages and the 40 ms after them');
    assert.equal(s.cpuS, 3.05);
  });

  it('counts a stage that throws, and rethrows', async () => {
    const c = clock();
    const timings = new StageTimings(c.now);
    await assert.rejects(
      timings.run(() =>
        stage('render', async () => {
          c.t += 500;
          throw new Error('boom');
        }),
      ),
      /boom/,
    );
    assert.deepEqual(timings.summary().stages, [{ stage: 'render', seconds: 0.5, runs: 1 }]);
  });

  it('overlapping stages each count their own time; the time covered by any is counted once', async () => {
    const c = clock();
    const timings = new StageTimings(c.now);
    await timings.run(async () => {
      let release!: () => void;
      const gate = new Promise<void>((r) => (release = r));
      let later!: () => void;
      const gate2 = new Promise<void>((r) => (later = r));
      const speech = stage('speech', () => gate2);
      const footage = stage('download', () => gate);
      c.t += 1000;
      release();
      await footage;
      c.t += 300;
      later();
      await speech;
    });
    const s = timings.summary();
    assert.deepEqual(s.stages.map((x) => [x.stage, x.seconds]), [['speech', 1.3], ['download', 1]]);
    assert.equal(s.runS, 1.3);
    assert.equal(s.otherS, 0);
  });

  it('merges the snapshot of another delivery: spans joined, runs and CPU summed, the run from the earliest start', async () => {
    const c = clock();
    const planning = new StageTimings(c.now);
    await planning.run(() => stage('speech', async () => void (c.t += 1000)));
    c.t += 500; // the chunk's delivery waits in the queue
    const chunk = new StageTimings(c.now);
    await chunk.run(() => stage('render', async () => {
      c.t += 2000;
      addStageCpu(3);
    }, { output: 0 }));
    const join = new StageTimings(c.now);
    // JSON round trip, as the blob store carries it.
    join.merge(JSON.parse(JSON.stringify(planning.snapshot())));
    join.merge(JSON.parse(JSON.stringify(chunk.snapshot())));
    await join.run(() => stage('render', async () => {
      c.t += 1000;
      addStageCpu(1);
    }, { output: 0 }));
    const s = join.summary();
    assert.deepEqual(s.stages, [
      { stage: 'speech', seconds: 1, runs: 1 },
      { stage: 'render', output: 0, seconds: 3, runs: 2, cpuS: 4 },
    ]);
    assert.equal(s.runS, 4.5);
    assert.equal(s.otherS, 0.5);
    assert.equal(s.cpuS, 4);
  });

  it('outside a recorder, stage just runs its work and CPU goes nowhere', async () => {
    assert.equal(await stage('speech', async () => 7), 7);
    addStageCpu(1);
  });
});
