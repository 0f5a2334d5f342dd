// max_duration_s: the decision (pure), and the speed-up on real audio: spoken again where the
// provider has a speed, time-stretched otherwise, with the word timings scaled so that every
// word's onset in the audio is still where its caption says.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { Narration } from '../../functions/domain/media.ts';
import { VideoRequestSchema } from '../../functions/domain/video-request.ts';
import { videoSpec } from '../../functions/domain/video-spec.ts';
import { TaskError } from '../../functions/errors.ts';
import { createLogger } from '../../functions/log.ts';
import { scaleTimings, tempoArgs, tempoOf } from '../../functions/media/tempo.ts';
import { resolveMediaTools } from '../../functions/media/tools.ts';
import { fitNarration, planFit, VIDEO_SLACK_S } from '../../functions/pipeline/fit-duration.ts';
import type { SpeechProvider, SpeechRequest } from '../../functions/providers/ports.ts';
import { ffprobe, soundOnsets } from '../support/ffprobe.ts';
import { ffmpegFixtureSync } from '../support/fixture-cache.ts';
import { tempDir } from '../support/temp-dir.ts';

const tools = resolveMediaTools({});
const signal = new AbortController().signal;

/** A narration of `n` words: a 0.4 s tone burst every `everyS` seconds from 0.2 s, silence between. */
function bursts(path: string, n: number, everyS: number, rate = 1): Narration {
  const period = everyS / rate;
  const durationS = 0.2 / rate + n * period;
  // aevalsrc evaluates every sample, so each burst starts on its exact sample.
  const on = `gte(t,${0.2 / rate})*lt(mod(t-${0.2 / rate},${period}),${0.4 / rate})`;
  ffmpegFixtureSync(['-v', 'error', '-f', 'lavfi', '-i', `aevalsrc=exprs='0.5*sin(2*PI*330*t)*${on}':s=24000:d=${durationS}`, '-ac', '1', path], path);
  const words = Array.from({ length: n }, (_, i) => ({ text: `w${i}`, start: 0.2 / rate + i * period, end: 0.2 / rate + i * period + 0.4 / rate }));
  return { audioPath: path, durationS, words, sentenceEnds: [n] };
}

const req = (o: object) => VideoRequestSchema.parse({ script_text: 'x', ...o });
/** The length limit of a request, as the spec holds it. */
const fitOf = (o: object) => videoSpec(req(o), { seed: 1 }).fit;

