// The scratch a render needs, estimated before it runs, and the admission decision on it: a video
// whose largest output cannot fit TASK_SCRATCH_BYTES is refused with the limit, the longest
// narration that fits and what to change; one that fits is not.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { refuseTooLargeForScratch } from '../../functions/api/submission.ts';
import { AppError } from '../../functions/errors.ts';
import { FASTEST_CHARS_PER_S, longestFittingS, scratchNeedBytes, scratchRefusal, videoBytesPerS } from '../../functions/media/scratch-need.ts';

const MiB = 1024 * 1024;
const portrait1080 = { width: 1080, height: 1920 };
const landscape1080 = { width: 1920, height: 1080 };
const portrait720 = { width: 720, height: 1280 };
const veryfast = { preset: 'veryfast', crf: 23 };

describe('videoBytesPerS', () => {
  it('starts from the measured 6.1 Mbit/s at 1080p (veryfast CRF 23) with a quarter of headroom, and 4.0 at 720p', () => {
    assert.equal(Math.round(videoBytesPerS(portrait1080, veryfast) * 8), Math.round(6.1e6 * 1.25));
    assert.ok(Math.abs((videoBytesPerS(portrait720, veryfast) * 8) / 1.25 / 4.0e6 - 1) < 0.02, 'within 2% of the 720p measurement');
  });
  it('grows with faster presets and lower CRF: 6 CRF steps double it', () => {
    const base = videoBytesPerS(portrait1080, veryfast);
    assert.ok(Math.abs(videoBytesPerS(portrait1080, { preset: 'veryfast', crf: 17 }) / base - 2) < 1e-9);
    assert.ok(videoBytesPerS(portrait1080, { preset: 'superfast', crf: 23 }) > 1.6 * base);
    assert.ok(videoBytesPerS(portrait1080, { preset: 'ultrafast', crf: 23 }) > 4 * base);
    assert.equal(videoBytesPerS(portrait1080, { preset: 'medium', crf: 23 }), base, 'slower presets are bounded by veryfast');
  });
});

describe('scratchNeedBytes', () => {
  it('is the largest output, not the sum: outputs are joined and freed one at a time', () => {
    const one = scratchNeedBytes({ durationS: 300, frames: [portrait1080], encode: veryfast });
    const three = scratchNeedBytes({ durationS: 300, frames: [portrait720, portrait1080, landscape1080], encode: veryfast });
    assert.equal(three, one);
    assert.ok(scratchNeedBytes({ durationS: 300, frames: [portrait720], encode: veryfast }) < one);
  });
  it('counts the output as chunks with their overhead, two chunks beside it, and the soundtrack twice', () => {
    const rate = videoBytesPerS(portrait1080, veryfast);
    const need = scratchNeedBytes({ durationS: 600, frames: [portrait1080], encode: veryfast });
    const expected = rate * (600 * 1.06 + 2 * 12) + 2 * 20_000 * 600 + MiB;
    assert.ok(Math.abs(need - expected) <= 1, `${need} vs ${expected}`);
    assert.ok(need > 500 * MiB && need < 700 * MiB, 'ten minutes at 1080p is some 600 MiB');
  });
});

