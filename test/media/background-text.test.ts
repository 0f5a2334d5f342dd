// The key term behind the captions: what is drawn (pure), and the drawn frames read back: it
// fades in from nothing, reads as the term (OCR) at its peak, and a continuation draws the frames
// a whole render would.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { backgroundTextFilter, drawableTerm } from '../../functions/media/background-text.ts';
import { readGreyFrames } from '../support/motion-track.ts';
import { tempDir } from '../support/temp-dir.ts';

const FRAME = { width: 540, height: 960 };

describe('drawableTerm', () => {
  it('upper-cases the term and keeps letters, digits, spaces and hyphens', () => {
    assert.equal(drawableTerm('deep-sea fish!'), 'DEEP-SEA FISH');
    assert.equal(drawableTerm('  Rome, 44 BC '), 'ROME 44 BC');
    assert.equal(drawableTerm('ıstanbul', 'tr'), 'ISTANBUL');
    assert.equal(drawableTerm('Москва'), 'МОСКВА');
    assert.equal(drawableTerm('理财'), '理财');
  });
  it('draws nothing it cannot draw: empty, too long, or a script drawtext cannot shape', () => {
    assert.equal(drawableTerm('!!!'), null);
    assert.equal(drawableTerm('a'.repeat(25)), null);
    assert.equal(drawableTerm('محيط'), null);
    assert.equal(drawableTerm('שלום'), null);
    assert.equal(drawableTerm('समुद्र'), null);
    assert.equal(drawableTerm('ทะเล'), null);
  });
});

describe('backgroundTextFilter', () => {
  it('sets Latin in the display face and other scripts in their Noto face, sized to the frame', () => {
    const latin = backgroundTextFilter({ term: 'ocean', frame: FRAME, frames: 60 })!;
    assert.match(latin, /font='League Spartan Black'/);
    assert.match(latin, /text='OCEAN'/);
    assert.match(backgroundTextFilter({ term: '理财', frame: FRAME, frames: 60, language: 'zh' })!, /font='Noto Sans CJK SC'/);
    const size = (f: string) => Number(/fontsize=(\d+)/.exec(f)![1]);
    assert.ok(size(backgroundTextFilter({ term: 'anglerfish', frame: FRAME, frames: 60 })!) < size(latin), 'a longer term is set smaller');
    assert.equal(backgroundTextFilter({ term: 'محيط', frame: FRAME, frames: 60 }), null);
  });
});

describe('backgroundTextFilter, rendered', () => {
  let root: string;
  before(() => {
    root = tempDir('background-text-');
  });

  /** Grey frames of the term drawn over flat navy. */
  async function render(chain: string, frames: number): Promise<Uint8Array[]> {
    const out: Uint8Array[] = [];
    await readGreyFrames('ffmpeg', ['-f', 'lavfi', '-i', `color=c=0x102040:s=${FRAME.width}x${FRAME.height}:r=30`, '-vf', chain, '-frames:v', String(frames), '-f', 'rawvideo', '-pix_fmt', 'gray', '-'], FRAME.width, FRAME.height, (f) => out.push(Uint8Array.from(f)));
    return out;
  }

  it('fades in from nothing, and at its peak reads as the term', async () => {
    const frames = await render(backgroundTextFilter({ term: 'ocean', frame: FRAME, frames: 30 })!, 30);
    const background = frames[0]![0]!;
    const lit = (f: Uint8Array) => f.filter((v) => v > background + 4).length;
    assert.equal(lit(frames[0]!), 0, 'nothing drawn in the first frame');
    assert.ok(lit(frames[15]!) > 10_000, `the term covers a good part of the frame: ${lit(frames[15]!)} pixels`);
    // Faint by design: stretched to black on white for the OCR.
    const peak = frames[15]!;
    const pgm = join(root, 'peak.pgm');
    writeFileSync(pgm, Buffer.concat([Buffer.from(`P5\n${FRAME.width} ${FRAME.height}\n255\n`), Buffer.from(peak.map((v) => (v > background + 4 ? 0 : 255)))]));
    const text = execFileSync('tesseract', [pgm, '-', '--psm', '7'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    assert.match(text, /OCEAN/);
  });

  it('a continuation draws the frames of the whole render', async () => {
    const whole = await render(backgroundTextFilter({ term: 'ocean', frame: FRAME, frames: 40, direction: -1 })!, 40);
    const tail = await render(backgroundTextFilter({ term: 'ocean', frame: FRAME, frames: 40, first: 30, direction: -1 })!, 10);
    tail.forEach((f, k) => assert.ok(Buffer.from(f).equals(Buffer.from(whole[30 + k]!)), `frame ${30 + k}`));
  });
});
