// The probe gate and the input guard against hostile files, with real ffmpeg: every file ends in
// a clear refusal before anything decodes it, playlists never reach the file they name, and the
// decoder bomb never costs ffmpeg more than a few tens of MiB.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { TaskError } from '../../functions/errors.ts';
import { DEFAULT_MEDIA_LIMITS, formatDuration, limitProblem } from '../../functions/media/limits.ts';
import type { MediaInfo } from '../../functions/domain/media.ts';
import { probeInput, refusalOf } from '../../functions/media/probe.ts';
import { runFfmpeg } from '../../functions/media/run.ts';
import { resolveMediaTools } from '../../functions/media/tools.ts';
import {
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
import { makeTone, makeVideo } from '../support/media-fixtures.ts';
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
