import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parseKeyframes, probeInput, probeKeyframes } from '../../functions/media/probe.ts';
import { resolveMediaTools } from '../../functions/media/tools.ts';
import { makeTone } from '../support/media-fixtures.ts';
import { tempDir } from '../support/temp-dir.ts';

const run = promisify(execFile);
const tools = resolveMediaTools({});
let dir: string;
let clip: string;
/** 24 fps with a keyframe every 10 frames and B-frames: keyframe times are not whole milliseconds, and dts runs behind pts. */
const KEYS = [0, 10 / 24, 20 / 24, 30 / 24, 40 / 24];

before(async () => {
  dir = tempDir('keyframes-');
  clip = join(dir, 'gop.mp4');
  await run('ffmpeg', [
    '-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=96x160:rate=24:duration=2',
    '-c:v', 'libx264', '-preset', 'veryfast', '-bf', '2', '-x264-params', 'keyint=10:min-keyint=10:scenecut=0', '-pix_fmt', 'yuv420p', clip,
  ]);
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

/**
 * The first frame ffmpeg decodes (not the first it would show) when seeking to `ss`, by its time
 * in the file: -noaccurate_seek keeps the pre-roll frames, -copyts their timestamps.
 */
async function firstDecoded(ss: string): Promise<number> {
  const { stderr } = await run('ffmpeg', ['-hide_banner', '-copyts', '-noaccurate_seek', '-ss', ss, '-i', clip, '-frames:v', '1', '-vf', 'showinfo', '-f', 'null', '-']);
  const m = /pts_time:([\d.]+)/.exec(stderr);
  assert.ok(m, stderr);
  return Number(m[1]);
}

describe('probeKeyframes', () => {
  it('lists the keyframes from the index, in seconds as -ss counts them', async () => {
    const keys = await probeKeyframes(tools, clip);
    assert.ok(keys);
    assert.equal(keys.length, KEYS.length, JSON.stringify(keys));
    keys.forEach((k, i) => assert.ok(Math.abs(k - KEYS[i]!) < 1e-5, `${k} vs ${KEYS[i]}`));
  });

  it('a source start on a keyframe (rounded up to the ms) decodes from that keyframe; a hair before it, from the one before', async () => {
    for (const k of KEYS.slice(1)) {
      const up = (Math.ceil(k * 1000) / 1000).toFixed(3);
      const down = ((Math.ceil(k * 1000) - 1) / 1000).toFixed(3);
      assert.ok(Math.abs((await firstDecoded(up)) - k) < 0.01, `-ss ${up} starts decoding at ${k}`);
      assert.ok((await firstDecoded(down)) < k - 0.3, `-ss ${down} decodes from the keyframe before ${k}`);
    }
  });

  it('footage through the probe gate carries them; audio does not; a file without video has none', async () => {
    const info = await probeInput(tools, clip, 'video');
    assert.equal(info.keyframesS?.length, KEYS.length);
    const tone = await makeTone(join(dir, 'tone.wav'), 1);
    assert.equal((await probeInput(tools, tone, 'audio')).keyframesS, undefined);
    assert.equal(await probeKeyframes(tools, tone), null);
  });

  it('parses packets against the format start time, skipping packets without a time', () => {
    const csv = ['1.400000,K_', '1.483333,__', 'N/A,__', '1.566667,K_', '11.400000,K_', '1.400000', ''].join('\n');
    assert.deepEqual(parseKeyframes(csv), [0, 0.166667, 10]);
    assert.equal(parseKeyframes('0.000000,__\n0.041667,__\n0.000000\n'), null);
  });
});
