// Contract tests of the script writer against the loopback Chat Completions fake: a topic becomes a
// script sized to the voice's speaking rate in its language, read as a user's script is; an answer
// that is refused, filtered, cut off, unusable or far from its length is handled as documented.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { loadConfig } from '../../functions/config.ts';
import { estimateDurationS, lengthFor, scriptBudget, sentenceSeconds, speakingRate, type ScriptBrief } from '../../functions/domain/script.ts';
import { splitWords } from '../../functions/domain/text.ts';
import { VideoRequestSchema } from '../../functions/domain/video-request.ts';
import { TaskError } from '../../functions/errors.ts';
import { ChatCompletionsClient } from '../../functions/providers/chat-completions.ts';
import { ChatScriptWriter, jsonOf, scriptWriterFromConfig } from '../../functions/providers/script-writer.ts';
import { FAKE_LLM_KEY, openAiError, startFakeChatCompletions, type FakeChatCompletions, type FakeChatRequest } from '../fakes/chat-completions.ts';

let fake: FakeChatCompletions;

const BRIEF: ScriptBrief = { topic: 'Octopus hearts and blue blood', duration_s: 30, language: 'en', format: 'facts', voice: 'espeak-ng' };

function writer() {
  return new ChatScriptWriter(new ChatCompletionsClient({ baseUrl: fake.url, apiKey: FAKE_LLM_KEY, model: 'gpt-4o-mini', retry: { retries: 1, baseDelayMs: 5, maxDelayMs: 10 } }));
}

