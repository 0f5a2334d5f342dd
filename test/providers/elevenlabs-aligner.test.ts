// Contract tests of the ElevenLabs forced-alignment adapter against the loopback fake, and of the
// fake's endpoint against the documented contract (test/fakes/elevenlabs.ts has it, with sources).
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, beforeEach, describe, test } from 'node:test';
import { CancelledError, TaskError } from '../../functions/errors.ts';
import { resolveMediaTools } from '../../functions/media/tools.ts';
import { ElevenLabsAligner, parseAnswer } from '../../functions/providers/elevenlabs-aligner.ts';
import { VoiceoverMismatch } from '../../functions/providers/voiceover-mismatch.ts';
import { forcedAlignmentBody, legacyError, startFakeElevenLabs, type FakeElevenLabs } from '../fakes/elevenlabs.ts';
import { makeSpeechLikeWav } from '../support/media-fixtures.ts';
import { tempDir } from '../support/temp-dir.ts';

const tools = resolveMediaTools({});
const FAST_RETRY = { baseDelayMs: 20, maxDelayMs: 100, retries: 3 };
const TEXT = 'The ocean covers most of our planet.  Its waves carry energy, far and wide! Nobody knows how many species remain.';
const CAPTION_WORDS = TEXT.replace(/\s+/g, ' ').split(' ');

let fake: FakeElevenLabs;
let dir: string;
let recording: string;

const aligner = (extra: Partial<ConstructorParameters<typeof ElevenLabsAligner>[0]> = {}) =>
  new ElevenLabsAligner({ apiKey: fake.options.apiKey, baseUrl: fake.url, tools, retry: FAST_RETRY, random: () => 0.5, ...extra });

