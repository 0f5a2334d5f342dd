// The probe gate and the input guard against hostile files, with real ffmpeg: every file ends in
// a clear refusal before anything decodes it, playlists never reach the file they name, and the
// decoder bomb never costs ffmpeg more than a few tens of MiB.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { TaskError } from '../../functions/errors.ts';
import { DEFAULT_MEDIA_LIMITS, formatDuration, limitProblem, STILL_FORMATS, stillLimitProblem } from '../../functions/media/limits.ts';
import type { MediaInfo } from '../../functions/domain/media.ts';
import { probeInput, probeStill, refusalOf, sniffStill, stillFormatOf } from '../../functions/media/probe.ts';
import { runFfmpeg } from '../../functions/media/run.ts';
import { resolveMediaTools } from '../../functions/media/tools.ts';
import {
  bigPngHeader,
  flatJpeg,
  makeAudioOnlyMp4,
  makeCanary,
  makeConcatPlaylist,
  makeHighFps,
  makeHlsPlaylist,
  makeLongSilence,
  makeLongVideo,
  makeMjpegBomb,
  makePngAsMp4,
  makeTruncatedMoov,
  makeZeroBytes,
} from '../support/hostile-media.ts';
import { makeImage, makeTone, makeVideo } from '../support/media-fixtures.ts';
import { watchPeakRss } from '../support/peak-rss.ts';
import { tempDir } from '../support/temp-dir.ts';

const tools = resolveMediaTools({});
const MiB = 1024 * 1024;
const RSS_CEILING = 300 * MiB;

const video: MediaInfo = {
  durationS: 10, width: 1920, height: 1080, rotation: 0, fps: 30, hasVideo: true, hasAudio: true,
  videoCodec: 'h264', audioCodec: 'aac', streamCount: 2, sizeBytes: 1000,
};

describe('limitProblem (pure)', () => {
  const L = DEFAULT_MEDIA_LIMITS;
  const cases: [string, Partial<MediaInfo>, 'video' | 'audio', RegExp | null][] = [
    ['plain 1080p H.264', {}, 'video', null],
    ['4K UHD portrait from a phone', { width: 2160, height: 3840, videoCodec: 'hevc' }, 'video', null],
    ['DCI 4K', { width: 4096, height: 2160 }, 'video', null],
    ['240 fps slow motion', { fps: 240 }, 'video', null],
    ['the decoder bomb', { width: 16000, height: 16000, videoCodec: 'mjpeg' }, 'video', /16000x16000; at most 4096 pixels a side/],
    ['too many pixels within the side limit', { width: 4096, height: 4096 }, 'video', /4096x4096 \(16\.8 megapixels\); at most 8\.8 megapixels/],
    ['1000 fps', { fps: 1000 }, 'video', /1000 frames a second; at most 240/],
    ['10 hours', { durationS: 36000 }, 'video', /10 h long; at most 30 min/],
    ['64 streams', { streamCount: 64 }, 'video', /64 streams; at most 16/],
    ['a PNG "video"', { videoCodec: 'png' }, 'video', /its video is png; send H\.264/],
    ['sound only, as footage', { hasVideo: false, videoCodec: null, width: 0, height: 0 }, 'video', /no video stream/],
    ['music with cover art and MP3 audio', { videoCodec: 'mjpeg', audioCodec: 'mp3' }, 'audio', null],
    ['music without sound', { hasAudio: false, audioCodec: null }, 'audio', /no audio stream/],
    ['music in AC-3', { audioCodec: 'ac3' }, 'audio', /its audio is ac3/],
    ['10 hours of music', { durationS: 36000, hasVideo: false }, 'audio', /10 h long/],
  ];
  for (const [name, over, use, expected] of cases) {
    it(`${name}: ${expected ? 'refused' : 'accepted'}`, () => {
      const problem = limitProblem({ ...video, ...over }, L, use);
      if (expected) assert.match(problem ?? '', expected);
      else assert.equal(problem, null);
    });
  }

  it('every limit is a setting: raising it lets the file through', () => {
    assert.equal(limitProblem({ ...video, fps: 1000 }, { ...L, maxFps: 1000 }, 'video'), null);
    assert.equal(limitProblem({ ...video, durationS: 36000 }, { ...L, maxDurationS: 36000 }, 'video'), null);
    assert.equal(limitProblem({ ...video, width: 7680, height: 4320 }, { ...L, maxSide: 7680, maxPixels: 7680 * 4320 }, 'video'), null);
  });

  it('formats durations for people', () => {
    assert.equal(formatDuration(36000), '10 h');
    assert.equal(formatDuration(1800), '30 min');
    assert.equal(formatDuration(5400), '1.5 h');
    assert.equal(formatDuration(95), '95 s');
  });

  it('reads the guard’s refusals from ffprobe’s stderr, without echoing it', () => {
    assert.deepEqual(refusalOf("[hls @ 0x55ea1101b540] Format not on whitelist 'mov,matroska'\n/scratch/t/clip.mp4: Invalid argument"), {
      code: 'unsupported_media',
      message: 'its container format (hls) is not accepted; send MP4, MOV, WebM, MKV, AVI or MPEG-TS (music: MP3, M4A, WAV, FLAC or Ogg)',
    });
    assert.equal(refusalOf("[png @ 0x1] Codec (ac3) not on whitelist 'h264'").message, 'it uses the ac3 codec, which is not accepted');
    assert.deepEqual(refusalOf('/scratch/t/x.mp4: Invalid data found when processing input'), { code: 'unreadable_media', message: 'not a media file ffmpeg can read' });
  });
});

