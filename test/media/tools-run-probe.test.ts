import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { rm, writeFile, chmod } from 'node:fs/promises';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { resolveMediaTools, checkMediaTools } from '../../functions/media/tools.ts';
import { errorLevelLine, parseBenchmarkLine, runFfmpeg, parseProgressLine } from '../../functions/media/run.ts';
import { probeMedia, parseProbe } from '../../functions/media/probe.ts';
import { CancelledError, TaskError } from '../../functions/errors.ts';
import { DEFAULT_MEDIA_LIMITS } from '../../functions/media/limits.ts';
import { makeVideo, makeTone, makeGarbage } from '../support/media-fixtures.ts';
import { tempDir } from '../support/temp-dir.ts';

const tools = resolveMediaTools({});
let dir: string;
before(async () => {
  dir = tempDir('media-run-');
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('resolveMediaTools', () => {
  it('prefers FFMPEG_PATH / FFPROBE_PATH', () => {
    const { ffmpeg, ffprobe } = resolveMediaTools({ FFMPEG_PATH: '/opt/x/ffmpeg', FFPROBE_PATH: '/opt/y/ffprobe' });
    assert.deepEqual({ ffmpeg, ffprobe }, { ffmpeg: '/opt/x/ffmpeg', ffprobe: '/opt/y/ffprobe' });
  });
  it('takes ffprobe from beside an explicit ffmpeg when it exists', () => {
    assert.equal(resolveMediaTools({ FFMPEG_PATH: '/usr/bin/ffmpeg' }).ffprobe, '/usr/bin/ffprobe');
    assert.equal(resolveMediaTools({ FFMPEG_PATH: '/nowhere/ffmpeg' }).ffprobe, 'ffprobe');
  });
  it('carries the media limits: the defaults, or the MEDIA_MAX_* settings', () => {
    assert.deepEqual(resolveMediaTools({}).limits, DEFAULT_MEDIA_LIMITS);
    assert.deepEqual(resolveMediaTools({ MEDIA_MAX_SIDE: 1920, MEDIA_MAX_FPS: 60 }).limits, { ...DEFAULT_MEDIA_LIMITS, maxSide: 1920, maxFps: 60 });
  });
  it('takes the system ffmpeg on PATH before ffmpeg-static, as the image runs it', () => {
    assert.equal(resolveMediaTools({}, process.env.PATH).ffmpeg, 'ffmpeg', 'Debian\'s ffmpeg is on this PATH');
    // Without one on PATH: ffmpeg-static's binary when the optional package installed one, else the bare name (start-up check names it).
    const none = resolveMediaTools({}, dir);
    assert.ok(none.ffmpeg === 'ffmpeg' || /ffmpeg-static/.test(none.ffmpeg), none.ffmpeg);
  });
  it('falls back to PATH when ffmpeg-static has no binary', () => {
    // ffmpeg-static is an optional dependency whose download fails offline; either way the result must be runnable.
    const t = resolveMediaTools({});
    assert.ok(t.ffmpeg === 'ffmpeg' || t.ffmpeg.endsWith('/ffmpeg'));
    assert.equal(t.ffprobe, 'ffprobe');
  });
});

describe('checkMediaTools', () => {
  it('accepts the installed ffmpeg (libass, libx264)', async () => {
    await checkMediaTools(tools);
  });
  it('names a missing binary and how to fix it', async () => {
    await assert.rejects(checkMediaTools({ ffmpeg: '/nonexistent/ffmpeg', ffprobe: 'ffprobe' }), /ffmpeg is not runnable at "\/nonexistent\/ffmpeg".*FFMPEG_PATH/);
    await assert.rejects(checkMediaTools({ ffmpeg: 'ffmpeg', ffprobe: '/nonexistent/ffprobe' }), /ffprobe is not runnable/);
  });
  it('rejects an ffmpeg without libass or libx264', async () => {
    const fake = join(dir, 'fake-ffmpeg');
    // Lists filters and encoders like ffmpeg, without ass and libx264.
    await writeFile(fake, '#!/bin/sh\necho " ... scale  V->V  Scale"\necho " ... loudnorm A->A x"\necho " V..... mpeg4  MPEG-4"\n');
    await chmod(fake, 0o755);
    await assert.rejects(checkMediaTools({ ffmpeg: fake, ffprobe: 'ffprobe' }), (err: Error) => {
      assert.match(err.message, /"ass" filter/);
      assert.match(err.message, /libx264/);
      return true;
    });
  });
});

describe('parseProgressLine', () => {
  it('reads out_time_us in seconds and ignores the rest', () => {
    assert.equal(parseProgressLine('out_time_us=1500000'), 1.5);
    assert.equal(parseProgressLine('out_time_us=0\r'), 0);
    assert.equal(parseProgressLine('out_time_us=N/A'), null);
    assert.equal(parseProgressLine('out_time_ms=1500000'), null);
    assert.equal(parseProgressLine('progress=end'), null);
    assert.equal(parseProgressLine(''), null);
  });
});

describe('ffmpeg log lines', () => {
  it('reads the CPU seconds of -benchmark', () => {
    assert.equal(parseBenchmarkLine('[info] bench: utime=1.234s stime=0.056s rtime=0.700s'), 1.29);
    assert.equal(parseBenchmarkLine('[info] bench: maxrss=51300kB'), null);
    assert.equal(parseBenchmarkLine('frame=5'), null);
  });
  it('keeps what -loglevel error shows, without the level tag', () => {
    assert.equal(errorLevelLine('[Parsed_scale_0 @ 0x56] [Eval @ 0x7f] [error] Undefined constant'), '[Parsed_scale_0 @ 0x56] [Eval @ 0x7f] Undefined constant');
    assert.equal(errorLevelLine('[fatal] Error while processing the decoded data'), 'Error while processing the decoded data');
    assert.equal(errorLevelLine('[info] Stream mapping:'), null);
    assert.equal(errorLevelLine('[libx264 @ 0x55] [warning] something'), null);
    assert.equal(errorLevelLine('Fontconfig error: No writable cache directories'), 'Fontconfig error: No writable cache directories');
  });
});

describe('runFfmpeg', () => {
  it('reports progress in seconds and resolves on success', async () => {
    const seen: number[] = [];
    const run = await runFfmpeg(tools, ['-f', 'lavfi', '-i', 'testsrc2=size=160x120:rate=30:duration=3', '-c:v', 'libx264', '-preset', 'ultrafast', 'out.mp4'], {
      cwd: dir,
      onProgress: (s) => seen.push(s),
    });
    assert.ok(seen.length > 0, 'progress was reported');
    assert.ok(typeof run.cpuS === 'number' && run.cpuS > 0, `the run's CPU seconds from -benchmark: ${run.cpuS}`);
    assert.ok(Math.max(...seen) >= 2.9 && Math.max(...seen) <= 3.1, `last progress ${Math.max(...seen)}`);
    // cwd was honoured: the relative output landed in dir.
    const info = await probeMedia(tools, join(dir, 'out.mp4'));
    assert.ok(Math.abs(info.durationS - 3) < 0.1);
  });

  it('fails with ffmpeg_failed; the stderr tail is the detail, not the message', async () => {
    await assert.rejects(
      runFfmpeg(tools, ['-f', 'lavfi', '-i', 'testsrc2=duration=1', '-vf', 'no_such_filter', '-f', 'null', '-'], { cwd: dir }),
      (err: unknown) => {
        assert.ok(err instanceof TaskError);
        assert.equal(err.code, 'ffmpeg_failed');
        assert.equal(err.retryable, false);
        assert.match(err.message, /^ffmpeg exited with code \d+$/);
        assert.match(err.detail ?? '', /no_such_filter/);
        // What -loglevel error would have shown: no info lines (stream listings, the benchmark), no level tags.
        assert.doesNotMatch(err.detail ?? '', /\[(info|error|fatal)\]|Input #0|bench:/);
        return true;
      },
    );
  });

  it('keeps only the last 20 stderr lines', async () => {
    // A stand-in binary that writes 50 numbered stderr lines and fails.
    const fake = join(dir, 'noisy-ffmpeg');
    await writeFile(fake, '#!/bin/sh\nfor i in $(seq 1 50); do echo "line $i" >&2; done\nexit 3\n');
    await chmod(fake, 0o755);
    await assert.rejects(runFfmpeg({ ffmpeg: fake, ffprobe: 'ffprobe' }, []), (err: TaskError) => {
      assert.match(err.message, /exited with code 3/);
      assert.deepEqual(err.detail?.split('\n'), Array.from({ length: 20 }, (_, i) => `line ${i + 31}`));
      return true;
    });
  });

  it('out of disk space is for good (scratch_full): another attempt would fill the scratch again', async () => {
    const fake = join(dir, 'full-ffmpeg');
    await writeFile(fake, '#!/bin/sh\necho "[out#0] Error writing trailer of output.mp4: No space left on device" >&2\nexit 1\n');
    await chmod(fake, 0o755);
    await assert.rejects(runFfmpeg({ ffmpeg: fake, ffprobe: 'ffprobe' }, [], { errorCode: 'render_failed' }), (err: TaskError) => {
      assert.equal(err.code, 'scratch_full');
      assert.equal(err.retryable, false);
      assert.match(err.message, /ffmpeg ran out of the worker's scratch space/);
      return true;
    });
  });

  it('a missing binary is a clear TaskError', async () => {
    await assert.rejects(runFfmpeg({ ffmpeg: '/nonexistent/ffmpeg', ffprobe: 'ffprobe' }, ['-version']), (err: unknown) => {
      assert.ok(err instanceof TaskError);
      assert.match(err.message, /could not be started \(\/nonexistent\/ffmpeg\)/);
      return true;
    });
  });

  it('abort kills ffmpeg with SIGKILL and leaves no process behind', async () => {
    const ac = new AbortController();
    const marker = `rs-cancel-${process.pid}-${Date.now()}`;
    // An endless source: only the abort can end this run. The marker finds the process in `ps`.
    let started!: () => void;
    const progressed = new Promise<void>((r) => (started = r));
    const p = runFfmpeg(tools, ['-re', '-f', 'lavfi', '-i', 'testsrc2=size=160x120:rate=30', '-metadata', `title=${marker}`, '-f', 'null', '-'], {
      cwd: dir,
      signal: ac.signal,
      onProgress: () => started(),
    });
    await progressed;
    assert.ok(running(marker), 'ffmpeg is running before the abort');
    ac.abort();
    await assert.rejects(p, CancelledError);
    assert.equal(running(marker), false, 'no ffmpeg left after the abort');
  });

  it('an already-aborted signal never starts the process', async () => {
    const ac = new AbortController();
    ac.abort();
    await assert.rejects(runFfmpeg(tools, ['-version'], { signal: ac.signal }), CancelledError);
  });
});

function running(marker: string): boolean {
  const out = execFileSync('ps', ['-eo', 'pid,args'], { encoding: 'utf8' });
  return out.split('\n').some((l) => l.includes(marker) && !l.includes(' ps '));
}

describe('probeMedia', () => {
  it('reads a plain video with audio', async () => {
    const p = await makeVideo(join(dir, 'plain.mp4'), { width: 320, height: 240, durationS: 2, fps: 25, audio: true });
    const info = await probeMedia(tools, p);
    assert.equal(info.width, 320);
    assert.equal(info.height, 240);
    assert.equal(info.rotation, 0);
    assert.equal(info.fps, 25);
    assert.ok(Math.abs(info.durationS - 2) < 0.1);
    assert.equal(info.hasVideo, true);
    assert.equal(info.hasAudio, true);
    assert.equal(info.videoCodec, 'h264');
    assert.equal(info.audioCodec, 'aac');
    assert.ok(info.sizeBytes > 1000);
  });

  it('swaps width and height for rotated video', async () => {
    const p = await makeVideo(join(dir, 'rot.mp4'), { width: 320, height: 240, durationS: 1, rotate: 90 });
    const info = await probeMedia(tools, p);
    assert.equal(info.width, 240);
    assert.equal(info.height, 320);
    assert.ok(info.rotation === 90 || info.rotation === 270);
  });

  it('reads webm/VP9 and audio-only files', async () => {
    const w = await makeVideo(join(dir, 'x.webm'), { width: 200, height: 100, durationS: 1, format: 'webm' });
    const wi = await probeMedia(tools, w);
    assert.equal(wi.videoCodec, 'vp9');
    assert.equal(wi.width, 200);
    const a = await makeTone(join(dir, 'tone.mp3'), 2);
    const ai = await probeMedia(tools, a);
    assert.equal(ai.hasVideo, false);
    assert.equal(ai.hasAudio, true);
    assert.equal(ai.width, 0);
    assert.equal(ai.audioCodec, 'mp3');
  });

  it('corrupt or non-media files are unreadable_media', async () => {
    const g = await makeGarbage(join(dir, 'garbage.mp4'));
    await assert.rejects(probeMedia(tools, g), (err: unknown) => err instanceof TaskError && err.code === 'unreadable_media');
    await assert.rejects(probeMedia(tools, join(dir, 'missing.mp4')), (err: unknown) => err instanceof TaskError && err.code === 'unreadable_media');
  });

  it('parseProbe: ignores cover art, normalises rotation, rejects streamless files', () => {
    const art = parseProbe(
      {
        streams: [
          { codec_type: 'audio', codec_name: 'mp3' },
          { codec_type: 'video', codec_name: 'mjpeg', width: 500, height: 500, disposition: { attached_pic: 1 } },
        ],
        format: { duration: '12.5' },
      },
      10,
    );
    assert.equal(art.hasVideo, false);
    assert.equal(art.durationS, 12.5);
    const rot = (sd: number | undefined, tag?: string) =>
      parseProbe(
        {
          streams: [
            { codec_type: 'video', width: 1920, height: 1080, avg_frame_rate: '30000/1001', ...(sd !== undefined ? { side_data_list: [{ rotation: sd }] } : {}), ...(tag ? { tags: { rotate: tag } } : {}) },
          ],
          format: { duration: '1' },
        },
        1,
      );
    assert.equal(rot(-90).rotation, 90);
    assert.equal(rot(90).rotation, 270);
    assert.equal(rot(180).rotation, 180);
    assert.equal(rot(-180).rotation, 180);
    assert.equal(rot(undefined, '90').rotation, 90);
    assert.equal(rot(-90).width, 1080);
    assert.equal(rot(180).width, 1920);
    assert.ok(Math.abs(rot(0).fps - 29.97) < 0.01);
    assert.throws(() => parseProbe({ streams: [{ codec_type: 'data' }], format: { duration: '1' } }, 1), /neither a video nor an audio/);
    assert.throws(() => parseProbe({ streams: [{ codec_type: 'audio' }], format: {} }, 1), /no measurable duration/);
  });
});
