// The overlays' pure builders: where each element goes on every shape of frame, the titles'
// fitting, the ASS document's spans, the looks' resolution and the arguments handed to ffmpeg.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CAPTION_LOOKS, CORNERS, type OverlaySpec } from '../../functions/domain/look.ts';
import type { Frame } from '../../functions/domain/media.ts';
import { assDocument, type AssPart } from '../../functions/media/captions/ass-document.ts';
import { buildCaptions } from '../../functions/media/captions/index.ts';
import { assAlpha, assBgr, LOOKS, resolveLook } from '../../functions/media/captions/looks.ts';
import { endCardWindow, extendTimeline, logoArgs, logoSize, planScreen, videoDurationS, watermarkInputArgs, watermarkOverlay } from '../../functions/media/overlays/index.ts';
import { screenLayout, type Rect } from '../../functions/media/overlays/screen.ts';
import { balance, fitTitle } from '../../functions/media/overlays/title.ts';

const SHAPES: Frame[] = [
  { width: 1080, height: 1920 },
  { width: 1080, height: 1080 },
  { width: 1920, height: 1080 },
  { width: 720, height: 1280 },
];
const inside = (r: Rect, o: Rect) => r.x0 >= o.x0 && r.y0 >= o.y0 && r.x1 <= o.x1 && r.y1 <= o.y1;
const overlap = (a: Rect, b: Rect) => a.x0 < b.x1 && b.x0 < a.x1 && a.y0 < b.y1 && b.y0 < a.y1;
const NONE: OverlaySpec = { hook: null, progressBar: null, watermark: null, endCard: null };

describe('screen layout', () => {
  for (const frame of SHAPES)
    for (const position of ['top', 'bottom'] as const)
      for (const corner of CORNERS)
        for (const captions of ['top', 'center', 'bottom'] as const)
          it(`${frame.width}x${frame.height}: bar ${position}, logo ${corner}, captions ${captions}: all inside the safe area, nothing overlapping`, () => {
            const l = screenLayout(frame, { position: captions, font_size: 1.4 }, { progressBar: { position, colour: '#FF0000' }, watermark: { kind: 'image', width: 300, height: 100, corner, opacity: 1, scale: 1 } });
            const parts = { bar: l.bar!, watermark: l.watermark!, captions: l.captions!, hook: l.hook, endCard: l.endCard };
            for (const [name, r] of Object.entries(parts)) {
              assert.ok(inside(r, l.safe), `${name} ${JSON.stringify(r)} inside ${JSON.stringify(l.safe)}`);
              assert.ok(r.x1 > r.x0 && r.y1 > r.y0, `${name} is not empty`);
            }
            assert.ok(!overlap(parts.bar, parts.watermark) && !overlap(parts.bar, parts.captions) && !overlap(parts.watermark, parts.captions));
            assert.ok(!overlap(parts.hook, parts.captions) && !overlap(parts.hook, parts.bar) && !overlap(parts.hook, parts.watermark));
            assert.ok(!overlap(parts.endCard, parts.captions));
            // The bar takes its edge first; a logo at that edge sits next to it.
            if (corner.startsWith(position)) assert.ok(position === 'top' ? l.watermark!.y0 > l.bar!.y1 : l.watermark!.y1 < l.bar!.y0);
            // Captions at an edge move in by what that edge holds; centred captions do not move.
            if (captions === 'center') assert.equal(l.captionReserveV, 0);
            else assert.ok(captions === position || corner.startsWith(captions) ? l.captionReserveV > 0 : l.captionReserveV === 0);
            // A logo keeps its own shape.
            assert.ok(Math.abs((l.watermark!.x1 - l.watermark!.x0) / (l.watermark!.y1 - l.watermark!.y0) - 3) < 0.1);
          });

  it('a hook that repeats the narration may take the captions’ place; one that does not stays clear of it', () => {
    const frame = SHAPES[0]!;
    const clear = screenLayout(frame, { position: 'center', font_size: 1 }, { progressBar: null, watermark: null });
    assert.ok(!overlap(clear.hook, clear.captions!));
    const waiting = screenLayout(frame, { position: 'center', font_size: 1 }, { progressBar: null, watermark: null, captionsWait: true });
    assert.ok(overlap(waiting.hook, waiting.captions!), 'the whole free room');
    assert.ok(waiting.hook.y1 - waiting.hook.y0 > clear.hook.y1 - clear.hook.y0);
  });
});

