// Real renders of tiny generated inputs, checked with ffprobe, pixels and ebur128.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { mkdir, readFile, rm } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { normaliseNarration } from '../../functions/media/loudness.ts';
import { validateRender } from '../../functions/media/render.ts';
import { renderPlanned, renderVideo, TEST_ENCODE, type RenderJob } from '../support/render.ts';
import { resolveMediaTools } from '../../functions/media/tools.ts';
import { assStyle } from '../../functions/media/captions/ass.ts';
import { captionFont } from '../../functions/media/captions/index.ts';
import { planTimeline } from '../../functions/pipeline/timeline.ts';
import type { AspectRatio, CaptionOptions, Resolution } from '../../functions/domain/video-request.ts';
import { frameSize } from '../../functions/domain/video-spec.ts';
import { CancelledError, TaskError } from '../../functions/errors.ts';

import { makeImage, makeSpeechLikeWav, makeTone, makeVideo } from '../support/media-fixtures.ts';
import { ffprobe, isFastStart } from '../support/ffprobe.ts';
import { STILL_SHOT_S, type Narration, type SourceClip, type WordTiming } from '../../functions/domain/media.ts';
import type { RenderPlan } from '../../functions/media/render-plan.ts';
import { MIN_CHUNK_S } from '../../functions/media/chunks.ts';
import { tempDir } from '../support/temp-dir.ts';
import { waitFor } from '../support/wait.ts';
import { countFrames } from '../support/video-frames.ts';

const tools = resolveMediaTools({});
let root: string;
let n = 0;
/** Flat navy footage: any bright or yellow pixel in it comes from the captions. */
let navy: SourceClip;
let detailed: SourceClip;
let voice3: string;

