// The narration is brought to −14 LUFS in its own short run; the render then leaves it alone.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { normaliseNarration } from '../../functions/media/loudness.ts';
import { probeMedia } from '../../functions/media/probe.ts';
import { audioFilters, measureLoudnessArgs, parseIntegratedLoudness, TARGET_LUFS, voiceGainArgs } from '../../functions/media/render-args.ts';
import { resolveMediaTools } from '../../functions/media/tools.ts';
import { integratedLufs } from '../support/ffprobe.ts';
import { makeSpeechLikeWav } from '../support/media-fixtures.ts';
import { tempDir } from '../support/temp-dir.ts';

describe('narration loudness', () => {
  it('measure, then gain and limit; the render graph then has no loudnorm', () => {
    assert.match(measureLoudnessArgs('in.mp3', 'l.log').join(' '), /ebur128=metadata=1,ametadata=mode=print:key=lavfi\.r128\.I:file=l\.log/);
    assert.throws(() => measureLoudnessArgs('in.mp3', 'a b.log'), /plain file name/);
    assert.equal(parseIntegratedLoudness('frame:0\nlavfi.r128.I=-70.000\nframe:1\nlavfi.r128.I=-21.25\n'), -21.25);
    assert.equal(parseIntegratedLoudness('lavfi.r128.I=-inf\n'), null);
    assert.equal(parseIntegratedLoudness(''), null);
    assert.match(voiceGainArgs('in.wav', 'out.wav', 7.25).join(' '), /volume=7\.25dB,alimiter=limit=0\.841:level=0:latency=1/);
    assert.doesNotMatch(audioFilters(1, null, 0, 3, true).join(';'), /loudnorm/);
    assert.match(audioFilters(1, null, 0, 3, false).join(';'), /loudnorm/);
    // With music under a normalised voice the voice keeps its level and a limiter holds the mix's peaks.
    assert.doesNotMatch(audioFilters(1, 2, 0.2, 3, true).join(';'), /loudnorm/);
    assert.match(audioFilters(1, 2, 0.2, 3, true).join(';'), /amix=inputs=2:duration=first:normalize=0,alimiter=limit=0\.841:level=0/);
    assert.match(audioFilters(1, 2, 0.2, 3, false).join(';'), /amix=.*,loudnorm=/);
  });

  for (const seconds of [2, 6]) it(`a ${seconds} s narration comes out at −14 LUFS ±1, same length`, async () => {
    const dir = tempDir('loud-');
    const tools = resolveMediaTools({});
    const quiet = await makeSpeechLikeWav(join(dir, 'quiet.wav'), seconds);
    const before = integratedLufs(quiet);
    const narration = { audioPath: quiet, durationS: seconds, words: [], sentenceEnds: [] };
    const out = await normaliseNarration(tools, narration, dir, new AbortController().signal);
    assert.notEqual(out.audioPath, quiet);
    const after = integratedLufs(out.audioPath);
    assert.ok(Math.abs(after - TARGET_LUFS) <= 1, `${before} → ${after} LUFS`);
    const info = await probeMedia(tools, out.audioPath);
    assert.ok(Math.abs(info.durationS - seconds) < 0.05, `duration ${info.durationS}`);
  });
});
