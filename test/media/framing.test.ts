// Framing, read back from rendered frames: cover crops a landscape source to the frame's shape;
// blur shows all of it in a box over a blurred, darker copy of itself; a source of the frame's
// shape looks the same either way.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import type { Frame } from '../../functions/domain/media.ts';
import { fitBox, leavesBars, pictureGraph, type Picture } from '../../functions/media/framing.ts';
import { tempDir } from '../support/temp-dir.ts';

const FRAME: Frame = { width: 180, height: 320 };
let root: string;
/** 320x180: a white strip down the left edge, a blue one down the right, grainy bars between (detail a blur removes). */
let landscape: string;

before(() => {
  root = tempDir('framing-');
  landscape = join(root, 'landscape.png');
  execFileSync('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=s=320x180', '-vf', 'noise=alls=40:allf=u,drawbox=x=0:y=0:w=24:h=180:c=white:t=fill,drawbox=x=296:y=0:w=24:h=180:c=blue:t=fill', '-frames:v', '1', landscape]);
});

/** Frame `k` of the picture graph over a still, as RGB. */
function render(image: string, p: Omit<Picture, 'frame' | 'frames'>, frames = 1): Buffer {
  const graph = pictureGraph({ ...p, frame: FRAME, frames: Math.max(2, frames) }, 'src', 'out', 'f');
  return execFileSync('ffmpeg', ['-v', 'error', '-loop', '1', '-framerate', '30', '-i', image, '-filter_complex', `[0:v]format=yuv420p[src];${graph}`, '-map', '[out]', '-frames:v', String(frames), '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-'], { maxBuffer: 16 * 1024 * 1024 });
}

const px = (buf: Buffer, x: number, y: number, k = 0) => {
  const i = (k * FRAME.width * FRAME.height + y * FRAME.width + x) * 3;
  return { r: buf[i]!, g: buf[i + 1]!, b: buf[i + 2]! };
};
const luma = (p: { r: number; g: number; b: number }) => 0.299 * p.r + 0.587 * p.g + 0.114 * p.b;
const isWhite = (p: { r: number; g: number; b: number }) => p.r > 200 && p.g > 200 && p.b > 200;
/** Mean luma over a band of rows, and its detail: the mean difference between neighbouring pixels. */
function band(buf: Buffer, y0: number, y1: number): { mean: number; detail: number } {
  let sum = 0;
  let diff = 0;
  let n = 0;
  for (let y = y0; y < y1; y++) {
    for (let x = 0; x < FRAME.width - 1; x++) {
      const v = luma(px(buf, x, y));
      sum += v;
      diff += Math.abs(luma(px(buf, x + 1, y)) - v) + Math.abs(luma(px(buf, x, y + 1)) - v);
      n++;
    }
  }
  return { mean: sum / n, detail: diff / n };
}

describe('fitBox and leavesBars', () => {
  it('fits the whole source, centred, in even numbers', () => {
    assert.deepEqual(fitBox({ width: 1920, height: 1080 }, { width: 1080, height: 1920 }), { x: 0, y: 656, width: 1080, height: 608 });
    assert.deepEqual(fitBox({ width: 1080, height: 1920 }, { width: 1920, height: 1080 }), { x: 656, y: 0, width: 608, height: 1080 });
    assert.deepEqual(fitBox({ width: 1000, height: 1000 }, { width: 1080, height: 1920 }), { x: 0, y: 420, width: 1080, height: 1080 });
  });
  it('a source of the frame\'s shape, give or take 2 %, leaves no bars', () => {
    assert.equal(leavesBars({ width: 1080, height: 1920 }, { width: 720, height: 1280 }), false);
    assert.equal(leavesBars({ width: 1072, height: 1920 }, { width: 1080, height: 1920 }), false);
    assert.equal(leavesBars({ width: 1920, height: 1080 }, { width: 1080, height: 1920 }), true);
    assert.equal(leavesBars({ width: 1080, height: 1350 }, { width: 1080, height: 1920 }), true);
  });
});

describe('pictureGraph, rendered', () => {
  const source = { width: 320, height: 180 };
  const box = fitBox(source, FRAME);

  it('cover crops the landscape source to the frame: its edge strips are cut away', () => {
    const cover = render(landscape, { source, framing: 'cover', motion: null });
    const left = px(cover, 2, FRAME.height / 2);
    assert.ok(!isWhite(left), `left edge ${JSON.stringify(left)} is not the white strip`);
  });

  it('blur shows the whole source in the box: both edge strips, over a darker, smooth backdrop', () => {
    const blur = render(landscape, { source, framing: 'blur', motion: null });
    const cover = render(landscape, { source, framing: 'cover', motion: null });
    const mid = box.y + box.height / 2;
    const left = px(blur, 3, mid);
    const right = px(blur, FRAME.width - 4, mid);
    assert.ok(isWhite(left), `left edge of the box is white: ${JSON.stringify(left)}`);
    assert.ok(right.b > 180 && right.r < 80 && right.g < 80, `right edge of the box is blue: ${JSON.stringify(right)}`);
    // Above the box: the cover picture's rows, blurred and dimmed.
    const backdrop = band(blur, 8, box.y - 8);
    const sharp = band(cover, 8, box.y - 8);
    assert.ok(backdrop.detail < sharp.detail / 4, `backdrop is smooth: detail ${backdrop.detail.toFixed(2)} against the cover's ${sharp.detail.toFixed(2)}`);
    assert.ok(backdrop.mean < sharp.mean * 0.75, `backdrop is darker: ${backdrop.mean.toFixed(1)} against ${sharp.mean.toFixed(1)}`);
    assert.ok(band(blur, box.y + box.height + 8, FRAME.height - 8).detail < sharp.detail / 4, 'below the box too');
  });

  it('blur with motion moves the picture inside the box and leaves the box where it is', () => {
    const frames = 20;
    const out = render(landscape, { source, framing: 'blur', motion: { from: { zoom: 1.05, x: 0.5, y: 0.5 }, to: { zoom: 1.3, x: 0.5, y: 0.5 } } }, frames);
    const mid = box.y + box.height / 2;
    // The strips stay visible at the start (zoom 1.05 keeps 95 % of the width) and leave by the end.
    assert.ok(isWhite(px(out, 3, mid, 0)), 'the white strip at the left edge in the first frame');
    assert.ok(!isWhite(px(out, 3, mid, frames - 1)), 'zoomed past it by the last frame');
    // The box's edge is where it was: the row above it is backdrop in every frame.
    for (const k of [0, frames - 1]) assert.ok(luma(px(out, FRAME.width / 2, box.y - 3, k)) < 140, `frame ${k}: backdrop above the box`);
  });

  it('a source of the frame\'s shape is drawn the same with blur as with cover', () => {
    const portrait = join(root, 'portrait.png');
    execFileSync('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=s=360x640', '-frames:v', '1', portrait]);
    const s = { width: 360, height: 640 };
    assert.ok(render(portrait, { source: s, framing: 'blur', motion: null }).equals(render(portrait, { source: s, framing: 'cover', motion: null })));
  });
});
