// Caption looks and overlays drawn by real ffmpeg/libass, read back from the frames: text by OCR
// (tesseract), colours, sizes and positions by pixels. Small frames (360x640 and the other shapes
// at the same short side) keep it cheap; the boxed style's edges are checked at 1080p, where
// notches showed.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { CaptionLook, OverlaySpec } from '../../functions/domain/look.ts';
import type { Frame, WordTiming } from '../../functions/domain/media.ts';
import type { CaptionOptions } from '../../functions/domain/video-request.ts';
import { assDocument } from '../../functions/media/captions/ass-document.ts';
import { buildCaptions } from '../../functions/media/captions/index.ts';
import { resolveLook } from '../../functions/media/captions/looks.ts';
import { logoArgs, logoSize, planScreen, watermarkInputArgs, watermarkOverlay } from '../../functions/media/overlays/index.ts';
import { progressAt } from '../../functions/media/overlays/progress-bar.ts';
import { bounds, burn, burnMany, count, letters, near, ocr, pixel, savePng, type Rgb } from '../support/frames.ts';
import { tempDir } from '../support/temp-dir.ts';

const dir = tempDir('look-frames-');
const PORTRAIT: Frame = { width: 360, height: 640 };
const GREY = '#707070';
const isGrey = near(GREY, 6);
const isWhite = near('#FFFFFF', 60);

function timed(text: string, start = 0.2, wordS = 0.3, gapS = 0.1): WordTiming[] {
  let t = start;
  return text.split(' ').map((w) => {
    const r = { text: w, start: t, end: t + wordS };
    t += wordS + gapS;
    return r;
  });
}

const opts = (o: Partial<CaptionOptions> = {}): CaptionOptions => ({ style: 'line', position: 'bottom', font_size: 1, max_words_per_line: 4, ...o });

type DrawSpec = { words: WordTiming[]; opts?: CaptionOptions | false; look?: CaptionLook; emphasis?: boolean[]; overlays?: Partial<OverlaySpec>; logoSvg?: string; frame?: Frame; frames: number[]; language?: string; startFrame?: number; narrationS?: number };

/** The logo as the worker keeps it (a PNG), rasterised once per SVG and size: every test places the same file. */
const keptLogos = new Map<string, string>();
function keptLogo(svg: string, size: ReturnType<typeof logoSize>): string {
  const key = JSON.stringify([svg, size]);
  let kept = keptLogos.get(key);
  if (!kept) {
    kept = join(dir, `logo-${keptLogos.size}.png`);
    execFileSync('ffmpeg', ['-v', 'error', '-y', ...logoArgs(svg, 'svg', size, kept)]);
    keptLogos.set(key, kept);
  }
  return kept;
}

/** The screen's plan, the captions and the one ASS document of a draw. */
function prepare(p: DrawSpec) {
  const frame = p.frame ?? PORTRAIT;
  const o = p.opts ?? opts();
  const look = p.look ?? resolveLook(o === false ? 'line' : o.style);
  const narrationS = p.narrationS ?? p.words.at(-1)!.end + 0.3;
  const overlays: OverlaySpec = { hook: null, progressBar: null, watermark: null, endCard: null, ...p.overlays };
  const plan = planScreen({ frame, narrationS, captions: o, look, overlays, language: p.language });
  const caps = o === false ? null : buildCaptions(p.words, [p.words.length], narrationS, o, frame, p.language, { look, ...(p.emphasis ? { emphasis: p.emphasis } : {}), ...plan.captionExtras });
  const doc = assDocument(frame, [...(caps ? [caps.part] : []), ...plan.parts]);
  const background = `color=c=${GREY.replace('#', '0x')}:s=${frame.width}x${frame.height}:r=30`;
  return { frame, overlays, plan, caps, doc, background };
}

/** Captions (and overlays) for `words`, as one document burned onto grey; the frames asked for. */
function draw(p: DrawSpec) {
  const { frame, overlays, plan, caps, doc, background } = prepare(p);
  let after: ((a: string, b: string) => string) | undefined;
  let inputs: string[] | undefined;
  if (plan.watermarkImage && overlays.watermark?.kind === 'image' && p.logoSvg) {
    // The logo as the worker keeps it (a PNG), then placed by the chunk's overlay.
    const mark = overlays.watermark;
    const kept = keptLogo(p.logoSvg, logoSize(mark.width, mark.height, 'svg'));
    inputs = watermarkInputArgs(kept);
    after = (a, b) => watermarkOverlay(1, { place: plan.watermarkImage!.place, opacity: mark.opacity }, a, b);
  }
  const frames = burn(doc, { ...frame, frames: p.frames, background, dir, ...(p.startFrame ? { startFrame: p.startFrame } : {}), ...(after ? { after, inputs: inputs! } : {}) });
  return { frames, plan, caps };
}