describe('the probe gate against hostile files (real ffprobe)', () => {
  let dir: string;
  let canary: Awaited<ReturnType<typeof makeCanary>>;
  before(async () => {
    dir = tempDir('reelsmith-hostile-');
    canary = await makeCanary(tempDir('reelsmith-canary-'));
  });

  async function refused(path: string, use: 'video' | 'audio'): Promise<TaskError> {
    try {
      await probeInput(tools, path, use);
    } catch (err) {
      assert.ok(err instanceof TaskError, String(err));
      assert.equal(err.retryable, false);
      assert.ok(!err.message.includes(dir), `the message names no scratch path: ${err.message}`);
      return err;
    }
    assert.fail(`${path} was accepted`);
  }

  const cases: [string, (p: string) => Promise<string>, 'video' | 'audio', string, RegExp][] = [
    ['truncated moov', makeTruncatedMoov, 'video', 'unreadable_media', /not a media file/],
    ['audio-only "video"', makeAudioOnlyMp4, 'video', 'unsupported_media', /no video stream/],
    ['1000 fps', (p) => makeHighFps(p, 1000), 'video', 'unsupported_media', /1000 frames a second/],
    ['10-hour stream', makeLongVideo, 'video', 'unsupported_media', /10 h long/],
    ['10 hours of silence as music', makeLongSilence, 'audio', 'unsupported_media', /10 h long/],
    ['a PNG named .mp4', makePngAsMp4, 'video', 'unsupported_media', /container format \(png_pipe\)/],
    ['zero bytes', makeZeroBytes, 'video', 'unreadable_media', /not a media file/],
  ];
  for (const [name, make, use, code, message] of cases) {
    it(`${name} → ${code}`, async () => {
      const err = await refused(await make(join(dir, `${name.replace(/\W+/g, '-')}.mp4`)), use);
      assert.equal(err.code, code);
      assert.match(err.message, message);
    });
  }

  for (const [kind, make] of [['HLS', makeHlsPlaylist], ['concat', makeConcatPlaylist]] as const) {
    it(`an ${kind} playlist saved as .mp4 is refused, and the local file it names is never opened`, async (t) => {
      const err = await refused(await make(join(dir, `${kind}.mp4`), canary.path), 'video');
      assert.equal(err.code, 'unsupported_media');
      assert.match(err.message, new RegExp(`container format \\(${kind.toLowerCase()}\\) is not accepted`));
      if (!canary.atimeTracked) return t.skip('this file system does not record reads (noatime): the canary cannot tell');
      assert.equal(await canary.wasRead(), false, 'the canary was read');
    });
  }

  it('a legitimate clip, music file and narration pass', async () => {
    const clip = await makeVideo(join(dir, 'ok.webm'), { width: 320, height: 240, durationS: 1, format: 'webm', audio: true });
    assert.equal((await probeInput(tools, clip, 'video')).videoCodec, 'vp9');
    const music = await makeTone(join(dir, 'ok.mp3'), 1);
    assert.equal((await probeInput(tools, music, 'audio')).audioCodec, 'mp3');
  });
});

