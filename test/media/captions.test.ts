import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { buildCaptions, captionFont, writingSystemOf } from '../../functions/media/captions/index.ts';
import { assTime, escapeAssText, assStyle, buildAss, frameAlignedCs } from '../../functions/media/captions/ass.ts';
import { layoutLines, safeArea, fontSizePx, estimateWidthPx } from '../../functions/media/captions/layout.ts';
import { buildVtt, buildSrt } from '../../functions/media/captions/sidecars.ts';
import { resolveLook } from '../../functions/media/captions/looks.ts';
import type { CaptionOptions } from '../../functions/domain/video-request.ts';
import type { WordTiming } from '../../functions/domain/media.ts';

const PORTRAIT = { width: 1080, height: 1920 };
const opts = (o: Partial<CaptionOptions> = {}): CaptionOptions => ({ style: 'word-highlight', position: 'bottom', font_size: 1, max_words_per_line: 4, ...o });

function timed(text: string, wordS = 0.3, gapS = 0.05, start = 0.1): WordTiming[] {
  let t = start;
  return text.split(' ').map((w) => {
    const r = { text: w, start: t, end: t + wordS };
    t += wordS + gapS;
    return r;
  });
}

const events = (ass: string) => ass.split('\n').filter((l) => l.startsWith('Dialogue:'));
const field = (ev: string, i: number) => ev.split(',')[i]!;
const toS = (t: string) => {
  const [h, m, s] = t.split(':');
  return Number(h) * 3600 + Number(m) * 60 + Number(s);
};

describe('writing system and font', () => {
  const cases: [string, string | undefined, string, string, boolean][] = [
    ['Hello world', undefined, 'latin', 'Noto Sans', false],
    ['Привет мир', 'ru', 'cyrillic', 'Noto Sans', false],
    ['Γειά σου κόσμε', undefined, 'greek', 'Noto Sans', false],
    ['مرحبا بالعالم', 'ar', 'arabic', 'Noto Sans Arabic', true],
    ['שלום עולם', 'he', 'hebrew', 'Noto Sans Hebrew', true],
    ['你好世界', 'zh', 'cjk', 'Noto Sans CJK SC', false],
    ['你好世界', 'zh-TW', 'cjk', 'Noto Sans CJK TC', false],
    ['こんにちは世界', undefined, 'cjk', 'Noto Sans CJK JP', false],
    ['東京', 'ja', 'cjk', 'Noto Sans CJK JP', false],
    ['안녕하세요 세계', 'ko', 'hangul', 'Noto Sans CJK KR', false],
    ['नमस्ते दुनिया', 'hi', 'devanagari', 'Noto Sans Devanagari', false],
    ['สวัสดีชาวโลก', 'th', 'thai', 'Noto Sans Thai', false],
  ];
  for (const [text, lang, ws, family, rtl] of cases) {
    it(`${ws}: ${text}`, () => {
      assert.equal(writingSystemOf(text), ws);
      const f = captionFont(text, lang);
      assert.equal(f.family, family);
      assert.equal(f.rtl, rtl);
    });
  }
  it('the majority script wins over a few Latin brand names', () => {
    assert.equal(writingSystemOf('iPhone هو هاتف ذكي من شركة Apple'), 'arabic');
    assert.equal(writingSystemOf('Hello 世界 and more English words'), 'latin');
  });
  it('CJK joins words without spaces; Korean keeps them', () => {
    assert.equal(captionFont('你好').noSpaces, true);
    assert.equal(captionFont('안녕').noSpaces, false);
  });
});

