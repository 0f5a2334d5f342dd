import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  budgetUnit,
  clipAtSentence,
  clipAtWord,
  estimateDurationS,
  lengthFor,
  lengthVerdict,
  MAX_HASHTAGS,
  ModelScriptSchema,
  normaliseHashtags,
  SCRIPT_JSON_SCHEMA,
  scriptBudget,
  scriptLength,
  ScriptRequestSchema,
  sentenceSeconds,
  speakingRate,
  topicWithoutWriter,
  trimScenes,
} from '../../functions/domain/script.ts';
import { MAX_SCRIPT_CHARS } from '../../functions/domain/video-request.ts';
import { splitWords } from '../../functions/domain/text.ts';
import { LEAD_IN_S, SENTENCE_PAUSE_S, TAIL_S } from '../../functions/providers/espeak-speech.ts';

const words = (t: string) => splitWords(t).length;

describe('script request', () => {
  it('fills defaults: 45 s of facts in English', () => {
    assert.deepEqual(ScriptRequestSchema.parse({ topic: '  Why octopuses have three hearts ' }), {
      topic: 'Why octopuses have three hearts',
      duration_s: 45,
      language: 'en',
      format: 'facts',
    });
  });

  it('names the field and the limit of each mistake', () => {
    const r = ScriptRequestSchema.safeParse({ topic: 'ab', duration_s: 4, language: 'English', format: 'poem', tone: '', extra: 1 });
    assert.equal(r.success, false);
    const paths = r.error!.issues.map((i) => i.path.join('.') || i.code).sort();
    assert.deepEqual(paths, ['duration_s', 'format', 'language', 'tone', 'topic', 'unrecognized_keys'].sort());
    assert.equal(ScriptRequestSchema.safeParse({ topic: 'x'.repeat(501) }).success, false);
    assert.equal(ScriptRequestSchema.safeParse({ topic: 'sea \ud800 life' }).success, false);
    assert.equal(ScriptRequestSchema.safeParse({ topic: 'sea life', duration_s: 601 }).success, false);
  });
});

describe('the answer schema', () => {
  it('is strict-mode JSON Schema: every object closes its properties and requires all of them', () => {
    const objects: Record<string, unknown>[] = [];
    const walk = (s: unknown) => {
      if (!s || typeof s !== 'object') return;
      const o = s as Record<string, unknown>;
      if (o.type === 'object') objects.push(o);
      for (const v of Object.values(o)) walk(v);
    };
    walk(SCRIPT_JSON_SCHEMA);
    assert.equal(objects.length, 2);
    for (const o of objects) {
      assert.equal(o.additionalProperties, false);
      assert.deepEqual([...(o.required as string[])].sort(), Object.keys(o.properties as object).sort());
    }
    // Keywords strict mode refuses (or that some endpoints reject) are not used: lengths are checked after.
    assert.doesNotMatch(JSON.stringify(SCRIPT_JSON_SCHEMA), /minLength|maxLength|format|pattern|default|\$ref/);
  });

  it('ModelScriptSchema takes what the JSON schema describes and refuses an empty title or no scenes', () => {
    const ok = { title: 'T', scenes: [{ text: 'Hi.', search_query: 'sea' }], description: 'd', hashtags: [] };
    assert.ok(ModelScriptSchema.safeParse(ok).success);
    assert.equal(ModelScriptSchema.safeParse({ ...ok, title: ' ' }).success, false);
    assert.equal(ModelScriptSchema.safeParse({ ...ok, scenes: [] }).success, false);
    assert.equal(ModelScriptSchema.safeParse({ ...ok, scenes: [{ text: 'a' }] }).success, false);
  });
});

describe('posting text', () => {
  it('hashtags: one "#", one word, no repeats whatever the case, at most eight', () => {
    assert.deepEqual(normaliseHashtags(['#Octopus', 'octopus', '##ocean life', 'sea-creatures', '#', '🐙', 'ciência']), [
      '#Octopus',
      '#ocean',
      '#life',
      '#seacreatures',
      '#ciência',
    ]);
    assert.equal(normaliseHashtags(Array.from({ length: 20 }, (_, i) => `tag${i}`)).length, MAX_HASHTAGS);
  });

  it('cuts at a word or a sentence, never inside one', () => {
    assert.equal(clipAtWord('An octopus has three hearts', 14), 'An octopus has');
    assert.equal(clipAtWord('short', 14), 'short');
    assert.equal(clipAtSentence('One fact. Two facts here. Three.', 20), 'One fact.');
    assert.equal(clipAtSentence('Averyveryverylongwordwithoutspaces and more', 10), 'Averyveryv');
  });
});

