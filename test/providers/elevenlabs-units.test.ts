// Pure parts of the ElevenLabs provider: alignment → words, sentence ends, parts planning, MP3
// joining, error bodies; and the retry schedule both providers share.
import assert from 'node:assert/strict';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { wordTimingsFromAlignment } from '../../functions/providers/alignment.ts';
import { failureFromResponse, modelCharLimit, parseErrorBody, planParts } from '../../functions/providers/elevenlabs.ts';
import { joinMp3, parseMp3 } from '../../functions/providers/elevenlabs-mp3.ts';
import { backoffDelay, parseRetryAfter, withRetries, DEFAULT_RETRY_POLICY } from '../../functions/net/retry.ts';
import { locateWords, normaliseScript, sentenceEndIndices, splitWords } from '../../functions/domain/text.ts';
import { characterAlignment, normaliseLikeTts } from '../fakes/elevenlabs.ts';
import { ffprobe } from '../support/ffprobe.ts';
import { makeTone } from '../support/media-fixtures.ts';
import { writeFile } from 'node:fs/promises';
import { tempDir } from '../support/temp-dir.ts';

describe('wordTimingsFromAlignment', () => {
  test('exact alignment: each word spans its own characters', () => {
    const text = 'Hello, big world.';
    const a = characterAlignment(text, 2);
    const words = wordTimingsFromAlignment(splitWords(text), a, 2);
    assert.deepEqual(words.map((w) => w.text), ['Hello,', 'big', 'world.']);
    const i = (k: number) => a.character_start_times_seconds[k]!;
    const e = (k: number) => a.character_end_times_seconds[k]!;
    assert.deepEqual(words[0], { text: 'Hello,', start: i(0), end: e(5) });
    assert.deepEqual(words[1], { text: 'big', start: i(7), end: e(9) });
    assert.deepEqual(words[2], { text: 'world.', start: i(11), end: 2 });
  });

  test('exact alignment works for scripts without spaces', () => {
    const text = '今日はとても良い天気ですね。散歩に行きましょう。';
    const words = splitWords(text, 'ja');
    const a = characterAlignment(text, 3);
    const t = wordTimingsFromAlignment(words, a, 3);
    assert.equal(t.length, words.length);
    assert.equal(t[0]!.start, 0);
    assert.equal(t.at(-1)!.end, 3);
    for (let k = 1; k < t.length; k++) assert.ok(t[k]!.start >= t[k - 1]!.end - 1e-9);
  });

  test('normalised alignment: matching words anchor, the rest share the gap between anchors', () => {
    const text = 'We sold 12 boats in 2024.';
    const spoken = normaliseLikeTts(text);
    const a = characterAlignment(spoken, 4);
    const t = wordTimingsFromAlignment(splitWords(text), a, 4);
    assert.deepEqual(t.map((w) => w.text), ['We', 'sold', '12', 'boats', 'in', '2024.']);
    const tokenSpan = (word: string) => {
      const at = spoken.indexOf(word);
      return [a.character_start_times_seconds[at]!, a.character_end_times_seconds[at + word.length - 1]!];
    };
    assert.deepEqual([t[1]!.start, t[1]!.end], tokenSpan('sold'));
    assert.deepEqual([t[3]!.start, t[3]!.end], tokenSpan('boats'));
    // "12" fills the time between "sold" and "boats": that is where "one two" was spoken.
    assert.equal(t[2]!.start, tokenSpan('sold')[1]);
    assert.equal(t[2]!.end, tokenSpan('boats')[0]);
    assert.equal(t[5]!.end, 4);
  });

  test('very long normalised parts use the linear matcher and still anchor most words', () => {
    const text = 'In 1999 we counted 42 birds near the lake. '.repeat(400).trim();
    const spoken = normaliseLikeTts(text);
    const a = characterAlignment(spoken, 600);
    const words = splitWords(text);
    const t = wordTimingsFromAlignment(words, a, 600);
    assert.equal(t.length, words.length);
    const last = spoken.lastIndexOf('lake.');
    assert.equal(t.at(-2)!.start, a.character_start_times_seconds[spoken.lastIndexOf('the')]);
    assert.equal(t.at(-1)!.start, a.character_start_times_seconds[last]);
    for (let k = 1; k < t.length; k++) assert.ok(t[k]!.start >= t[k - 1]!.start);
  });

  test('null or malformed alignment: words spread over the audio by spoken weight', () => {
    const words = splitWords('A short one. Then a much longer sentence follows here.');
    for (const bad of [null, undefined, { characters: ['a'], character_start_times_seconds: [], character_end_times_seconds: [] }]) {
      const t = wordTimingsFromAlignment(words, bad as never, 5);
      assert.equal(t[0]!.start, 0);
      assert.equal(t.at(-1)!.end, 5);
      const long = t.find((w) => w.text === 'sentence')!;
      const short = t.find((w) => w.text === 'a')!;
      assert.ok(long.end - long.start > short.end - short.start);
    }
  });

  test('clamps to the audio and keeps starts in order even when the alignment does not', () => {
    const a = { characters: ['a', ' ', 'b'], character_start_times_seconds: [0.5, 0.6, 0.2], character_end_times_seconds: [0.6, 0.7, 9] };
    const t = wordTimingsFromAlignment(['a', 'b'], a, 1);
    assert.deepEqual(t, [
      { text: 'a', start: 0.5, end: 0.6 },
      { text: 'b', start: 0.5, end: 1 },
    ]);
  });
});