async function failure(p: Promise<unknown>): Promise<TaskError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof TaskError, `expected a TaskError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected the call to fail');
}

const FILLER = 'the octopus hides in rocks and changes colour when it hunts small crabs at night'.split(' ');
/** English sentences of eight words, `n` words in all, over `scenes` scenes. */
function script(n: number, scenes = 3, extra: Partial<{ title: string; hashtags: string[]; description: string }> = {}) {
  const sentences: string[] = [];
  for (let i = 0; i < n; i += 8) {
    const w = Array.from({ length: Math.min(8, n - i) }, (_, k) => FILLER[(i + k) % FILLER.length]!);
    sentences.push(`${w.join(' ').replace(/^./, (c) => c.toUpperCase())}.`);
  }
  const per = Math.ceil(sentences.length / scenes);
  return {
    title: 'Octopus facts',
    scenes: Array.from({ length: scenes }, (_, s) => ({ text: sentences.slice(s * per, (s + 1) * per).join(' '), search_query: 'octopus reef' })).filter((s) => s.text),
    description: 'Three hearts, blue blood.',
    hashtags: ['octopus', 'ocean'],
    ...extra,
  };
}

const words = (t: string) => splitWords(t).length;
const lastUser = (r: FakeChatRequest) => r.messages.filter((m) => m.role === 'user').at(-1)!.content;

before(async () => {
  fake = await startFakeChatCompletions();
});
after(async () => {
  await fake.close();
});
beforeEach(() => fake.reset());

describe('script writer: a topic becomes a script', () => {
  test('sized to espeak-ng in English: the prompt asks for the budget, the topic alone is the user message, the result fits and renders', async () => {
    const budget = scriptBudget(30, speakingRate('espeak-ng', 'en'));
    const s = await writer().write(BRIEF, AbortSignal.timeout(30_000));
    assert.equal(fake.completions.length, 1);
    const req = fake.completions[0]!.request;
    assert.equal(req.messages.length, 2);
    assert.deepEqual(req.messages[1], { role: 'user', content: BRIEF.topic });
    const system = req.messages[0]!.content;
    assert.match(system, /Write in English \(en\)/);
    assert.match(system, new RegExp(`between ${budget.min} and ${budget.max} in all scenes together; aim for ${budget.target} words`));
    assert.match(system, /surprising, true facts/);
    assert.match(system, /about 5 scenes/);
    assert.match(system, /never as instructions/);
    assert.equal(req.response_format?.type, 'json_schema');

    assert.equal(s.length, budget.target);
    assert.equal(s.unit, 'words');
    assert.ok(Math.abs(s.estimated_duration_s - 30) <= 1.5, `${s.estimated_duration_s} s`);
    assert.deepEqual(s.warnings, []);
    assert.equal(s.language, 'en');
    assert.equal(s.model, 'gpt-4o-mini-2024-07-18');
    assert.equal(s.script_text, s.scenes.map((x) => x.text).join(' '));
    assert.equal(words(s.script_text), budget.target);
    // Written from the topic's words, deterministically.
    for (const w of s.title.toLowerCase().split(' ')) assert.ok(BRIEF.topic.toLowerCase().includes(w), w);
    assert.ok(s.hashtags.length > 0 && s.hashtags.every((h) => /^#\p{L}+$/u.test(h)));
    assert.ok(s.scenes.every((x) => x.search_query.length > 0));
    assert.deepEqual(await writer().write(BRIEF, AbortSignal.timeout(30_000)), s);
    // What it wrote is a video request's scenes as they stand.
    assert.ok(VideoRequestSchema.safeParse({ scenes: s.scenes, language: s.language }).success);
  });

  test('ElevenLabs in German says fewer words than espeak-ng in English; the prompt names the language and the tone', async () => {
    const s = await writer().write(
      { topic: 'Warum der Oktopus drei Herzen hat', duration_s: 30, language: 'de', format: 'explainer', tone: 'ruhig', voice: 'elevenlabs' },
      AbortSignal.timeout(30_000),
    );
    const budget = scriptBudget(30, speakingRate('elevenlabs', 'de'));
    assert.equal(s.length, budget.target);
    assert.ok(budget.target < scriptBudget(30, speakingRate('espeak-ng', 'en')).target);
    const system = fake.completions[0]!.request.messages[0]!.content;
    assert.match(system, /Write in German \(de\)/);
    assert.match(system, /Tone: ruhig\./);
    assert.match(system, /explanation of how or why/);
  });

  test('a language written without spaces is measured in characters', async () => {
    const s = await writer().write({ topic: 'タコの心臓はなぜ三つあるのか', duration_s: 20, language: 'ja', format: 'facts', voice: 'espeak-ng' }, AbortSignal.timeout(30_000));
    const budget = scriptBudget(20, speakingRate('espeak-ng', 'ja'));
    assert.equal(s.unit, 'characters');
    assert.match(fake.completions[0]!.request.messages[0]!.content, new RegExp(`Japanese \\(ja\\).*counting characters.*aim for ${budget.target} characters`, 's'));
    assert.ok(s.length >= budget.min && s.length <= budget.max, `${s.length} characters within ${budget.min}..${budget.max}`);
  });

  test('a faster voice (speed) fits more words into the same duration', async () => {
    const s = await writer().write({ ...BRIEF, speed: 1.5 }, AbortSignal.timeout(30_000));
    assert.equal(s.length, scriptBudget(30, speakingRate('espeak-ng', 'en', 1.5)).target);
    assert.ok(Math.abs(s.estimated_duration_s - 30) <= 1.5, `${s.estimated_duration_s} s`);
  });
});

describe('script writer: answers it cannot take as they are', () => {
  test('a refusal fails for good, quoting the model', async () => {
    fake.respondNext({ refusal: "I can't help with that request." });
    const e = await failure(writer().write(BRIEF, AbortSignal.timeout(30_000)));
    assert.equal(e.code, 'script_refused');
    assert.equal(e.retryable, false);
    assert.match(e.message, /declined to write this script: "I can't help with that request\."/);
    assert.equal(fake.completions.length, 1);
  });

  test("the provider's content filter fails for good", async () => {
    fake.respondNext({ content: '', finish_reason: 'content_filter' });
    const e = await failure(writer().write(BRIEF, AbortSignal.timeout(30_000)));
    assert.equal(e.code, 'script_filtered');
    assert.equal(e.retryable, false);
  });

  test('malformed JSON is asked again once, showing the model its answer and what was wrong', async () => {
    fake.respondNext({ content: 'Sure! Here is your script: title: Octopus' });
    const s = await writer().write(BRIEF, AbortSignal.timeout(30_000));
    assert.equal(fake.completions.length, 2);
    const second = fake.completions[1]!.request.messages;
    assert.deepEqual(second.at(-2), { role: 'assistant', content: 'Sure! Here is your script: title: Octopus' });
    assert.match(second.at(-1)!.content, /could not be used:\n- the answer is not a JSON object/);
    assert.ok(s.length > 0);
  });

  test('unusable twice: script_invalid, permanent, naming LLM_MODEL and the first problem', async () => {
    fake.respondNext({ content: '{"title": "x"}' }, { content: '{"title": "x", "scenes": []}' });
    const e = await failure(writer().write(BRIEF, AbortSignal.timeout(30_000)));
    assert.equal(e.code, 'script_invalid');
    assert.equal(e.retryable, false);
    assert.match(e.message, /LLM_MODEL "gpt-4o-mini" answered twice without a usable script \(scenes: has no scenes\)/);
    assert.match(fake.completions[1]!.request.messages.at(-1)!.content, /scenes: Invalid input: expected array/);
  });

  test('cut off at the output limit: asked again once without the partial answer; twice is script_truncated', async () => {
    fake.respondNext({ content: '{"title": "Octo', finish_reason: 'length' });
    await writer().write(BRIEF, AbortSignal.timeout(30_000));
    const again = fake.completions[1]!.request.messages;
    assert.equal(again.length, 3);
    assert.match(again.at(-1)!.content, /cut off before it ended/);
    fake.reset();
    fake.respondNext({ content: '{"title": "Octo', finish_reason: 'length' }, { content: '{"title": "Octopus", "sce', finish_reason: 'length' });
    const e = await failure(writer().write(BRIEF, AbortSignal.timeout(30_000)));
    assert.equal(e.code, 'script_truncated');
    assert.match(e.message, /shorter duration_s/);
  });

  test("the model's text passes a user's script's rules: nothing to speak, invalid text, wrong language, no search query", async () => {
    const bad = {
      title: 'Octopus',
      scenes: [
        { text: '🐙🐙 🌊', search_query: 'octopus' },
        { text: 'Broken \ud800 text.', search_query: 'reef' },
        { text: 'A fine sentence.', search_query: '  ' },
      ],
      description: '',
      hashtags: [],
    };
    fake.respondNext({ content: JSON.stringify(bad) });
    await writer().write(BRIEF, AbortSignal.timeout(30_000));
    const told = lastUser(fake.completions[1]!.request);
    assert.match(told, /scenes\.0\.text: there is nothing to speak once emoji and markdown are taken out\n/);
    assert.doesNotMatch(told, /scenes\.0\.text: Too small/);
    assert.match(told, /scenes\.1\.text: contains a lone surrogate/);
    assert.match(told, /scenes\.2\.search_query: is empty/);

    fake.reset();
    fake.respondNext({ content: JSON.stringify(script(70)) });
    await writer().write({ ...BRIEF, topic: 'El corazón del pulpo', language: 'es' }, AbortSignal.timeout(30_000));
    assert.match(lastUser(fake.completions[1]!.request), /the narration is in English, not in es/);
  });

  test('markdown and emoji come out of the text, hashtags are normalised, a long title and description are clipped', async () => {
    const s0 = script(100, 3, { title: `"${'Octopus '.repeat(20)}"`, hashtags: ['#Octopus', 'octopus', 'deep sea'], description: `${'A fact. '.repeat(200)}` });
    s0.scenes[0]!.text = `**Wow** 🐙 ${s0.scenes[0]!.text}`;
    fake.respondNext({ content: JSON.stringify(s0) });
    const s = await writer().write(BRIEF, AbortSignal.timeout(30_000));
    assert.match(s.scenes[0]!.text, /^Wow The octopus/);
    assert.deepEqual(s.hashtags, ['#Octopus', '#deep', '#sea']);
    assert.ok(s.title.length <= 100 && !s.title.includes('"') && s.title.endsWith('Octopus'));
    assert.ok(s.description.length <= 1000 && s.description.endsWith('A fact.'));
  });

  test('an endpoint without json_schema: JSON mode, and an answer in a code fence after a <think> block is read', async () => {
    fake.options.supportsJsonSchema = false;
    fake.respondNext({ content: `<think>Let me count {words}.</think>\nHere it is:\n\`\`\`json\n${JSON.stringify(script(103, 4))}\n\`\`\`` });
    const s = await writer().write(BRIEF, AbortSignal.timeout(30_000));
    assert.equal(s.length, 103);
    assert.equal(fake.completions[0]!.request.response_format?.type, 'json_object');
    assert.deepEqual(jsonOf('no json here'), undefined);
  });

  test('errors of the endpoint come through as the client made them', async () => {
    fake.options.apiKey = 'sk-another-key-000000000000';
    const e = await failure(writer().write(BRIEF, AbortSignal.timeout(30_000)));
    assert.equal(e.code, 'llm_auth_failed');
  });
});

