// The narration's loudness is measured in a short run of its own and carried as a gain, which the
// soundtrack applies before its mix (a storyboard's preview gets a file of it in one more run).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { mkdir } from 'node:fs/promises';
import { measureNarration, normaliseNarration } from '../../functions/media/loudness.ts';
import { probeMedia } from '../../functions/media/probe.ts';
import { renderSoundtrack } from '../../functions/media/render.ts';
import { audioFilters, DEFAULT_ENCODE, measureLoudnessArgs, parseIntegratedLoudness, TARGET_LUFS, voiceGainArgs } from '../../functions/media/render-args.ts';
import { planRender, type SoundtrackPlan } from '../../functions/media/render-plan.ts';
import { resolveMediaTools } from '../../functions/media/tools.ts';
import { integratedLufs, soundOnsets } from '../support/ffprobe.ts';
import { makeSpeechLikeWav, makeTone } from '../support/media-fixtures.ts';
import { renderSpec } from '../support/render.ts';
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

describe('the narration\'s gain, applied in the soundtrack', () => {
  it('the voice gets the measured gain and the limiter (no delay) before its mix; without a gain it is taken as it is', () => {
    const chain = /^\[0:a:0\]pan=stereo\|c0=c0\|c1=c0,volume=7\.25dB,alimiter=limit=0\.841:level=0:latency=1,aresample=48000,/;
    assert.match(audioFilters(0, null, 0, 3, true, 7.25)[0]!, chain);
    assert.match(audioFilters(0, 1, 0.2, 3, true, 7.25)[0]!, chain);
    assert.doesNotMatch(audioFilters(0, 1, 0.2, 3, true, 7.25).join(';'), /loudnorm/);
    assert.equal(audioFilters(0, 1, 0.2, 3, true, null).join(';'), audioFilters(0, 1, 0.2, 3, true).join(';'));
    assert.doesNotMatch(audioFilters(0, null, 0, 3, true).join(';'), /volume|alimiter/);
  });

  it('the render plan carries the narration\'s gain into its soundtrack; a narration without one is taken as it is', () => {
    const ws = [{ text: 'one', start: 0.1, end: 0.5 }];
    const nar = { audioPath: '/scratch/narration.wav', durationS: 2, words: ws, sentenceEnds: [1] };
    const timeline = { segments: [{ clip: 0, sourceStart: 0, duration: 2, start: 0 }], music: null };
    const spec = renderSpec([{ width: 180, height: 320 }], false);
    const gained = planRender(spec, { ...nar, gainDb: 4.5 }, timeline, { parallel: 1, voiceNormalised: true });
    assert.deepEqual(gained.soundtrack, { voicePath: '/scratch/narration.wav', voiceNormalised: true, voiceGainDb: 4.5, music: null });
    assert.equal('voiceGainDb' in planRender(spec, nar, timeline, { parallel: 1, voiceNormalised: true }).soundtrack, false);
  });

  it('a measured narration keeps its file and carries its gain; a preview file of it carries none', async () => {
    const dir = tempDir('gain-');
    const tools = resolveMediaTools({});
    const quiet = await makeSpeechLikeWav(join(dir, 'quiet.wav'), 3);
    const narration = { audioPath: quiet, durationS: 3, words: [], sentenceEnds: [] };
    const measured = await measureNarration(tools, narration, dir, new AbortController().signal);
    assert.equal(measured.audioPath, quiet);
    // Measured as the video carries it, dual mono: 3 dB above the one channel of the file.
    assert.ok(Math.abs(measured.gainDb - (TARGET_LUFS - integratedLufs(quiet) - 3.01)) < 0.2, `gain ${measured.gainDb}`);
    // The preview applies the gain it carries (no second measure) and is at the target as it is.
    const preview = await normaliseNarration(tools, measured, dir, new AbortController().signal);
    assert.equal(preview.gainDb, undefined);
    assert.ok(Math.abs(integratedLufs(preview.audioPath) - TARGET_LUFS) <= 1);
  });

  it('the soundtrack with the gain sounds as the soundtrack of the file brought to the target before: same level, same onsets, same length', async () => {
    const dir = tempDir('gain-mix-');
    const tools = resolveMediaTools({});
    const signal = new AbortController().signal;
    const seconds = 3;
    // Words with silence between them (from 0.5 s in every 1.3 s), so their onsets can be found.
    const speech = await makeSpeechLikeWav(join(dir, 'speech.wav'), seconds);
    const quiet = join(dir, 'quiet.wav');
    execFileSync('ffmpeg', ['-v', 'error', '-i', speech, '-af', "volume='0.3*gt(mod(t,1.3),0.5)':eval=frame", '-c:a', 'pcm_s16le', quiet]);
    const music = await makeTone(join(dir, 'music.wav'), 1.5, 220);
    const narration = { audioPath: quiet, durationS: seconds, words: [], sentenceEnds: [] };
    const measured = await measureNarration(tools, narration, dir, signal);
    const before = await normaliseNarration(tools, narration, dir, signal);
    for (const withMusic of [false, true]) {
      const track = async (name: string, soundtrack: SoundtrackPlan) => {
        const out = join(dir, name);
        await mkdir(out);
        await renderSoundtrack(tools, { dir: out, plan: { soundtrack, durationS: seconds, encode: DEFAULT_ENCODE }, signal });
        return join(out, 'audio.m4a');
      };
      const m = withMusic ? { path: music, volume: 0.3 } : null;
      const now = await track(`now-${withMusic}`, { voicePath: quiet, voiceNormalised: true, voiceGainDb: measured.gainDb, music: m });
      const was = await track(`was-${withMusic}`, { voicePath: before.audioPath, voiceNormalised: true, music: m });
      assert.ok(Math.abs(integratedLufs(now) - integratedLufs(was)) < 0.1, `${integratedLufs(now)} vs ${integratedLufs(was)} LUFS`);
      if (!withMusic) assert.ok(Math.abs(integratedLufs(now) - TARGET_LUFS) <= 1, `${integratedLufs(now)} LUFS`);
      const [a, b] = [soundOnsets(now), soundOnsets(was)];
      if (!withMusic) assert.ok(a.length >= 2, `onsets ${a}`);
      assert.equal(a.length, b.length, `${a} vs ${b}`);
      a.forEach((t, i) => assert.ok(Math.abs(t - b[i]!) < 0.005, `onset ${t} vs ${b[i]}`));
      const [pn, pw] = await Promise.all([probeMedia(tools, now), probeMedia(tools, was)]);
      assert.ok(Math.abs(pn.durationS - pw.durationS) < 0.001, `${pn.durationS} vs ${pw.durationS}`);
    }
  });
});