describe('the decoder bomb (16000x16000 MJPEG in a MOV)', () => {
  let dir: string;
  let bomb: string;
  before(async () => {
    dir = tempDir('reelsmith-bomb-');
    bomb = await makeMjpegBomb(join(dir, 'bomb.mov'));
  });

  it('ffprobe refuses its frame size without decoding it', async () => {
    const watch = watchPeakRss(process.pid);
    try {
      await assert.rejects(probeInput(tools, bomb, 'video'), (err: TaskError) => {
        assert.equal(err.code, 'unsupported_media');
        assert.match(err.message, /its frame is 16000x16000, more pixels than accepted/);
        assert.ok(!err.message.includes(dir));
        return true;
      });
    } finally {
      watch.stop();
    }
    assert.ok(watch.peakBytes < RSS_CEILING, `ffprobe peaked at ${Math.round(watch.peakBytes / MiB)} MiB`);
  });

  it('a render that reaches it anyway is stopped by the decoder: ffmpeg stays below 300 MiB', async () => {
    const watch = watchPeakRss(process.pid);
    try {
      await assert.rejects(
        runFfmpeg(tools, ['-i', bomb, '-vf', 'scale=w=360:h=640', '-f', 'null', '-'], { cwd: dir, errorCode: 'render_failed' }),
        (err: TaskError) => err.code === 'render_failed' && /max pixel count/.test(err.detail ?? ''),
      );
    } finally {
      watch.stop();
    }
    assert.ok(watch.peakBytes < RSS_CEILING, `ffmpeg peaked at ${Math.round(watch.peakBytes / MiB)} MiB`);
  });

  it('control: the same decode without the guard does cost more than 300 MiB (the sampler sees it)', async () => {
    const watch = watchPeakRss(process.pid);
    try {
      await new Promise<void>((resolve, reject) =>
        execFile(tools.ffmpeg, ['-v', 'error', '-nostdin', '-i', bomb, '-vf', 'scale=w=360:h=640', '-f', 'null', '-'], (err) => (err ? reject(err) : resolve())),
      );
    } finally {
      watch.stop();
    }
    assert.ok(watch.seen >= 1, 'the unguarded ffmpeg was sampled');
    assert.ok(watch.peakBytes > RSS_CEILING, `unguarded ffmpeg peaked at ${Math.round(watch.peakBytes / MiB)} MiB`);
  });
});