async function rejects(p: Promise<unknown>): Promise<TaskError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof TaskError, `expected a TaskError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected the call to fail');
}

before(async () => {
  fake = await startFakeElevenLabs();
  dir = tempDir('el-align-');
  recording = await makeSpeechLikeWav(join(dir, 'my voice.wav'), 6);
});
after(async () => {
  await fake.close();
});
beforeEach(() => {
  fake.requests.length = 0;
  fake.alignments.length = 0;
  Object.assign(fake.options, { delayMs: 0, alignmentSecondsLeft: Infinity, alignmentLoss: null, errorShape: 'legacy' });
});

describe('ElevenLabs forced alignment: the request', () => {
  test('posts the recording and the text as multipart to /v1/forced-alignment with xi-api-key', async () => {
    await aligner().align({ audioPath: recording, text: TEXT, language: 'en' }, dir, AbortSignal.timeout(30_000));
    assert.equal(fake.requests.length, 1);
    const r = fake.requests[0]!;
    assert.equal(r.method, 'POST');
    assert.equal(r.path, '/v1/forced-alignment');
    assert.equal(r.headers['xi-api-key'], fake.options.apiKey);
    assert.match(r.headers['content-type'] ?? '', /^multipart\/form-data; boundary=/);
    const a = fake.alignments[0]!;
    assert.equal(a.text, TEXT.replace(/\s+/g, ' '), 'the text as the captions split it, whitespace collapsed');
    assert.equal(a.fileName, 'my voice.wav');
    assert.ok(a.fileBytes > 100_000);
    assert.equal(a.spooled, null);
    assert.ok(Math.abs(a.durationS - 6) < 0.05);
  });
});

describe('ElevenLabs forced alignment: the narration', () => {
  test('times every caption word inside the recording, sentence ends as the captions cut them', async () => {
    const n = await aligner().align({ audioPath: recording, text: TEXT, language: 'en' }, dir, AbortSignal.timeout(30_000));
    assert.equal(n.audioPath, recording);
    assert.ok(Math.abs(n.durationS - 6) < 0.05);
    assert.deepEqual(n.words.map((w) => w.text), CAPTION_WORDS);
    assert.deepEqual(n.sentenceEnds, [7, 14, 20]);
    let prev = 0;
    for (const w of n.words) {
      assert.ok(w.start >= prev && w.end >= w.start && w.end <= n.durationS + 1e-9, JSON.stringify(w));
      prev = w.start;
    }
    // The fake spreads the characters over the whole audio: the words follow its answer exactly.
    const body = forcedAlignmentBody(TEXT.replace(/\s+/g, ' '), fake.alignments[0]!.durationS);
    const spoken = body.words.filter((w) => w.text.trim());
    n.words.forEach((w, k) => assert.ok(Math.abs(w.start - spoken[k]!.start) < 0.002, `${w.text}: ${w.start} vs ${spoken[k]!.start}`));
  });

  test('a sentence ElevenLabs scores as not said fails naming it', async () => {
    fake.options.alignmentLoss = (_word, index) => (index >= 7 && index < 14 ? 2.5 : 0.01);
    const err = await rejects(aligner().align({ audioPath: recording, text: TEXT, language: 'en' }, dir, AbortSignal.timeout(30_000)));
    assert.ok(err instanceof VoiceoverMismatch);
    assert.equal(err.sentence, 2);
    assert.match(err.message, /^voiceover: sentence 2 \("Its waves carry energy, far and wide!"\)/);
    assert.match(err.detail ?? '', /median word loss 2\.500/);
  });

  test('odd tokens scored up to 0.5 (as real answers score "real—faster") pass', async () => {
    fake.options.alignmentLoss = (_word, index) => (index % 2 ? 0.5 : 0.02);
    const n = await aligner().align({ audioPath: recording, text: TEXT, language: 'en' }, dir, AbortSignal.timeout(30_000));
    assert.equal(n.words.length, CAPTION_WORDS.length);
  });
});

describe('ElevenLabs forced alignment: failures', () => {
  test('a rejected key is not retried and says which setting to check', async () => {
    const err = await rejects(aligner({ apiKey: 'wrong' }).align({ audioPath: recording, text: TEXT }, dir, AbortSignal.timeout(30_000)));
    assert.equal(err.code, 'alignment_auth_failed');
    assert.equal(err.retryable, false);
    assert.match(err.message, /ELEVENLABS_API_KEY/);
    assert.match(err.detail ?? '', /invalid_api_key/);
    assert.equal(fake.requests.length, 1);
  });

  test('out of credits (the quota error, by seconds of audio) is not retried', async () => {
    fake.options.alignmentSecondsLeft = 2;
    const err = await rejects(aligner().align({ audioPath: recording, text: TEXT }, dir, AbortSignal.timeout(30_000)));
    assert.equal(err.code, 'alignment_quota_exceeded');
    assert.equal(err.retryable, false);
  });

  test('429 and 500 are retried (Retry-After honoured) and then succeed', async () => {
    fake.failNext(
      { status: 429, body: legacyError('too_many_concurrent_requests', 'Too many concurrent requests.'), headers: { 'retry-after': '0' } },
      { status: 500, body: { detail: 'Internal Server Error' } },
    );
    const n = await aligner().align({ audioPath: recording, text: TEXT }, dir, AbortSignal.timeout(30_000));
    assert.equal(n.words.length, CAPTION_WORDS.length);
    assert.equal(fake.requests.length, 3);
  });

  test('a service that keeps failing ends retryable', async () => {
    fake.failNext(...Array.from({ length: 4 }, () => ({ status: 503, body: { detail: { status: 'service_unavailable', message: 'busy' } } })));
    const err = await rejects(aligner().align({ audioPath: recording, text: TEXT }, dir, AbortSignal.timeout(30_000)));
    assert.equal(err.code, 'alignment_unavailable');
    assert.equal(err.retryable, true);
  });

  test('a 422 and a malformed 200 are reported as such', async () => {
    fake.failNext({ status: 422, body: { detail: [{ loc: ['body', 'file'], msg: 'field required', type: 'value_error.missing' }] } });
    const invalid = await rejects(aligner().align({ audioPath: recording, text: TEXT }, dir, AbortSignal.timeout(30_000)));
    assert.equal(invalid.code, 'alignment_invalid_request');
    assert.match(invalid.detail ?? '', /body\.file: field required/);
    fake.failNext(...Array.from({ length: 4 }, () => ({ status: 200, body: { words: [] } })));
    const bad = await rejects(aligner().align({ audioPath: recording, text: TEXT }, dir, AbortSignal.timeout(30_000)));
    assert.equal(bad.code, 'alignment_bad_response');
  });

  test('a cancelled task stops the upload', async () => {
    fake.options.delayMs = 5_000;
    const stop = new AbortController();
    const p = aligner().align({ audioPath: recording, text: TEXT }, dir, stop.signal);
    setImmediate(() => stop.abort(new CancelledError()));
    await assert.rejects(p, CancelledError);
  });

  test('a file with no sound is refused before any upload', async () => {
    const silent = join(dir, 'silent.mp4');
    const { makeVideo } = await import('../support/media-fixtures.ts');
    await makeVideo(silent, { width: 96, height: 160, durationS: 1 });
    const err = await rejects(aligner().align({ audioPath: silent, text: TEXT }, dir, AbortSignal.timeout(30_000)));
    assert.equal(err.code, 'invalid_voiceover');
    assert.equal(fake.requests.length, 0);
  });
});

describe('the fake keeps to the contract', () => {
  test('FastAPI 422s for a missing file or text, 401 without a key, 400 for a file that is not audio', async () => {
    const post = (body: FormData | string, headers: Record<string, string> = { 'xi-api-key': fake.options.apiKey }) =>
      fetch(`${fake.url}/v1/forced-alignment`, { method: 'POST', headers, body });
    const onlyText = new FormData();
    onlyText.set('text', 'hello');
    const r1 = await post(onlyText);
    assert.equal(r1.status, 422);
    assert.deepEqual(await r1.json(), { detail: [{ loc: ['body', 'file'], msg: 'field required', type: 'value_error.missing' }] });
    const r2 = await post('{"text":"hello"}', { 'xi-api-key': fake.options.apiKey, 'content-type': 'application/json' });
    assert.equal(r2.status, 422);
    const r3 = await post(onlyText, {});
    assert.equal(r3.status, 401);
    assert.equal(((await r3.json()) as { detail: { status: string } }).detail.status, 'needs_authorization');
    const garbage = new FormData();
    garbage.set('file', new Blob([Buffer.from('not audio at all')]), 'x.mp3');
    garbage.set('text', 'hello');
    assert.equal((await post(garbage)).status, 400);
  });

  test('answers ForcedAlignmentResponseModel: characters with spaces, words with the whitespace between them, losses', async () => {
    const form = new FormData();
    const { readFile } = await import('node:fs/promises');
    form.set('file', new Blob([await readFile(recording)]), 'a.wav');
    form.set('text', 'Hello there, world.');
    form.set('enabled_spooled_file', 'true');
    const res = await fetch(`${fake.url}/v1/forced-alignment`, { method: 'POST', headers: { 'xi-api-key': fake.options.apiKey }, body: form });
    assert.equal(res.status, 200);
    const text = await res.text();
    const body = JSON.parse(text) as { characters: { text: string }[]; words: { text: string; loss: number }[]; loss: number };
    assert.equal(body.characters.map((c) => c.text).join(''), 'Hello there, world.');
    assert.deepEqual(body.words.map((w) => w.text), ['Hello', ' ', 'there,', ' ', 'world.']);
    assert.ok(body.words.every((w) => typeof w.loss === 'number') && typeof body.loss === 'number');
    assert.ok(parseAnswer(text), 'the adapter reads it');
    assert.equal(fake.alignments.at(-1)!.spooled, 'true');
  });
});