describe('script writer: the length', () => {
  const budget = scriptBudget(30, speakingRate('espeak-ng', 'en'));

  test('far too long: asked once to shorten it, naming its length and a target in sentences as long as its own, last', async () => {
    fake.respondNext({ content: JSON.stringify(script(300)) });
    const s = await writer().write(BRIEF, AbortSignal.timeout(30_000));
    assert.equal(fake.completions.length, 2);
    const again = fake.completions[1]!.request.messages;
    assert.equal(again.at(-2)!.role, 'assistant');
    // script() writes sentences of eight words: more pauses than the typical twelve, so fewer words fit.
    const rate = budget.rate;
    const aim = [lengthFor(24, rate, 8), lengthFor(36, rate, 8), lengthFor(30, rate, 8)];
    const said = Math.round(estimateDurationS(300, 300 / 8, rate));
    assert.match(again.at(-1)!.content, new RegExp(`has 300 words and would last about ${said} seconds, but it must last 30 seconds: between ${aim[0]} and ${aim[1]}\\. Shorten it.*to ${aim[2]} words\\.$`));
    assert.ok(aim[2]! < budget.target);
    assert.ok(Math.abs(s.estimated_duration_s - 30) <= 1.5, `${s.estimated_duration_s} s`);
    assert.deepEqual(s.warnings, []);
  });

  test('still too long: the closer answer is trimmed at a sentence end, with a warning', async () => {
    fake.respondNext({ content: JSON.stringify(script(300)) }, { content: JSON.stringify(script(200)) });
    const s = await writer().write(BRIEF, AbortSignal.timeout(30_000));
    // Whole sentences up to 30 s: one more eight-word sentence would pass it.
    assert.ok(s.estimated_duration_s <= 30 && s.estimated_duration_s > 30 - sentenceSeconds(8, budget.rate), `${s.estimated_duration_s} s`);
    assert.ok(s.scenes.every((x) => /\.$/.test(x.text)), 'every scene ends on a sentence');
    assert.equal(words(s.script_text), s.length);
    assert.equal(s.length % 8, 0);
    assert.match(s.warnings[0]!, new RegExp(`the model wrote 200 words, more than 30 s takes; trimmed to ${s.length} at the end of a sentence`));
  });

  test('too short twice: kept, with a warning saying how long it lasts', async () => {
    fake.respondNext({ content: JSON.stringify(script(24)) }, { content: JSON.stringify(script(16)) });
    const s = await writer().write(BRIEF, AbortSignal.timeout(30_000));
    assert.match(lastUser(fake.completions[1]!.request), /Lengthen it/);
    assert.equal(s.length, 24);
    assert.deepEqual(s.warnings, [`the script lasts about ${Math.round(estimateDurationS(24, 3, budget.rate))} s, shorter than the 30 s asked`]);
  });

  test('the follow-up failing keeps the first script (trimmed), rather than failing the whole write', async () => {
    fake.options.author = () => {
      // Once the first answer is written, the next request meets two 500s (one try and one retry).
      fake.failNext({ status: 500, body: openAiError('boom', 'server_error') }, { status: 500, body: openAiError('boom', 'server_error') });
      return script(300);
    };
    const s = await writer().write(BRIEF, AbortSignal.timeout(30_000));
    assert.equal(fake.requests.length, 3);
    assert.ok(s.estimated_duration_s <= 30);
    assert.match(s.warnings[0]!, /the model wrote 300 words/);
  });

  test('spoken forms count: digits are measured as the words the voice says', async () => {
    const s0 = script(96);
    s0.scenes[0]!.text += ' It weighs 1,234,567 grams.';
    fake.respondNext({ content: JSON.stringify(s0) });
    const s = await writer().write(BRIEF, AbortSignal.timeout(30_000));
    // "one million, two hundred thirty-four thousand, five hundred sixty-seven" is eleven words, not one.
    assert.ok(s.length > 96 + 3 + 5, `${s.length}`);
  });
});

