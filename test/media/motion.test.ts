// Ken Burns motion: the plan of a move (pure), the per-frame integers and their tables (pure),
// and the rendered frames read back: a picture of dots tracked across a piece grows evenly,
// never turns back, keeps its centre, keeps its brightness, and a chunk that renders the
// continuation of a move draws exactly the frames a single render would.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import type { Frame } from '../../functions/domain/media.ts';
import { seededRandom } from '../../functions/lib/seeded-random.ts';
import {
  axisCandidates,
  axisTracker,
  coverRegion,
  frameTable,
  kenBurnsGraph,
  planKenBurns,
  viewAt,
  type KenBurns,
  type MotionPiece,
  type Rect,
} from '../../functions/media/motion.ts';
import { crossMotion, DotTracker, readGreyFrames, smoothness, writeDotsImage, type Dot } from '../support/motion-track.ts';
import { tempDir } from '../support/temp-dir.ts';

/** Evaluates a frameTable expression at frame n, as ffmpeg would. */
function evalTable(expr: string, n: number): number {
  const js = expr.replaceAll('\\,', ',').replaceAll('if(', 'IF(').replaceAll('lt(', 'LT(');
  return new Function('n', 'IF', 'LT', `return ${js};`)(n, (c: boolean, a: number, b: number) => (c ? a : b), (a: number, b: number) => a < b) as number;
}

describe('planKenBurns', () => {
  it('none plans no move; the same seed plans the same move', () => {
    assert.equal(planKenBurns('none', 4, seededRandom(1)), null);
    assert.deepEqual(planKenBurns('subtle', 4, seededRandom(7)), planKenBurns('subtle', 4, seededRandom(7)));
  });

  it('every view of every move stays inside the picture, for many seeds and lengths', () => {
    for (let seed = 0; seed < 300; seed++) {
      for (const style of ['subtle', 'dynamic'] as const) {
        const kb = planKenBurns(style, 0.5 + (seed % 20), seededRandom(seed))!;
        for (let t = 0; t <= 1; t += 0.05) {
          const v = viewAt(kb, t);
          const half = 0.5 / v.zoom;
          assert.ok(v.zoom >= 1, `seed ${seed}: zoom ${v.zoom}`);
          assert.ok(v.x - half >= -1e-9 && v.x + half <= 1 + 1e-9 && v.y - half >= -1e-9 && v.y + half <= 1 + 1e-9, `seed ${seed} ${style} t=${t}: ${JSON.stringify(v)}`);
        }
      }
    }
  });

  it('subtle moves are gentler than dynamic ones, and longer pieces move further within bounds', () => {
    const travel = (kb: KenBurns) => Math.abs(Math.log(kb.to.zoom / kb.from.zoom)) + Math.hypot(kb.to.x - kb.from.x, kb.to.y - kb.from.y);
    const mean = (style: 'subtle' | 'dynamic', s: number) => {
      let sum = 0;
      for (let seed = 0; seed < 200; seed++) sum += travel(planKenBurns(style, s, seededRandom(seed))!);
      return sum / 200;
    };
    assert.ok(mean('dynamic', 4) > 2 * mean('subtle', 4));
    assert.ok(mean('subtle', 5) > mean('subtle', 2));
    assert.ok(mean('subtle', 60) <= mean('subtle', 8) * 1.5, 'bounded');
  });
});

describe('frameTable', () => {
  it('gives each frame its value, through runs and a balanced tree', () => {
    const values = [5, 5, 5, 7, 8, 8, 3, 3, 3, 3, 9, 1];
    const expr = frameTable(values);
    assert.deepEqual(values.map((_, n) => evalTable(expr, n)), values);
    assert.equal(frameTable([4, 4, 4]), '4');
  });
  it('stays shallow for long pieces', () => {
    const values = Array.from({ length: 2000 }, (_, i) => i);
    const expr = frameTable(values);
    assert.equal(evalTable(expr, 1234), 1234);
    let depth = 0;
    let max = 0;
    for (const ch of expr) {
      if (ch === '(') max = Math.max(max, ++depth);
      if (ch === ')') depth--;
    }
    assert.ok(max < 40, `nesting ${max}`);
  });
});

