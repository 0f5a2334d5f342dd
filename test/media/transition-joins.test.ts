// Transitions across chunk joins, frame by frame: two flat sources whose every frame carries its
// index in its brightness, cut into pieces that alternate between them, rendered as separate
// chunk processes (as the pool and the fan-out run them) and joined by stream copy. Against the
// same timeline with cuts: the same number of frames, every frame outside a transition identical,
// and every frame inside one a blend of the outgoing clip (continuing its span, also when the
// transition opens a chunk) and the incoming one.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import type { SourceClip } from '../../functions/domain/media.ts';
import { OUTPUT_FPS } from '../../functions/media/chunks.ts';
import { chunkFilterGraph, chunkInputArgs, type VideoChunk, type PiecePlan } from '../../functions/media/chunk-video.ts';
import { assembleArgs, DEFAULT_ENCODE, encoderArgs } from '../../functions/media/render-args.ts';
import type { Transition } from '../../functions/media/transitions.ts';
import { readGreyFrames } from '../support/motion-track.ts';
import { ffmpegFixtureSync } from '../support/fixture-cache.ts';
import { tempDir } from '../support/temp-dir.ts';

const STEP = 7;
const SPAN = 217;
/** The luma a counter source gives its frame n (inside TV range, so no conversion clips it). */
const lumaOf = (n: number) => 16 + ((n * STEP) % SPAN);
const SIZE = 96;
const frame = { width: SIZE, height: SIZE };

let root: string;
let clips: SourceClip[];

before(() => {
  root = tempDir('transition-joins-');
  const make = (name: string) => {
    const path = join(root, name);
    return ffmpegFixtureSync(['-v', 'error', '-y', '-f', 'lavfi', '-i', `nullsrc=s=${SIZE}x${SIZE}:r=30:d=8,geq=lum='16+mod(N*${STEP}\\,${SPAN})':cb=128:cr=128`, '-c:v', 'libx264', '-preset', 'ultrafast', '-qp', '0', '-pix_fmt', 'yuv420p', path], path);
  };
  clips = [make('a.mp4'), make('b.mp4')].map((path) => ({ kind: 'file', path, durationS: 8, width: SIZE, height: SIZE, credit: null }));
});

/** Pieces: clip, where in it, frames, and the transition into it. */
const TIMELINE: { clip: number; sourceStart: number; frames: number; enter: Transition | null }[] = [
  { clip: 0, sourceStart: 1, frames: 33, enter: null },
  { clip: 1, sourceStart: 0.5, frames: 27, enter: { type: 'fade', frames: 8 } },
  // Opens chunk 1: its outgoing piece ended chunk 0.
  { clip: 0, sourceStart: 3, frames: 45, enter: { type: 'fade', frames: 6 } },
  { clip: 1, sourceStart: 2, frames: 36, enter: null },
  // Opens chunk 2, with a source that starts at its first frame.
  { clip: 0, sourceStart: 0, frames: 24, enter: { type: 'fade', frames: 10 } },
  { clip: 1, sourceStart: 4, frames: 30, enter: { type: 'fade', frames: 6 } },
];
const CHUNKS = [[0, 1], [2, 3], [4, 5]];

/** The same timeline with other kinds of transition, at the same places. */
const KINDS: Transition['type'][] = ['slide', 'zoom', 'whip', 'slide'];
const OTHER = TIMELINE.map((t) => ({ ...t }));
let kind = 0;
for (const t of OTHER) if (t.enter) t.enter = { type: KINDS[kind++]!, frames: t.enter.frames };

function plan(withTransitions: boolean, timeline = TIMELINE): VideoChunk[] {
  const pieces: PiecePlan[] = timeline.map((t, i) => {
    const next = timeline[i + 1];
    return {
      clip: t.clip,
      source: frame,
      sourceStart: t.sourceStart,
      frames: t.frames,
      framing: 'cover',
      motion: null,
      enter: withTransitions ? t.enter : null,
      tail: withTransitions ? (next?.enter?.frames ?? 0) : 0,
    };
  });
  let start = 0;
  return CHUNKS.map((ks, index) => {
    const ps = ks.map((k) => pieces[k]!);
    const frames = ps.reduce((n, p) => n + p.frames, 0);
    const c: VideoChunk = { index, startFrame: start, frames, pieces: ps, lead: ps[0]!.enter ? pieces[ks[0]! - 1]! : null };
    start += frames;
    return c;
  });
}

