// The fan-out benchmark's reading of the workers' logs and the Cloud Run figure computed from them.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cloudRunEstimateS, cloudRunParts, fanoutTimeline } from '../../bench/fanout.ts';

const at = (s: number) => new Date(Date.UTC(2030, 0, 1, 0, 0, s)).toISOString();
const line = (s: number, message: string, extra: object = {}) => JSON.stringify({ severity: 'INFO', time: at(s), task_id: 't1', message, ...extra });
const T0 = Date.parse(at(0));

describe('fan-out benchmark', () => {
  const worker0 = [
    'not json: a stray line',
    line(10, 'rendering in chunks on any worker', { chunks: 2 }),
    line(11, 'chunk claimed', { chunk: 0 }),
    line(31, 'chunk rendered', { chunk: 0 }),
    JSON.stringify({ time: at(12), task_id: 'other', message: 'chunk claimed', chunk: 1 }),
  ];
  const worker1 = [line(12, 'chunk claimed', { chunk: 1 }), line(40, 'chunk rendered', { chunk: 1 }), line(45, 'task completed from its chunks')];

  it('reads when the task was planned, each chunk rendered (and where), and when it completed', () => {
    const t = fanoutTimeline([worker0, worker1], 't1');
    assert.equal(t.plannedMs, T0 + 10_000);
    assert.equal(t.completedMs, T0 + 45_000);
    assert.deepEqual(t.chunks, [
      { n: 0, worker: 0, claimedMs: T0 + 11_000, renderedMs: T0 + 31_000 },
      { n: 1, worker: 1, claimedMs: T0 + 12_000, renderedMs: T0 + 40_000 },
    ]);
  });

  it('keeps the last delivery of a chunk rendered twice', () => {
    const again = [line(50, 'chunk claimed', { chunk: 0 }), line(62, 'chunk rendered', { chunk: 0 })];
    const t = fanoutTimeline([worker0, [...worker1, ...again]], 't1');
    assert.deepEqual(t.chunks[0], { n: 0, worker: 1, claimedMs: T0 + 50_000, renderedMs: T0 + 62_000 });
  });

  it('computes planning, each chunk, the join, and one instance per chunk as their sum with the slowest chunk', () => {
    const parts = cloudRunParts(fanoutTimeline([worker0, worker1], 't1'), T0 + 2_000);
    assert.deepEqual(parts, { planS: 8, chunkS: [20, 28], joinS: 5 });
    assert.equal(cloudRunEstimateS(parts!), 8 + 28 + 5);
  });

  it('has no parts for a task that was not fanned out', () => {
    assert.equal(cloudRunParts(fanoutTimeline([[line(40, 'task completed')]], 't1'), T0), null);
  });
});
