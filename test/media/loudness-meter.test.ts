// The narration's integrated loudness measured in process (BS.1770-4 / EBU R128), against the
// standard's own numbers and against ffmpeg's ebur128 on the same files, measured as the pipeline
// measures the voice: its first channel as dual mono.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { StageTimings, stage } from '../../functions/lib/stage-timings.ts';
import { integratedLoudness, measureNarration } from '../../functions/media/loudness.ts';
import { kWeighting, LoudnessMeter } from '../../functions/media/loudness-meter.ts';
import { measureLoudnessArgs, parseIntegratedLoudness } from '../../functions/media/render-args.ts';
import { resolveMediaTools } from '../../functions/media/tools.ts';
import { tempDir } from '../support/temp-dir.ts';

const sine = (hz: number, rate: number, seconds: number, amplitude = 1) => Float64Array.from({ length: Math.round(rate * seconds) }, (_, i) => amplitude * Math.sin((2 * Math.PI * hz * i) / rate));

function loudnessOf(samples: Float64Array, rate: number, piece = samples.length): number | null {
  const meter = new LoudnessMeter(rate);
  for (let at = 0; at < samples.length; at += piece) meter.push(samples.subarray(at, at + piece));
  return meter.integrated();
}

describe('LoudnessMeter', () => {
  it('its K-weighting at 48 kHz is BS.1770-4\'s table', () => {
    const { shelf, highPass } = kWeighting(48_000);
    const near = (a: number[], b: number[]) => a.forEach((x, i) => assert.ok(Math.abs(x - b[i]!) < 1e-8, `${a} vs ${b}`));
    near([...shelf.b, ...shelf.a], [1.53512485958697, -2.69169618940638, 1.19839281085285, -1.69065929318241, 0.73248077421585]);
    near([...highPass.b, ...highPass.a], [1, -2, 1, -1.99004745483398, 0.99007225036621]);
  });

  it('a full-scale 997 Hz tone in one channel is −3.01 LKFS (BS.1770-4); as dual mono, 3 dB more, at any rate', () => {
    for (const rate of [16_000, 22_050, 24_000, 44_100, 48_000]) {
      const l = loudnessOf(sine(997, rate, 3), rate)!;
      assert.ok(Math.abs(l - 0) < 0.05, `${rate} Hz: ${l}`);
    }
    // 20 dB down is 20 LU down.
    assert.ok(Math.abs(loudnessOf(sine(997, 22_050, 3, 0.1), 22_050)! + 20) < 0.05);
  });

  it('pieces of any length measure as the whole; a channel of interleaved samples is read by its stride', () => {
    const tone = sine(440, 24_000, 2.5, 0.3);
    const whole = loudnessOf(tone, 24_000)!;
    assert.equal(loudnessOf(tone, 24_000, 1_000), whole);
    assert.equal(loudnessOf(tone, 24_000, 4_801), whole);
    const stereo = new Float64Array(tone.length * 2);
    tone.forEach((x, i) => {
      stereo[2 * i] = x;
      stereo[2 * i + 1] = 0.9;
    });
    const meter = new LoudnessMeter(24_000);
    meter.push(stereo, 1, 0, 2);
    assert.equal(meter.integrated(), whole);
  });

  it('gates: silence, and less than one 400 ms block, are null; a quiet tail 10 LU under is gated out', () => {
    assert.equal(loudnessOf(new Float64Array(48_000), 48_000), null);
    assert.equal(loudnessOf(sine(997, 48_000, 0.39), 48_000), null);
    // Below −70 LUFS.
    assert.equal(loudnessOf(sine(997, 48_000, 2, 10 ** (-72 / 20)), 48_000), null);
    const loud = sine(997, 48_000, 2, 0.5);
    const tail = sine(997, 48_000, 2, 0.5 * 10 ** (-20 / 20));
    const both = new Float64Array(loud.length + tail.length);
    both.set(loud);
    both.set(tail, loud.length);
    // The tail's blocks are gated out (with them it would be 3 LU down); those straddling the step
    // are between the two, kept, and pull it down a little.
    const l = loudnessOf(both, 48_000)!;
    const alone = loudnessOf(loud, 48_000)!;
    assert.ok(l < alone && l > alone - 1, `${l} vs ${alone}`);
  });
});

