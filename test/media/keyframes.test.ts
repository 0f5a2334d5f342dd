import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chmod, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { keyframesOf, probeInput, probeKeyframes } from '../../functions/media/probe.ts';
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

  it('reads one stream\'s keyframes against the format start time, skipping packets without a time', () => {
    const p = (stream_index: number, pts_time: string | undefined, flags: string) => ({ stream_index, ...(pts_time ? { pts_time } : {}), flags });
    const out = {
      format: { start_time: '1.400000' },
      packets: [p(0, '1.400000', 'K_'), p(1, '1.400000', 'K_'), p(0, '1.483333', '__'), p(0, undefined, 'K_'), p(0, 'N/A', 'K_'), p(0, '1.566667', 'K_'), p(1, '2.0', 'K_'), p(0, '11.400000', 'K_')],
    };
    assert.deepEqual(keyframesOf(out, 0), [0, 0.166667, 10]);
    assert.deepEqual(keyframesOf(out, 1), [0, 0.6]);
    assert.equal(keyframesOf({ packets: [p(0, '0.0', '__')] }, 0), null);
  });

  it('a footage probe is one ffprobe run: its packets give the keyframes, its streams the rest', async () => {
    const tools2 = { ...tools, ffprobe: join(dir, 'counting-ffprobe') };
    const log = join(dir, 'ffprobe-runs.log');
    await writeFile(tools2.ffprobe, `#!/bin/sh\necho run >> '${log}'\nexec ffprobe "$@"\n`);
    await chmod(tools2.ffprobe, 0o755);
    const info = await probeInput(tools2, clip, 'video');
    assert.equal(info.width, 96);
    assert.equal(info.keyframesS?.length, KEYS.length);
    assert.equal((await readFile(log, 'utf8')).trim().split('\n').length, 1);
  });
});