/** A silent soundtrack of `frames` frames, made once for every render of that length (the picture is the point). */
const soundtracks = new Map<number, string>();
function silentSoundtrack(frames: number): string {
  let path = soundtracks.get(frames);
  if (!path) {
    path = join(root, `silence-${frames}.m4a`);
    ffmpegFixtureSync(['-v', 'error', '-y', '-f', 'lavfi', '-i', 'anullsrc=r=48000:cl=stereo', '-t', String(frames / OUTPUT_FPS), '-c:a', 'aac', path], path);
    soundtracks.set(frames, path);
  }
  return path;
}

/** Each chunk its own ffmpeg process; then joined by stream copy with a silent soundtrack, as the renderer assembles. */
async function render(name: string, chunks: VideoChunk[]): Promise<string> {
  const dir = tempDir(`${name}-`);
  const files: string[] = [];
  for (const c of chunks) {
    const script = `chunk-${c.index}.filter`;
    await writeFile(join(dir, script), chunkFilterGraph(c, frame, null));
    const out = `chunk-${c.index}.ts`;
    execFileSync('ffmpeg', ['-v', 'error', '-y', ...chunkInputArgs(c, clips), '-filter_complex_script', script, '-map', '[vout]', '-an', ...encoderArgs({ ...DEFAULT_ENCODE, crf: 12 }), '-frames:v', String(c.frames), '-f', 'mpegts', out], { cwd: dir });
    files.push(out);
  }
  const total = chunks.reduce((n, c) => n + c.frames, 0);
  await copyFile(silentSoundtrack(total), join(dir, 'audio.m4a'));
  // The chunks as files (the renderer feeds its list pipes; the join is the same stream copy).
  await writeFile(join(dir, 'chunks.txt'), ['ffconcat version 1.0', ...files.map((f) => `file '${f}'`), ''].join('\n'));
  execFileSync('ffmpeg', ['-v', 'error', '-y', ...assembleArgs('chunks.txt', 'audio.m4a', 'out.mp4')], { cwd: dir });
  return join(dir, 'out.mp4');
}

/** Each frame's luma at its left and right edges (a slide shows the two clips side by side). */
async function edgeLumas(path: string): Promise<{ left: number; right: number; mean: number }[]> {
  const out: { left: number; right: number; mean: number }[] = [];
  const col = (f: Uint8Array, x: number) => {
    let s = 0;
    for (let y = 0; y < SIZE; y++) s += f[y * SIZE + x]!;
    return s / SIZE;
  };
  await readGreyFrames('ffmpeg', ['-i', path, '-f', 'rawvideo', '-pix_fmt', 'gray', '-'], SIZE, SIZE, (f) => {
    let s = 0;
    for (const v of f) s += v;
    out.push({ left: col(f, 2), right: col(f, SIZE - 3), mean: s / f.length });
  });
  return out;
}

/** Grey (full range, as `-pix_fmt gray` gives it) of a TV-range luma. */
const grey = (y: number) => ((y - 16) * 255) / 219;