before(async () => {
  root = tempDir('render-test-');
  const navyPath = await makeVideo(join(root, 'navy.mp4'), { width: 480, height: 270, durationS: 5, pattern: 'color', color: 'navy' });
  navy = { kind: 'file', path: navyPath, durationS: 5, width: 480, height: 270, credit: null };
  const detailedPath = await makeVideo(join(root, 'detail.mp4'), { width: 320, height: 240, durationS: 2.5, fps: 24, rotate: 90, vfr: true });
  detailed = { kind: 'file', path: detailedPath, durationS: 2.5, width: 240, height: 320, credit: null };
  voice3 = await makeSpeechLikeWav(join(root, 'voice3.wav'), 3.2);
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

async function taskDir(): Promise<string> {
  const d = join(root, `task-${++n}`);
  await mkdir(d);
  return d;
}

/** Words spoken back to back from 0.2 s, `wordS` each. */
function words(text: string, wordS = 0.5): WordTiming[] {
  return text.split(' ').map((w, i) => ({ text: w, start: 0.2 + i * wordS, end: 0.2 + i * wordS + wordS * 0.85 }));
}

function narration(ws: WordTiming[], audioPath = voice3, durationS = 3.2): Narration {
  return { audioPath, durationS, words: ws, sentenceEnds: [ws.length] };
}

/** The captions script the render burned in (its head holds the style, with the font it picked). */
const assOf = (r: { plan: RenderPlan }) => r.plan.outputs[0]!.subtitles ?? '';

const caps = (o: Partial<CaptionOptions> = {}): CaptionOptions => ({ style: 'word-highlight', position: 'bottom', font_size: 1, max_words_per_line: 4, ...o });

async function render(o: {
  aspect?: AspectRatio;
  resolution?: Resolution;
  /** A frame of any size, for tests where the picture is not the point (overrides aspect and resolution). */
  frame?: { width: number; height: number };
  captions?: CaptionOptions | false;
  narration?: Narration;
  clips?: SourceClip[];
  language?: string;
  music?: RenderJob['music'];
  /**
   * The voice counts as normalised, as the pipeline's speech stage leaves it: the mix gets no
   * loudnorm pass. For tests that check the picture, not the sound's level.
   */
  voiceNormalised?: boolean;
  signal?: AbortSignal;
  onProgress?: (f: number) => void;
}) {
  const dir = await taskDir();
  const { width, height } = o.frame ?? frameSize(o.aspect ?? '9:16', o.resolution ?? '720p');
  const nar = o.narration ?? narration(words('one two three four five'));
  const clips = o.clips ?? [navy];
  const segments = planTimeline({ words: nar.words, sentenceEnds: nar.sentenceEnds, durationS: nar.durationS, clips });
  const result = await renderVideo(tools, {
    dir,
    narration: nar,
    clips,
    segments,
    width,
    height,
    encode: TEST_ENCODE,
    captions: o.captions === undefined ? caps() : o.captions,
    ...(o.language ? { language: o.language } : {}),
    ...(o.music ? { music: o.music } : {}),
    ...(o.voiceNormalised ? { voiceNormalised: true } : {}),
    signal: o.signal ?? new AbortController().signal,
    ...(o.onProgress ? { onProgress: o.onProgress } : {}),
  });
  return { dir, result, width, height, nar };
}

/** Checks every render must pass: streams, codecs, size, frame rate, duration, faststart. */
async function assertPlayable(path: string, width: number, height: number, durationS: number) {
  const p = ffprobe(path);
  const v = p.streams.find((s) => s.codec_type === 'video');
  const a = p.streams.find((s) => s.codec_type === 'audio');
  assert.ok(v && a, 'video and audio streams');
  assert.equal(v.codec_name, 'h264');
  assert.equal(a.codec_name, 'aac');
  assert.equal(v.width, width);
  assert.equal(v.height, height);
  assert.equal(v.r_frame_rate, '30/1');
  assert.ok(Math.abs(p.durationS - durationS) <= 0.1, `duration ${p.durationS} vs narration ${durationS}`);
  // The same probe's JSON carries the pixel format (one ffprobe for every stream check).
  assert.equal((v as { pix_fmt?: string }).pix_fmt, 'yuv420p');
  assert.ok(isFastStart(await readFile(path)), '+faststart: moov before mdat');
}

/** Pids of the ffmpeg processes whose working dir is `dir`. */
function ffmpegIn(dir: string): number[] {
  return readdirSync('/proc')
    .filter((p) => /^\d+$/.test(p))
    .filter((p) => {
      try {
        return readFileSync(`/proc/${p}/comm`, 'utf8').trim() === 'ffmpeg' && readlinkSync(`/proc/${p}/cwd`) === dir;
      } catch {
        return false; // gone meanwhile
      }
    })
    .map(Number);
}

function grabFrame(path: string, atS: number, width: number, height: number): Buffer {
  const buf = execFileSync('ffmpeg', ['-v', 'error', '-ss', String(atS), '-i', path, '-frames:v', '1', '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-'], {
    maxBuffer: 64 * 1024 * 1024,
  });
  assert.equal(buf.length, width * height * 3);
  return buf;
}

interface Band {
  y0: number;
  y1: number;
}
function countPixels(frame: Buffer, width: number, band: Band, test: (r: number, g: number, b: number) => boolean): number {
  let count = 0;
  for (let y = Math.max(0, Math.floor(band.y0)); y < Math.min(frame.length / 3 / width, Math.ceil(band.y1)); y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      if (test(frame[i]!, frame[i + 1]!, frame[i + 2]!)) count++;
    }
  }
  return count;
}
const isWhite = (r: number, g: number, b: number) => r > 200 && g > 200 && b > 200;
const isYellow = (r: number, g: number, b: number) => r > 200 && g > 160 && b < 100;

/** Where the caption text sits for a position: a band of a few line heights around the anchor. */
function captionBand(width: number, height: number, position: CaptionOptions['position']): Band {
  const st = assStyle({ width, height }, { position, font_size: 1 });
  const fs = st.fontSize;
  if (position === 'bottom') return { y0: height - st.marginV - 1.6 * fs, y1: height - st.marginV + 0.4 * fs };
  if (position === 'top') return { y0: st.marginV - 0.4 * fs, y1: st.marginV + 1.6 * fs };
  return { y0: height / 2 - fs, y1: height / 2 + fs };
}
const outside = (b: Band, height: number): Band[] => [
  { y0: 0, y1: b.y0 - 10 },
  { y0: b.y1 + 10, y1: height },
];

function lufs(path: string): number {
  // ebur128 prints its summary on stderr; sh merges it into stdout (the path is passed as $1, not interpolated).
  const r = execFileSync('sh', ['-c', 'ffmpeg -hide_banner -nostats -i "$1" -map 0:a -af ebur128 -f null - 2>&1', 'sh', path], { encoding: 'utf8' });
  const m = [...r.matchAll(/I:\s+(-?[\d.]+) LUFS/g)].at(-1);
  assert.ok(m, 'ebur128 summary');
  return Number(m[1]);
}

/** The 9:16 720p render with captions off: read by the captions-off test and the validation test (same request). */
let captionsOff: ReturnType<typeof render> | undefined;
const renderCaptionsOff = () => (captionsOff ??= render({ captions: false, voiceNormalised: true }));

describe('renderVideo: picture, captions and sound', () => {
  it('9:16 word-highlight: playable, spoken word in yellow inside the bottom safe area, -14 LUFS, sidecars, thumbnail', async () => {
    const progress: number[] = [];
    const { result, width, height, nar } = await render({ onProgress: (f) => progress.push(f) });
    assert.equal(width, 720);
    assert.equal(height, 1280);
    await assertPlayable(result.videoPath, width, height, nar.durationS);
    assert.equal(result.width, 720);
    assert.equal(result.height, 1280);
    assert.ok(Math.abs(result.durationS - nar.durationS) <= 0.1);
    assert.ok(result.sizeBytes > 0);

    // Middle of word 2 ("two": 0.7 .. 1.125 s).
    const frame = grabFrame(result.videoPath, 0.9, width, height);
    const band = captionBand(width, height, 'bottom');
    assert.ok(countPixels(frame, width, band, isYellow) > 150, 'highlighted word pixels');
    assert.ok(countPixels(frame, width, band, isWhite) > 150, 'other words in white');
    for (const o of outside(band, height)) assert.equal(countPixels(frame, width, o, isWhite) + countPixels(frame, width, o, isYellow), 0, 'nothing outside the caption band');
    // Kept clear of the right-hand button column of vertical apps.
    const rightCol = (() => {
      let c = 0;
      for (let y = Math.floor(band.y0); y < band.y1; y++) for (let x = Math.floor(width * 0.85); x < width; x++) {
        const i = (y * width + x) * 3;
        if (isWhite(frame[i]!, frame[i + 1]!, frame[i + 2]!)) c++;
      }
      return c;
    })();
    assert.equal(rightCol, 0, 'no caption pixels under the right-hand buttons');

    const l = lufs(result.videoPath);
    assert.ok(Math.abs(l - -14) <= 1, `integrated loudness ${l} LUFS`);

    const vtt = await readFile(result.vttPath!, 'utf8');
    assert.match(vtt, /^WEBVTT\n\n1\n00:00:00\.200 --> .*\none two three four\n/);
    assert.match(await readFile(result.srtPath!, 'utf8'), /^1\n00:00:00,200 --> /);

    const thumb = ffprobe(result.thumbnailPath);
    assert.equal(thumb.streams[0]!.codec_name, 'mjpeg');
    assert.equal(thumb.streams[0]!.width, 720);
    assert.equal(thumb.streams[0]!.height, 1280);

    assert.ok(progress.length >= 2);
    for (let i = 1; i < progress.length; i++) assert.ok(progress[i]! >= progress[i - 1]!, 'progress never goes back');
    assert.equal(progress.at(-1), 1);
  });

  it('boxed: mid-word, the line sits on one dark box, the spoken word in yellow, in League Spartan', async () => {
    // The box is the point, not the frame's shape: the smallest API frame (same caption size, 9 % of the short side).
    const { result, width, height } = await render({ aspect: '1:1', captions: caps({ style: 'boxed' }), voiceNormalised: true });
    assert.match(assOf(result), /Style: Caption,League Spartan Black,/);
    // Middle of word 2 ("two": 0.7 .. 1.125 s).
    const frame = grabFrame(result.videoPath, 0.9, width, height);
    const band = captionBand(width, height, 'bottom');
    // Navy footage is (0, 0, 128); the box is black at 65 % over it.
    const isBox = (r: number, g: number, b: number) => r < 40 && g < 40 && b < 80;
    assert.ok(countPixels(frame, width, band, isYellow) > 150, 'the spoken word in yellow');
    assert.ok(countPixels(frame, width, band, isWhite) > 150, 'the other words in white');
    let [x0, x1, y0, y1] = [width, -1, height, -1];
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const i = (y * width + x) * 3;
        if (!isBox(frame[i]!, frame[i + 1]!, frame[i + 2]!)) continue;
        [x0, x1, y0, y1] = [Math.min(x0, x), Math.max(x1, x), Math.min(y0, y), Math.max(y1, y)];
      }
    }
    assert.ok(x1 - x0 > 150 && y1 - y0 > 40, `a box behind the line: ${x0}..${x1} × ${y0}..${y1}`);
    assert.ok(y0 >= band.y0 && y1 <= band.y1 + 10, 'in the caption band');
    const at = (x: number, y: number) => {
      const i = (y * width + x) * 3;
      return isBox(frame[i]!, frame[i + 1]!, frame[i + 2]!);
    };
    const [cx, cy] = [Math.round((x0 + x1) / 2), Math.round((y0 + y1) / 2)];
    assert.ok(at(x0 + 2, cy) && at(x1 - 2, cy) && at(cx, y0 + 2) && at(cx, y1 - 2), 'the edges are box');
    // One box per line (libass BorderStyle 4): square corners, its edges unbroken between the words.
    for (const [x, y] of [[x0 + 2, y0 + 2], [x1 - 2, y0 + 2], [x0 + 2, y1 - 2], [x1 - 2, y1 - 2]] as const) {
      assert.ok(at(x, y), `corner (${x}, ${y}) is box`);
    }
    for (let x = x0 + 2; x <= x1 - 2; x++) assert.ok(at(x, y0 + 1) && at(x, y1 - 1), `the box's top and bottom edges are unbroken at x=${x}`);
  });

  it('pop: the spoken word scales in (smaller on its first frame) and stands full size mid-word', async () => {
    const { result, width, height } = await render({ aspect: '1:1', captions: caps({ style: 'pop' }), voiceNormalised: true });
    const band = captionBand(width, height, 'bottom');
    // "two" starts at 0.7 s: its first frame (frame 21) shows it at about 65 %; mid-word it has settled.
    const early = countPixels(grabFrame(result.videoPath, 0.69, width, height), width, band, isYellow);
    const midFrame = grabFrame(result.videoPath, 0.9, width, height);
    const mid = countPixels(midFrame, width, band, isYellow);
    assert.ok(mid > 150, `the spoken word in yellow mid-word (${mid} px)`);
    assert.ok(early < mid * 0.8, `smaller as it pops in: ${early} px on its first frame, ${mid} px mid-word`);
    assert.ok(countPixels(midFrame, width, band, isWhite) > 150, 'the other words in white');
  });

  it('the same frame with captions off has no caption pixels (sidecars still written)', async () => {
    const { result, width, height } = await renderCaptionsOff();
    const frame = grabFrame(result.videoPath, 0.9, width, height);
    const all = { y0: 0, y1: height };
    assert.equal(countPixels(frame, width, all, isWhite), 0);
    assert.equal(countPixels(frame, width, all, isYellow), 0);
    const vtt = await readFile(result.vttPath!, 'utf8');
    assert.deepEqual([...vtt.matchAll(/^\d\d:.*\n(.*)$/gm)].map((m) => m[1]).join(' '), 'one two three four five');
  });

  it('1:1 karaoke centred: sung part yellow, the rest white, centred band', async () => {
    const { result, width, height, nar } = await render({ aspect: '1:1', captions: caps({ style: 'karaoke', position: 'center', max_words_per_line: 5 }), voiceNormalised: true });
    assert.equal(width, 720);
    assert.equal(height, 720);
    await assertPlayable(result.videoPath, width, height, nar.durationS);
    const frame = grabFrame(result.videoPath, 1.2, width, height);
    const band = captionBand(width, height, 'center');
    assert.ok(countPixels(frame, width, band, isYellow) > 100, 'sung words');
    assert.ok(countPixels(frame, width, band, isWhite) > 100, 'words still to come');
    for (const o of outside(band, height)) assert.equal(countPixels(frame, width, o, isWhite), 0);
  });

  it('16:9 line style at the top: white text only, in the top band', async () => {
    const { result, width, height, nar } = await render({ aspect: '16:9', captions: caps({ style: 'line', position: 'top' }), voiceNormalised: true });
    assert.equal(width, 1280);
    assert.equal(height, 720);
    await assertPlayable(result.videoPath, width, height, nar.durationS);
    const frame = grabFrame(result.videoPath, 0.9, width, height);
    const band = captionBand(width, height, 'top');
    assert.ok(countPixels(frame, width, band, isWhite) > 150);
    assert.equal(countPixels(frame, width, { y0: 0, y1: height }, isYellow), 0, 'line style has no highlight');
    for (const o of outside(band, height)) assert.equal(countPixels(frame, width, o, isWhite), 0);
  });

  it('Arabic (right to left) word-highlight draws glyphs with the Arabic font', async () => {
    const ws = words('مرحبا بالعالم الجميل اليوم');
    const { result, width, height } = await render({ aspect: '1:1', narration: narration(ws), language: 'ar', voiceNormalised: true });
    const ass = assOf(result);
    assert.match(ass, /Style: Caption,Noto Sans Arabic,/);
    const frame = grabFrame(result.videoPath, 0.9, width, height);
    const band = captionBand(width, height, 'bottom');
    assert.ok(countPixels(frame, width, band, isYellow) > 100);
    assert.ok(countPixels(frame, width, band, isWhite) > 100);
    // Right to left: the first word is on the right, so at its time the yellow sits right of the white.
    const early = grabFrame(result.videoPath, 0.4, width, height);
    const xs = (test: typeof isWhite) => {
      const out: number[] = [];
      for (let y = Math.floor(band.y0); y < band.y1; y++) for (let x = 0; x < width; x++) {
        const i = (y * width + x) * 3;
        if (test(early[i]!, early[i + 1]!, early[i + 2]!)) out.push(x);
      }
      return out.reduce((a, b) => a + b, 0) / Math.max(1, out.length);
    };
    assert.ok(xs(isYellow) > xs(isWhite), 'first spoken word is the rightmost');
  });

  it('Japanese karaoke with the CJK font', async () => {
    const ws = words('今日は 天気が とても 良い です');
    const { result, width, height, nar } = await render({ aspect: '1:1', narration: narration(ws), language: 'ja', captions: caps({ style: 'karaoke' }), voiceNormalised: true });
    assert.match(assOf(result), /Style: Caption,Noto Sans CJK JP,/);
    await assertPlayable(result.videoPath, width, height, nar.durationS);
    const frame = grabFrame(result.videoPath, 1.0, width, height);
    const band = captionBand(width, height, 'bottom');
    assert.ok(countPixels(frame, width, band, isYellow) > 100);
    assert.ok(countPixels(frame, width, band, isWhite) > 100);
  });

  it('the fonts every writing system picks are installed', () => {
    const families = execFileSync('fc-list', [':', 'family'], { encoding: 'utf8' });
    for (const sample of ['Hello', 'مرحبا', 'שלום', '你好', 'こんにちは', '안녕', 'नमस्ते', 'สวัสดี', 'Привет']) {
      const fam = captionFont(sample).family;
      assert.ok(families.split('\n').some((l) => l.split(',').includes(fam)), `${fam} installed (fonts-noto-core, fonts-noto-cjk)`);
    }
  });

  it('1080p, mixed sources (rotated, VFR, short), music ducked under the voice, -14 LUFS', async () => {
    const music = await makeTone(join(root, 'music.mp3'), 1.3, 220); // shorter than the video: must loop
    const { result, width, height, nar } = await render({ resolution: '1080p', clips: [detailed, navy], music: { path: music, volume: 0.5 }, captions: caps({ style: 'line' }) });
    assert.equal(width, 1080);
    assert.equal(height, 1920);
    await assertPlayable(result.videoPath, width, height, nar.durationS);
    const l = lufs(result.videoPath);
    assert.ok(Math.abs(l - -14) <= 1, `integrated loudness ${l} LUFS`);
    // Cover crop: no black bars at the edges of any piece.
    for (const t of [0.5, 2.8]) {
      const frame = grabFrame(result.videoPath, t, width, height);
      const black = (r: number, g: number, b: number) => r < 8 && g < 8 && b < 8;
      assert.ok(countPixels(frame, width, { y0: 0, y1: 6 }, black) < width, `top rows not black at ${t}s`);
      assert.ok(countPixels(frame, width, { y0: height - 6, y1: height }, black) < width, `bottom rows not black at ${t}s`);
    }
  });

  it('music alone is audible in the mix when the voice pauses', async () => {
    const silence = join(root, 'silence.wav');
    execFileSync('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', 'anullsrc=r=24000:cl=mono', '-t', '3', silence]);
    const music = await makeTone(join(root, 'music2.wav'), 3, 330);
    // Near-silent voice: loudnorm lifts the mix, and the music carries it.
    // The sound is the point: the smallest frame, nothing burned in.
    const { result } = await render({ narration: narration(words('one two'), silence, 3), music: { path: music, volume: 0.3 }, frame: { width: 180, height: 320 }, captions: false });
    const l = lufs(result.videoPath);
    assert.ok(l > -20, `music present: ${l} LUFS`);
  });

  it('a short narration already at -14 LUFS keeps its level under music (no loudnorm on the mix)', async () => {
    const dir = await taskDir();
    const short = await makeSpeechLikeWav(join(dir, 'short.wav'), 2.4);
    const voice = await normaliseNarration(tools, narration(words('one two three'), short, 2.4), dir, new AbortController().signal);
    const music = await makeTone(join(root, 'music3.wav'), 2, 440);
    const nar = voice;
    const segments = planTimeline({ words: nar.words, sentenceEnds: nar.sentenceEnds, durationS: nar.durationS, clips: [navy] });
    const result = await renderVideo(tools, {
      dir,
      narration: nar,
      clips: [navy],
      segments,
      // The sound is the point: the smallest frame.
      width: 180,
      height: 320,
      captions: false,
      encode: TEST_ENCODE,
      music: { path: music, volume: 0.2 },
      voiceNormalised: true,
      signal: new AbortController().signal,
    });
    const l = lufs(result.videoPath);
    assert.ok(l > -16 && l < -11, `integrated loudness ${l} LUFS`);
  });

  it('generated (lavfi) backgrounds render like files', async () => {
    const gen: SourceClip = { kind: 'generated', lavfi: 'testsrc2=size=320x240:rate=25', durationS: 3600, credit: null };
    const { result, width, height, nar } = await render({ clips: [gen], aspect: '1:1', captions: false, voiceNormalised: true });
    await assertPlayable(result.videoPath, width, height, nar.durationS);
  });

  it('a source shorter than its probe claimed still yields the full duration (last frame held)', async () => {
    const short = await makeVideo(join(root, 'short.mp4'), { width: 320, height: 240, durationS: 1 });
    const lying: SourceClip = { kind: 'file', path: short, durationS: 10, width: 320, height: 240, credit: null };
    // The length is the point: the smallest API frame, nothing burned in.
    const { result, width, height, nar } = await render({ clips: [lying], aspect: '1:1', captions: false, voiceNormalised: true });
    await assertPlayable(result.videoPath, width, height, nar.durationS);
  });
});