describe('sentence ends and parts', () => {
  test('sentence ends are exclusive word indices, the last one the word count', () => {
    const text = 'One two. Three!  Four five six?  Seven';
    assert.deepEqual(sentenceEndIndices(text, splitWords(text)), [2, 3, 6, 7]);
    assert.deepEqual(sentenceEndIndices('', []), []);
  });

  test('locateWords finds each word in the normalised text', () => {
    const text = ' Hi,   there  you. ';
    const words = splitWords(text);
    const clean = normaliseScript(text);
    assert.deepEqual(locateWords(clean, words).map((s) => clean.slice(s.start, s.end)), words);
  });

  test('planParts packs whole sentences up to the limit and cuts an overlong sentence between words', () => {
    const text = 'Aaa bbb. Ccc ddd eee. Fff. Word ' + 'word '.repeat(29).trim() + '. End.';
    const words = splitWords(text);
    const parts = planParts(text, words, sentenceEndIndices(text, words), 40);
    for (const p of parts) assert.ok(p.text.length <= 40, p.text);
    assert.equal(parts.map((p) => p.text).join(' '), normaliseScript(text));
    assert.deepEqual(parts.slice(0, 2).map((p) => p.text), ['Aaa bbb. Ccc ddd eee. Fff.', 'Word word word word word word word word']);
    for (let k = 1; k < parts.length; k++) assert.equal(parts[k]!.from, parts[k - 1]!.to);
    assert.equal(parts.at(-1)!.to, words.length);
  });

  test('model limits follow the published table', () => {
    assert.equal(modelCharLimit('eleven_multilingual_v2'), 10_000);
    assert.equal(modelCharLimit('eleven_flash_v2_5'), 40_000);
    assert.equal(modelCharLimit('eleven_v3'), 3_000);
    assert.equal(modelCharLimit('something_new'), 3_000);
  });
});

describe('error bodies', () => {
  test('legacy {detail:{status,message}}', () => {
    assert.deepEqual(parseErrorBody('{"detail":{"status":"quota_exceeded","message":"no credits"}}'), {
      code: 'quota_exceeded',
      message: 'no credits',
      requestId: null,
    });
  });
  test('current {detail:{type,code,message,status,request_id}}: code wins over the legacy status', () => {
    const b = parseErrorBody('{"detail":{"type":"validation_error","code":"text_too_long","status":"old","message":"m","request_id":"r1","param":"text"}}');
    assert.deepEqual(b, { code: 'text_too_long', message: 'm', requestId: 'r1' });
  });
  test('FastAPI 422 list and plain text', () => {
    assert.equal(parseErrorBody('{"detail":[{"loc":["body","text"],"msg":"field required","type":"value_error.missing"}]}').message, 'body.text: field required');
    assert.equal(parseErrorBody('<html>bad gateway</html>').message, '<html>bad gateway</html>');
  });
  test('each status and code maps to one outcome', () => {
    const h = new Headers({ 'request-id': 'hdr' });
    const code = (status: number, body: string) => failureFromResponse(status, body, h, 'v1', 'm1').taskError;
    assert.equal(code(401, '{"detail":{"status":"invalid_api_key","message":"x"}}').code, 'tts_auth_failed');
    assert.equal(code(401, '{"detail":{"status":"quota_exceeded","message":"x"}}').code, 'tts_quota_exceeded');
    assert.equal(code(402, '{}').code, 'tts_quota_exceeded');
    assert.equal(code(404, '{"detail":{"status":"voice_not_found","message":"x"}}').code, 'invalid_voice');
    assert.equal(code(400, '{"detail":{"status":"max_character_limit_exceeded","message":"x"}}').code, 'tts_text_too_long');
    assert.equal(code(422, '{"detail":[]}').code, 'tts_invalid_request');
    const r = failureFromResponse(429, '', new Headers({ 'retry-after': '7' }), 'v', 'm');
    assert.equal(r.taskError.code, 'tts_rate_limited');
    assert.equal(r.taskError.retryable, true);
    assert.equal(r.retryAfterMs, 7000);
    assert.equal(code(503, '').retryable, true);
    assert.match(code(500, '').detail ?? '', /request hdr/);
    assert.doesNotMatch(code(500, '').message, /request hdr/, 'what ElevenLabs said is for the logs');
  });
});