describe('titles', () => {
  it('balance: the widest line as narrow as it can be', () => {
    const w = (ws: string[]) => ws.join(' ').length;
    assert.deepEqual(balance('Follow for part 2'.split(' '), 2, w), [['Follow', 'for'], ['part', '2']]);
    assert.deepEqual(balance('a bb ccc'.split(' '), 1, w), [['a', 'bb', 'ccc']]);
    assert.deepEqual(balance(['x'], 3, w), [['x']]);
    assert.equal(balance('one two three four five six'.split(' '), 3, w).length, 3);
  });

  it('fitTitle: as large as fits, lines within the box, at most three', () => {
    const frame = SHAPES[0]!;
    const box = { x0: 162, y0: 300, x1: 918, y1: 1000 };
    const short = fitTitle('Stop scrolling', [], box, frame, LOOKS.bold, 'en', 1.7);
    const long = fitTitle('This one simple habit changed the way I think about money forever and ever again', [], box, frame, LOOKS.bold, 'en', 1.7);
    assert.ok(short.size > long.size, `${short.size} > ${long.size}`);
    assert.ok(long.lines.length <= 3 || long.size === Math.round(97 * 1.25), 'three lines, or the caption size at the least');
    assert.equal(short.lines.flat().map((w) => w.text).join(' '), 'STOP SCROLLING', 'the bold look is upper case');
    const ja = fitTitle('今日から変わる私の毎日の習慣', [], box, frame, LOOKS.bold, 'ja', 1.7);
    assert.equal(ja.font.family, 'Noto Sans CJK JP', 'a script the face lacks falls back to Noto');
  });
});

describe('plan of the screen', () => {
  const frame = SHAPES[0]!;
  const captions = { style: 'word-highlight', position: 'bottom', font_size: 1, max_words_per_line: 4 } as const;
  it('captions wait for a hook that repeats the narration, and clear a bottom bar', () => {
    const p = planScreen({ frame, narrationS: 10, captions, look: LOOKS.classic, overlays: { ...NONE, hook: { text: 'Hi there', emphasis: [], durationS: 2.5, repeatsNarration: true }, progressBar: { position: 'bottom', colour: '#FFFFFF' } } });
    assert.equal(p.captionExtras.notBeforeS, 2.5);
    assert.ok(p.captionExtras.reserveV! > 0);
    const q = planScreen({ frame, narrationS: 10, captions, look: LOOKS.classic, overlays: { ...NONE, hook: { text: 'Hi there', emphasis: [], durationS: 2.5, repeatsNarration: false } } });
    assert.deepEqual(q.captionExtras, {});
    assert.equal(q.parts.length, 1);
  });

  it('captions that wait: nothing before the hook ends, karaoke lines already begun start there with the words before it sung', () => {
    const words = [0.2, 0.6, 1.0, 1.4, 2.6, 3.0].map((t, i) => ({ text: `w${i}`, start: t, end: t + 0.3 }));
    for (const style of ['word-highlight', 'karaoke'] as const) {
      const c = buildCaptions(words, [6], 4, { ...captions, style, max_words_per_line: 6 }, frame, 'en', { notBeforeS: 1.2 })!;
      const starts = c.part.events.map((e) => e.startCs);
      assert.ok(Math.min(...starts) >= 119, `${style}: first event at ${Math.min(...starts)} cs`);
      if (style === 'karaoke') assert.match(c.part.events[0]!.text, /^\{\\kf0\}w0 \{\\kf0\}w1 \{\\kf\d+\}w2/);
    }
    assert.equal(buildCaptions(words, [6], 4, captions, frame, 'en')!.lines.length, buildCaptions(words, [6], 4, captions, frame, 'en', { notBeforeS: 1.2 })!.lines.length, 'the sidecars keep every line');
  });

  it('an image watermark is placed for the overlay, a handle is drawn by libass', () => {
    const img = planScreen({ frame, narrationS: 5, captions: false, look: LOOKS.clean, overlays: { ...NONE, watermark: { kind: 'image', width: 200, height: 200, corner: 'top-left', opacity: 0.8, scale: 1 } } });
    assert.ok(img.watermarkImage);
    assert.equal(img.parts.length, 0);
    const text = planScreen({ frame, narrationS: 5, captions: false, look: LOOKS.clean, overlays: { ...NONE, watermark: { kind: 'text', text: '@me', corner: 'top-left', opacity: 0.8, scale: 1 } } });
    assert.equal(text.watermarkImage, null);
    assert.match(text.parts[0]!.events[0]!.text, /\\alpha&H33&.*@me$/);
  });

  it('end card: its window, the extension and the timeline that carries it', () => {
    const card = { text: 'Follow', emphasis: [], durationS: 3, extendS: 2 };
    assert.equal(videoDurationS(10, card), 12);
    assert.deepEqual(endCardWindow(10, card), { startS: 9, endS: 12 });
    assert.deepEqual(endCardWindow(1, { ...card, extendS: 0 }), { startS: 0, endS: 1 });
    const segs = [
      { clip: 0, sourceStart: 0, duration: 4, start: 0 },
      { clip: 1, sourceStart: 1, duration: 6, start: 4 },
    ];
    assert.deepEqual(extendTimeline(segs, 2).at(-1), { clip: 1, sourceStart: 1, duration: 8, start: 4 });
    assert.equal(extendTimeline(segs, 0), segs);
    const p = planScreen({ frame, narrationS: 10, captions, look: LOOKS.bold, overlays: { ...NONE, endCard: card } });
    assert.equal(p.durationS, 12);
  });
});