describe('transitions across chunk joins', () => {
  let cut: { mean: number }[];
  let faded: { mean: number }[];
  let other: { left: number; right: number; mean: number }[];
  before(async () => {
    const runs = await Promise.all([render('cut', plan(false)), render('fade', plan(true)), render('other', plan(true, OTHER))].map((r) => r.then(edgeLumas)));
    [cut, faded, other] = [runs[0]!, runs[1]!, runs[2]!];
  });

  /** The source frame each output frame of the cut version shows, and where each transition lies. */
  const layout = () => {
    const shows: { clip: number; n: number }[] = [];
    const windows: { at: number; frames: number; from: { clip: number; n: number }; to: { clip: number; n: number } }[] = [];
    TIMELINE.forEach((t, i) => {
      const first = Math.round(t.sourceStart * OUTPUT_FPS);
      if (t.enter) {
        const prev = TIMELINE[i - 1]!;
        windows.push({ at: shows.length, frames: t.enter.frames, from: { clip: prev.clip, n: Math.round(prev.sourceStart * OUTPUT_FPS) + prev.frames }, to: { clip: t.clip, n: first } });
      }
      for (let k = 0; k < t.frames; k++) shows.push({ clip: t.clip, n: first + k });
    });
    return { shows, windows };
  };

  it('the cut version shows every planned source frame, none lost or doubled', () => {
    const { shows } = layout();
    assert.equal(cut.length, shows.length);
    const off = cut.map((f, i) => ({ i, got: f.mean, want: grey(lumaOf(shows[i]!.n)) })).filter((f) => Math.abs(f.got - f.want) > 2.5);
    assert.deepEqual(off, []);
  });

  it('transitions add no time: the same frame count, and every frame outside a transition is the cut version\'s', () => {
    assert.equal(faded.length, cut.length);
    const { windows } = layout();
    const inside = (i: number) => windows.some((w) => i >= w.at && i < w.at + w.frames);
    const off = faded.map((f, i) => ({ i, got: f.mean, want: cut[i]!.mean })).filter((f) => !inside(f.i) && Math.abs(f.got - f.want) > 2.5);
    assert.deepEqual(off, []);
  });

  it('inside a transition each frame blends the outgoing clip, continuing its span, with the incoming one', () => {
    const { windows } = layout();
    for (const w of windows) {
      for (let k = 0; k < w.frames; k++) {
        // The first frame is all outgoing; the share of the incoming grows by 1/frames a frame.
        const p = k / w.frames;
        const a = lumaOf(w.from.n + k);
        const b = lumaOf(w.to.n + k);
        const want = grey((1 - p) * a + p * b);
        const got = faded[w.at + k]!.mean;
        assert.ok(Math.abs(got - want) <= 3, `frame ${w.at + k} (${k + 1} of the ${w.frames}-frame fade at ${w.at}): ${got.toFixed(1)}, want ${want.toFixed(1)}`);
      }
    }
  });

  it('slide, zoom and whip too: no time added, frames outside them untouched, both clips inside them', () => {
    assert.equal(other.length, cut.length);
    const { windows } = layout();
    const inside = (i: number) => windows.some((w) => i >= w.at && i < w.at + w.frames);
    assert.deepEqual(other.map((f, i) => ({ i, got: f.mean, want: cut[i]!.mean })).filter((f) => !inside(f.i) && Math.abs(f.got - f.want) > 2.5), []);
    windows.forEach((w, j) => {
      const type = KINDS[j]!;
      const k = Math.floor(w.frames / 2);
      const a = grey(lumaOf(w.from.n + k));
      const b = grey(lumaOf(w.to.n + k));
      const f = other[w.at + k]!;
      if (type === 'zoom') {
        // Flat pictures stay flat when pushed in: the dissolve's blend.
        const want = grey((1 - k / w.frames) * lumaOf(w.from.n + k) + (k / w.frames) * lumaOf(w.to.n + k));
        assert.ok(Math.abs(f.mean - want) <= 3, `zoom at ${w.at}, frame ${k}: ${f.mean.toFixed(1)}, want ${want.toFixed(1)}`);
      } else {
        // Mid-slide the outgoing clip leaves on the left, the incoming one arrives on the right.
        assert.ok(Math.abs(f.left - a) <= 3 && Math.abs(f.right - b) <= 3, `${type} at ${w.at}, frame ${k}: left ${f.left.toFixed(1)} (want ${a.toFixed(1)}), right ${f.right.toFixed(1)} (want ${b.toFixed(1)})`);
      }
    });
  });
});
