import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ENCODE_END, ENCODE_START, parseStat, parseStatusRss, type Usage } from '../../bench/proc-sampler.ts';
import { MIB, medianUsage, renderStage, speedTable, speedTargets, stagesLine, targets, verdict, type Medians, type Target } from '../../bench/report.ts';

function usage(over: Partial<Usage> = {}): Usage {
  return {
    wallS: 10,
    cpuS: 15,
    cpuSampledS: 15,
    peakTreeRssBytes: 500 * MIB,
    peakRootRssBytes: 150 * MIB,
    peakFfmpegRssBytes: 350 * MIB,
    peakScratchBytes: 100 * MIB,
    peakTreePlusScratchBytes: 600 * MIB,
    peakFfmpegPlusScratchBytes: 450 * MIB,
    peakTreeSharedOncePlusScratchBytes: 560 * MIB,
    peakFfmpegProcs: 2,
    peakOneFfmpegRssBytes: 200 * MIB,
    otherCpuS: 0,
    samples: 200,
    marks: [],
    ...over,
  };
}

describe('bench report', () => {
  it('medians every numeric field and drops the per-run marks', () => {
    const m = medianUsage([usage({ wallS: 3 }), usage({ wallS: 1, marks: [{ name: ENCODE_START, atS: 1, cpuS: 1 }] }), usage({ wallS: 2 })]);
    assert.equal(m.wallS, 2);
    assert.equal(m.cpuS, 15);
    assert.deepEqual(m.marks, []);
  });

  it('takes the render from the encode window the sampler marked', () => {
    const marks = [
      { name: ENCODE_START, atS: 3, cpuS: 2 },
      { name: ENCODE_END, atS: 23, cpuS: 40 },
    ];
    assert.deepEqual(renderStage(usage({ marks })), { wallS: 20, cpuS: 38 });
    assert.equal(renderStage(usage({ marks: marks.slice(0, 1) })), null, 'a run that never finished encoding has no window');
  });

  it('says by how much a target is missed, either way round', () => {
    const mem: Target = { name: 'm', of: '', unit: 'MiB', op: '<=', limit: 900, values: {} };
    assert.equal(verdict(mem, 850), 'pass');
    assert.equal(verdict(mem, 990), 'MISS by 90 MiB (10 %)');
    const use: Target = { name: 'u', of: '', unit: '%', op: '>=', limit: 90, values: {} };
    assert.equal(verdict(use, 95), 'pass');
    assert.equal(verdict(use, 72), 'MISS by 18 points (20 %)');
    const speed: Target = { name: 's', of: '', unit: 'x', op: '>=', limit: 2.2, values: {} };
    assert.equal(verdict(speed, 1.1), 'MISS by 1.10× (50 %)');
    assert.equal(verdict(speed, undefined), 'not run');
  });

  it('forms each target from the medians of the figures it names', () => {
    const m: Medians = {
      usage: {
        'chunked 1080p': usage({ wallS: 20, peakTreePlusScratchBytes: 700 * MIB }),
        'chunked 1080p-x2': usage({ peakTreePlusScratchBytes: 1000 * MIB }),
        'chunked 3min-x2': usage({ peakTreePlusScratchBytes: 1200 * MIB }),
        'chunked 720p-fast': usage({ wallS: 6 }),
        'recipe 720p': usage({ wallS: 10 }),
      },
      render: { chunked: { wallS: 18, cpuS: 27 } },
      narrationS: 45,
      stockNarrationS: 48,
      cores: 2,
    };
    const byName = Object.fromEntries(targets(m).map((t) => [t.name.split(':')[0], t.values]));
    assert.equal(byName['two 1080p tasks at once']?.chunked, 1000);
    assert.equal(byName['two 3-minute tasks at once vs two 45 s tasks (memory flat in length)']?.chunked, 1.2);
    assert.equal(byName['one 1080p task']?.chunked, 700);
    assert.equal(byName['one 1080p render']?.chunked, 75);
    assert.equal(byName['720p at the recipe\'s x264 settings (ultrafast CRF 28)']?.chunked, 0.6);
    assert.equal(byName['1080p with captions at the default settings']?.chunked, 2.25);
    // A system that was not run has no value (the table says "not run"), not NaN.
    assert.equal(byName['one 1080p task']?.baseline, undefined);
  });

  it('forms issue 22\'s targets: each 720p task against its own recipe, CPU per second of video, long against 1-s GOPs', () => {
    const m: Medians = {
      usage: {
        'chunked 1080p': usage({ wallS: 20, cpuS: 36 }),
        'chunked 720p-fast': usage({ wallS: 6 }),
        'recipe 720p': usage({ wallS: 10 }),
        'chunked stock-720p-fast': usage({ wallS: 9 }),
        'recipe stock 720p': usage({ wallS: 12 }),
        'chunked stock-1080p': usage({ wallS: 27.5 }),
        'chunked stock-1s-1080p': usage({ wallS: 25 }),
      },
      render: {},
      narrationS: 45,
      stockNarrationS: 48,
      cores: 2,
    };
    const t = speedTargets(m);
    const values = t.map((x) => x.values.chunked);
    assert.deepEqual(values, [0.6, 0.75, 2.25, 0.8, 1.1]);
    assert.deepEqual(t.map((x) => verdict(x, x.values.chunked)), ['pass', 'pass', 'pass', 'pass', 'pass']);
    assert.equal(verdict(t[3]!, 1.0), 'MISS by 0.10 s (11 %)');
    assert.equal(t[0]!.values.baseline, undefined, 'a system that was not run has no value');
    const side = speedTable(m);
    const row = side.split('\n').find((l) => l.startsWith('| chunked'))?.split('|').map((c) => c.trim()).filter(Boolean);
    assert.deepEqual(row, ['chunked', '0.60×', '0.75×', '2.25×', '0.80', '1.75×', '0.31', '1.10×', '1.00×']);
  });
});

