// The chunked render's joins, frame by frame: sources whose every frame carries its own index in
// its brightness, so each output frame says which source frame it shows. No frame is lost or
// doubled at a join, timestamps step by exactly 1/30 s across it, a caption over a join shows on
// both sides, and the sound is the narration's, start to end.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import type { Narration, Segment, SourceClip, WordTiming } from '../../functions/domain/media.ts';
import { planChunks, segmentFrames } from '../../functions/media/chunks.ts';
import { renderVideo, TEST_ENCODE } from '../support/render.ts';
import { resolveMediaTools } from '../../functions/media/tools.ts';
import { Semaphore } from '../../functions/lib/semaphore.ts';
import { makeSpeechLikeWav, makeVideo } from '../support/media-fixtures.ts';
import { ffmpegFixtureSync } from '../support/fixture-cache.ts';
import { tempDir } from '../support/temp-dir.ts';
import { framesNumbered } from '../support/video-frames.ts';

const tools = resolveMediaTools({});
const STEP = 7;
const SPAN = 217;
/** The luma a counter source gives its frame n (kept inside TV range, so no conversion clips it). */
const lumaOf = (n: number) => 16 + ((n * STEP) % SPAN);

let root: string;
let counterA: SourceClip;
let counterB: SourceClip;
/** Flat and dark: any white pixel on it is a caption's. */
let navy: SourceClip;
let voice: string;
const DURATION_S = 6.4;

before(async () => {
  root = tempDir('chunk-joins-');
  const make = (name: string, seconds: number) => {
    const path = join(root, name);
    // Flat frames whose luma encodes the frame number; 30 fps like the output, so frame n of the source is frame n of a piece.
    return ffmpegFixtureSync(['-v', 'error', '-y', '-f', 'lavfi', '-i', `nullsrc=s=96x96:r=30:d=${seconds},geq=lum='${16}+mod(N*${STEP}\\,${SPAN})':cb=128:cr=128`, '-c:v', 'libx264', '-preset', 'ultrafast', '-qp', '0', '-pix_fmt', 'yuv420p', path], path);
  };
  counterA = { kind: 'file', path: make('a.mp4', 8), durationS: 8, width: 96, height: 96, credit: null };
  counterB = { kind: 'file', path: make('b.mp4', 8), durationS: 8, width: 96, height: 96, credit: null };
  navy = { kind: 'file', path: await makeVideo(join(root, 'navy.mp4'), { width: 96, height: 96, durationS: 8, pattern: 'color', color: 'navy' }), durationS: 8, width: 96, height: 96, credit: null };
  voice = await makeSpeechLikeWav(join(root, 'voice.wav'), DURATION_S);
});

/** Alternating pieces from the two counters, each starting at its own source frame. */
const segments: Segment[] = [
  { clip: 0, sourceStart: 1, duration: 1.1, start: 0 },
  { clip: 1, sourceStart: 0.5, duration: 0.9, start: 1.1 },
  { clip: 0, sourceStart: 3, duration: 1.5, start: 2 },
  { clip: 1, sourceStart: 2, duration: 1.2, start: 3.5 },
  { clip: 0, sourceStart: 0.2, duration: 0.8, start: 4.7 },
  { clip: 1, sourceStart: 4, duration: 0.9, start: 5.5 },
];

function narration(words: WordTiming[]): Narration {
  return { audioPath: voice, durationS: DURATION_S, words, sentenceEnds: [words.length] };
}

function frameLumas(path: string): number[] {
  const out = execFileSync('ffprobe', ['-v', 'error', '-f', 'lavfi', '-i', `movie=${path},signalstats`, '-show_entries', 'frame_tags=lavfi.signalstats.YAVG', '-of', 'csv=p=0'], {
    encoding: 'utf8',
    maxBuffer: 16 * 1024 * 1024,
  });
  return out.trim().split('\n').map(Number);
}

/** The video frames' timestamps and time base, and the audio stream's start and duration: one ffprobe. */
function probeStreams(path: string): { pts: number[]; timeBase: string; audio: { start_time: string; duration: string } } {
  const j = JSON.parse(
    execFileSync('ffprobe', ['-v', 'error', '-show_entries', 'frame=media_type,pts:stream=codec_type,time_base,start_time,duration', '-of', 'json', path], { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 }),
  ) as { frames: { media_type: string; pts: number }[]; streams: { codec_type: string; time_base: string; start_time: string; duration: string }[] };
  return {
    pts: j.frames.filter((f) => f.media_type === 'video').map((f) => f.pts),
    timeBase: j.streams.find((s) => s.codec_type === 'video')!.time_base,
    audio: j.streams.find((s) => s.codec_type === 'audio')!,
  };
}

