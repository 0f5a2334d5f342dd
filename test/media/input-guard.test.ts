import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  decoderMaxPixels,
  globalGuard,
  guardFfmpegArgs,
  guardFfprobeArgs,
  inputGuard,
  maxAllocBytes,
  stillMaxPixels,
} from '../../functions/media/input-guard.ts';
import { DEFAULT_MEDIA_LIMITS, INPUT_DECODERS, INPUT_DEMUXERS, STILL_DEMUXERS } from '../../functions/media/limits.ts';
import { chunkArgs } from '../../functions/media/chunk-video.ts';
import { assembleArgs, audioArgs, DEFAULT_ENCODE } from '../../functions/media/render-args.ts';

const L = DEFAULT_MEDIA_LIMITS;
const guard = inputGuard(L);

/** The options right before each `-i`, as runFfmpeg will pass them. */
function optionsBefore(args: string[], input: string): string[] {
  const i = args.indexOf(input);
  assert.equal(args[i - 1], '-i');
  return args.slice(i - 1 - guard.length, i - 1);
}

describe('input guard', () => {
  it('names local files and pipes only, the demuxer and decoder allowlists and the pixel cap', () => {
    assert.deepEqual(guard, [
      '-protocol_whitelist', 'file,pipe',
      '-format_whitelist', INPUT_DEMUXERS.join(','),
      '-codec_whitelist', INPUT_DECODERS.join(','),
      '-max_pixels', String(decoderMaxPixels(L)),
    ]);
    for (const f of ['hls', 'concat', 'image2', 'png_pipe', 'lavfi', 'rtsp', 'http']) assert.ok(!INPUT_DEMUXERS.includes(f as never), f);
    for (const c of ['h264', 'hevc', 'vp8', 'vp9', 'libdav1d', 'mpeg4', 'prores', 'mjpeg', 'aac', 'mp3float', 'flac', 'opus', 'vorbis', 'pcm_s16le']) {
      assert.ok(INPUT_DECODERS.includes(c), c);
    }
  });

  it('the decoder cap leaves room for stride alignment; the allocation cap for one frame of 8 bytes a pixel', () => {
    assert.ok(decoderMaxPixels(L) >= (L.maxSide + 63) * (L.maxPixels / L.maxSide));
    assert.ok(decoderMaxPixels(L) < 16_000 * 16_000);
    assert.equal(maxAllocBytes(L), 128 * 1024 * 1024);
    assert.equal(maxAllocBytes({ ...L, maxPixels: 7680 * 4320, maxSide: 7680 }), 8 * decoderMaxPixels({ ...L, maxPixels: 7680 * 4320, maxSide: 7680 }));
    assert.deepEqual(globalGuard(L), ['-max_alloc', String(maxAllocBytes(L))]);
  });

  it('goes before every file input, after the input’s own options; outputs are untouched', () => {
    const args = ['-threads', '1', '-ss', '2', '-t', '3', '-i', 'a.mp4', '-i', 'voice.wav', '-stream_loop', '-1', '-i', 'music.input', '-c:v', 'libx264', 'out.mp4'];
    const out = guardFfmpegArgs(args, L);
    assert.deepEqual(out, [
      '-threads', '1', '-ss', '2', '-t', '3', ...guard, '-i', 'a.mp4',
      ...guard, '-i', 'voice.wav',
      '-stream_loop', '-1', ...guard, '-i', 'music.input',
      '-c:v', 'libx264', 'out.mp4',
    ]);
  });

  it('guards every input of the render’s builders (chunk, soundtrack, assembly); generated backgrounds (lavfi) pass as they are', () => {
    const encode = { ...DEFAULT_ENCODE };
    const chunk = guardFfmpegArgs(
      chunkArgs({
        chunk: { index: 0, startFrame: 0, frames: 120, pieces: [{ clip: 0, sourceStart: 1, frames: 60 }, { clip: 1, sourceStart: 0, frames: 60 }] },
        clips: [
          { kind: 'file', path: '/scratch/t/clip-1.mp4', durationS: 5, width: 1920, height: 1080, credit: null },
          { kind: 'generated', lavfi: 'gradients=s=270x480:d=10,scale=1080:1920', durationS: 10, credit: null },
        ],
        filterScript: 'chunk-0.filter',
        outputFile: 'chunk-0.ts',
        encode,
      }),
      L,
    );
    assert.deepEqual(optionsBefore(chunk, '/scratch/t/clip-1.mp4'), guard);
    const lavfi = chunk.indexOf('gradients=s=270x480:d=10,scale=1080:1920');
    assert.deepEqual(chunk.slice(lavfi - 6, lavfi), ['/scratch/t/clip-1.mp4', '-f', 'lavfi', '-t', '2.5', '-i'], 'no guard on the generated input');
    assert.equal(chunk.filter((a) => a === '-protocol_whitelist').length, 1);

    const audio = guardFfmpegArgs(audioArgs({ voicePath: 'narration.wav', voiceNormalised: true, music: { path: 'music.input', volume: 0.2 }, durationS: 4, outputFile: 'audio.m4a', encode }), L);
    assert.deepEqual(optionsBefore(audio, 'narration.wav'), guard);
    assert.deepEqual(optionsBefore(audio, 'music.input'), guard);

    const assemble = guardFfmpegArgs(assembleArgs('chunks.txt', 'audio.m4a', 'output.mp4'), L);
    assert.equal(assemble[assemble.indexOf('-format_whitelist') + 1], ['concat', ...INPUT_DEMUXERS].join(','), 'the concat list is ours; what it names passes the same guard');
    assert.deepEqual(optionsBefore(assemble, 'audio.m4a'), guard);
  });

  it('a forced concat input (our own list of our own files) gets the guard with concat allowed', () => {
    const out = guardFfmpegArgs(['-f', 'concat', '-safe', '1', '-i', 'chunks.txt', '-c', 'copy', 'out.mp4'], L);
    const i = out.indexOf('-format_whitelist');
    assert.equal(out[i + 1], ['concat', ...INPUT_DEMUXERS].join(','));
    assert.equal(out[out.indexOf('-protocol_whitelist') + 1], 'file,pipe');
  });

  it('a forced demuxer on the allowlist is guarded as it is; any other forced format is a bug', () => {
    const out = guardFfmpegArgs(['-f', 'wav', '-i', 'pipe:0', '-f', 'null', '-'], L);
    assert.equal(out[out.indexOf('-format_whitelist') + 1], INPUT_DEMUXERS.join(','));
    for (const f of ['hls', 'image2', 'rtsp', 'tcp', 'data']) {
      assert.throws(() => guardFfmpegArgs(['-f', f, '-i', 'x', 'out.mp4'], L), /not allowed/, f);
    }
  });

  it('refuses lavfi graphs that read files (movie, amovie)', () => {
    for (const g of ['movie=/etc/passwd', 'color=red[a];amovie=/data/tasks.sqlite', 'nullsrc,movie = x']) {
      assert.throws(() => guardFfmpegArgs(['-f', 'lavfi', '-i', g, 'out.mp4'], L), /movie/, g);
    }
    assert.doesNotThrow(() => guardFfmpegArgs(['-f', 'lavfi', '-i', 'gradients=s=64x64:c0=red', 'out.mp4'], L));
  });

  it('a builder may not set the guard options itself (one place decides them)', () => {
    for (const o of ['-protocol_whitelist', '-format_whitelist', '-codec_whitelist', '-max_pixels']) {
      assert.throws(() => guardFfmpegArgs([o, 'x', '-i', 'a.mp4', 'out.mp4'], L), /media\/input-guard\.ts/, o);
      assert.throws(() => guardFfprobeArgs([o, 'x', 'a.mp4'], L), /input-guard/, o);
    }
    assert.throws(() => guardFfmpegArgs(['-i'], L), /no input/);
  });

  it('ffprobe gets the guard first, and no forced format', () => {
    assert.deepEqual(guardFfprobeArgs(['-show_streams', 'a.mp4'], L), [...guard, '-show_streams', 'a.mp4']);
    assert.throws(() => guardFfprobeArgs(['-f', 'hls', 'a.mp4'], L), /-f/);
  });

  it('a photo (its still demuxer forced) gets a guard of its own: that demuxer, its decoder, the still pixel cap', () => {
    const out = guardFfmpegArgs(['-f', 'jpeg_pipe', '-framerate', '30', '-i', 'photo.jpg', '-i', 'clip.mp4', 'out.mp4'], L);
    assert.deepEqual(out.slice(0, out.indexOf('photo.jpg')), [
      '-f', 'jpeg_pipe', '-framerate', '30',
      '-protocol_whitelist', 'file,pipe', '-format_whitelist', 'jpeg_pipe', '-codec_whitelist', 'mjpeg', '-max_pixels', String(stillMaxPixels(L)),
      '-i',
    ]);
    assert.deepEqual(optionsBefore(out, 'clip.mp4'), guard, 'the video input keeps the video guard');
    assert.equal(out[out.indexOf('-codec_whitelist', out.indexOf('photo.jpg')) + 1], INPUT_DECODERS.join(','));
    for (const [demuxer, decoder] of [['png_pipe', 'png'], ['webp_pipe', 'webp']]) {
      const o = guardFfmpegArgs(['-f', demuxer!, '-i', 'p', 'out.mp4'], L);
      assert.equal(o[o.indexOf('-codec_whitelist') + 1], decoder);
    }
    // Image demuxers never open for any other input, and image2 (file sequences by pattern) never at all.
    for (const d of [...STILL_DEMUXERS, 'image2']) assert.ok(!INPUT_DEMUXERS.includes(d as never), d);
    assert.ok(!INPUT_DECODERS.includes('webp'));
    assert.throws(() => guardFfmpegArgs(['-f', 'image2', '-loop', '1', '-i', 'p.jpg', 'out.mp4'], L), /not allowed/);
    // A still is decoded in its own format (4 bytes a pixel at most): the allocation cap holds it.
    assert.ok(maxAllocBytes(L) >= 4 * stillMaxPixels(L));
  });

  it('ffprobe opens a still by its demuxer, forced, under the still guard', () => {
    assert.deepEqual(guardFfprobeArgs(['-show_streams', 'p.png'], L, 'png'), [
      '-f', 'png_pipe', '-protocol_whitelist', 'file,pipe', '-format_whitelist', 'png_pipe', '-codec_whitelist', 'png', '-max_pixels', String(stillMaxPixels(L)),
      '-show_streams', 'p.png',
    ]);
  });

  it('a chunk with a photo among its pieces opens it as a still, once', () => {
    const args = chunkArgs({
      chunk: { index: 0, startFrame: 0, frames: 120, pieces: [{ clip: 0, sourceStart: 0, frames: 60 }, { clip: 1, sourceStart: 2, frames: 60 }] },
      clips: [
        { kind: 'file', path: '/scratch/t/photo.webp', durationS: 5, width: 1620, height: 2880, credit: null, still: 'webp' },
        { kind: 'file', path: '/scratch/t/clip-1.mp4', durationS: 5, width: 1920, height: 1080, credit: null },
      ],
      filterScript: 'chunk-0.filter',
      outputFile: 'chunk-0.ts',
      encode: { ...DEFAULT_ENCODE },
    });
    assert.deepEqual(args.slice(0, args.indexOf('/scratch/t/photo.webp') + 1), ['-f', 'webp_pipe', '-framerate', '30', '-i', '/scratch/t/photo.webp']);
    const guarded = guardFfmpegArgs(args, L);
    assert.equal(guarded[guarded.indexOf('-format_whitelist') + 1], 'webp_pipe');
  });

  it('arguments without inputs pass unchanged', () => {
    assert.deepEqual(guardFfmpegArgs(['-version'], L), ['-version']);
  });
});
