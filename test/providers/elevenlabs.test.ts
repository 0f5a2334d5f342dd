// Contract tests of the ElevenLabs speech provider against the loopback fake.
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { after, before, beforeEach, describe, test } from 'node:test';
import { CancelledError, TaskError } from '../../functions/errors.ts';
import { resolveMediaTools } from '../../functions/media/tools.ts';
import { ElevenLabsSpeech, type ElevenLabsOptions } from '../../functions/providers/elevenlabs.ts';
import { splitWords } from '../../functions/domain/text.ts';
import { currentError, legacyError, startFakeElevenLabs, type FakeElevenLabs } from '../fakes/elevenlabs.ts';
import { ffprobe } from '../support/ffprobe.ts';
import { tempDir } from '../support/temp-dir.ts';

// The work's signal: nothing here is cancelled. A wall-clock signal (AbortSignal.timeout) would cut
// the work short on a busy machine and fail the test with the wrong error.
const NEVER = new AbortController().signal;

const tools = resolveMediaTools({});
const FAST_RETRY = { baseDelayMs: 20, maxDelayMs: 100, retries: 3 };
const SCRIPT =
  'The ocean covers most of our planet. Its waves carry energy across thousands of miles! ' +
  'Scientists still find new species every year. Nobody knows how many remain.';

let fake: FakeElevenLabs;
let dir: string;

function provider(extra: Partial<ElevenLabsOptions> = {}) {
  return new ElevenLabsSpeech({ apiKey: fake.options.apiKey, baseUrl: fake.url, modelId: 'eleven_multilingual_v2', tools, retry: FAST_RETRY, ...extra });
}