describe('renderVideo: a photo among the clips', () => {
  it('shows the still, upright (EXIF) and cover-cropped, for its whole piece, between video pieces', async () => {
    const dir = await taskDir();
    // Stored landscape, red on the left, blue on the right, EXIF orientation 6: shown turned, red on top.
    const photoPath = await makeImage(join(root, 'photo.jpg'), { width: 400, height: 300, format: 'jpeg', pattern: 'split', exifRotate90: true });
    const photo: SourceClip = { kind: 'file', path: photoPath, durationS: STILL_SHOT_S, width: 300, height: 400, credit: null, still: 'jpeg' };
    const nar = narration(words('one two three four five'));
    const segments = [
      { clip: 0, sourceStart: 0, duration: 1, start: 0 },
      { clip: 1, sourceStart: 0, duration: 1.4, start: 1 },
      { clip: 0, sourceStart: 1, duration: 0.8, start: 2.4 },
    ];
    // Square: the portrait photo is still cover-cropped (top and bottom), red above the middle, blue below.
    const { width, height } = frameSize('1:1', '720p');
    const result = await renderVideo(tools, { dir, narration: nar, clips: [navy, photo], segments, width, height, captions: false, encode: TEST_ENCODE, voiceNormalised: true, signal: new AbortController().signal });
    await assertPlayable(result.videoPath, width, height, nar.durationS);
    const at = (t: number) => grabFrame(result.videoPath, t, width, height);
    const pixel = (f: Buffer, x: number, y: number) => [...f.subarray((y * width + x) * 3, (y * width + x) * 3 + 3)];
    const isNavy = ([r, g, b]: number[]) => r! < 40 && g! < 40 && b! > 90;
    const isRed = ([r, g, b]: number[]) => r! > 200 && g! < 60 && b! < 60;
    const isBlue = ([r, g, b]: number[]) => r! < 60 && g! < 60 && b! > 200;
    assert.ok(isNavy(pixel(at(0.5), width / 2, height / 2)), 'the video before');
    for (const t of [1.1, 1.7, 2.3]) {
      const f = at(t);
      // Upright: the red half on top, the blue below, edge to edge (cover: no bars).
      for (const x of [2, width / 2, width - 3]) {
        assert.ok(isRed(pixel(f, x, 5)), `red at the top at ${t} s, x ${x}: ${pixel(f, x, 5)}`);
        assert.ok(isRed(pixel(f, x, height / 2 - 40)), `red above the middle at ${t} s`);
        assert.ok(isBlue(pixel(f, x, height / 2 + 40)), `blue below the middle at ${t} s`);
        assert.ok(isBlue(pixel(f, x, height - 5)), `blue at the bottom at ${t} s`);
      }
    }
    assert.ok(isNavy(pixel(at(2.9), width / 2, height / 2)), 'the video after');
  });
});