describe('chunked render: joins', () => {
  it('the test timeline really is cut into several chunks', () => {
    assert.ok(planChunks(segments, { parallel: 4 }).length >= 3);
  });

  it('every output frame is the planned source frame: none lost, none doubled, across every join', async () => {
    const dir = join(root, 'frames');
    await mkdir(dir);
    const result = await renderVideo(tools, {
      dir,
      narration: narration([{ text: 'hello', start: 0.2, end: 0.6 }]),
      clips: [counterA, counterB],
      segments,
      width: 96,
      height: 96,
      captions: false,
      // Near-lossless, so each frame's luma survives; the fastest preset, the joins are the point.
      encode: { ...TEST_ENCODE, crf: 12 },
      cpu: new Semaphore(4),
      // As the pipeline renders (its speech stage normalised the voice): the mix gets no loudnorm pass; the sound's timing is checked, not its level.
      voiceNormalised: true,
      signal: new AbortController().signal,
    });
    const frames = segmentFrames(segments);
    const expected: number[] = [];
    segments.forEach((s, i) => {
      const first = Math.round(s.sourceStart * 30);
      for (let k = 0; k < frames[i]!; k++) expected.push(lumaOf(first + k));
    });
    assert.equal(expected.length, Math.round(DURATION_S * 30));
    const got = frameLumas(result.videoPath);
    assert.equal(got.length, expected.length, 'frame count = duration × 30');
    const off = got.map((y, i) => ({ i, y, want: expected[i]! })).filter((f) => Math.abs(f.y - f.want) > 2);
    assert.deepEqual(off, [], 'each frame shows the planned source frame');

    const { pts, timeBase, audio } = probeStreams(result.videoPath);
    const [num, den] = timeBase.split('/').map(Number) as [number, number];
    const step = den / num / 30;
    assert.equal(pts[0], 0);
    assert.deepEqual([...new Set(pts.slice(1).map((p, i) => p - pts[i]!))], [step], 'timestamps step by exactly one frame');

    assert.equal(Number(audio.start_time), 0, 'sound starts with the picture');
    assert.ok(Math.abs(Number(audio.duration) - DURATION_S) <= 1 / 30, `sound lasts the narration: ${audio.duration}`);
    // Chunks, their graphs, the soundtrack and the list are gone once the video is assembled.
    assert.deepEqual((await readdir(dir)).filter((f) => /^chunk-|^audio\.|chunks\.txt/.test(f)), []);
  });

  it('a piece longer than its source loops it, frame by frame', async () => {
    const dir = join(root, 'loop');
    await mkdir(dir);
    const shortPath = join(root, 'short.mp4');
    execFileSync('ffmpeg', ['-v', 'error', '-y', '-i', join(root, 'a.mp4'), '-t', '1', '-c', 'copy', shortPath]);
    const short: SourceClip = { kind: 'file', path: shortPath, durationS: 1, width: 96, height: 96, credit: null };
    const result = await renderVideo(tools, {
      dir,
      narration: { ...narration([{ text: 'loop', start: 0.2, end: 0.6 }]), durationS: 3 },
      clips: [short],
      segments: [{ clip: 0, sourceStart: 0.5, duration: 3, start: 0 }],
      width: 96,
      height: 96,
      captions: false,
      // Near-lossless, so each frame's luma survives; the fastest preset, the joins are the point.
      encode: { ...TEST_ENCODE, crf: 12 },
      // As the pipeline renders (its speech stage normalised the voice): the mix gets no loudnorm pass; the sound's timing is checked, not its level.
      voiceNormalised: true,
      signal: new AbortController().signal,
    });
    const got = frameLumas(result.videoPath);
    assert.equal(got.length, 90);
    // From source frame 15 to the end (frame 29), then round again from frame 0.
    const expected = Array.from({ length: 90 }, (_, k) => lumaOf((15 + k) % 30));
    assert.deepEqual(got.map((y, i) => Math.abs(y - expected[i]!) <= 2), expected.map(() => true));
  });

  it('a caption on screen across a join shows in the last frames before it and the first after it', async () => {
    const dir = join(root, 'captions');
    await mkdir(dir);
    const chunks = planChunks(segments, { parallel: 4 });
    const join1 = chunks[1]!.startFrame / 30;
    // One word, spoken from well before the join to well after it.
    const word: WordTiming = { text: 'ACROSS', start: join1 - 0.5, end: join1 + 0.5 };
    const result = await renderVideo(tools, {
      dir,
      narration: narration([word]),
      clips: [navy, navy],
      segments,
      width: 360,
      height: 640,
      captions: { style: 'line', position: 'center', font_size: 1, max_words_per_line: 4 },
      encode: TEST_ENCODE,
      cpu: new Semaphore(4),
      // As the pipeline renders (its speech stage normalised the voice): the mix gets no loudnorm pass; the sound's timing is checked, not its level.
      voiceNormalised: true,
      signal: new AbortController().signal,
    });
    const f = chunks[1]!.startFrame;
    const after = Math.round((word.end + 0.6) * 30);
    // The three frames in one decode (each the whole 360x640 picture).
    const [lastBefore, firstAfter, gone] = await framesNumbered(result.videoPath, [f - 1, f, after], 360, 640);
    const whitePixels = (frame: Buffer) => {
      let n = 0;
      for (let i = 0; i < frame.length; i += 3) if (frame[i]! > 235 && frame[i + 1]! > 235 && frame[i + 2]! > 235) n++;
      return n;
    };
    assert.ok(whitePixels(lastBefore!) > 200, 'caption in the last frame of the chunk before the join');
    assert.ok(whitePixels(firstAfter!) > 200, 'caption in the first frame of the chunk after it');
    assert.ok(whitePixels(gone!) < 20, 'gone after the caption ends');
  });
});