describe('speaking rates and budgets', () => {
  it('measures words, or characters where words are not spaced', () => {
    assert.equal(budgetUnit('en-GB'), 'words');
    assert.equal(budgetUnit('ja'), 'characters');
    assert.equal(scriptLength('One two, three.', 'words'), 3);
    assert.equal(scriptLength('タコ は 三つ', 'characters'), 5);
  });

  it('espeak-ng at its measured rate, faster with speed, with the pauses EspeakSpeech puts in; a natural voice says fewer German than English words', () => {
    const en = speakingRate('espeak-ng', 'en');
    assert.deepEqual(en, { unit: 'words', perSecond: 3.8, pauseS: SENTENCE_PAUSE_S, edgesS: LEAD_IN_S + TAIL_S });
    const fast = speakingRate('espeak-ng', 'en-US', 1.5);
    assert.equal(fast.perSecond, 3.8 * 1.5);
    assert.equal(fast.pauseS, SENTENCE_PAUSE_S / 1.5);
    assert.equal(speakingRate('espeak-ng', 'sw').perSecond, 3.3);
    const natural = speakingRate('elevenlabs', 'en').perSecond;
    assert.ok(natural > 2.5 && natural < 2.9, `ElevenLabs English ${natural} words/s is 150 to 175 a minute`);
    assert.ok(speakingRate('elevenlabs', 'de').perSecond < natural);
    assert.deepEqual(speakingRate('elevenlabs', 'ja'), { unit: 'characters', perSecond: 6, pauseS: 0, edgesS: 0 });
  });

  it('a budget is the length that lasts the duration in sentences of the typical length, and 20 % either side', () => {
    const rate = { unit: 'words' as const, perSecond: 4, pauseS: 0.5, edgesS: 1 };
    const b = scriptBudget(31, rate);
    // 31 s = 1 s + n/4 + (n/12 - 1) * 0.5  →  n = 30.5 / (1/4 + 1/24) = 104.6
    assert.deepEqual({ target: b.target, min: b.min, max: b.max }, { target: 105, min: lengthFor(24.8, rate, 12), max: lengthFor(37.2, rate, 12) });
    assert.equal(estimateDurationS(104.57, 104.57 / 12, rate), 31);
    // Shorter sentences mean more pauses, so fewer words fit.
    assert.ok(lengthFor(31, rate, 6) < b.target);
    assert.equal(lengthVerdict(24.7, 31), 'short');
    assert.equal(lengthVerdict(31, 31), 'fits');
    assert.equal(lengthVerdict(37.3, 31), 'long');
    assert.equal(scriptBudget(600, { unit: 'characters', perSecond: 40, pauseS: 0, edgesS: 0 }).max, MAX_SCRIPT_CHARS);
    assert.equal(sentenceSeconds(8, rate), 2.5);
  });

  it('trims on sentence boundaries, dropping scenes past the budget and keeping the first sentence whatever its length', () => {
    const scenes = [
      { text: 'One two three. Four five six.', search_query: 'a' },
      { text: 'Seven eight. Nine ten eleven twelve.', search_query: 'b' },
      { text: 'Thirteen.', search_query: 'c' },
    ];
    assert.deepEqual(trimScenes(scenes, 8, words), [
      scenes[0],
      { text: 'Seven eight.', search_query: 'b' },
    ]);
    assert.deepEqual(trimScenes(scenes, 100, words), scenes);
    assert.deepEqual(trimScenes(scenes, 1, words), [{ text: 'One two three.', search_query: 'a' }]);
  });

  it('a topic without a writer is a 422 detail naming the setting', () => {
    const d = topicWithoutWriter('items.3.topic');
    assert.equal(d.path, 'items.3.topic');
    assert.match(d.message, /LLM_BASE_URL/);
  });
});