describe('joinMp3', () => {
  let dir: string;
  const parts: Buffer[] = [];
  before(async () => {
    dir = tempDir('mp3-');
    for (const [k, d] of [0.7, 1.3, 0.45].entries()) parts.push(await readFile(await makeTone(join(dir, `p${k}.mp3`), d, 440)));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  test('drops tags and the Info frame, counts samples exactly', () => {
    const s = parseMp3(parts[0]!);
    assert.equal(s.sampleRate, 44100);
    assert.equal(s.samples % 1152, 0);
    const probed = ffprobe(join(dir, 'p0.mp3')).durationS;
    // ffprobe counts the Info frame's frame count; we count the audio frames themselves.
    assert.ok(Math.abs(s.samples / 44100 - probed) < 0.03, `${s.samples / 44100} vs ${probed}`);
  });

  test('the joined file plays for the sum of the parts and the offsets are the frame boundaries', async () => {
    const j = joinMp3(parts);
    const streams = parts.map(parseMp3);
    assert.deepEqual(j.offsetsS, [0, streams[0]!.samples / 44100, (streams[0]!.samples + streams[1]!.samples) / 44100]);
    const path = join(dir, 'joined.mp3');
    await writeFile(path, j.data);
    const probed = ffprobe(path);
    assert.equal(probed.streams[0]?.codec_name, 'mp3');
    assert.ok(Math.abs(probed.durationS - j.durationS) < 0.03, `${probed.durationS} vs ${j.durationS}`);
  });

  test('rejects bytes that are not MPEG audio', () => {
    assert.throws(() => parseMp3(Buffer.from('not an mp3 at all'.repeat(100))), /no MPEG audio frames/);
  });
});

describe('retry schedule', () => {
  test('Retry-After as seconds or HTTP date', () => {
    assert.equal(parseRetryAfter('3'), 3000);
    assert.equal(parseRetryAfter(null), undefined);
    assert.equal(parseRetryAfter('soon'), undefined);
    const now = Date.parse('2025-01-01T00:00:00Z');
    assert.equal(parseRetryAfter('Wed, 01 Jan 2025 00:00:10 GMT', now), 10_000);
  });

  test('full jitter under an exponential ceiling; Retry-After is a floor', () => {
    const p = { ...DEFAULT_RETRY_POLICY, baseDelayMs: 100, maxDelayMs: 1000 };
    assert.equal(backoffDelay(0, p, () => 1), 100);
    assert.equal(backoffDelay(3, p, () => 1), 800);
    assert.equal(backoffDelay(10, p, () => 1), 1000);
    assert.equal(backoffDelay(10, p, () => 0), 0);
    assert.equal(backoffDelay(0, p, () => 0, 5000), 5000);
    assert.equal(backoffDelay(0, p, () => 1, 5000), 5500);
  });

  test('stops after the bounded retries and rethrows the last error', async () => {
    let calls = 0;
    await assert.rejects(
      withRetries(
        async () => {
          calls++;
          throw new Error(`fail ${calls}`);
        },
        { policy: { ...DEFAULT_RETRY_POLICY, retries: 2, baseDelayMs: 1 }, signal: new AbortController().signal, classify: () => ({ retry: true }) },
      ),
      /fail 3/,
    );
    assert.equal(calls, 3);
  });
});