describe('axisCandidates and axisTracker', () => {
  /** Where output pixel i's centre lands in the region, for a step's integers. */
  const land = (r: number, p: number, s: { a: number; x: number; c: number; x2: number }, i: number) => (s.x + (s.x2 + i + 0.5) * (p / s.c)) * (r / s.a);

  it('the integers land every output pixel within a fifth of a pixel of the ideal', () => {
    for (const [r, out] of [[1080, 1080], [608, 1080], [2160, 1080], [304, 540], [1080, 1920], [540, 960]] as const) {
      const p = Math.floor(Math.min(out, r / 1.05));
      for (let k = 0; k < 40; k++) {
        const zoom = 1.05 + k * 0.004;
        const size = r / zoom;
        const left = (0.5 + 0.001 * k) * r - size / 2;
        for (const s of axisCandidates(r, out, p, left, size)) {
          for (const i of [0, out / 2, out - 1]) {
            const ideal = left + (i + 0.5) * (size / out);
            const err = Math.abs(land(r, p, s, i) - ideal) / (size / out);
            assert.ok(err <= 0.2 + 1e-9, `r ${r} out ${out} zoom ${zoom.toFixed(3)} pixel ${i}: ${err.toFixed(3)} px off`);
          }
          assert.ok(s.x >= 0 && s.x + p <= s.a && s.x2 >= 0 && s.x2 + out <= s.c, 'crops inside their pictures');
        }
      }
    }
  });

  it('a picture too small for that precision still gets the nearest integers', () => {
    const [r, out] = [67, 108];
    const s = axisCandidates(r, out, 63, 1.5, 63.8)[0]!;
    assert.ok(Math.abs(s.offset) + Math.abs(s.scale) < 1.5, JSON.stringify(s));
  });

  it('the tracker keeps the error moving evenly from frame to frame', () => {
    const r = 608;
    const out = 1080;
    const p = Math.floor(r / 1.05);
    const track = axisTracker(r, out, p);
    const offsets: number[] = [];
    const scales: number[] = [];
    for (let k = 0; k < 150; k++) {
      const zoom = 1.05 * (1.15 / 1.05) ** (k / 149);
      const s = track(r / 2 - r / zoom / 2, r / zoom);
      offsets.push(s.offset);
      scales.push(s.scale);
    }
    assert.ok(smoothness(offsets).jitterRms < 0.03, `offset jitter ${smoothness(offsets).jitterRms}`);
    assert.ok(smoothness(scales).jitterRms < 0.03, `scale jitter ${smoothness(scales).jitterRms}`);
  });
});