describe('layout', () => {
  it('safe areas: vertical keeps clear of the bottom quarter and the right-hand buttons', () => {
    const v = safeArea(PORTRAIT);
    assert.ok(v.bottom >= 0.2 && v.right > v.left && v.top >= 0.1);
    const l = safeArea({ width: 1920, height: 1080 });
    assert.ok(l.bottom < v.bottom);
    assert.deepEqual(safeArea({ width: 1080, height: 1080 }), l);
  });
  it('font size scales with the short side and font_size', () => {
    assert.equal(fontSizePx(PORTRAIT, 1), fontSizePx({ width: 1920, height: 1080 }, 1));
    assert.equal(fontSizePx({ width: 720, height: 1280 }, 1), Math.round(fontSizePx(PORTRAIT, 1) * (720 / 1080)));
    assert.equal(fontSizePx(PORTRAIT, 2), 2 * fontSizePx(PORTRAIT, 1));
    assert.equal(fontSizePx(PORTRAIT, 0.5), Math.round(fontSizePx(PORTRAIT, 1) / 2));
  });
  it('estimates CJK glyphs wider than Latin letters', () => {
    const latin = captionFont('a');
    assert.ok(estimateWidthPx('你好', captionFont('你好'), 100) > estimateWidthPx('ab', latin, 100));
  });

  const font = captionFont('hello');
  it('respects max_words_per_line and sentence ends', () => {
    const words = timed('one two three four five six. seven eight');
    const lines = layoutLines(words, [6, 8], { max_words_per_line: 4 }, font, 50, 5000, 10);
    assert.deepEqual(lines.map((l) => l.text), ['one two three four', 'five six.', 'seven eight']);
    const one = layoutLines(words, [6, 8], { max_words_per_line: 1 }, font, 50, 5000, 10);
    assert.equal(one.length, 8);
  });
  it('breaks at long pauses and at clause marks once half full', () => {
    const words = [...timed('a b', 0.3, 0.05, 0), ...timed('c d', 0.3, 0.05, 3)];
    assert.deepEqual(layoutLines(words, [4], { max_words_per_line: 6 }, font, 50, 5000, 5).map((l) => l.text), ['a b', 'c d']);
    const clause = timed('well, one two, three four five six');
    assert.deepEqual(layoutLines(clause, [7], { max_words_per_line: 4 }, font, 50, 5000, 5).map((l) => l.text), ['well, one two,', 'three four five six']);
  });
  it('breaks lines that would not fit the safe width', () => {
    const words = timed('extraordinarily incomprehensible characteristically');
    const lines = layoutLines(words, [3], { max_words_per_line: 12 }, font, 97, 850, 5);
    assert.equal(lines.length, 3);
    for (const l of lines) assert.equal(l.words.length, 1);
  });
  it('bridges short gaps between lines and holds the last line briefly', () => {
    const words = timed('one two three four five six', 0.3, 0.05);
    const lines = layoutLines(words, [6], { max_words_per_line: 3 }, font, 50, 5000, 10);
    assert.equal(lines[0]!.end, lines[1]!.start);
    assert.ok(Math.abs(lines[1]!.end - (words[5]!.end + 0.4)) < 1e-9);
  });
  it('never runs past the narration and skips empty words', () => {
    const words = [{ text: ' ', start: 0, end: 0.2 }, ...timed('last word', 0.3, 0.05, 1)];
    const lines = layoutLines(words, [3], { max_words_per_line: 4 }, font, 50, 5000, 1.6);
    assert.equal(lines.length, 1);
    assert.equal(lines[0]!.text, 'last word');
    assert.equal(lines[0]!.end, 1.6);
  });
  it('joins CJK words without spaces', () => {
    const cjk = captionFont('你好');
    const words = [
      { text: '你好', start: 0, end: 0.4 },
      { text: '世界。', start: 0.45, end: 0.9 },
    ];
    assert.equal(layoutLines(words, [2], { max_words_per_line: 4 }, cjk, 50, 5000, 2)[0]!.text, '你好世界。');
  });
});

