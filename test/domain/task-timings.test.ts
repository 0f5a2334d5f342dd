import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { taskTimings } from '../../functions/domain/task-timings.ts';

describe('taskTimings', () => {
  const created = '2026-12-01T10:00:00.000Z';
  const startMs = Date.parse(created) + 1500;

  it('splits the task\'s time into the wait before its attempt and the attempt\'s stages', () => {
    const t = taskTimings(
      {
        startMs,
        runS: 10,
        otherS: 0.5,
        cpuS: 14.25,
        stages: [
          { stage: 'speech', seconds: 2, runs: 1 },
          { stage: 'render', output: 1, seconds: 7.5, runs: 3, cpuS: 14.25 },
        ],
      },
      created,
    );
    assert.deepEqual(t, {
      total_s: 11.5,
      queued_s: 1.5,
      run_s: 10,
      other_s: 0.5,
      cpu_s: 14.25,
      stages: [
        { stage: 'speech', output: null, seconds: 2, runs: 1, cpu_s: null },
        { stage: 'render', output: 1, seconds: 7.5, runs: 3, cpu_s: 14.25 },
      ],
    });
  });
});
