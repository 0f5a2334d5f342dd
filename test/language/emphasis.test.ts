import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { autoEmphasis, emphasisOf, markedWords } from '../../functions/language/emphasis.ts';
import { scriptForms } from '../../functions/language/spoken-form.ts';

const flagged = (words: string[], flags: boolean[]) => words.filter((_, i) => flags[i]);

describe('marked emphasis', () => {
  it('flags the display words inside **marks** or __marks__, aligned with the display words', () => {
    const parts = ['This is **the most important** part of the __story__.', 'Second **scene**, with $**5**.'];
    const forms = scriptForms(parts, 'en');
    const flags = markedWords(parts, 'en');
    assert.equal(flags.length, forms.displayWords.length);
    assert.deepEqual(flagged(forms.displayWords, flags), ['the', 'most', 'important', 'story.', 'scene,', '$5.']);
    assert.doesNotMatch(forms.displayWords.join(' '), /\*|_/, 'the display words carry no marks');
  });
  it('works through other markdown, emoji, list items and headings', () => {
    const parts = ['# A **big** title\n- first **item**\n- **second item**\nVisit [the **site**](https://x.io) 🚀 now.'];
    const forms = scriptForms(parts, 'en');
    const flags = markedWords(parts, 'en');
    assert.equal(flags.length, forms.displayWords.length);
    assert.deepEqual(flagged(forms.displayWords, flags), ['big', 'item.', 'second', 'item.', 'site']);
  });
  it('a mark inside a word flags that word; single * is italics, not emphasis', () => {
    const parts = ['un**believ**able and *quiet* words'];
    assert.deepEqual(flagged(scriptForms(parts).displayWords, markedWords(parts)), ['unbelievable']);
  });
  it('scripts without spaces: the segmenter words that hold marked characters', () => {
    const parts = ['今日は**とても**良い天気ですね。明日も晴れるでしょう。'];
    const forms = scriptForms(parts, 'ja');
    const flags = markedWords(parts, 'ja');
    assert.equal(flags.length, forms.displayWords.length);
    assert.deepEqual(flagged(forms.displayWords, flags), ['とても']);
  });
  it('right-to-left and non-Latin scripts with spaces', () => {
    const parts = ['مرحبا **بالعالم** الجميل', 'Привет **большой** мир'];
    assert.deepEqual(flagged(scriptForms(parts).displayWords, markedWords(parts)), ['بالعالم', 'большой']);
  });
  it('unmarked text flags nothing', () => {
    assert.deepEqual(markedWords(['plain words only.']), [false, false, false]);
  });
});

describe('auto emphasis', () => {
  it('English: numbers, amounts, percentages and named things', async () => {
    const words = 'Apple sold 3 million iPhones in Paris for $999 each, and Elon Musk says 40% of people love three dogs.'.split(' ');
    const got = flagged(words, await autoEmphasis(words, 'en'));
    for (const w of ['3', 'million', 'Paris', '$999', 'Elon', 'Musk', '40%', 'three']) assert.ok(got.includes(w), `${w} in ${got.join(' ')}`);
    for (const w of ['sold', 'people', 'love', 'dogs.', 'each,']) assert.ok(!got.includes(w), `${w} not in ${got.join(' ')}`);
  });
  it('other languages: words with digits only', async () => {
    const words = 'Berlin hat 3,7 Millionen Einwohner und 12 Bezirke.'.split(' ');
    assert.deepEqual(flagged(words, await autoEmphasis(words, 'de')), ['3,7', '12']);
    const ar = 'في عام 2024 زار ١٠ ملايين شخص'.split(' ');
    assert.deepEqual(flagged(ar, await autoEmphasis(ar, 'ar')), ['2024', '١٠']);
  });
  it('modes: off, marked, auto (marks and found words together)', async () => {
    const parts = ['The **secret** costs $5 in London.'];
    const words = scriptForms(parts, 'en').displayWords;
    assert.deepEqual(flagged(words, await emphasisOf('off', parts, words, 'en')), []);
    assert.deepEqual(flagged(words, await emphasisOf('marked', parts, words, 'en')), ['secret']);
    assert.deepEqual(flagged(words, await emphasisOf('auto', parts, words, 'en')), ['secret', '$5', 'London.']);
  });
});
