// The spoken and display forms of a script, and the mapping of spoken word timings back onto the
// display words.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Narration } from '../../functions/domain/media.ts';
import { splitWords } from '../../functions/domain/text.ts';
import { displayText } from '../../functions/language/display-text.ts';
import { isEnglish } from '../../functions/language/english.ts';
import { cardinal, scriptForms, yearWords } from '../../functions/language/spoken-form.ts';
import { displayNarration } from '../../functions/pipeline/display-narration.ts';

/** [script, display form, spoken form, language?] */
const TABLE: [string, string, string, string?][] = [
  // numbers
  ['It has 1,200 members.', 'It has 1,200 members.', 'It has twelve hundred members.'],
  ['It has 1,234 members.', 'It has 1,234 members.', 'It has one thousand two hundred thirty-four members.'],
  ['Pi is 3.14 and it fell to -4.', 'Pi is 3.14 and it fell to -4.', 'Pi is three point one four and it fell to minus four.'],
  ['A 2x gain, 10k users, 1/2 of them.', 'A 2x gain, 10k users, 1/2 of them.', 'A two times gain, ten thousand users, one half of them.'],
  // money and percentages
  ['It costs $1,200.', 'It costs $1,200.', 'It costs twelve hundred dollars.'],
  ['Only $3.50 or €20.50 or £1.', 'Only $3.50 or €20.50 or £1.', 'Only three dollars fifty cents or twenty euros fifty cents or one pound.'],
  ['Raised $3.5 million, then $2B.', 'Raised $3.5 million, then $2B.', 'Raised three point five million dollars, then two billion dollars.'],
  ['Sales grew 15% and 2.5%.', 'Sales grew 15% and 2.5%.', 'Sales grew fifteen percent and two point five percent.'],
  // dates and times
  ['Founded in 1999, sold in 2024.', 'Founded in 1999, sold in 2024.', 'Founded in nineteen ninety-nine, sold in twenty twenty-four.'],
  ['On March 3rd, 2024 at 7:30pm.', 'On March 3rd, 2024 at 7:30pm.', 'On March third, twenty twenty-four at seven thirty p m.'],
  ['Due 2024-03-04 at 10:00.', 'Due 2024-03-04 at 10:00.', "Due March fourth, twenty twenty-four at ten o'clock."],
  ['The 1990s, the \'80s and 1999-2004.', 'The 1990s, the \'80s and 1999-2004.', 'The nineteen nineties, the eighties and nineteen ninety-nine to two thousand four.'],
  ['He came 21st.', 'He came 21st.', 'He came twenty-first.'],
  // units and abbreviations
  ['It is 20°C and 15 cm long at 100 km/h.', 'It is 20°C and 15 cm long at 100 km/h.', 'It is twenty degrees Celsius and fifteen centimeters long at one hundred kilometers per hour.'],
  ['Dr. Smith met Mr. Jones, e.g. at No. 5 & more.', 'Dr. Smith met Mr. Jones, e.g. at No. 5 & more.', 'Doctor Smith met Mister Jones, for example at number five and more.'],
  // markdown, emoji, links, hashtags
  ['**Coffee** is _great_ 🚀🔥 `really`.', 'Coffee is great really.', 'Coffee is great really.'],
  ['# Why coffee\n- It wakes you up\n- It tastes good', 'Why coffee. It wakes you up. It tastes good.', 'Why coffee. It wakes you up. It tastes good.'],
  ['Read [the guide](https://x.io/a) at https://www.example.com/page now.', 'Read the guide at https://www.example.com/page now.', 'Read the guide at example dot com now.'],
  ['Follow #MondayMotivation and @daily_facts for more.', 'Follow #MondayMotivation and @daily_facts for more.', 'Follow Monday Motivation and daily facts for more.'],
  ['👍🏽 Great job! 🇫🇷', 'Great job!', 'Great job!'],
  // other languages: only links, hashtags, markdown and emoji change
  ['El 15% de 1.200 personas visitan www.ejemplo.es #Viajes 🚀', 'El 15% de 1.200 personas visitan www.ejemplo.es #Viajes', 'El 15% de 1.200 personas visitan Viajes', 'es'],
  ['Am 3. März kostet es 20 €.', 'Am 3. März kostet es 20 €.', 'Am 3. März kostet es 20 €.'],
  ['東京は**2024年**に', '東京は2024年に', '東京は2024年に', 'ja'],
];

