import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  budgetUnit,
  clipAtSentence,
  clipAtWord,
  estimateDurationS,
  lengthVerdict,
  MAX_HASHTAGS,
  ModelScriptSchema,
  normaliseHashtags,
  SCRIPT_JSON_SCHEMA,
  scriptBudget,
  scriptLength,
  ScriptRequestSchema,
  speakingRate,
  topicWithoutWriter,
  trimScenes,
} from '../../functions/domain/script.ts';
import { MAX_SCRIPT_CHARS } from '../../functions/domain/video-request.ts';
import { splitWords } from '../../functions/domain/text.ts';

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

  it('espeak-ng at its measured rate, faster with speed; a natural voice says fewer German than English words', () => {
    assert.equal(speakingRate('espeak-ng', 'en').perSecond, 3.44);
    assert.equal(speakingRate('espeak-ng', 'en-US', 1.5).perSecond, 3.44 * 1.5);
    assert.equal(speakingRate('espeak-ng', 'sw').perSecond, 3.0);
    const en = speakingRate('elevenlabs', 'en').perSecond;
    assert.ok(en > 2.5 && en < 2.9, `ElevenLabs English ${en} words/s is 150 to 175 a minute`);
    assert.ok(speakingRate('elevenlabs', 'de').perSecond < en);
    assert.deepEqual(speakingRate('elevenlabs', 'ja'), { unit: 'characters', perSecond: 6 });
  });

  it('a budget is the duration at the rate, with a 20 % band either side, and never past the longest script', () => {
    const b = scriptBudget(30, { unit: 'words', perSecond: 3 });
    assert.deepEqual({ target: b.target, min: b.min, max: b.max }, { target: 90, min: 72, max: 108 });
    assert.equal(lengthVerdict(71, b), 'short');
    assert.equal(lengthVerdict(90, b), 'fits');
    assert.equal(lengthVerdict(109, b), 'long');
    const huge = scriptBudget(600, { unit: 'characters', perSecond: 20 });
    assert.equal(huge.max, MAX_SCRIPT_CHARS);
    assert.equal(estimateDurationS(90, b.rate), 30);
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
