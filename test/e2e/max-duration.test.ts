// max_duration_s through HTTP: a narration over the limit fails the task before rendering with
// an error naming its length and the limit; with fit: "speed" the voice is spoken again faster
// (espeak-ng, ElevenLabs) or, beyond the provider's speed, time-stretched with its captions
// scaled alike; and it fails as before when even 1.15× is not enough.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pollUntilFinal, postJson } from '../support/http.ts';
import { DocumentChecker, documented } from '../support/openapi.ts';
import type { Service } from '../support/service.ts';
import { withService } from '../support/with-service.ts';

const SCRIPT = 'Short videos have limits. Each platform sets its own. This one must fit in the time it is given, or say why not.';

/** The start times (s) of a WebVTT file's cues. */
async function cueStarts(url: string): Promise<number[]> {
  const vtt = await (await fetch(url)).text();
  return [...vtt.matchAll(/^(\d\d):(\d\d):(\d\d)\.(\d\d\d) -->/gm)].map((m) => Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3]) + Number(m[4]) / 1000);
}

/**
 * The script as a video of the smallest frame the API makes, held still (motion none: the Ken Burns
 * move costs render CPU): the lengths and the captions are the point, not the picture.
 */
async function run(svc: Service, body: object) {
  const submit = await postJson(`${svc.url}/v1/videos`, { script_text: SCRIPT, resolution: '720p', aspect_ratio: '1:1', motion: 'none', ...body });
  assert.equal(submit.status, 202, JSON.stringify(submit.body));
  const { final, seen } = await pollUntilFinal(`${svc.url}/v1/videos/${submit.body.task_id}`);
  const view = (await documented(new DocumentChecker(), '/v1/videos/{id}', `${svc.url}/v1/videos/${submit.body.task_id}`)).body;
  assert.equal(view.status, final.status);
  return { final: view, seen };
}

describe('max_duration_s with espeak-ng', () => {
  const service = withService();
  let natural: number;

  it('over the limit: the task fails before rendering, naming the length and the limit', async () => {
    const { final, seen } = await run(service.svc, { max_duration_s: 3 });
    assert.equal(final.status, 'failed');
    assert.equal(final.error.code, 'narration_too_long');
    assert.equal(final.error.retryable, false);
    assert.match(final.error.message, /^the narration is \d+(\.\d)? s long and max_duration_s is 3 s: shorten the script by about \d+ %, or send fit: "speed" to speed the voice up by up to 1\.15×$/);
    assert.equal(final.result, null);
    assert.ok(seen.every((v) => v.progress < 30 && v.stage !== 'render' && v.stage !== 'upload'), 'never reached the render');
  });

  it('fit "speed": spoken again faster to fit; too long even at 1.15×: fails the same way', async () => {
    const plain = await run(service.svc, { captions: false });
    assert.equal(plain.final.status, 'completed');
    natural = plain.final.result.duration_s;

    const limit = Math.round((natural / 1.08) * 10) / 10;
    const { final } = await run(service.svc, { max_duration_s: limit, fit: 'speed' });
    assert.equal(final.status, 'completed', JSON.stringify(final.error));
    assert.ok(final.result.duration_s <= limit, `${final.result.duration_s} s within ${limit} s (was ${natural} s)`);
    assert.ok(final.result.duration_s > limit * 0.9, 'sped up no more than it needed');
    const sped = (final.warnings as string[]).filter((w) => w.includes('sped up'));
    assert.equal(sped.length, 1, JSON.stringify(final.warnings));
    // espeak-ng's length does not follow its rate exactly: what it lacks is stretched.
    assert.match(sped[0]!, new RegExp(`^the narration \\([\\d.]+ s\\) was sped up 1\\.\\d\\d× \\(spoken again at speed 1\\.\\d+(, then time-stretched)?\\) to fit max_duration_s ${limit} s$`));
    const cues = await cueStarts(final.result.captions_url);
    assert.ok(cues.length > 1 && cues.at(-1)! < final.result.duration_s, 'the captions end within the video');

    const tight = await run(service.svc, { max_duration_s: Math.floor(natural / 1.3), fit: 'speed' });
    assert.equal(tight.final.status, 'failed');
    assert.equal(tight.final.error.code, 'narration_too_long');
    assert.match(tight.final.error.message, /; even sped up 1\.15× it would be [\d.]+ s: shorten the script by about \d+ %$/);
  });

  it('the request: fit "speed" without max_duration_s is a 422 naming fit', async () => {
    const r = await postJson(`${service.url}/v1/videos`, { script_text: SCRIPT, fit: 'speed' });
    assert.equal(r.status, 422);
    assert.deepEqual(r.body.error.details, [{ path: 'fit', message: 'fit: "speed" fits the voice into max_duration_s: send max_duration_s too' }]);
  });
});