/** Several `draw`s (no image watermark) burned by one ffmpeg: each document drawn as `draw` draws it alone. */
function drawMany(ps: DrawSpec[]): ReturnType<typeof draw>[] {
  if (ps.some((p) => p.logoSvg)) throw new Error('drawMany draws no image watermark: use draw');
  const prepared = ps.map((p) => ({ p, ...prepare(p) }));
  const frames = burnMany(prepared.map(({ p, frame, doc, background }) => ({ ass: doc, ...frame, frames: p.frames, background, ...(p.startFrame ? { startFrame: p.startFrame } : {}) })), dir);
  return prepared.map((q, i) => ({ frames: frames[i]!, plan: q.plan, caps: q.caps }));
}

/** Rows of the frame as a box. */
const rows = (f: Frame | Rgb, y0: number, y1: number) => ({ x0: 0, y0: Math.max(0, Math.round(y0)), x1: f.width, y1: Math.min(f.height, Math.round(y1)) });

describe('caption looks, read back', () => {
  it('uppercase: the bold look draws the words in capitals (OCR)', async () => {
    const words = timed('hello world again');
    const [bold, plain] = drawMany([
      { words, look: resolveLook('line', { look: 'bold' }), frames: [20] },
      { words, look: resolveLook('line', { look: 'clean' }), frames: [20] },
    ]);
    const band = bold!.plan.layout.captions!;
    const read = await ocr(bold!.frames[0]!, { dir, lang: 'eng', ink: isWhite, box: rows(PORTRAIT, band.y0 - 20, band.y1 + 20) });
    assert.equal(read.replace(/[^A-Za-z]/g, ''), 'HELLOWORLDAGAIN', `read "${read}"`);
    const readPlain = await ocr(plain!.frames[0]!, { dir, lang: 'eng', ink: isWhite, box: rows(PORTRAIT, band.y0 - 20, band.y1 + 20) });
    assert.equal(readPlain.replace(/[^A-Za-z]/g, ''), 'helloworldagain', `read "${readPlain}"`);
  });

  for (const style of ['word-highlight', 'karaoke', 'line', 'boxed', 'pop'] as const) {
    it(`${style}: an emphasised word is drawn in the emphasis colour; without emphasis no pixel has it`, () => {
      const look = resolveLook(style, { look: 'classic', emphasis_color: '#FF00FF' });
      const words = timed('one two three four');
      // Frame 12 (0.4 s): "one" is spoken, "three" (emphasised) is not yet.
      const [withEm, without] = drawMany([
        { words, opts: opts({ style }), look, emphasis: [false, false, true, false], frames: [12] },
        { words, opts: opts({ style }), look, frames: [12] },
      ]).map((d) => d.frames[0]!) as [Rgb, Rgb];
      const magenta = near('#FF00FF', 50);
      assert.ok(count(withEm, magenta) > 150, `${count(withEm, magenta)} emphasis pixels`);
      assert.equal(count(without, magenta), 0);
    });
  }

  it('an emphasised word is drawn a little larger', () => {
    // One word in one colour either way: its ink with and without emphasis, at 1080p for whole-pixel precision.
    const frame = { width: 1080, height: 1920 };
    const words = timed('HIGH');
    const look = resolveLook('line', { text_color: '#FF00FF', emphasis_color: '#FF00FF' });
    const [plain, emphasised] = drawMany([false, true].map((em) => ({ words, look, emphasis: [em], frames: [12], frame })));
    const size = (d: ReturnType<typeof draw>) => {
      const b = bounds(d.frames[0]!, near('#FF00FF', 50))!;
      return [b.x1 - b.x0, b.y1 - b.y0];
    };
    const [w0, h0] = size(plain!);
    const [w1, h1] = size(emphasised!);
    for (const ratio of [w1! / w0!, h1! / h0!]) assert.ok(Math.abs(ratio - 1.12) < 0.03, `emphasised word ${ratio.toFixed(3)}× as large`);
  });

  it('text colour, highlight colour and outline come from the look and its overrides', () => {
    const look = resolveLook('word-highlight', { look: 'bold', text_color: '#00FFFF', highlight_color: '#FF8000', outline: { width: 0.15, color: '#0000FF' } });
    const f = draw({ words: timed('one two three'), opts: opts({ style: 'word-highlight' }), look, frames: [12] }).frames[0]!;
    assert.ok(count(f, near('#00FFFF', 40)) > 200, 'text colour');
    assert.ok(count(f, near('#FF8000', 40)) > 80, 'the spoken word');
    assert.ok(count(f, near('#0000FF', 40)) > 400, 'a thick blue outline');
  });
});