describe('kenBurnsGraph, rendered', () => {
  let root: string;
  // Frame-sized pictures give the search its integers: a quarter of 1080x1920 still moves smoothly.
  const OUT: Frame = { width: 540, height: 960 };
  const FRAMES = 60;
  before(() => {
    root = tempDir('motion-');
  });

  /** Renders `graph` (from [src] to [out]) over a still and hands back raw grey frames of OUT. */
  async function frames(image: string, graph: string, onFrame: (f: Uint8Array, k: number) => void, count = FRAMES): Promise<number> {
    return readGreyFrames('ffmpeg', ['-loop', '1', '-framerate', '30', '-i', image, '-filter_complex', `[0:v]format=yuv420p[src];${graph}`, '-map', '[out]', '-frames:v', String(count), '-f', 'rawvideo', '-pix_fmt', 'gray', '-'], OUT.width, OUT.height, onFrame);
  }

  /** Where the ideal move puts a region point in output frame k (pixel-index coordinates, as centroids are). */
  const ideal = (kb: KenBurns, r: Rect, k: number, d: Dot): Dot => {
    const v = viewAt(kb, k / (FRAMES - 1));
    const w = r.width / v.zoom;
    const h = r.height / v.zoom;
    return { x: ((d.x + 0.5 - (v.x * r.width - w / 2)) * OUT.width) / w - 0.5, y: ((d.y + 0.5 - (v.y * r.height - h / 2)) * OUT.height) / h - 0.5 };
  };

  for (const source of [{ width: 960, height: 540 }, { width: 540, height: 960 }] as Frame[]) {
    it(`a ${source.width}x${source.height} picture zooms evenly: no reversal, no jitter, centre held, on its ideal path`, async () => {
      const region = coverRegion(source, OUT);
      const rel: Dot[] = [
        { x: region.width / 4, y: region.height / 2 },
        { x: (3 * region.width) / 4, y: region.height / 2 },
        { x: region.width / 2, y: region.height / 4 },
        { x: region.width / 2, y: (3 * region.height) / 4 },
        { x: region.width / 2, y: region.height / 2 },
      ];
      const image = await writeDotsImage(join(root, `dots-${source.width}.pgm`), source.width, source.height, rel.map((d) => ({ x: d.x + region.x, y: d.y + region.y })), 4);
      const kb: KenBurns = { from: { zoom: 1.05, x: 0.5, y: 0.5 }, to: { zoom: 1.2, x: 0.5, y: 0.5 } };
      const piece: MotionPiece = { source, region, out: OUT, motion: kb, frames: FRAMES };
      const tracker = new DotTracker(OUT.width, OUT.height, rel.map((d) => ideal(kb, region, 0, d)), 20);
      let off = 0;
      const n = await frames(image, kenBurnsGraph(piece, 'src', 'out', 'm'), (f, k) => {
        tracker.add(f);
        tracker.track[k]!.forEach((d, i) => {
          const want = ideal(kb, region, k, rel[i]!);
          off = Math.max(off, Math.hypot(d.x - want.x, d.y - want.y));
        });
      });
      assert.equal(n, FRAMES);
      const m = crossMotion(tracker.track);
      for (const [name, series] of [['scale x', m.scaleX], ['scale y', m.scaleY]] as const) {
        const s = smoothness(series);
        assert.equal(s.reversals, 0, `${name} turns back`);
        assert.ok(series.at(-1)! > series[0]! * 1.1, `${name} grows: ${series[0]} → ${series.at(-1)}`);
        // zoompan measures 0.5–0.9 px here and turns back; perspective 0.02 (bench/motion.ts).
        assert.ok(s.jitterRms < 0.15, `${name} jitter ${s.jitterRms.toFixed(3)} px`);
      }
      for (const [name, series] of [['centre x', m.centreX], ['centre y', m.centreY]] as const) {
        assert.ok(smoothness(series).jitterRms < 0.06, `${name} wobbles ${smoothness(series).jitterRms.toFixed(3)} px`);
      }
      assert.ok(off < 0.4, `dots ${off.toFixed(2)} px off their ideal path`);
    });
  }

  it('keeps the picture\'s brightness and colour (a flat colour stays that colour in every plane)', async () => {
    const source = { width: 320, height: 240 };
    const path = join(root, 'flat.png');
    execFileSync('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', `color=c=0x4080c0:s=${source.width}x${source.height}`, '-frames:v', '1', path]);
    const kb: KenBurns = { from: { zoom: 1.05, x: 0.45, y: 0.5 }, to: { zoom: 1.2, x: 0.55, y: 0.5 } };
    const graph = `[0:v]format=yuv420p,split[src][b];` + kenBurnsGraph({ source, region: coverRegion(source, OUT), out: OUT, motion: kb, frames: 8 }, 'src', 'moved', 'm') + `;[b]scale=${OUT.width}:${OUT.height}[plain];[moved][plain]hstack=2[out]`;
    const raw = execFileSync('ffmpeg', ['-v', 'error', '-loop', '1', '-framerate', '30', '-i', path, '-filter_complex', graph, '-map', '[out]', '-frames:v', '8', '-f', 'rawvideo', '-pix_fmt', 'yuv444p', '-'], { maxBuffer: 64 * 1024 * 1024 });
    const w = OUT.width * 2;
    const plane = OUT.height * w;
    for (let k = 0; k < 8; k++) {
      for (let c = 0; c < 3; c++) {
        const at = (x: number) => raw[k * 3 * plane + c * plane + (OUT.height / 2) * w + x]!;
        assert.ok(Math.abs(at(OUT.width / 2) - at(OUT.width + OUT.width / 2)) <= 1, `frame ${k} plane ${c}: ${at(OUT.width / 2)} moved, ${at(OUT.width + OUT.width / 2)} still`);
      }
    }
  });

  it('a continuation (a transition\'s tail in the next chunk) draws exactly the frames of a whole render', async () => {
    const source = { width: 480, height: 270 };
    const image = join(root, 'pattern.png');
    execFileSync('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', `testsrc2=s=${source.width}x${source.height}`, '-frames:v', '1', image]);
    const kb: KenBurns = { from: { zoom: 1.05, x: 0.5, y: 0.5 }, to: { zoom: 1.25, x: 0.4, y: 0.6 } };
    const base = { source, region: coverRegion(source, OUT), out: OUT, motion: kb, frames: 40 };
    const whole: Buffer[] = [];
    await frames(image, kenBurnsGraph(base, 'src', 'out', 'm'), (f, k) => k >= 30 && whole.push(Buffer.from(f)), 40);
    const tail: Buffer[] = [];
    await frames(image, kenBurnsGraph({ ...base, first: 30, count: 10 }, 'src', 'out', 'm'), (f) => tail.push(Buffer.from(f)), 10);
    assert.equal(tail.length, 10);
    tail.forEach((f, k) => assert.ok(f.equals(whole[k]!), `frame ${30 + k} differs`));
  });
});
