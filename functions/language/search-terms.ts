// Footage search terms for one piece of an English script, with no language model: the named
// things (people, places, organisations) and noun phrases compromise finds in its words, with
// determiners, numbers, dates, pronouns, stop words and filler dropped. compromise is loaded on
// first use, so processes that never plan footage (the api) never pay its start-up.
import { ENGLISH_STOPWORDS } from './english.ts';
import { nlp } from './nlp.ts';

/** Words that name nothing anyone could film. */
const FILLER = new Set(
  ('thing things stuff kind sort lot lots way ways part parts bit bits fact facts reason reasons time times today ' +
    'something anything everything nothing someone anyone everyone people person one ones example number amount ' +
    'quarter third half percent rest end start beginning little basically actually really honestly literally').split(' '),
);

/** Tags removed from a noun phrase before it becomes a search term. */
const DROP = '(#Determiner|#Possessive|#Pronoun|#Value|#Date|#Adverb|#Preposition|#Conjunction|#QuestionWord)';

/** Up to `max` search terms for `text`, most telling first; none that repeat the topic. */
export async function searchTerms(text: string, topic: string, max = 2): Promise<string[]> {
  const n = await nlp();
  const doc = n(text);
  const named = doc.topics().out('array') as string[];
  const phrases = (doc.nouns().out('array') as string[]).map((p) => {
    const d = n(p);
    d.remove(DROP);
    return d.text('normal');
  });
  const topicWords = new Set(words(topic));
  const lower = text.toLowerCase();
  // In the order the piece says them; a named thing before a phrase at the same place.
  const candidates = [...named, ...phrases]
    .map((raw, i) => ({ raw, at: lower.indexOf(raw.toLowerCase().split(/\s+/)[0] ?? ''), i }))
    .sort((a, b) => (a.at < 0 ? Infinity : a.at) - (b.at < 0 ? Infinity : b.at) || a.i - b.i);
  const out: string[] = [];
  for (const { raw } of candidates) {
    const term = words(raw)
      .filter((w) => w.length > 2 && !ENGLISH_STOPWORDS.has(w) && !FILLER.has(w))
      .slice(-3)
      .join(' ');
    if (!term || out.some((t) => t === term || t.includes(term) || term.includes(t))) continue;
    if (term.split(' ').every((w) => topicWords.has(w))) continue;
    out.push(term);
    if (out.length >= max) break;
  }
  return out;
}

/** The search query of a piece: its terms, kept on subject by the topic's words. */
export function pieceQuery(terms: string[], topic: string): string {
  return [...new Set([...terms.flatMap(words).slice(0, 4), ...words(topic).slice(0, 3)])].join(' ');
}

function words(s: string): string[] {
  return s.toLowerCase().match(/[\p{L}\p{N}][\p{L}\p{N}'-]*/gu)?.map((w) => w.replace(/'s$/, '')) ?? [];
}