describe('boxed: one box per line (1080p)', () => {
  it('the box edges run straight from end to end: no notches between words, one shade of box', () => {
    const frame = { width: 1080, height: 1920 };
    const words = timed('Why my cat is always right');
    const o = opts({ style: 'boxed', position: 'center', max_words_per_line: 5 });
    const { frames } = draw({ words, opts: o, frame, frames: [12], emphasis: [false, false, true, false, false, false] });
    const f = frames[0]!;
    // On grey (0x70), the 65 % black box is 0x27 where no letter covers it.
    const boxShade = near('#272727', 4);
    const b = bounds(f, boxShade)!;
    assert.ok(b.x1 - b.x0 > 500, `a box ${b.x1 - b.x0} px wide`);
    for (const y of [b.y0 + 1, b.y0 + 3, b.y1 - 2, b.y1 - 4]) {
      const gaps: number[] = [];
      for (let x = b.x0 + 2; x < b.x1 - 2; x++) if (!boxShade(...pixel(f, x, y))) gaps.push(x);
      assert.deepEqual(gaps, [], `row ${y} of the box is box-coloured from end to end`);
    }
    // Nothing darker than the box: no doubled box where parts of the line meet.
    assert.equal(count(f, (r, g, bl) => r < 0x22 && g < 0x22 && bl < 0x22, b), 0);
    savePng(f, join(dir, 'boxed.png'));
  });
});

describe('hook title', () => {
  const words = timed('the first words of the narration go on and on', 0.1);
  it('Latin: readable (OCR) in the first second, clear of the captions', async () => {
    const hook = { text: 'You are doing it wrong', emphasis: [false, false, false, false, true], durationS: 2.5, repeatsNarration: false };
    const { frames, plan } = draw({ words, opts: opts({ style: 'word-highlight' }), look: resolveLook('pop', { look: 'bold' }), overlays: { hook }, frames: [15, 90] });
    const box = plan.layout.hook;
    const read = await ocr(frames[0]!, { dir, lang: 'eng', ink: (r, g, b) => isWhite(r, g, b) || near('#2BF05B', 60)(r, g, b), box: { x0: 0, y0: box.y0, x1: PORTRAIT.width, y1: box.y1 } });
    assert.equal(letters(read), 'YOUAREDOINGITWRONG', `read "${read}"`);
    // The title is in its box and above the caption band; the captions still run below it.
    const title = bounds(frames[0]!, isWhite, { x0: 0, y0: 0, x1: PORTRAIT.width, y1: plan.layout.captions!.y0 })!;
    assert.ok(title.y0 >= box.y0 && title.y1 <= box.y1, `title rows ${title.y0}..${title.y1} in ${box.y0}..${box.y1}`);
    assert.ok(count(frames[0]!, isWhite, rows(PORTRAIT, plan.layout.captions!.y0, plan.layout.captions!.y1)) > 100, 'captions under the hook');
    // Gone after its 2.5 s.
    assert.equal(count(frames[1]!, near('#2BF05B', 60), { x0: 0, y0: box.y0, x1: PORTRAIT.width, y1: box.y1 }), 0);
  });

  it('Japanese: readable (OCR) in the first second', async () => {
    const text = '今日から変わる';
    const hook = { text, emphasis: [], durationS: 2.5, repeatsNarration: false };
    const ja = timed('毎日 少しずつ 続けよう', 0.1);
    const { frames, plan } = draw({ words: ja, language: 'ja', overlays: { hook }, frames: [15] });
    const box = plan.layout.hook;
    const read = await ocr(frames[0]!, { dir, lang: 'jpn', ink: isWhite, box: { x0: 0, y0: box.y0, x1: PORTRAIT.width, y1: box.y1 }, psm: 7 });
    const got = read.replace(/\s/g, '');
    const hits = [...text].filter((c) => got.includes(c)).length;
    assert.ok(hits >= text.length - 1, `read "${got}" for "${text}"`);
  });

  it('a hook that repeats the narration: the captions wait until it is gone', () => {
    const hook = { text: 'the first words', emphasis: [], durationS: 1.5, repeatsNarration: true };
    const { frames, plan } = draw({ words, opts: opts({ style: 'word-highlight', position: 'center' }), overlays: { hook }, frames: [15, 60] });
    const band = plan.layout.captions!;
    // The title may take the captions' place meanwhile: no caption line under it.
    assert.ok(count(frames[0]!, near('#FFD400', 60)) === 0, 'no spoken-word highlight while the hook shows');
    assert.ok(count(frames[1]!, near('#FFD400', 60), rows(PORTRAIT, band.y0, band.y1)) > 50, 'captions after it');
  });
});

