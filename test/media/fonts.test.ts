// The caption faces the project ships: installed where fontconfig finds them (libass resolves
// them by family name), drawing the writing systems they claim, and measured as fonts.ts says
// (the line-length estimates and the size scale that evens out cap heights are checked against
// what libass draws).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { CAPTION_FONTS } from '../../functions/domain/look.ts';
import { assDocument } from '../../functions/media/captions/ass-document.ts';
import { BUNDLED_FONT_FILES, captionFont, FACES } from '../../functions/media/captions/fonts.ts';
import { estimateWidthPx } from '../../functions/media/captions/layout.ts';
import { bounds, burn } from '../support/frames.ts';
import { tempDir } from '../support/temp-dir.ts';

/** Letters each writing system must have, for the coverage check. */
const SAMPLES: Record<string, string> = {
  latin: 'AZaz0123ÉéÜüßÇçÑñŁł',
  cyrillic: 'АБВГДЖЯабвгджя',
  greek: 'ΑΒΓΔΩαβγδω',
  hebrew: 'אבגדהשת',
};

describe('shipped faces', () => {
  it('every look font is a face with a source and a file', () => {
    assert.deepEqual(Object.keys(FACES).sort(), [...CAPTION_FONTS].sort());
  });

  for (const id of CAPTION_FONTS) {
    const face = FACES[id];
    it(`${id}: fontconfig resolves "${face.family}" to the installed file`, () => {
      const file = execFileSync('fc-match', ['--format=%{file}', `${face.family}:weight=${face.bold ? 200 : 80}`], { encoding: 'utf8' });
      assert.equal(file, face.source.file, `${face.family} resolves to ${file}; run scripts/setup.sh`);
    });
    it(`${id}: its vertical metrics are the file's (head, hhea, OS/2), which the studio's preview draws boxes with`, () => {
      const b = readFileSync(face.source.file);
      const table: Record<string, number> = {};
      for (let i = 0; i < b.readUInt16BE(4); i++) table[b.toString('latin1', 12 + i * 16, 16 + i * 16)] = b.readUInt32BE(20 + i * 16);
      assert.deepEqual(face.metrics, {
        unitsPerEm: b.readUInt16BE(table.head! + 18),
        winAscent: b.readUInt16BE(table['OS/2']! + 74),
        winDescent: b.readUInt16BE(table['OS/2']! + 76),
        ascent: b.readInt16BE(table.hhea! + 4),
        descent: -b.readInt16BE(table.hhea! + 6),
      });
    });
    it(`${id}: draws ${face.scripts.join(', ')}`, () => {
      const charset = execFileSync('fc-query', ['--format=%{charset}', face.source.file], { encoding: 'utf8' });
      const ranges = charset.split(/\s+/).filter(Boolean).map((r) => r.split('-').map((h) => Number.parseInt(h, 16)) as [number, number?]);
      const has = (cp: number) => ranges.some(([a, b]) => cp >= a && cp <= (b ?? a));
      for (const ws of face.scripts) {
        const missing = [...SAMPLES[ws]!].filter((c) => !has(c.codePointAt(0)!));
        assert.deepEqual(missing, [], `${face.family} lacks ${ws} letters`);
      }
    });
  }

  it('the faces from npm packages are installed byte for byte', () => {
    assert.ok(BUNDLED_FONT_FILES.length >= 3);
    execFileSync(process.execPath, ['scripts/install-fonts.ts', '--check'], { stdio: 'pipe' });
  });

  it('a face falls back to the Noto face of a script it does not draw', () => {
    assert.equal(captionFont('Привет мир', 'ru', 'anton').family, 'Noto Sans');
    assert.equal(captionFont('Привет мир', 'ru', 'montserrat').family, 'Montserrat ExtraBold');
    assert.equal(captionFont('שלום עולם', 'he', 'fredoka').family, 'Fredoka');
    assert.equal(captionFont('שלום עולם', 'he', 'anton').family, 'Noto Sans Hebrew');
    assert.equal(captionFont('こんにちは', 'ja', 'anton').family, 'Noto Sans CJK JP');
    assert.equal(captionFont('Hello', 'en', 'anton').bold, false, 'a single-weight face is not emboldened');
  });
});

describe('measured as fonts.ts says (libass)', () => {
  const dir = tempDir('fonts-');
  const SIZE = 100;
  const W = 3600;
  const lower = 'the quick brown fox jumps over the lazy dog and then some more words';
  /** Ink width of each text and the height of a capital H, per face, drawn at SIZE × sizeScale in one frame. */
  function measure(family: string, bold: boolean, size: number) {
    const texts = [lower, lower.toUpperCase(), 'H'];
    const row = 220;
    const frame = { width: W, height: row * texts.length };
    const ass = assDocument(frame, [
      {
        styles: [{ name: 'M', family, size, bold, primary: '&H00FFFFFF', secondary: '&H00FFFFFF', outlineColour: '&H00000000', back: '&H00000000', borderStyle: 1, outline: 0, shadow: 0, alignment: 7, marginL: 0, marginR: 0, marginV: 0 }],
        events: texts.map((t, i) => ({ layer: 0, startCs: 0, endCs: 100, style: 'M', text: `{\\q2\\pos(20,${i * row + 40})}${t}` })),
      },
    ]);
    const [f] = burn(ass, { ...frame, frames: [0], background: `color=c=black:s=${W}x${frame.height}:r=30`, dir });
    const white = (r: number) => r > 128;
    const box = (i: number) => bounds(f!, white, { x0: 0, y0: i * row, x1: W, y1: (i + 1) * row })!;
    return { lower: box(0).x1 - box(0).x0, upper: box(1).x1 - box(1).x0, cap: box(2).y1 - box(2).y0 };
  }
  const noto = measure(FACES['noto-sans'].family, true, SIZE);
  for (const id of CAPTION_FONTS) {
    it(`${id}: width estimates within 8 % of the drawn line, capitals as tall as Noto Sans's`, () => {
      const face = FACES[id];
      const size = Math.round(SIZE * face.sizeScale);
      const m = measure(face.family, face.bold, size);
      for (const [text, drawn] of [
        [lower, m.lower],
        [lower.toUpperCase(), m.upper],
      ] as const) {
        const est = estimateWidthPx(text, face, size);
        assert.ok(Math.abs(est / drawn - 1) <= 0.08, `${face.family}: estimated ${est.toFixed(0)} px, drawn ${drawn} px`);
      }
      // Anton is drawn taller on purpose (fonts.ts); the others match Noto Sans's capitals.
      const want = id === 'anton' ? 1.18 : 1;
      assert.ok(Math.abs(m.cap / noto.cap / want - 1) <= 0.06, `${face.family}: capital ${m.cap} px against Noto Sans's ${noto.cap} px`);
    });
  }
});