describe('stills: the photo gate', () => {
  const L = DEFAULT_MEDIA_LIMITS;
  const still: MediaInfo = { ...video, durationS: 0, fps: 0, hasAudio: false, audioCodec: null, videoCodec: 'mjpeg', streamCount: 1, width: 4000, height: 3000 };
  const cases: [string, Partial<MediaInfo>, 'jpeg' | 'png' | 'webp', RegExp | null][] = [
    ['a 12 MP phone photo', {}, 'jpeg', null],
    ['a 24 MP camera photo', { width: 6000, height: 4000 }, 'jpeg', null],
    ['a PNG', { videoCodec: 'png', width: 1080, height: 1920 }, 'png', null],
    ['a WebP', { videoCodec: 'webp' }, 'webp', null],
    ['too many pixels', { width: 8000, height: 6000 }, 'jpeg', /8000x6000 \(48 megapixels\); at most 24 megapixels/],
    ['too long a side', { width: 9000, height: 1000 }, 'jpeg', /9000x1000; at most 8192 pixels a side/],
    ['bytes that say PNG, a picture that is JPEG', { videoCodec: 'mjpeg' }, 'png', /its picture is mjpeg, not the PNG its bytes announce/],
    ['more than one picture', { streamCount: 2 }, 'jpeg', /not a single JPEG, PNG or WebP image/],
  ];
  for (const [name, over, format, expected] of cases) {
    it(`stillLimitProblem: ${name}: ${expected ? 'refused' : 'accepted'}`, () => {
      const problem = stillLimitProblem({ ...still, ...over }, L, format);
      if (expected) assert.match(problem ?? '', expected);
      else assert.equal(problem, null);
    });
  }
  it('the still limits are settings too', () => {
    assert.equal(stillLimitProblem({ ...still, width: 8000, height: 6000 }, { ...L, maxStillPixels: 48_000_000 }, 'jpeg'), null);
  });

  it('tells a photo by its first bytes, not its name', () => {
    assert.equal(stillFormatOf(flatJpeg(16)), 'jpeg');
    assert.equal(stillFormatOf(bigPngHeader(16)), 'png');
    assert.equal(stillFormatOf(Buffer.from('RIFF\x10\x00\x00\x00WEBPVP8 ', 'latin1')), 'webp');
    assert.equal(stillFormatOf(Buffer.from('RIFF\x10\x00\x00\x00WAVEfmt ', 'latin1')), null);
    assert.equal(stillFormatOf(Buffer.from([0, 0, 0, 0x20, 0x66, 0x74, 0x79, 0x70, 0x69, 0x73, 0x6f, 0x6d])), null, 'an MP4');
    assert.equal(stillFormatOf(Buffer.alloc(0)), null);
  });

  describe('real ffprobe', () => {
    let dir: string;
    before(() => {
      dir = tempDir('reelsmith-stills-');
    });

    it('a JPEG, a PNG and a WebP pass with their size; a video is no still', async () => {
      for (const format of ['jpeg', 'png', 'webp'] as const) {
        const path = await makeImage(join(dir, `ok.${format}.img`), { width: 320, height: 200, format });
        assert.equal(await sniffStill(path), format);
        const info = await probeStill(tools, path, format);
        assert.deepEqual([info.width, info.height, info.rotation, info.durationS, info.videoCodec], [320, 200, 0, 0, STILL_FORMATS[format].codec]);
      }
      const clip = await makeVideo(join(dir, 'clip.mp4'), { width: 64, height: 64, durationS: 1 });
      assert.equal(await sniffStill(clip), null);
    });

    it('an EXIF-turned phone photo reports the size it is shown at', async () => {
      const path = await makeImage(join(dir, 'turned.jpg'), { width: 320, height: 200, format: 'jpeg', exifRotate90: true });
      const info = await probeStill(tools, path, 'jpeg');
      assert.deepEqual([info.width, info.height, info.rotation], [200, 320, 90]);
    });

    it('a still is opened by its own demuxer only: a PNG sent as a JPEG is unreadable, never sniffed again by another demuxer', async () => {
      const path = await makeImage(join(dir, 'liar.jpg'), { width: 64, height: 64, format: 'png' });
      await assert.rejects(probeStill(tools, path, 'jpeg'), (err: TaskError) => err.code === 'unreadable_media');
    });

    for (const [name, bytes] of [['JPEG', () => flatJpeg(16_000)], ['PNG', () => bigPngHeader(16_000)]] as const) {
      it(`a 16000x16000 ${name} (a few KB to 4 MB) is refused by its size before it is decoded: ffprobe stays below 300 MiB`, async () => {
        const path = join(dir, `bomb-${name}.img`);
        await writeFile(path, bytes());
        const format = (await sniffStill(path))!;
        const watch = watchPeakRss(process.pid);
        try {
          await assert.rejects(probeStill(tools, path, format), (err: TaskError) => {
            assert.equal(err.code, 'unsupported_media');
            assert.match(err.message, /16000x16000, more pixels than accepted/);
            assert.ok(!err.message.includes(dir));
            return true;
          });
        } finally {
          watch.stop();
        }
        assert.ok(watch.peakBytes < RSS_CEILING, `ffprobe peaked at ${Math.round(watch.peakBytes / MiB)} MiB`);
      });
    }
  });
});