async function rejects(p: Promise<unknown>): Promise<TaskError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof TaskError, `expected a TaskError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected the call to fail');
}

function assertMonotonic(words: { start: number; end: number }[], durationS: number) {
  let prev = 0;
  for (const w of words) {
    assert.ok(w.start >= prev - 1e-9, `word starts go forward (${w.start} after ${prev})`);
    assert.ok(w.end >= w.start, 'a word ends after it starts');
    assert.ok(w.end <= durationS + 1e-9, 'words end inside the audio');
    prev = w.start;
  }
}

before(async () => {
  fake = await startFakeElevenLabs();
});
after(async () => {
  await fake.close();
});
beforeEach(async () => {
  fake.requests.length = 0;
  fake.spoken.length = 0;
  Object.assign(fake.options, { alignment: 'both', delayMs: 0, hold: null, creditsLeft: Infinity, maxConcurrent: Infinity, errorShape: 'legacy', charLimits: {} });
  dir = tempDir('el-test-');
});

describe('ElevenLabs: the request', () => {
  test('posts to /with-timestamps with xi-api-key, the default model, mp3_44100_128 and no language_code for multilingual_v2', async () => {
    const n = await provider().synthesize({ text: SCRIPT, language: 'en', voiceId: '21m00Tcm4TlvDq8ikWAM', seed: 42, speed: 1.1 }, dir, NEVER);
    assert.equal(fake.requests.length, 1);
    const r = fake.requests[0]!;
    assert.equal(r.method, 'POST');
    assert.equal(r.path, '/v1/text-to-speech/21m00Tcm4TlvDq8ikWAM/with-timestamps');
    assert.equal(r.query.output_format, 'mp3_44100_128');
    assert.equal(r.headers['xi-api-key'], fake.options.apiKey);
    assert.match(r.headers['content-type'] ?? '', /application\/json/);
    const body = r.body as Record<string, unknown>;
    assert.equal(body.text, SCRIPT);
    assert.equal(body.model_id, 'eleven_multilingual_v2');
    assert.equal('language_code' in body, false);
    assert.deepEqual(body.voice_settings, { speed: 1.1 });
    assert.equal(body.seed, 42);
    assert.ok(n.audioPath.startsWith(dir));
  });

  test('sends language_code (ISO 639-1) to a model that takes it', async () => {
    await provider({ modelId: 'eleven_flash_v2_5' }).synthesize({ text: 'Olá mundo.', language: 'pt-BR' }, dir, NEVER);
    const body = fake.requests[0]!.body as Record<string, unknown>;
    assert.equal(body.model_id, 'eleven_flash_v2_5');
    assert.equal(body.language_code, 'pt');
  });

  test('uses the default voice when the request names none', async () => {
    await provider({ defaultVoiceId: 'JBFqnCBsd6RMkjVDRZzb' }).synthesize({ text: 'Hi there.' }, dir, NEVER);
    assert.equal(fake.requests[0]!.path, '/v1/text-to-speech/JBFqnCBsd6RMkjVDRZzb/with-timestamps');
  });

  test('refuses a speed outside 0.7..1.2 before calling the API', async () => {
    const err = await rejects(provider().synthesize({ text: 'Hi.', speed: 1.5 }, dir, NEVER));
    assert.equal(err.code, 'invalid_speed');
    assert.equal(fake.requests.length, 0);
  });
});

describe('ElevenLabs: narration', () => {
  test('writes the decoded MP3 and times every script word from the character alignment', async () => {
    const n = await provider().synthesize({ text: SCRIPT }, dir, NEVER);
    const probed = ffprobe(n.audioPath);
    assert.equal(probed.streams[0]?.codec_name, 'mp3');
    assert.ok(Math.abs(probed.durationS - n.durationS) < 0.01);
    assert.ok(Math.abs(n.durationS - fake.spoken[0]!.durationS) < 0.01, 'the narration lasts as long as the fake audio');
    assert.deepEqual(n.words.map((w) => w.text), splitWords(SCRIPT));
    assertMonotonic(n.words, n.durationS);
    assert.equal(n.words[0]!.start, 0);
    assert.ok(Math.abs(n.words.at(-1)!.end - n.durationS) < 0.01, 'the last word ends with the audio');
    assert.deepEqual(n.sentenceEnds, [7, 15, 22, 27]);
  });

  test('falls back to normalized_alignment when alignment is null (numbers read as words)', async () => {
    fake.options.alignment = 'normalized';
    const text = 'I have 12 cats and 3 dogs. They eat 250 grams a day.';
    const n = await provider().synthesize({ text }, dir, NEVER);
    assert.deepEqual(n.words.map((w) => w.text), splitWords(text));
    assertMonotonic(n.words, n.durationS);
    const twelve = n.words[2]!;
    assert.equal(twelve.text, '12');
    assert.ok(twelve.end - twelve.start > 0.1, '"12" spans the time of "one two"');
    assert.ok(n.words[3]!.start >= twelve.end - 1e-9);
    assert.deepEqual(n.sentenceEnds, [7, 13]);
  });

  test('estimates timings when both alignments are null', async () => {
    fake.options.alignment = 'none';
    const n = await provider().synthesize({ text: SCRIPT }, dir, NEVER);
    assert.deepEqual(n.words.map((w) => w.text), splitWords(SCRIPT));
    assertMonotonic(n.words, n.durationS);
    assert.equal(n.words[0]!.start, 0);
    assert.ok(Math.abs(n.words.at(-1)!.end - n.durationS) < 0.01);
  });

  test('splits a long script on sentence boundaries, stitches with request ids and offsets timings by each part\'s real duration', async () => {
    const n = await provider({ maxCharsPerRequest: 60 }).synthesize({ text: SCRIPT }, dir, NEVER);
    assert.equal(fake.requests.length, 4, `spoken in ${fake.requests.length} parts`);
    const bodies = fake.requests.map((r) => r.body as Record<string, unknown>);
    const texts = bodies.map((b) => b.text as string);
    assert.equal(texts.join(' '), SCRIPT, 'the parts are the script, in order, nothing lost');
    for (const t of texts) {
      assert.ok(t.length <= 60, `part within the limit: ${t.length}`);
      assert.match(t, /[.!?]$/, 'each part ends a sentence');
    }
    // Continuity: each part names what came before and after.
    bodies.forEach((b, i) => {
      if (i > 0) {
        assert.deepEqual(b.previous_request_ids, fake.spoken.slice(Math.max(0, i - 3), i).map((s) => s.requestId));
        assert.equal(b.previous_text, texts[i - 1]);
      } else assert.equal('previous_text' in b, false);
      if (i < bodies.length - 1) assert.equal(b.next_text, texts[i + 1]);
      else assert.equal('next_text' in b, false);
    });
    // One audio file: as long as the parts together, each part's words starting where its audio starts.
    const total = fake.spoken.reduce((s, p) => s + p.durationS, 0);
    const joined = ffprobe(n.audioPath).durationS;
    assert.ok(Math.abs(joined - total) < 0.01, `joined ${joined} vs parts ${total}`);
    assert.ok(Math.abs(n.durationS - total) < 0.01);
    assert.deepEqual(n.words.map((w) => w.text), splitWords(SCRIPT));
    assertMonotonic(n.words, n.durationS);
    let wordIndex = 0;
    let offset = 0;
    for (const part of fake.spoken) {
      const first = n.words[wordIndex]!;
      assert.ok(Math.abs(first.start - offset) < 0.002, `part "${part.text.slice(0, 20)}…" starts at ${offset}, its first word at ${first.start}`);
      wordIndex += splitWords(part.text).length;
      offset += part.durationS;
      assert.ok(Math.abs(n.words[wordIndex - 1]!.end - offset) < 0.002, 'its last word ends where its audio ends');
    }
    assert.deepEqual(n.sentenceEnds, [7, 15, 22, 27]);
  });

  test('keeps each request within the model\'s own character limit without being told', async () => {
    fake.options.secondsPerChar = 0.004;
    const sentence = 'This sentence is here to make the script longer than the model allows. ';
    const text = sentence.repeat(Math.ceil(3500 / sentence.length)).trim();
    try {
      const n = await provider({ modelId: 'eleven_v3' }).synthesize({ text }, dir, NEVER);
      assert.equal(fake.requests.length, 2);
      for (const r of fake.requests) assert.ok(((r.body as { text: string }).text).length <= 3000);
      assert.equal(n.words.length, splitWords(text).length);
    } finally {
      fake.options.secondsPerChar = 0.05;
    }
  });
});

describe('ElevenLabs: failures', () => {
  for (const shape of ['legacy', 'current'] as const) {
    test(`an account limit below the published one (${shape} shape) is learnt from the error and the script split again`, async () => {
      fake.options.errorShape = shape;
      fake.options.charLimits = { eleven_multilingual_v2: 90 };
      const n = await provider().synthesize({ text: SCRIPT }, dir, NEVER);
      const texts = fake.requests.map((r) => (r.body as { text: string }).text);
      assert.equal(texts[0], SCRIPT, 'first tried in one piece');
      for (const t of texts.slice(1)) assert.ok(t.length <= 90);
      assert.equal(texts.slice(1).join(' '), SCRIPT);
      assert.deepEqual(n.words.map((w) => w.text), splitWords(SCRIPT));
    });
  }

  test('a single word beyond the limit is a permanent tts_text_too_long', async () => {
    fake.options.charLimits = { eleven_multilingual_v2: 5 };
    const err = await rejects(provider().synthesize({ text: 'Incomprehensibilities abound.' }, dir, NEVER));
    assert.equal(err.code, 'tts_text_too_long');
    assert.equal(err.retryable, false);
  });

  test('a wrong key fails the task for good, without retrying', async () => {
    const err = await rejects(provider({ apiKey: 'wrong' }).synthesize({ text: 'Hi.' }, dir, NEVER));
    assert.equal(err.code, 'tts_auth_failed');
    assert.equal(err.retryable, false);
    assert.match(err.message, /check ELEVENLABS_API_KEY/);
    assert.match(err.detail ?? '', /invalid_api_key/, 'what ElevenLabs said goes to the logs');
    assert.equal(fake.requests.length, 1);
  });

  test('out of credits, legacy shape (401 quota_exceeded): permanent tts_quota_exceeded', async () => {
    fake.options.creditsLeft = 2;
    fake.options.quotaError = 'legacy-401';
    const err = await rejects(provider().synthesize({ text: 'Hello there.' }, dir, NEVER));
    assert.equal(err.code, 'tts_quota_exceeded');
    assert.equal(err.retryable, false);
    assert.match(err.message, /credits/);
    assert.equal(fake.requests.length, 1);
  });

  test('out of credits, current shape (402 insufficient_credits): permanent tts_quota_exceeded', async () => {
    fake.options.creditsLeft = 2;
    fake.options.quotaError = 'current-402';
    const err = await rejects(provider().synthesize({ text: 'Hello there.' }, dir, NEVER));
    assert.equal(err.code, 'tts_quota_exceeded');
    assert.equal(err.retryable, false);
    assert.match(err.detail ?? '', /request [0-9a-f]{32}/, 'the request id from the body is kept for support, in the logs');
  });

  for (const shape of ['legacy', 'current'] as const) {
    test(`an unknown voice (${shape} shape) is a permanent invalid_voice naming voice_id`, async () => {
      fake.options.errorShape = shape;
      const err = await rejects(provider().synthesize({ text: 'Hi.', voiceId: 'nope123' }, dir, NEVER));
      assert.equal(err.code, 'invalid_voice');
      assert.equal(err.retryable, false);
      assert.match(err.message, /voice_id "nope123"/);
    });
  }

  test('an unknown model is a permanent invalid_model', async () => {
    const err = await rejects(provider({ modelId: 'eleven_imaginary_v9' }).synthesize({ text: 'Hi.' }, dir, NEVER));
    assert.equal(err.code, 'invalid_model');
    assert.equal(err.retryable, false);
  });

  test('429 with Retry-After is waited out, then succeeds', async () => {
    fake.failNext({ status: 429, headers: { 'retry-after': '1' }, body: legacyError('too_many_concurrent_requests', 'busy') });
    const t0 = Date.now();
    const n = await provider().synthesize({ text: 'Hi there.' }, dir, NEVER);
    assert.ok(Date.now() - t0 >= 1000, 'waited at least the Retry-After');
    assert.equal(fake.requests.length, 2);
    assert.equal(n.words.length, 2);
  });

  test('429 without Retry-After (system_busy, current shape) backs off and succeeds', async () => {
    fake.failNext(
      { status: 429, body: currentError('rate_limit_error', 'system_busy', 'The system is busy') },
      { status: 429, body: currentError('rate_limit_error', 'system_busy', 'The system is busy') },
    );
    const n = await provider().synthesize({ text: 'Hi there.' }, dir, NEVER);
    assert.equal(fake.requests.length, 3);
    assert.equal(n.words.length, 2);
  });

  test('a Retry-After longer than the provider waits ends the retries with a retryable error', async () => {
    fake.failNext({ status: 429, headers: { 'retry-after': '3600' }, body: legacyError('rate_limit_exceeded', 'slow down') });
    const err = await rejects(provider().synthesize({ text: 'Hi.' }, dir, new AbortController().signal));
    assert.equal(fake.requests.length, 1, 'gave up at once instead of waiting an hour to ask again');
    assert.equal(err.code, 'tts_rate_limited');
    assert.equal(err.retryable, true);
  });

  test('the concurrency limit (too_many_concurrent_requests) is retried until a slot frees', async () => {
    fake.options.maxConcurrent = 1;
    let release!: () => void;
    // The first request keeps the only slot until the second has been refused at least once.
    fake.options.hold = new Promise<void>((r) => (release = r));
    const p = provider({ retry: { baseDelayMs: 5, maxDelayMs: 20, retries: 10_000 }, random: () => 1 });
    const first = p.synthesize({ text: 'First one.' }, dir, new AbortController().signal);
    while (fake.requests.length < 1) await new Promise((r) => setImmediate(r));
    const second = p.synthesize({ text: 'Second one.' }, tempDir('el-test-'), new AbortController().signal);
    while (fake.requests.length < 3) await new Promise((r) => setImmediate(r));
    release();
    const [a, b] = await Promise.all([first, second]);
    assert.equal(a.words.length, 2);
    assert.equal(b.words.length, 2);
    assert.ok(fake.requests.length >= 3, 'one of them was refused at least once');
    assert.equal(fake.spoken.length, 2);
  });

  test('5xx is retried with backoff, then succeeds', async () => {
    fake.failNext({ status: 500, body: currentError('internal_error', 'internal_error', 'boom') }, { status: 503, body: 'upstream unavailable' });
    const n = await provider().synthesize({ text: 'Hi there.' }, dir, NEVER);
    assert.equal(fake.requests.length, 3);
    assert.equal(n.words.length, 2);
  });

  test('5xx that persists ends in a retryable tts_unavailable after a bounded number of attempts', async () => {
    // Exactly as many failures as attempts, so none is left for the next test.
    fake.failNext(...Array.from({ length: FAST_RETRY.retries + 1 }, () => ({ status: 502, body: 'bad gateway' })));
    const err = await rejects(provider().synthesize({ text: 'Hi.' }, dir, NEVER));
    assert.equal(err.code, 'tts_unavailable');
    assert.equal(err.retryable, true);
    assert.equal(fake.requests.length, FAST_RETRY.retries + 1);
  });

  test('a slow answer times out, is retried, and ends in a retryable tts_timeout', async () => {
    // The answers never come: only the provider's own timeout ends each attempt.
    fake.options.hold = new Promise(() => {});
    const err = await rejects(provider({ timeoutMs: 200, retry: { ...FAST_RETRY, retries: 1 } }).synthesize({ text: 'Hi.' }, dir, new AbortController().signal));
    assert.equal(err.code, 'tts_timeout');
    assert.equal(err.retryable, true);
    assert.equal(fake.requests.length, 2);
  });

  test('cancelling the task aborts the request at once', async () => {
    // The answer never comes: only the cancellation can end the request.
    fake.options.hold = new Promise(() => {});
    const ac = new AbortController();
    const p = provider().synthesize({ text: 'Hi.' }, dir, ac.signal);
    while (fake.requests.length < 1) await new Promise((r) => setImmediate(r));
    ac.abort(new CancelledError());
    await assert.rejects(p, CancelledError);
  });
});

after(async () => {
  await rm(dir, { recursive: true, force: true });
});