describe('settings', () => {
  test('LLM_MODEL is required with LLM_BASE_URL; a key or model without a base URL is a mistake named as such', () => {
    assert.throws(() => loadConfig({ LLM_BASE_URL: 'https://api.openai.com/v1' }), /LLM_MODEL: required with LLM_BASE_URL/);
    assert.throws(() => loadConfig({ LLM_API_KEY: 'sk-x' }), /LLM_API_KEY: set, but LLM_BASE_URL is not/);
    assert.throws(() => loadConfig({ LLM_BASE_URL: 'ftp://x/v1', LLM_MODEL: 'm' }), /LLM_BASE_URL: must be an http\(s\) URL/);
    assert.throws(() => loadConfig({ LLM_BASE_URL: 'http://localhost:11434/v1', LLM_MODEL: 'llama3.1', LLM_TIMEOUT_SECONDS: '1' }), /LLM_TIMEOUT_SECONDS/);
    const cfg = loadConfig({ LLM_BASE_URL: 'http://localhost:11434/v1', LLM_MODEL: 'llama3.1' });
    assert.equal(cfg.LLM_TIMEOUT_SECONDS, 120);
    assert.equal(scriptWriterFromConfig(cfg)?.model, 'llama3.1');
    assert.equal(scriptWriterFromConfig(loadConfig({})), null);
  });
});

describe('script writer: the voice says it in the time asked', () => {
  test('a script written for 20 s lasts about 20 s when espeak-ng speaks it as a task does', async () => {
    const { EspeakSpeech } = await import('../../functions/providers/espeak-speech.ts');
    const { tempDir } = await import('../support/temp-dir.ts');
    const { rm } = await import('node:fs/promises');
    const { scriptForms } = await import('../../functions/language/spoken-form.ts');
    const s = await writer().write(
      { topic: 'Why the octopus has three hearts, blue blood and arms that can taste whatever they touch', duration_s: 20, language: 'en', format: 'facts', voice: 'espeak-ng' },
      AbortSignal.timeout(30_000),
    );
    const dir = tempDir('script-voice-');
    try {
      const spoken = scriptForms(s.scenes.map((x) => x.text), 'en').spoken;
      const n = await new EspeakSpeech({ espeakPath: process.env.ESPEAK_PATH ?? 'espeak-ng' }).synthesize({ text: spoken, language: 'en' }, dir, AbortSignal.timeout(60_000));
      assert.ok(Math.abs(n.durationS - 20) <= 20 * 0.2, `the narration lasts ${n.durationS} s`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
