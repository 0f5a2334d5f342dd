// Captions burned in by libass at the renderer's 30 fps: each word must first show on the frame
// nearest its onset (never more than half a frame, 17 ms, early or late). The frames are read back
// losslessly (framemd5 of the filtered frames), so every change of picture is a caption change.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { WordTiming } from '../../functions/domain/media.ts';
import type { CaptionOptions } from '../../functions/domain/video-request.ts';
import type { OverlaySpec } from '../../functions/domain/look.ts';
import { assDocument } from '../../functions/media/captions/ass-document.ts';
import { buildCaptions } from '../../functions/media/captions/index.ts';
import { resolveLook } from '../../functions/media/captions/looks.ts';
import { planScreen } from '../../functions/media/overlays/index.ts';
import { OUTPUT_FPS } from '../../functions/media/chunks.ts';
import { tempDir } from '../support/temp-dir.ts';

const FRAME = { width: 360, height: 640 };

/** Word onsets at every phase of the frame grid, including just either side of a half frame. */
function words(): WordTiming[] {
  const texts = 'one two three four five six seven eight nine ten eleven twelve'.split(' ');
  const phases = [0.004, 0.0165, 0.0168, 0.031, 0.0, 0.012, 0.021, 0.0333, 0.009, 0.017, 0.026, 0.0005];
  let t = 0.2;
  return texts.map((text, i) => {
    const start = Math.floor(t * OUTPUT_FPS) / OUTPUT_FPS + phases[i]!;
    const w = { text, start: Math.round(start * 1000) / 1000, end: Math.round((start + 0.22) * 1000) / 1000 };
    t = start + 0.3 + (i % 3) * 0.07;
    return w;
  });
}

/** The frame index of every picture change of `ass` burned onto a black 30 fps source (within `crop`, w:h:x:y, when given). */
function changeFrames(ass: string, durationS: number, crop?: string): number[] {
  const dir = tempDir('caption-frames-');
  writeFileSync(join(dir, 'captions.ass'), ass);
  const out = execFileSync(
    'ffmpeg',
    ['-v', 'error', '-f', 'lavfi', '-i', `color=c=black:s=${FRAME.width}x${FRAME.height}:r=${OUTPUT_FPS}:d=${durationS}`, '-vf', `ass=filename=captions.ass${crop ? `,crop=${crop}` : ''}`, '-f', 'framemd5', '-'],
    { cwd: dir, encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 },
  );
  const hashes = out.split('\n').filter((l) => l && !l.startsWith('#')).map((l) => l.split(',').at(-1)!.trim());
  const changes: number[] = [];
  for (let i = 1; i < hashes.length; i++) if (hashes[i] !== hashes[i - 1]) changes.push(i);
  return changes;
}

describe('caption timing on the frame grid (libass)', () => {
  for (const style of ['word-highlight', 'boxed'] as const) {
    it(`${style}: each word first shows on the frame nearest its onset`, () => {
      const ws = words();
      // The video stops before the last line is taken down: every change is a word onset.
      const durationS = ws.at(-1)!.start + 0.2;
      const opts: CaptionOptions = { style, position: 'center', font_size: 1, max_words_per_line: 3 };
      const captions = buildCaptions(ws, [ws.length], ws.at(-1)!.end + 1, opts, FRAME, 'en')!;
      const changes = changeFrames(captions.ass, durationS);
      assert.deepEqual(changes, ws.map((w) => Math.round(w.start * OUTPUT_FPS)));
      changes.forEach((frame, i) => {
        const offMs = (frame / OUTPUT_FPS - ws[i]!.start) * 1000;
        assert.ok(Math.abs(offMs) <= 500 / OUTPUT_FPS + 1e-6, `"${ws[i]!.text}" shows ${offMs.toFixed(1)} ms from its onset`);
      });
    });
  }

  for (const style of ['word-highlight', 'boxed'] as const) {
    it(`${style} with every look and overlay on: each word still first shows on the frame nearest its onset`, () => {
      const ws = words();
      const durationS = ws.at(-1)!.start + 0.2;
      const opts: CaptionOptions = { style, position: 'bottom', font_size: 1, max_words_per_line: 3 };
      const look = resolveLook(style, { look: 'bold' });
      const overlays: OverlaySpec = {
        hook: { text: 'Watch this', emphasis: [false, true], durationS: 2, repeatsNarration: false },
        progressBar: { position: 'bottom', colour: '#FF0000' },
        watermark: { kind: 'text', text: '@me', corner: 'bottom-right', opacity: 0.8, scale: 1 },
        endCard: { text: 'Follow', emphasis: [], durationS: 1, extendS: 0 },
      };
      const plan = planScreen({ frame: FRAME, narrationS: ws.at(-1)!.end + 1, captions: opts, look, overlays, language: 'en' });
      const captions = buildCaptions(ws, [ws.length], ws.at(-1)!.end + 1, opts, FRAME, 'en', { look, emphasis: ws.map((_, i) => i % 4 === 1), ...plan.captionExtras })!;
      const band = plan.layout.captions!;
      // Only the caption band is compared: the bar and the hook change other parts of the picture.
      const changes = changeFrames(assDocument(FRAME, [captions.part, ...plan.parts]), durationS, `${FRAME.width}:${band.y1 - band.y0}:0:${band.y0}`);
      assert.deepEqual(changes, ws.map((w) => Math.round(w.start * OUTPUT_FPS)));
    });
  }
});