describe('progress bar', () => {
  const words = timed('a b c d', 0.1);
  const bar = { position: 'top' as const, colour: '#FF0000' as const };
  const narrationS = 2;
  const fill = (f: Rgb, y: number) => {
    let n = 0;
    for (let x = 0; x < f.width; x++) if (near('#FF0000', 60)(...pixel(f, x, y))) n++;
    return n;
  };

  it('fills with time and runs on unbroken across a chunk join', () => {
    // A lone render of 60 frames, and two chunks of 30 frames each (the second's frames carry their time in the whole video).
    const all = [0, 10, 29, 30, 45, 59];
    const [lone, first, second] = drawMany([
      { words, opts: false, overlays: { progressBar: bar }, narrationS, frames: all },
      { words, opts: false, overlays: { progressBar: bar }, narrationS, frames: [29] },
      { words, opts: false, overlays: { progressBar: bar }, narrationS, frames: [0, 15], startFrame: 30 },
    ]) as [ReturnType<typeof draw>, ReturnType<typeof draw>, ReturnType<typeof draw>];
    const rect = lone.plan.layout.bar!;
    const y = Math.round((rect.y0 + rect.y1) / 2);
    const lens = lone.frames.map((f) => fill(f, y));
    for (let i = 1; i < lens.length; i++) assert.ok(lens[i]! > lens[i - 1]!, `grows: ${lens.join(', ')}`);
    all.forEach((n, i) => assert.ok(Math.abs(lens[i]! - progressAt(n, rect, narrationS)) <= 2, `frame ${n}: ${lens[i]} px, expected ${progressAt(n, rect, narrationS).toFixed(1)}`));
    assert.ok(lens.at(-1)! >= rect.x1 - rect.x0 - 2, 'full at the last frame');

    assert.equal(fill(first.frames[0]!, y), lens[2], 'chunk 1 ends where the lone render is at frame 29');
    assert.equal(fill(second.frames[0]!, y), lens[3], 'chunk 2 starts where the lone render is at frame 30');
    assert.equal(fill(second.frames[1]!, y), lens[4]);
    const step = (rect.x1 - rect.x0) / 59;
    assert.ok(fill(second.frames[0]!, y) - fill(first.frames[0]!, y) <= Math.ceil(step) + 1, 'one frame’s step across the join');
  });
});