describe('max_duration_s with ElevenLabs', () => {
  const service = withService({ elevenlabs: true });

  it('within its speed range: the voice is asked for again at a higher voice_settings.speed', async () => {
    const before = service.el.spoken.length;
    const natural = (SCRIPT.length * 0.05);
    const limit = Math.round((natural / 1.1) * 10) / 10;
    const { final } = await run(service.svc, { max_duration_s: limit, fit: 'speed', captions: false });
    assert.equal(final.status, 'completed', JSON.stringify(final.error));
    const asked = service.el.spoken.slice(before).map((s) => s.speed);
    assert.equal(asked.length, 2, 'spoken twice');
    assert.equal(asked[0], 1);
    assert.ok(asked[1]! > 1.05 && asked[1]! <= 1.2, `asked again at ${asked[1]}`);
    assert.ok(final.result.duration_s <= limit, `${final.result.duration_s} s within ${limit} s`);
  });

  it('beyond its speed range: time-stretched once, every caption on its word scaled by the same tempo', async () => {
    // At speed 1.15 the fake voice takes about 5 s; a limit 8 % shorter needs 1.24, past ElevenLabs' 1.2.
    const reference = await run(service.svc, { speed: 1.15 });
    assert.equal(reference.final.status, 'completed');
    const natural = reference.final.result.duration_s;
    const before = service.el.spoken.length;
    const limit = Math.round((natural / 1.08) * 10) / 10;
    const { final } = await run(service.svc, { speed: 1.15, max_duration_s: limit, fit: 'speed' });
    assert.equal(final.status, 'completed', JSON.stringify(final.error));
    assert.deepEqual(service.el.spoken.slice(before).map((s) => s.speed), [1.15], 'spoken once, not asked past 1.2');
    assert.ok((final.warnings as string[]).some((w) => /was sped up 1\.\d\d× \(time-stretched\)/.test(w)), JSON.stringify(final.warnings));
    assert.ok(final.result.duration_s <= limit);

    const slow = await cueStarts(reference.final.result.captions_url);
    const fast = await cueStarts(final.result.captions_url);
    assert.equal(fast.length, slow.length);
    assert.ok(slow.length >= 4, `${slow.length} caption lines`);
    const tempo = natural / final.result.duration_s;
    assert.ok(tempo > 1.05 && tempo <= 1.15, `tempo ${tempo}`);
    // Each line starts on the frame nearest its first word: scaled, it lands within a frame of the slow one's.
    fast.forEach((t, i) => assert.ok(Math.abs(t * tempo - slow[i]!) <= 1 / 30 + 0.005, `line ${i}: ${t} s × ${tempo.toFixed(3)} vs ${slow[i]} s`));
  });
});

describe('a narration longer than the worker\'s scratch holds (TASK_SCRATCH_BYTES)', () => {
  // 16 MiB: a 1080p video of about 5 s.
  // At the image's preset: the estimate the test reasons about is veryfast's.
  const service = withService({ env: { TASK_SCRATCH_BYTES: String(16 * 1024 * 1024), RENDER_PRESET: 'veryfast' } });

  it('passes admission on its length in characters, then fails before rendering once the slow voice has made it longer', async () => {
    // 80 characters: at least 4 s however fast it is spoken, which fits; at speed 0.7 espeak-ng takes over 6 s, which does not.
    const script = 'A slow voice makes a long video. The worker knows it once it has spoken it.';
    const submit = await postJson(`${service.url}/v1/videos`, { script_text: script, resolution: '1080p', speed: 0.7 });
    assert.equal(submit.status, 202, JSON.stringify(submit.body));
    const { final, seen } = await pollUntilFinal(`${service.url}/v1/videos/${submit.body.task_id}`);
    assert.equal(final.status, 'failed');
    assert.equal(final.error.code, 'video_too_large');
    assert.equal(final.error.retryable, false);
    assert.match(final.error.message, /TASK_SCRATCH_BYTES allows 16 MiB: its narration is \d+ s, and at most \d+ s fit at 1080x1920 .*shorten the script/);
    assert.ok(seen.every((v) => v.stage !== 'render' && v.stage !== 'upload'), 'never reached the render');
  });
});