describe('spoken and display forms', () => {
  for (const [script, display, spoken, language] of TABLE) {
    it(`${JSON.stringify(script)}${language ? ` (${language})` : ''}`, () => {
      const f = scriptForms([script], language);
      assert.equal(f.displayParts[0], display);
      assert.equal(f.spoken, spoken);
      assert.equal(f.identical, display === spoken);
      // Every display word knows its own piece of the spoken text, in order.
      assert.equal(f.spans.length, f.displayWords.length);
      let cursor = 0;
      for (const s of f.spans) {
        assert.ok(s.start >= cursor && s.end >= s.start);
        cursor = s.end;
      }
    });
  }

  it('scenes keep their own display text', () => {
    const f = scriptForms(['One costs $5.', '## Two\nis 50%'], 'en');
    assert.deepEqual(f.displayParts, ['One costs $5.', 'Two. is 50%']);
    assert.equal(f.spoken, 'One costs five dollars. Two. is fifty percent');
  });

  it('number words', () => {
    assert.equal(cardinal('1,200'), 'twelve hundred');
    assert.equal(cardinal('2000'), 'two thousand');
    assert.equal(cardinal('999,999'), 'nine hundred ninety-nine thousand nine hundred ninety-nine');
    assert.equal(cardinal('0.75'), 'zero point seven five');
    assert.equal(yearWords(1905), 'nineteen oh five');
    assert.equal(yearWords(1900), 'nineteen hundred');
    assert.equal(yearWords(2008), 'two thousand eight');
    assert.equal(yearWords(2031), 'twenty thirty-one');
  });

  it('English detection: the tag decides; without one, common English words do', () => {
    assert.equal(isEnglish('Hola a todos', 'en-GB'), true);
    assert.equal(isEnglish('The ocean is big', 'es'), false);
    assert.equal(isEnglish('The ocean covers most of our planet and it is deep.'), true);
    assert.equal(isEnglish('El océano cubre la mayor parte de nuestro planeta y es profundo.'), false);
    assert.equal(isEnglish('Der Ozean bedeckt den größten Teil unseres Planeten.'), false);
    assert.equal(isEnglish('Привет мир'), false);
  });

  it('markdown rules, images and code fences go; snake_case and 2*3 stay', () => {
    assert.equal(displayText('Intro\n\n---\n![logo](a.png)\n```\nx\n```\nuse snake_case and 2*3*4'), 'Intro x use snake_case and 2*3*4');
  });
});

describe('display timings from the spoken narration', () => {
  /** A narration of `spoken` whose words each last 0.5 s, one sentence. */
  function narrationOf(spoken: string): Narration {
    const words = splitWords(spoken).map((text, i) => ({ text, start: i * 0.5, end: i * 0.5 + 0.4 }));
    return { audioPath: 'x.wav', durationS: words.length * 0.5, words, sentenceEnds: [words.length] };
  }

  it('each display word lasts exactly as long as its own spoken words', () => {
    const f = scriptForms(['It costs $1,200 🚀 today. Really.'], 'en');
    assert.equal(f.spoken, 'It costs twelve hundred dollars today. Really.');
    const spoken = narrationOf(f.spoken);
    spoken.sentenceEnds = [6, 7];
    const shown = displayNarration(f, spoken);
    assert.deepEqual(shown.words.map((w) => w.text), ['It', 'costs', '$1,200', 'today.', 'Really.']);
    // "$1,200" is "twelve hundred dollars": spoken words 2..4.
    assert.deepEqual(shown.words[2], { text: '$1,200', start: 1, end: 2.4 });
    assert.deepEqual(shown.words[3], { text: 'today.', start: 2.5, end: 2.9 });
    assert.deepEqual(shown.sentenceEnds, [4, 5]);
  });

  it('a display word with nothing spoken sits at the edge of the word before it', () => {
    const f = scriptForms(['Visita www.ejemplo.es hoy.'], 'es');
    assert.equal(f.spoken, 'Visita hoy.');
    const shown = displayNarration(f, narrationOf(f.spoken));
    assert.deepEqual(shown.words.map((w) => [w.text, w.start, w.end]), [['Visita', 0, 0.4], ['www.ejemplo.es', 0.4, 0.4], ['hoy.', 0.5, 0.9]]);
    assert.deepEqual(shown.sentenceEnds, [3]);
  });

  it('an unchanged script keeps the narration as it is', () => {
    const f = scriptForms(['Nothing to change here.']);
    const n = narrationOf(f.spoken);
    assert.equal(displayNarration(f, n), n);
  });
});