describe('integratedLoudness against ffmpeg ebur128', () => {
  const tools = resolveMediaTools({});
  const signal = new AbortController().signal;
  const dir = tempDir('meter-');
  const ffmpeg = (args: string[]) => execFileSync('ffmpeg', ['-v', 'error', '-y', ...args], { cwd: dir });
  const theirs = async (file: string) => {
    ffmpeg(measureLoudnessArgs(file, 'l.log'));
    return parseIntegratedLoudness(await readFile(join(dir, 'l.log'), 'utf8'));
  };
  const lavfi = (name: string, source: string, more: string[] = [], codec = 'pcm_s16le') => {
    ffmpeg(['-f', 'lavfi', '-i', source, ...more, '-c:a', codec, name]);
    return name;
  };

  it('tones, noise, a stereo file and espeak speech at their own rates: within 0.1 LU; silence is null', async () => {
    const files = [
      lavfi('tone-1k-48k.wav', 'sine=f=1000:sample_rate=48000:d=3'),
      lavfi('tone-9k-22k.wav', 'sine=f=9000:sample_rate=22050:d=3'),
      lavfi('white-22k.wav', 'anoisesrc=c=white:r=22050:a=0.3:d=3'),
      lavfi('pink-24k.wav', 'anoisesrc=c=pink:r=24000:a=0.3:d=3'),
      lavfi('brown-16k.wav', 'anoisesrc=c=brown:r=16000:a=0.5:d=3'),
      // Only the first channel is the voice: a loud second one is not measured.
      lavfi('stereo-44k.wav', 'sine=f=440:sample_rate=44100:d=3', ['-af', 'pan=stereo|c0=c0|c1=4*c0']),
      lavfi('silence.wav', 'anullsrc=r=22050:cl=mono', ['-t', '2']),
    ];
    execFileSync('espeak-ng', ['-w', join(dir, 'speech.wav'), 'The loudness of this voice is measured without ffmpeg, and must agree with it.']);
    files.push('speech.wav');
    for (const f of files) {
      const [mine, ff] = [await integratedLoudness(tools, join(dir, f), dir, signal), await theirs(f)];
      if (f === 'silence.wav') {
        assert.equal(mine, null);
        assert.equal(ff, null);
        continue;
      }
      assert.ok(mine !== null && ff !== null && Math.abs(mine - ff) <= 0.1, `${f}: ${mine} vs ffmpeg ${ff}`);
    }
  });

  it('an MP3 (the ElevenLabs voice), or a WAV of another sample type, is measured by ffmpeg', async () => {
    const mp3 = lavfi('voice.mp3', 'anoisesrc=c=pink:r=44100:a=0.3:d=2', [], 'libmp3lame');
    const float = lavfi('voice-f32.wav', 'anoisesrc=c=pink:r=44100:a=0.3:d=2', [], 'pcm_f32le');
    for (const f of [mp3, float]) {
      const timings = new StageTimings();
      const mine = await timings.run(() => stage('loudness', () => integratedLoudness(tools, join(dir, f), dir, signal)));
      assert.equal(mine, await theirs(f), f);
    }
  });

  it('a WAV narration is measured in process and its CPU counts to the loudness stage', async () => {
    const wav = lavfi('narration.wav', 'anoisesrc=c=pink:r=22050:a=0.1:d=3');
    const timings = new StageTimings();
    const n = await timings.run(() => stage('loudness', () => measureNarration(tools, { audioPath: join(dir, wav), durationS: 3, words: [], sentenceEnds: [] }, dir, signal)));
    assert.ok(Math.abs(n.gainDb - (-14 - (await theirs(wav))!)) <= 0.1, `gain ${n.gainDb}`);
    // Unrounded: a few seconds of voice take about a millisecond.
    const s = timings.snapshot().stages.find((x) => x.stage === 'loudness');
    assert.ok(s && s.cpuS !== undefined && s.cpuS > 0, JSON.stringify(s));
  });
});