describe('scratchRefusal and longestFittingS', () => {
  const limit = 256 * MiB;
  it('the longest narration that fits is the exact boundary', () => {
    const s = longestFittingS({ limitBytes: limit, frames: [portrait1080], encode: veryfast });
    assert.ok(s > 200 && s < 300, `${s} s at 1080p in 256 MiB`);
    assert.ok(scratchNeedBytes({ durationS: s, frames: [portrait1080], encode: veryfast }) <= limit);
    assert.ok(scratchNeedBytes({ durationS: s + 1, frames: [portrait1080], encode: veryfast }) > limit);
    assert.equal(longestFittingS({ limitBytes: 512 * 1024, frames: [portrait1080], encode: veryfast }), 0, 'nothing fits less than the small files');
  });
  it('passes what fits, refuses what does not, naming TASK_SCRATCH_BYTES, the longest that fits and the fixes', () => {
    const s = longestFittingS({ limitBytes: limit, frames: [portrait1080], encode: veryfast });
    assert.equal(scratchRefusal({ durationS: s, frames: [portrait1080], encode: veryfast, limitBytes: limit, from: 'script' }), null);
    const r = scratchRefusal({ durationS: s + 1, frames: [portrait720, portrait1080], encode: veryfast, limitBytes: limit, from: 'script' });
    assert.ok(r);
    assert.equal(r.path, 'script_text');
    assert.equal(r.longestS, s);
    assert.match(r.message, /TASK_SCRATCH_BYTES allows 256 MiB/);
    assert.match(r.message, new RegExp(`at most ${s} s fit at 1080x1920`));
    assert.match(r.message, new RegExp(`shorten the script \\(or set max_duration_s to at most ${s}\\), or choose 720p`));
    const sb = scratchRefusal({ durationS: s + 1, frames: [portrait1080], encode: veryfast, limitBytes: limit, from: 'storyboard' });
    assert.equal(sb?.path, 'storyboard_id');
    assert.match(sb?.message ?? '', /its narration is \d+ s/);
    const at720 = scratchRefusal({ durationS: 3600, frames: [portrait720], encode: veryfast, limitBytes: limit, from: 'script' });
    assert.doesNotMatch(at720?.message ?? '', /choose 720p/, 'no 720p advice for a video that is 720p already');
  });
});

describe('refuseTooLargeForScratch (the submit routes)', () => {
  const opts = { limitBytes: 256 * MiB, encode: veryfast };
  const script = (chars: number) => 'Word '.repeat(Math.ceil(chars / 5)).slice(0, chars).trim() + '.';
  const refusal = (f: () => void): AppError => {
    try {
      f();
    } catch (err) {
      assert.ok(err instanceof AppError);
      return err;
    }
    assert.fail('not refused');
  };

  it('refuses a script the fastest voice cannot say within what fits, with 422 video_too_large naming the field', () => {
    const longest = longestFittingS({ limitBytes: opts.limitBytes, frames: [portrait1080], encode: veryfast });
    const err = refusal(() => refuseTooLargeForScratch({ script_text: script((longest + 20) * FASTEST_CHARS_PER_S), aspect_ratio: '9:16', resolution: '1080p' }, opts));
    assert.equal(err.status, 422);
    assert.equal(err.code, 'video_too_large');
    assert.deepEqual(err.details?.map((d) => d.path), ['script_text']);
    refuseTooLargeForScratch({ script_text: script((longest - 20) * FASTEST_CHARS_PER_S), aspect_ratio: '9:16', resolution: '1080p' }, opts);
  });
  it('a long script passes at 720p, or with max_duration_s within what fits (the narration never runs past it)', () => {
    const long = script(6_000);
    assert.throws(() => refuseTooLargeForScratch({ script_text: long, aspect_ratio: '9:16', resolution: '1080p' }, opts), AppError);
    refuseTooLargeForScratch({ script_text: long, aspect_ratio: '9:16', resolution: '720p' }, opts);
    refuseTooLargeForScratch({ script_text: long, aspect_ratio: '9:16', resolution: '1080p', max_duration_s: 120 }, opts);
  });
  it('scenes are named as scenes; a storyboard is judged on its narration', () => {
    const scenes = Array.from({ length: 6 }, () => ({ text: script(1_500) }));
    const err = refusal(() => refuseTooLargeForScratch({ scenes, aspect_ratio: '9:16', resolution: '1080p' }, opts));
    assert.deepEqual(err.details?.map((d) => d.path), ['scenes']);
    refuseTooLargeForScratch({ script_text: 'Short.', aspect_ratio: '9:16', resolution: '1080p' }, { ...opts, storyboardDurationS: 60 });
    const sb = refusal(() => refuseTooLargeForScratch({ script_text: 'Short.', aspect_ratio: '9:16', resolution: '1080p' }, { ...opts, storyboardDurationS: 900 }));
    assert.deepEqual(sb.details?.map((d) => d.path), ['storyboard_id']);
  });
});