describe('ASS document', () => {
  const part: AssPart = {
    styles: [{ name: 'A', family: 'Noto Sans', size: 10, bold: true, primary: '&H00FFFFFF', secondary: '&H00FFFFFF', outlineColour: '&H00000000', back: '&H00000000', borderStyle: 1, outline: 1, shadow: 0, alignment: 2, marginL: 0, marginR: 0, marginV: 0 }],
    events: [
      { layer: 0, startCs: 0, endCs: 100, style: 'A', text: 'one' },
      { layer: 0, startCs: 100, endCs: 300, style: 'A', text: 'two' },
      { layer: 0, startCs: 500, endCs: 600, style: 'A', text: 'three' },
    ],
  };
  it('a chunk gets the events that show during its span, with their times in the whole video', () => {
    const doc = assDocument({ width: 100, height: 100 }, [part], { startS: 2, endS: 5 });
    const ev = doc.split('\n').filter((l) => l.startsWith('Dialogue:'));
    assert.deepEqual(ev, ['Dialogue: 0,0:00:01.00,0:00:03.00,A,,0,0,0,,two']);
    assert.equal(assDocument({ width: 100, height: 100 }, [part]).split('\n').filter((l) => l.startsWith('Dialogue:')).length, 3);
  });
  it('two parts may not bring styles of the same name', () => {
    assert.throws(() => assDocument({ width: 100, height: 100 }, [part, part]), /two ASS styles are named A/);
  });
});

describe('looks', () => {
  it('three or more named looks, each complete, with distinct highlight and emphasis colours', () => {
    assert.ok(CAPTION_LOOKS.length >= 3);
    for (const name of CAPTION_LOOKS) {
      const l = LOOKS[name];
      assert.notEqual(l.highlight, l.emphasis, name);
      assert.notEqual(l.text, l.highlight, name);
    }
  });
  it('the request’s fields override the named look; no look keeps what each style always drew', () => {
    const l = resolveLook('pop', { look: 'bold', uppercase: false, highlight_color: '#123456', outline: { width: 0.2 } });
    assert.equal(l.font, 'anton');
    assert.equal(l.uppercase, false);
    assert.equal(l.highlight, '#123456');
    assert.deepEqual(l.outline, { width: 0.2, colour: '#000000' });
    assert.equal(resolveLook('pop').font, 'league-spartan');
    assert.equal(resolveLook('boxed').font, 'league-spartan');
    assert.equal(resolveLook('line').font, 'noto-sans');
    assert.equal(resolveLook('line', { font: 'fredoka' }).font, 'fredoka');
  });
  it('colours as ASS writes them', () => {
    assert.equal(assBgr('#FFD400'), '00D4FF');
    assert.equal(assAlpha(1), '00');
    assert.equal(assAlpha(0.65), '59');
    assert.equal(assAlpha(0), 'FF');
  });
});

describe('watermark arguments', () => {
  const place = { x0: 10, y0: 20, x1: 110, y1: 60 };
  it('a logo is kept at most 1024 px a side at its own shape: an SVG drawn that large, a bitmap never blown up', () => {
    assert.deepEqual(logoSize(200, 100, 'svg'), { width: 1024, height: 512 });
    assert.deepEqual(logoSize(200, 100, 'png'), { width: 200, height: 100 });
    assert.deepEqual(logoSize(4000, 1000, 'webp'), { width: 1024, height: 256 });
  });
  it('an SVG is drawn by librsvg at its size, opened by its own demuxer; a bitmap by its own', () => {
    const svg = logoArgs('logo.input', 'svg', { width: 100, height: 40 }, 'logo.png');
    assert.deepEqual(svg.slice(0, 10), ['-f', 'svg_pipe', '-width', '100', '-height', '40', '-keep_ar', '0', '-i', 'logo.input']);
    assert.match(svg.join(' '), /scale=w=100:h=40:flags=lanczos,format=rgba/);
    const webp = logoArgs('logo.input', 'webp', { width: 100, height: 40 }, 'logo.png');
    assert.deepEqual(webp.slice(0, 4), ['-f', 'webp_pipe', '-i', 'logo.input']);
    assert.equal(webp.at(-1), 'logo.png');
    assert.deepEqual(watermarkInputArgs('/w/logo.png'), ['-f', 'png_pipe', '-i', '/w/logo.png']);
  });
  it('the overlay fragment: scaled into its place once, its opacity in its alpha, blended in 4:2:0', () => {
    assert.equal(
      watermarkOverlay(3, { place, opacity: 0.5 }, 'v', 'w'),
      '[3:v]scale=w=100:h=40:flags=lanczos,format=rgba,colorchannelmixer=aa=0.5,format=yuva420p[w_logo];[v][w_logo]overlay=x=10:y=20:format=yuv420:eof_action=repeat[w]',
    );
  });
});