describe('max_duration_s: the decision', () => {
  it('fits, speeds up within 1.15×, or says how long the narration is and what to do', () => {
    assert.deepEqual(planFit(70, fitOf({})), { kind: 'fits' });
    assert.deepEqual(planFit(59.9, fitOf({ max_duration_s: 60 })), { kind: 'fits' });
    const failed = planFit(63.27, fitOf({ max_duration_s: 60 }));
    assert.deepEqual(failed, {
      kind: 'too_long',
      message: 'the narration is 63.3 s long and max_duration_s is 60 s: shorten the script by about 6 %, or send fit: "speed" to speed the voice up by up to 1.15×',
    });
    const sped = planFit(63.27, fitOf({ max_duration_s: 60, fit: 'speed' }));
    assert.equal(sped.kind, 'speed_up');
    assert.ok(sped.kind === 'speed_up' && Math.abs(sped.factor - 63.27 / (60 - VIDEO_SLACK_S)) < 1e-9 && sped.targetS === 60 - VIDEO_SLACK_S);
    assert.deepEqual(planFit(70, fitOf({ max_duration_s: 60, fit: 'speed' })), {
      kind: 'too_long',
      message: 'the narration is 70 s long and max_duration_s is 60 s; even sped up 1.15× it would be 60.9 s: shorten the script by about 2 %',
    });
    // Just over the limit is over it: the length is never rounded down to the limit.
    assert.match((planFit(60.01, fitOf({ max_duration_s: 60 })) as { message: string }).message, /^the narration is 60\.1 s long/);
  });

  it('an end card that extends the video takes its seconds of the limit: the narration must fit in the rest', () => {
    const withCard = fitOf({ max_duration_s: 60, end_card: { text: 'Follow', duration_s: 3, extend: true } });
    assert.deepEqual(planFit(56.9, withCard), { kind: 'fits' });
    assert.deepEqual(planFit(58, withCard), {
      kind: 'too_long',
      message: 'the narration is 58 s long and max_duration_s is 60 s, 57 s of it before the end card\'s 3 s: shorten the script by about 2 %, or send fit: "speed" to speed the voice up by up to 1.15×',
    });
    assert.deepEqual(planFit(58, fitOf({ max_duration_s: 60, end_card: { text: 'Follow', duration_s: 3 } })), { kind: 'fits' }, 'over the last seconds, it takes none');
  });

  it('a recording is shortened by recording it again, or time-stretched: never spoken again', () => {
    assert.deepEqual(planFit(63.27, fitOf({ max_duration_s: 60 }), true), {
      kind: 'too_long',
      message: 'the recording is 63.3 s long and max_duration_s is 60 s: shorten the recording by about 6 %, or send fit: "speed" to speed it up by up to 1.15×',
    });
    assert.equal(planFit(63.27, fitOf({ max_duration_s: 60, fit: 'speed' }), true).kind, 'speed_up');
  });

  it('the request: fit "speed" needs max_duration_s; the limit is 1..3600 s', () => {
    const r = VideoRequestSchema.safeParse({ script_text: 'x', fit: 'speed' });
    assert.deepEqual(r.error?.issues.map((i) => [i.path.join('.'), i.message]), [['fit', 'fit: "speed" fits the voice into max_duration_s: send max_duration_s too']]);
    assert.equal(VideoRequestSchema.safeParse({ script_text: 'x', max_duration_s: 0.5 }).success, false);
    assert.equal(VideoRequestSchema.safeParse({ script_text: 'x', max_duration_s: 3601 }).success, false);
    assert.equal(VideoRequestSchema.safeParse({ script_text: 'x', fit: 'squeeze', max_duration_s: 30 }).error?.issues[0]?.path[0], 'fit');
    assert.equal(req({}).fit, 'fail');
  });

  it('tempo: rounded up to the millisecond ffmpeg is told, the words divided by exactly it', () => {
    assert.equal(tempoOf(1.0831), 1.084);
    assert.equal(tempoOf(1.1), 1.1);
    assert.deepEqual(tempoArgs('in.mp3', 'out.wav', 1.084), ['-i', 'in.mp3', '-vn', '-af', 'rubberband=tempo=1.084:window=short', '-c:a', 'pcm_s16le', '-f', 'wav', 'out.wav']);
    assert.throws(() => tempoArgs('in.wav', 'out.wav', 0.9));
    assert.deepEqual(scaleTimings({ words: [{ text: 'a', start: 1.084, end: 2.168 }] }, 1.084), [{ text: 'a', start: 1, end: 2 }]);
  });
});

/** A provider that speaks `bursts` at the rate asked, and records what it was asked. */
function fakeSpeech(opts: { speedRange?: { min: number; max: number }; response?: number } = {}) {
  const asked: SpeechRequest[] = [];
  const provider: SpeechProvider = {
    name: 'fake',
    ...(opts.speedRange ? { speedRange: opts.speedRange } : {}),
    async synthesize(r, dir) {
      asked.push(r);
      // A real voice does not speed up exactly as asked: `response` is the share of the asked speed-up it makes.
      return bursts(join(dir, `voice-${asked.length}.wav`), 8, 0.8, 1 + ((r.speed ?? 1) - 1) * (opts.response ?? 1));
    },
    listVoices: async () => [],
  };
  return { provider, asked };
}