describe('watermark and safe area, every shape', () => {
  const shapes: [string, Frame][] = [
    ['9:16', PORTRAIT],
    ['1:1', { width: 360, height: 360 }],
    ['16:9', { width: 640, height: 360 }],
  ];
  const svg = join(dir, 'logo.svg');
  execFileSync('sh', ['-c', `printf '%s' '<svg xmlns="http://www.w3.org/2000/svg" width="90" height="30"><rect width="90" height="30" fill="#00FF00"/></svg>' > ${svg}`]);
  for (const [name, frame] of shapes) {
    for (const corner of ['top-left', 'bottom-right'] as const) {
      it(`${name}, ${corner}: the logo (SVG) in its corner of the safe area, everything else inside it too`, () => {
        const overlays: Partial<OverlaySpec> = {
          watermark: { kind: 'image', width: 90, height: 30, corner, opacity: 1, scale: 1 },
          progressBar: { position: corner.startsWith('top') ? 'top' : 'bottom', colour: '#FF0000' },
          hook: { text: 'Big news today', emphasis: [], durationS: 2, repeatsNarration: false },
        };
        const { frames, plan } = draw({ frame, words: timed('the captions run here too', 0.1), overlays, logoSvg: svg, opts: opts({ style: 'word-highlight' }), frames: [20] });
        const f = frames[0]!;
        const logo = bounds(f, near('#00FF00', 30))!;
        const safe = plan.layout.safe;
        assert.ok(logo, 'the logo is drawn');
        const [v, h] = corner.split('-');
        assert.ok(logo.x0 >= safe.x0 && logo.x1 <= safe.x1 && logo.y0 >= safe.y0 && logo.y1 <= safe.y1, `logo ${JSON.stringify(logo)} inside ${JSON.stringify(safe)}`);
        assert.equal(h === 'left' ? logo.x0 : logo.x1, h === 'left' ? safe.x0 : safe.x1, 'against the side');
        // Against the top or bottom edge, past the bar that takes that edge first.
        const barEdge = v === 'top' ? plan.layout.bar!.y1 : plan.layout.bar!.y0;
        assert.ok(v === 'top' ? logo.y0 > barEdge && logo.y0 - barEdge < 20 : logo.y1 < barEdge && barEdge - logo.y1 < 20, `logo next to the bar: ${JSON.stringify(logo)} bar ${barEdge}`);
        const place = plan.watermarkImage!.place;
        for (const k of ['x0', 'y0', 'x1', 'y1'] as const) assert.ok(Math.abs(logo[k] - place[k]) <= 1, `logo ${JSON.stringify(logo)} drawn at ${JSON.stringify(place)}`);
        assert.ok(Math.abs((place.x1 - place.x0) / (place.y1 - place.y0) - 3) < 0.25, 'at its own aspect ratio');
        // Nothing drawn outside the safe area (a few pixels of text shadow may spill).
        const outside = count(f, (r, g, b) => !isGrey(r, g, b)) - count(f, (r, g, b) => !isGrey(r, g, b), safe);
        assert.ok(outside <= 0.002 * frame.width * frame.height, `${outside} pixels drawn outside the safe area`);
        if (name === '9:16' && corner === 'bottom-right') savePng(f, join(dir, 'safe.png'));
      });
    }
  }

  it('a handle as text in its corner, at its opacity', async () => {
    const overlays: Partial<OverlaySpec> = { watermark: { kind: 'text', text: '@reelsmith', corner: 'top-right', opacity: 1, scale: 1.6 } };
    const [full, faint] = drawMany([
      { words: timed('words below'), overlays, opts: false, frames: [10] },
      { words: timed('words below'), overlays: { watermark: { kind: 'text', text: '@reelsmith', corner: 'top-right', opacity: 0.3, scale: 1.6 } }, opts: false, frames: [10] },
    ]) as [ReturnType<typeof draw>, ReturnType<typeof draw>];
    const { frames, plan } = full;
    const f = frames[0]!;
    const box = plan.layout.watermark!;
    const ink = bounds(f, isWhite)!;
    assert.ok(ink.x1 <= box.x1 + 2 && ink.x0 >= box.x0 - 2 && ink.y0 >= box.y0 - 2 && ink.y1 <= box.y1 + 2, `handle ${JSON.stringify(ink)} in ${JSON.stringify(box)}`);
    const read = await ocr(f, { dir, lang: 'eng', ink: isWhite, box: { x0: box.x0 - 4, y0: box.y0 - 4, x1: box.x1 + 4, y1: box.y1 + 4 }, psm: 7 });
    assert.match(read, /reelsmith/, `read "${read}"`);
    assert.equal(count(faint.frames[0]!, isWhite), 0, 'at 30 % nothing is near white');
  });
});

describe('end card', () => {
  const words = timed('this is the end of the story', 0.1);
  const narrationS = words.at(-1)!.end + 0.2;
  it('shows its call to action over the last seconds only, readable (OCR)', async () => {
    const endCard = { text: 'Follow for part 2', emphasis: [], durationS: 1.5, extendS: 0 };
    const total = Math.round(narrationS * 30);
    const { frames, plan } = draw({ words, narrationS, overlays: { endCard }, frames: [total - 40 - 15, total - 10] });
    const box = plan.layout.endCard;
    const area = { x0: 0, y0: box.y0, x1: PORTRAIT.width, y1: box.y1 };
    assert.equal(count(frames[0]!, isWhite, area), 0, 'not before its seconds');
    const read = await ocr(frames[1]!, { dir, lang: 'eng', ink: isWhite, box: area });
    assert.equal(letters(read), 'FOLLOWFORPART2', `read "${read}"`);
  });

  it('extend: seconds after the voice with the card and no captions', async () => {
    const endCard = { text: 'Follow for more', emphasis: [], durationS: 2, extendS: 2 };
    const { frames, plan } = draw({ words, narrationS, overlays: { endCard }, opts: opts({ style: 'word-highlight' }), frames: [Math.round(narrationS * 30) - 20, Math.round((narrationS + 1.5) * 30)] });
    assert.equal(plan.durationS, narrationS + 2);
    const band = plan.layout.captions!;
    assert.ok(count(frames[0]!, isWhite, rows(PORTRAIT, band.y0, band.y1)) > 100, 'captions while the voice speaks');
    assert.equal(count(frames[1]!, isWhite, rows(PORTRAIT, band.y0, band.y1)), 0, 'none after it');
    const box = plan.layout.endCard;
    assert.match(letters(await ocr(frames[1]!, { dir, lang: 'eng', ink: isWhite, box: { x0: 0, y0: box.y0, x1: PORTRAIT.width, y1: box.y1 } })), /FOLLOWFORMORE/);
  });
});