describe('ASS', () => {
  it('formats times in centiseconds', () => {
    assert.equal(assTime(0), '0:00:00.00');
    assert.equal(assTime(1.234), '0:00:01.23');
    assert.equal(assTime(61.999), '0:01:02.00');
    assert.equal(assTime(3725.5), '1:02:05.50');
    assert.equal(assTime(-1), '0:00:00.00');
  });
  it('frame grid: an event time shows first on the frame nearest it, robust to truncated frame times', () => {
    for (let k = 0; k < 2000; k++) {
      const cs = frameAlignedCs(k / 30 + (k % 7) * 0.002 - 0.006);
      const frame = Math.round((k / 30 + (k % 7) * 0.002 - 0.006) * 30);
      // ffmpeg asks for frame n at trunc(n × (1/30) × 1000) ms; it may land a hair below the exact time.
      const shownAt = (n: number) => Math.trunc(n * (1 / 30) * 1000 - 1e-9);
      assert.ok(cs * 10 <= Math.max(0, shownAt(frame)), `k=${k}: ${cs} cs is after frame ${frame}`);
      if (frame > 0) assert.ok(cs * 10 > shownAt(frame - 1), `k=${k}: ${cs} cs already shows on frame ${frame - 1}`);
    }
  });
  it('escapes override braces, backslashes and newlines', () => {
    assert.equal(escapeAssText('a{\\b1}c\nd'), 'a｛⧵b1｝c d');
  });
  it('header: PlayRes is the frame, the font and the safe-area margins per position', () => {
    const font = captionFont('hello');
    const lines = layoutLines(timed('hello there'), [2], { max_words_per_line: 4 }, font, 97, 5000, 3);
    const bottom = buildAss(lines, opts(), PORTRAIT, font);
    assert.match(bottom, /PlayResX: 1080\nPlayResY: 1920/);
    const style = bottom.split('\n').find((l) => l.startsWith('Style:'))!.split(',');
    assert.equal(style[1], 'Noto Sans');
    assert.equal(Number(style[2]), fontSizePx(PORTRAIT, 1));
    assert.equal(style[18], '2');
    assert.equal(Number(style[21]), Math.round(1920 * safeArea(PORTRAIT).bottom));
    assert.ok(Number(style[16]) >= 2, 'outline');
    assert.ok(Number(style[17]) >= 1, 'shadow');
    assert.equal(style[22], '-1', 'whole-line bidi layout');
    assert.equal(assStyle(PORTRAIT, { position: 'top', font_size: 1 }).alignment, 8);
    assert.equal(assStyle(PORTRAIT, { position: 'top', font_size: 1 }).marginV, Math.round(1920 * safeArea(PORTRAIT).top));
    assert.equal(assStyle(PORTRAIT, { position: 'center', font_size: 1 }).alignment, 5);
    assert.equal(assStyle(PORTRAIT, { position: 'bottom', font_size: 2 }).fontSize, 2 * fontSizePx(PORTRAIT, 1));
    assert.ok(assStyle(PORTRAIT, { position: 'bottom', font_size: 1 }).marginR > assStyle(PORTRAIT, { position: 'bottom', font_size: 1 }).marginL);
  });

  it('line: one event per line with its text', () => {
    const c = buildCaptions(timed('one two three four five'), [5], 5, opts({ style: 'line', max_words_per_line: 3 }), PORTRAIT)!;
    const ev = events(c.ass);
    assert.equal(ev.length, 2);
    assert.match(ev[0]!, /,one two three$/);
    assert.match(ev[1]!, /,four five$/);
    assert.doesNotMatch(c.ass, /\\1c|\\k/);
  });

  it('word-highlight: one back-to-back event per word, the spoken word coloured', () => {
    const words = timed('one two three');
    const c = buildCaptions(words, [3], 3, opts(), PORTRAIT)!;
    const ev = events(c.ass);
    assert.equal(ev.length, 3);
    ev.forEach((e, i) => {
      const coloured = /\{\\1c&H00D4FF&\}([^{]+)\{\\1c&HFFFFFF&\}/.exec(e);
      assert.equal(coloured?.[1], words[i]!.text);
      assert.match(e, /one.*two.*three/);
    });
    for (let i = 1; i < ev.length; i++) assert.equal(field(ev[i]!, 1), field(ev[i - 1]!, 2), 'no gap, no overlap');
    assert.equal(toS(field(ev[1]!, 1)), frameAlignedCs(words[1]!.start) / 100);
  });

  it('karaoke: \\kf durations follow the word timings and add up to the line', () => {
    const words = timed('one two three', 0.3, 0.1);
    const c = buildCaptions(words, [3], 3, opts({ style: 'karaoke' }), PORTRAIT)!;
    const ev = events(c.ass);
    assert.equal(ev.length, 1);
    const ks = [...ev[0]!.matchAll(/\\kf(\d+)/g)].map((m) => Number(m[1]));
    assert.deepEqual(ks, [40, 40, 30]);
    assert.match(c.ass, /Style: Caption,Noto Sans,\d+,&H0000D4FF,&H00FFFFFF,/);
  });
  it('karaoke: a pause before a word is an empty timed block', () => {
    const words = [
      { text: 'a', start: 0, end: 0.3 },
      { text: 'b', start: 0.3, end: 0.5 },
    ];
    // On the 30 fps grid: a from frame 0, b from frame 9 (shown from 0.29 s), the end at frame 15 (0.49 s).
    const c = buildCaptions(words, [2], 1, opts({ style: 'karaoke' }), PORTRAIT)!;
    assert.match(events(c.ass)[0]!, /\{\\kf29\}a \{\\kf20\}b$/);
  });
  it('karaoke: right-to-left scripts switch whole words (\\k), not a left-to-right sweep', () => {
    const c = buildCaptions(timed('مرحبا بالعالم الجميل'), [3], 3, opts({ style: 'karaoke' }), PORTRAIT, 'ar')!;
    assert.equal(c.font.family, 'Noto Sans Arabic');
    assert.doesNotMatch(c.ass, /\\kf/);
    assert.equal([...c.ass.matchAll(/\\k\d+/g)].length, 3);
  });
  it('boxed: one box per line (BorderStyle 4, one box around each event), the words highlighted on it, the display face', () => {
    const words = timed('one two three four five');
    const c = buildCaptions(words, [5], 3, opts({ style: 'boxed', max_words_per_line: 3 }), PORTRAIT)!;
    assert.equal(c.font.family, 'League Spartan Black');
    const style = c.ass.split('\n').find((l) => l.startsWith('Style: Caption,'))!.split(',');
    assert.equal(style[1], 'League Spartan Black');
    assert.equal(style[6], '&H59000000', 'BackColour: the box, black at 65 %');
    assert.equal(style[15], '4', 'BorderStyle 4');
    assert.equal(style[16], '0', 'no outline on a box');
    const ev = events(c.ass);
    assert.equal(ev.length, 5, 'one event per word, each one box around its line');
    for (const e of ev) assert.match(e, /,\{\\xshad\d+\\yshad\d+\}/, 'the padding of the box');
    for (let i = 1; i < ev.length; i++) if (i !== 3) assert.equal(field(ev[i]!, 1), field(ev[i - 1]!, 2), 'the box stays up across the line');
  });
  it('pop: the spoken word grows from 60 % past full size and settles, in the display face', () => {
    const c = buildCaptions(timed('one two'), [2], 2, opts({ style: 'pop' }), PORTRAIT)!;
    assert.equal(c.font.family, 'League Spartan Black');
    const ev = events(c.ass);
    assert.equal(ev.length, 2);
    assert.match(ev[1]!, /one \{\\1c&H00D4FF&\\fscx60\\fscy60\\t\(0,100,\\fscx112\\fscy112\)\\t\(100,160,\\fscx100\\fscy100\)\}two\{/);
  });
  it('the display face is for Latin script only: other scripts keep their Noto face', () => {
    assert.equal(captionFont('Hello', 'en', 'league-spartan').family, 'League Spartan Black');
    assert.equal(captionFont('Привет мир', 'ru', 'league-spartan').family, 'Noto Sans');
    assert.equal(captionFont('مرحبا بالعالم', 'ar', 'league-spartan').family, 'Noto Sans Arabic');
    assert.equal(captionFont('你好世界', 'zh', 'league-spartan').family, 'Noto Sans CJK SC');
    assert.equal(buildCaptions(timed('مرحبا بالعالم'), [2], 2, opts({ style: 'pop' }), PORTRAIT, 'ar')!.font.family, 'Noto Sans Arabic');
    assert.equal(captionFont('Hello', 'en').family, 'Noto Sans');
  });
  it('no words → no captions', () => {
    assert.equal(buildCaptions([], [], 3, opts(), PORTRAIT), null);
  });
});

describe('sidecars', () => {
  const lines = layoutLines(timed('a <b> & c. d e'), [4, 6], { max_words_per_line: 4 }, captionFont('a'), 50, 5000, 3);
  it('WebVTT: header, millisecond cue times, escaped text', () => {
    const vtt = buildVtt(lines);
    assert.match(vtt, /^WEBVTT\n\n1\n00:00:00\.100 --> 00:00:01\.500\na &lt;b&gt; &amp; c\.\n\n2\n00:00:01\.500 --> /);
  });
  it('SRT: numbered cues with comma milliseconds', () => {
    const srt = buildSrt(lines);
    assert.match(srt, /^1\n00:00:00,100 --> 00:00:01,500\na <b> & c\.\n\n2\n00:00:01,500 --> 00:00:02,\d{3}\nd e\n$/);
  });
  it('same cue count and times as the burned-in lines', () => {
    const c = buildCaptions(timed('one two three four five six seven'), [7], 4, opts({ style: 'line', max_words_per_line: 3 }), PORTRAIT)!;
    assert.equal((c.vtt.match(/-->/g) ?? []).length, events(c.ass).length);
    assert.equal((c.srt.match(/-->/g) ?? []).length, c.lines.length);
  });
});

describe('looks and emphasis in the ASS', () => {
  const words = timed('one two three');
  const em = [false, true, false];
  it('uppercase: the burned-in text in capitals (by the language), the sidecars as written', () => {
    const c = buildCaptions(timed('istanbul is big'), [3], 3, opts({ style: 'line' }), PORTRAIT, 'tr', { look: resolveLook('line', { look: 'bold' }) })!;
    assert.match(events(c.ass)[0]!, /,İSTANBUL İS BİG$/);
    assert.match(c.vtt, /istanbul is big/);
  });
  it('an emphasised word: its colour and 112 % in every style, back to normal after it', () => {
    for (const style of ['word-highlight', 'karaoke', 'line', 'boxed', 'pop'] as const) {
      const c = buildCaptions(words, [3], 3, opts({ style }), PORTRAIT, 'en', { emphasis: em, look: resolveLook(style, { emphasis_color: '#00FF80' }) })!;
      const ev = events(c.ass);
      // Word 0 is being spoken in the first event; "two" is emphasised.
      assert.match(ev[0]!, /\\[12]c&H80FF00&\\fscx112\\fscy112(\\kf\d+)?\}two/, `${style}: ${ev[0]}`);
      assert.match(ev[0]!, /two ?\{\\[12]c&HFFFFFF&\\fscx100\\fscy100\}/, style);
    }
  });
  it('the spoken word keeps its emphasis size while highlighted; pop settles at it', () => {
    const c = buildCaptions(words, [3], 3, opts({ style: 'pop' }), PORTRAIT, 'en', { emphasis: em })!;
    assert.match(events(c.ass)[1]!, /\\fscx67\\fscy67\\t\(0,100,\\fscx125\\fscy125\)\\t\(100,160,\\fscx112\\fscy112\)\}two/);
  });
  it('a glowing look blurs its outline; the boxed style pads its box', () => {
    const neon = buildCaptions(words, [3], 3, opts({ style: 'line' }), PORTRAIT, 'en', { look: resolveLook('line', { look: 'neon' }) })!;
    assert.match(events(neon.ass)[0]!, /,\{\\blur\d+\}/);
    assert.match(neon.ass, /Style: Caption,Montserrat ExtraBold,\d+,&H00FFFFFF,&H00FFFFFF,&H00D62BFF,/);
  });
  it('emphasis widens the line estimate: a line that fits plain may break when emphasised', () => {
    const font = captionFont('x');
    const ws = timed('aaaaaaaaaa bbbbbbbbbb');
    const plain = layoutLines(ws, [2], { max_words_per_line: 4 }, font, 100, 950, 5);
    const big = layoutLines(ws.map((w) => ({ ...w, emphasis: true })), [2], { max_words_per_line: 4 }, font, 100, 950, 5, { emphasisScale: 1.12 });
    assert.equal(plain.length, 1);
    assert.equal(big.length, 2);
  });
});