describe('max_duration_s: the speed-up on real audio', () => {
  const log = createLogger('fatal');
  const fit = async (provider: SpeechProvider, maxS: number, speed?: number) => {
    const dir = tempDir('fit-');
    const warnings: string[] = [];
    const first = await provider.synthesize({ text: 'x', ...(speed ? { speed } : {}) }, dir, signal);
    const n = await fitNarration({ speech: provider, tools, log }, { narration: first, speech: { text: 'x', ...(speed ? { speed } : {}) }, fit: fitOf({ max_duration_s: maxS, fit: 'speed' }), dir, signal, warnings });
    return { first, n, warnings, dir };
  };

  it('time-stretched (no speed to set): shorter, within the limit, and every word onset where its timing says', async () => {
    const { provider, asked } = fakeSpeech();
    const { first, n, warnings } = await fit(provider, 6.2);
    assert.equal(asked.length, 1, 'spoken once');
    assert.ok(first.durationS > 6.2);
    const probed = ffprobe(n.audioPath).durationS;
    assert.ok(probed <= 6.2 - VIDEO_SLACK_S + 0.02 && Math.abs(probed - n.durationS) < 0.001, `${probed} s`);
    const ratio = first.durationS / n.durationS;
    assert.ok(ratio > 1.04 && ratio <= 1.15, `sped up ${ratio}×`);
    // Word timings are the first narration's divided by the tempo, exactly.
    const tempo = tempoOf(first.durationS / (6.2 - VIDEO_SLACK_S));
    n.words.forEach((w, i) => assert.ok(Math.abs(w.start * tempo - first.words[i]!.start) < 1e-9));
    assert.ok(Math.abs(n.durationS - first.durationS / tempo) < 0.001, 'as long as the original divided by the tempo');
    // And the audio agrees: each burst starts where its word does (within 8 ms, a quarter of a frame).
    // (silencedetect also reports the silence that runs to the end.)
    const onsets = soundOnsets(n.audioPath).filter((t) => t < n.durationS - 0.05);
    assert.equal(onsets.length, 8, `onsets ${onsets.join(', ')}`);
    onsets.forEach((t, i) => assert.ok(Math.abs(t - n.words[i]!.start) < 0.008, `word ${i}: heard at ${t}, caption at ${n.words[i]!.start.toFixed(3)}`));
    assert.match(warnings[0]!, /^the narration \(6\.6 s\) was sped up 1\.0\d× \(time-stretched\) to fit max_duration_s 6\.2 s$/);
  });

  it('spoken again at a higher speed where the provider has one; stretched the rest of the way if still long', async () => {
    const exact = fakeSpeech({ speedRange: { min: 0.7, max: 1.2 } });
    const a = await fit(exact.provider, 6.2);
    assert.deepEqual(exact.asked.map((r) => r.speed), [undefined, tempoOf(a.first.durationS / (6.2 - VIDEO_SLACK_S))]);
    assert.ok(a.n.audioPath.includes(`${join(a.dir, 'fit')}/`), 'the voice spoken again is used as it is');
    assert.match(a.warnings[0]!, /\(spoken again at speed 1\.0\d+\)/);

    // A voice that speeds up half as much as it is asked: the rest is stretched, words scaled with it.
    const sluggish = fakeSpeech({ speedRange: { min: 0.7, max: 1.2 }, response: 0.5 });
    const b = await fit(sluggish.provider, 6.2);
    assert.equal(sluggish.asked.length, 2);
    assert.ok(b.n.durationS <= 6.2 - VIDEO_SLACK_S + 0.02);
    assert.match(b.warnings[0]!, /\(spoken again at speed [\d.]+, then time-stretched\)/);
    const onsets = soundOnsets(b.n.audioPath).filter((t) => t < b.n.durationS - 0.05);
    assert.equal(onsets.length, 8);
    onsets.forEach((t, i) => assert.ok(Math.abs(t - b.n.words[i]!.start) < 0.008, `word ${i}: heard at ${t}, caption at ${b.n.words[i]!.start.toFixed(3)}`));

    // A speed beyond the provider's: not asked for, the voice is stretched instead.
    const capped = fakeSpeech({ speedRange: { min: 0.7, max: 1.2 } });
    const c = await fit(capped.provider, 5.5, 1.15);
    assert.deepEqual(capped.asked.map((r) => r.speed), [1.15]);
    assert.match(c.warnings[0]!, /\(time-stretched\)/);
  });

  it('too long even at 1.15×: a permanent narration_too_long naming the length and the limit', async () => {
    const { provider } = fakeSpeech();
    await assert.rejects(fit(provider, 5), (err) => {
      assert.ok(err instanceof TaskError);
      assert.equal(err.code, 'narration_too_long');
      assert.equal(err.retryable, false);
      assert.match(err.message, /^the narration is 6\.6 s long and max_duration_s is 5 s; even sped up 1\.15× it would be 5\.8 s/);
      return true;
    });
  });
});