describe('bench timings line', () => {
  it('lists a task\'s stages longest first, with CPU where ffmpeg ran and runs above one', () => {
    const line = stagesLine({
      total_s: 21.5,
      queued_s: 0.1,
      run_s: 21.4,
      other_s: 0.12,
      cpu_s: 29.2,
      stages: [
        { stage: 'speech', output: null, seconds: 2.1, runs: 1, cpu_s: null },
        { stage: 'render', output: 0, seconds: 15.8, runs: 2, cpu_s: 28.9 },
        { stage: 'thumbnail', output: 0, seconds: 0.2, runs: 1, cpu_s: 0.3 },
      ],
    });
    assert.equal(line, 'run 21.40 s (other 0.12), CPU 29.20 s: render#0 15.80 s/28.90 CPU ×2, speech 2.10 s, thumbnail#0 0.20 s/0.30 CPU');
  });
});

describe('bench /proc parsing', () => {
  it('reads stat fields after a command name with spaces and parentheses', () => {
    const fields = Array.from({ length: 50 }, (_, i) => String(i + 3));
    fields[4 - 3] = '77'; // ppid
    fields[14 - 3] = '100';
    fields[15 - 3] = '20';
    fields[16 - 3] = '5';
    fields[17 - 3] = '1';
    fields[24 - 3] = '256';
    const s = parseStat(`1234 (my (odd) name) ${fields.join(' ')}`);
    assert.deepEqual(
      { pid: s.pid, comm: s.comm, ppid: s.ppid, self: s.selfTicks, reaped: s.reapedTicks, rss: s.rssBytes },
      { pid: 1234, comm: 'my (odd) name', ppid: 77, self: 120, reaped: 6, rss: 256 * 4096 },
    );
  });

  it('splits resident memory into private and file-backed pages', () => {
    const status = 'Name:\tffmpeg\nVmRSS:\t  290212 kB\nRssAnon:\t  248068 kB\nRssFile:\t   42144 kB\nRssShmem:\t     100 kB\n';
    assert.deepEqual(parseStatusRss(status), { privateBytes: (248068 + 100) * 1024, fileBytes: 42144 * 1024 });
  });
});