describe('renderVideos: several outputs from one timeline', () => {
  it('a 9:16 and a 16:9 video: each cover-cropped and captioned for its own frame, one soundtrack for both', async () => {
    const dir = await taskDir();
    const tallPath = await makeVideo(join(dir, 'tall.mp4'), { width: 270, height: 480, durationS: 5, pattern: 'color', color: 'navy' });
    // A portrait and a landscape source: each must fill both frames.
    const clips: SourceClip[] = [{ kind: 'file', path: tallPath, durationS: 5, width: 270, height: 480, credit: null }, navy];
    const nar = narration(words('one two three four five'));
    const segments = planTimeline({ words: nar.words, sentenceEnds: nar.sentenceEnds, durationS: nar.durationS, clips });
    assert.deepEqual(new Set(segments.map((s) => s.clip)), new Set([0, 1]), 'both clips are on the timeline');
    const progress: number[] = [];
    const frames = [frameSize('9:16', '720p'), frameSize('16:9', '720p')];
    const { results } = await renderPlanned(tools, { dir, narration: nar, clips, segments, frames, captions: caps(), encode: TEST_ENCODE, voiceNormalised: true, signal: new AbortController().signal, onProgress: (f) => progress.push(f) });

    assert.equal(results.length, 2);
    assert.equal(results[0]!.videoPath, join(dir, 'output.mp4'), 'the main video where a one-output render puts it');
    assert.equal(results[1]!.videoPath, join(dir, 'output-1', 'output.mp4'));
    for (const [i, r] of results.entries()) {
      const { width, height } = frames[i]!;
      await assertPlayable(r.videoPath, width, height, nar.durationS);
      assert.deepEqual([r.width, r.height], [width, height]);
      const thumb = ffprobe(r.thumbnailPath).streams[0]!;
      assert.ok(Math.abs(thumb.width! / thumb.height! - width / height) < 0.01, `the thumbnail has the video's shape: ${thumb.width}x${thumb.height}`);
      assert.match(await readFile(r.vttPath!, 'utf8'), /^WEBVTT\n/);
      const band = captionBand(width, height, 'bottom');
      for (const at of [0.9, 2.9]) {
        const frame = grabFrame(r.videoPath, at, width, height);
        assert.ok(countPixels(frame, width, band, isYellow) > 100, `${width}x${height} at ${at} s: the spoken word in its own caption band`);
        for (const o of outside(band, height)) assert.equal(countPixels(frame, width, o, isYellow), 0, `${width}x${height}: no caption outside its band`);
        // Cover crop: navy to every edge, never a black bar, whichever source shows.
        const isNavy = (r: number, g: number, b: number) => b > 90 && r < 50 && g < 50;
        assert.equal(countPixels(frame, width, { y0: 0, y1: 4 }, isNavy), width * 4, `${width}x${height} at ${at} s: the top rows are footage`);
        const column = (x: number) => [...Array(Math.floor(band.y0)).keys()].filter((y) => { const k = (y * width + x) * 3; return isNavy(frame[k]!, frame[k + 1]!, frame[k + 2]!); }).length;
        assert.equal(column(1), Math.floor(band.y0), `${width}x${height} at ${at} s: the left edge is footage`);
      }
    }
    // The soundtrack was rendered once: both videos carry the same audio packets.
    const audioMd5 = (path: string) => execFileSync('ffmpeg', ['-v', 'error', '-i', path, '-map', '0:a', '-c', 'copy', '-f', 'md5', '-'], { encoding: 'utf8' }).trim();
    assert.equal(audioMd5(results[0]!.videoPath), audioMd5(results[1]!.videoPath));
    // Nothing of the work is left: no chunks, lists or soundtrack copies.
    for (const d of [dir, join(dir, 'output-1')]) assert.deepEqual(readdirSync(d).filter((f) => /^chunk-|\.m4a$|chunks\.txt$|\.filter$/.test(f)), [], d);
    for (let i = 1; i < progress.length; i++) assert.ok(progress[i]! >= progress[i - 1]!, 'one progress for both, never going back');
    assert.equal(progress.at(-1), 1);
  });
});

describe('renderVideo: failures', () => {
  it('cancellation kills ffmpeg and leaves no process behind', async () => {
    const dir = await taskDir();
    const long = await makeSpeechLikeWav(join(dir, 'long.wav'), 120);
    // The picture is not the point, the length is: a cheap source (a mandelbrot frame costs seconds before the first progress report).
    const gen: SourceClip = { kind: 'generated', lavfi: 'testsrc2=size=640x360:rate=25', durationS: 3600, credit: null };
    const nar = narration(words('a long narration that takes a while to render'), long, 120);
    const segments = planTimeline({ words: nar.words, sentenceEnds: nar.sentenceEnds, durationS: nar.durationS, clips: [gen] });
    const ac = new AbortController();
    let progressed = false;
    const p = renderVideo(tools, {
      dir,
      narration: nar,
      clips: [gen],
      segments,
      width: 1080,
      height: 1920,
      captions: caps(),
      signal: ac.signal,
      onProgress: () => {
        progressed = true;
      },
    });
    // Every ffmpeg of the render runs in the task dir: chunk processes, the audio pass, the join.
    const alive = () => ffmpegIn(dir).length > 0;
    await waitFor(() => progressed, 'the render to report progress');
    assert.ok(alive(), 'ffmpeg running before the abort');
    ac.abort();
    await assert.rejects(p, CancelledError);
    assert.equal(alive(), false, 'ffmpeg gone after the abort');
  });

  it('an unreadable clip fails with render_failed; ffmpeg’s own words (with paths) are for the logs only', async () => {
    const dir = await taskDir();
    const bad = join(dir, 'bad.mp4');
    execFileSync('sh', ['-c', 'printf "not a video" > "$1"', 'sh', bad]);
    const clip: SourceClip = { kind: 'file', path: bad, durationS: 5, width: 320, height: 240, credit: null };
    const nar = narration(words('one two'));
    await assert.rejects(
      renderVideo(tools, {
        dir,
        narration: nar,
        clips: [clip],
        segments: [{ clip: 0, sourceStart: 0, duration: nar.durationS, start: 0 }],
        width: 720,
        height: 1280,
        captions: false,
        signal: new AbortController().signal,
      }),
      (err: unknown) =>
        err instanceof TaskError &&
        err.code === 'render_failed' &&
        /bad\.mp4/.test(err.detail ?? '') &&
        !err.message.includes(dir) &&
        !/bad\.mp4/.test(err.message),
    );
  });

  it('a video of a few seconds is one chunk process, encoded on every core: every frame and the whole length come back', async () => {
    const { result } = await renderCaptionsOff();
    // 3.2 s: a second chunk would be shorter than MIN_CHUNK_S, whatever the cores.
    assert.ok(3.2 / 2 < MIN_CHUNK_S);
    assert.deepEqual([result.plan.outputs[0]!.chunks.length, result.plan.encode.threads], [1, availableParallelism()]);
    const back = await countFrames(result.videoPath);
    assert.equal(back.frames, Math.round(3.2 * 30));
    assert.ok(Math.abs(back.durationS - 3.2) <= 0.1, `duration ${back.durationS}`);
  });

  it('validation names what differs (duration, frame size)', async () => {
    const { result } = await renderCaptionsOff();
    await assert.rejects(validateRender(tools, result.videoPath, 5, { width: 720, height: 1280 }, new AbortController().signal), (err: unknown) => {
      assert.ok(err instanceof TaskError);
      assert.equal(err.code, 'render_invalid');
      assert.match(err.message, /duration is 3\.2\d* s, the narration is 5\.000 s/);
      return true;
    });
    await assert.rejects(
      validateRender(tools, result.videoPath, 3.2, { width: 1080, height: 1920 }, new AbortController().signal),
      /frame is 720x1280, expected 1080x1920/,
    );
    const info = await validateRender(tools, result.videoPath, 3.2, { width: 720, height: 1280 }, new AbortController().signal);
    assert.equal(info.hasAudio, true);
  });
});
