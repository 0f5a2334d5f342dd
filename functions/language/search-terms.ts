// Footage search terms for an English script, with no language model. compromise tags each word
// (noun, adjective, verb…); a few repairs fix the tags it gets wrong most often in narration
// ("darker than", "Anglerfish dangle glowing lures", "Sand dunes move"); the noun phrases are then
// the runs of modifiers and nouns, with determiners, numbers, pronouns, stop words and filler
// left out, and named things (people, places, organisations) marked. From those come a piece's
// terms (its own nouns, named things and its subject first) and the script's topic (the noun
// phrase its sentences keep coming back to, or the one it opens with). compromise is loaded on
// first use, so processes that never plan footage (the api) never pay its start-up.
import { ENGLISH_STOPWORDS } from './english.ts';
import { nlp } from './nlp.ts';

/** Nouns that name nothing anyone could film. */
const FILLER = new Set(
  ('thing things stuff kind sort lot lots way ways part parts bit bits fact facts reason reasons time times today ' +
    'something anything everything nothing someone anyone everyone people person one ones example number amount ' +
    'quarter third half percent rest end start beginning little basically actually really honestly literally ' +
    'there here idea ideas point points case cases question questions answer answers word words matter ' +
    'deal kinds sorts type types version versions place places fun view views ' +
    // Measures: a number's unit is not a subject.
    'metre metres meter meters kilometre kilometres kilometer kilometers mile miles foot feet inch inches ' +
    'gram grams kilogram kilograms kilo kilos pound pounds ton tons tonne tonnes litre litres liter liters ' +
    'degree degrees percent dollars dollar euros million millions billion billions thousand thousands hundred hundreds').split(' '),
);

/** Modifiers that count or point rather than describe. */
const VAGUE = new Set(
  ('all any each every few many much more most other others own same several some such certain various whole ' +
    'entire different next last first second third new old good bad great big small little real true main single ' +
    'only just even very').split(' '),
);

/** Words that end a sentence's main clause: what follows them is a clause of its own. */
const CLAUSE_WORDS = new Set(['when', 'because', 'while', 'if', 'although', 'though', 'since', 'unless', 'until', 'whereas', 'where', 'which', 'who', 'that']);

/** A noun phrase of a sentence. */
export interface NounPhrase {
  /** Lower-case words, modifiers first, at most three. */
  text: string;
  /** Its last noun, singular: what the phrase is about. */
  head: string;
  /** It names a person, place or organisation. */
  named: boolean;
  /** It comes before the main clause's verb: what the sentence is about. */
  subject: boolean;
  /** Something else's ("their blood", "Tokyo's lights"): an attribute, not what a script is about. */
  possessed: boolean;
}

interface Token {
  word: string;
  tags: Set<string>;
  /** Punctuation after it. */
  post: string;
  /** Written with a capital inside the sentence. */
  capital: boolean;
}

const has = (t: Token | undefined, ...tags: string[]) => !!t && tags.some((x) => t.tags.has(x));
const retag = (t: Token, add: string, ...remove: string[]) => {
  for (const r of remove) t.tags.delete(r);
  t.tags.add(add);
};

/** The noun phrases of each sentence of `text`, in the order they are said. */
export async function sentencePhrases(text: string): Promise<NounPhrase[][]> {
  const n = await nlp();
  const sentences = n(text).json() as { terms: { text: string; normal: string; tags: string[]; post: string }[] }[];
  const lexicon = (n.model() as { one: { lexicon: Record<string, string | undefined> } }).one.lexicon;
  const singulars = new Map<string, string>();
  const singular = (w: string) => {
    let one = singulars.get(w);
    if (one === undefined) {
      const d = n(w);
      d.tag('Noun');
      one = d.nouns().toSingular().text('normal') || w;
      singulars.set(w, one);
    }
    return one;
  };
  return sentences.map((s) => {
    const tokens: Token[] = s.terms.map((t, i) => ({ word: t.normal.replace(/'s$/, ''), tags: new Set(t.tags), post: t.post, capital: i > 0 && /^\p{Lu}/u.test(t.text) }));
    repairTags(tokens, lexicon);
    return phrasesOf(tokens, singular);
  });
}

/** A finite verb: one that makes a clause (not "rising", nor "catch" in "to catch"). */
function isFinite(tokens: Token[], i: number): boolean {
  const t = tokens[i]!;
  if (!has(t, 'Verb') || has(t, 'Gerund')) return false;
  return !(has(t, 'Infinitive') && tokens[i - 1]?.word === 'to');
}

/** Where the main clause ends: at a comma or a word that opens another clause. */
function mainClauseEnd(tokens: Token[]): number {
  for (let i = 0; i < tokens.length; i++) {
    if (i > 0 && CLAUSE_WORDS.has(tokens[i]!.word)) return i;
    if (/[,;:\u2013\u2014]/.test(tokens[i]!.post)) return i + 1;
  }
  return tokens.length;
}

/** The tags compromise gets wrong most often in narration, put right in place. */
function repairTags(tokens: Token[], lexicon: Record<string, string | undefined>): void {
  // "Desert dunes shift…": an opening "command" that the lexicon knows as a noun, before a noun, is its modifier.
  const first = tokens[0];
  if (first && has(first, 'Imperative') && NOUN_TAGS.has(lexicon[first.word] ?? '') && isNoun(tokens[1])) {
    retag(first, 'Noun', 'Verb', 'Imperative', 'PresentTense', 'Infinitive');
  }
  tokens.forEach((t, i) => {
    // "against", "across": compromise sometimes takes them for adjectives.
    if (PREPOSITIONS.has(t.word)) retag(t, 'Preposition', 'Adjective', 'Noun', 'Adverb');
    // "Ocean waves crash": a "verb" the lexicon knows as a plural noun, right after a noun, is one.
    if (has(t, 'Verb') && lexicon[t.word] === 'Plural' && isNoun(tokens[i - 1]) && !has(tokens[i - 1], 'ProperNoun')) {
      retag(t, 'Noun', 'Verb', 'PresentTense');
      t.tags.add('Plural');
    }
    // "Mount Fuji", "Lake Victoria": a capitalised word right before a name is part of it.
    if (t.capital && !has(t, 'Noun') && has(tokens[i + 1], 'ProperNoun') && !t.post.trim()) {
      retag(t, 'ProperNoun', 'Verb', 'PresentTense', 'Infinitive', 'Adjective');
      t.tags.add('Noun');
    }
    // "darker than any night": a comparative, not a thing.
    if (has(t, 'Noun') && tokens[i + 1]?.word === 'than') retag(t, 'Adjective', 'Noun', 'Singular', 'Plural');
    // "Sand dunes move": a plural between a noun and a verb is a noun, not a second verb.
    if (has(t, 'Verb') && !has(t, 'Gerund', 'Copula', 'Modal', 'Auxiliary') && /[^s]s$/.test(t.word) && isNoun(tokens[i - 1]) && isFinite(tokens, i + 1)) {
      retag(t, 'Noun', 'Verb', 'PresentTense');
      t.tags.add('Plural');
    }
  });
  // "Anglerfish dangle glowing lures", "Rising temperatures bleach them": a main clause has a
  // verb; with none, the last noun of its first run of nouns (after any gerunds) was one, when something
  // it could act on follows (a fragment such as "Coral reefs at dawn." keeps its nouns).
  const end = mainClauseEnd(tokens);
  if (tokens.slice(0, end).some((_, i) => isFinite(tokens, i))) return;
  // "Two of them pump blood": a "noun" right after a personal pronoun is its verb.
  const afterPronoun = tokens.findIndex((t, i) => i < end && isNoun(t) && !has(t, 'ProperNoun') && has(tokens[i - 1], 'Pronoun') && !has(tokens[i - 1], 'Possessive'));
  if (afterPronoun >= 0) {
    retag(tokens[afterPronoun]!, 'Verb', 'Noun', 'Singular', 'Plural', 'Uncountable');
    tokens[afterPronoun]!.tags.add('PresentTense');
    return;
  }
  const inRun = (t: Token | undefined) => (isNoun(t) || has(t, 'Gerund')) && !has(t, 'ProperNoun');
  const from = tokens.findIndex((t, i) => i < end && inRun(t));
  if (from < 0) return;
  let last = from;
  while (last + 1 < end && (isNoun(tokens[last + 1]) || (has(tokens[last], 'Gerund') && inRun(tokens[last + 1]))) && !has(tokens[last + 1], 'ProperNoun') && !tokens[last]!.post.trim()) last++;
  const verb = tokens[last]!;
  const next = tokens[last + 1];
  // A verb has something after it: an object, or (a plural subject, then a bare verb) a place or manner.
  const acts =
    has(next, 'Determiner', 'Pronoun', 'Adjective', 'Gerund', 'Noun', 'Adverb', 'Value') ||
    (has(next, 'Preposition') && /[^s]s$/.test(tokens[last - 1]?.word ?? '') && !/s$/.test(verb.word));
  if (last > from && isNoun(verb) && last + 1 < end && acts) {
    retag(verb, 'Verb', 'Noun', 'Singular', 'Plural', 'Uncountable');
    verb.tags.add('PresentTense');
  }
}

const PREPOSITIONS = new Set(
  ('about above across against along amid among around behind below beneath beside besides between beyond despite ' +
    'inside near onto outside past through throughout toward towards under underneath upon within without').split(' '),
);
const NOUN_TAGS = new Set(['Singular', 'Plural', 'Uncountable']);

function isNoun(t: Token | undefined): boolean {
  return has(t, 'Noun') && !has(t, 'Pronoun', 'Value', 'Duration', 'Unit', 'QuestionWord');
}

/** Words that may stand in a search query. */
const searchable = (w: string) => w.length > 2 && !ENGLISH_STOPWORDS.has(w) && !FILLER.has(w) && !VAGUE.has(w) && /\p{L}/u.test(w);

/** Runs of modifiers and nouns ending in a noun; filler nouns and vague modifiers break or leave them. */
function phrasesOf(tokens: Token[], singular: (w: string) => string): NounPhrase[] {
  const firstVerb = tokens.findIndex((_, i) => isFinite(tokens, i));
  const out: NounPhrase[] = [];
  let run: { t: Token; noun: boolean; at: number }[] = [];
  let possessed = false;
  const close = () => {
    // Modifiers after the last noun describe something else ("the sea is blue").
    while (run.length && !run.at(-1)!.noun) run.pop();
    const kept = run.filter((r) => searchable(r.t.word));
    run = [];
    const nouns = kept.filter((r) => r.noun);
    if (nouns.length === 0) return;
    const words = kept.slice(-3);
    const head = nouns.at(-1)!;
    out.push({
      text: words.map((r) => r.t.word).join(' '),
      head: singular(head.t.word),
      named: words.some((r) => has(r.t, 'Person', 'Place', 'Organization', 'ProperNoun')),
      subject: out.length === 0 && (firstVerb < 0 || head.at < firstVerb),
      possessed,
    });
  };
  tokens.forEach((t, i) => {
    const noun = isNoun(t) && !FILLER.has(t.word);
    // "glowing lures", "rising temperatures": a gerund right before a noun describes it.
    const modifier = !noun && (has(t, 'Adjective') || (has(t, 'Gerund') && isNoun(tokens[i + 1]))) && !has(t, 'Pronoun', 'Value');
    if (noun || modifier) {
      // A modifier after a noun starts a new phrase ("fish bright lights" is two things).
      if (modifier && run.some((r) => r.noun)) close();
      if (run.length === 0) possessed = has(tokens[i - 1], 'Possessive');
      run.push({ t, noun, at: i });
      if (/[^\s'’-]/.test(t.post) || has(t, 'Possessive')) close();
    } else close();
  });
  close();
  return out;
}

/** Up to `max` search terms for `text`: named things first, then its subject, then the rest as said. */
export async function searchTerms(text: string, max = 2): Promise<string[]> {
  const phrases = (await sentencePhrases(text)).flat();
  const rank = (p: NounPhrase) => (p.named ? 0 : p.subject ? 1 : 2);
  const ordered = phrases.map((p, i) => ({ p, i })).sort((a, b) => rank(a.p) - rank(b.p) || a.i - b.i);
  const out: string[] = [];
  for (const { p } of ordered) {
    if (out.some((t) => t === p.text || t.includes(p.text) || p.text.includes(t))) continue;
    out.push(p.text);
    if (out.length >= max) break;
  }
  return out;
}

/**
 * The script's topic: the noun phrase whose head most of its sentences mention (half as much
 * where it is something else's, "their blood"), the opening sentence, named things and subjects
 * weighing more; null when it names nothing.
 */
export async function scriptTopic(text: string): Promise<string | null> {
  const sentences = await sentencePhrases(text);
  const heads = new Map<string, { mentions: Map<number, number>; bonus: number; forms: Map<string, number>; first: number }>();
  let order = 0;
  sentences.forEach((phrases, s) => {
    for (const p of phrases) {
      const h = heads.get(p.head) ?? { mentions: new Map<number, number>(), bonus: 0, forms: new Map<string, number>(), first: order };
      h.mentions.set(s, Math.max(h.mentions.get(s) ?? 0, p.possessed ? 0.5 : 1));
      const own = !p.possessed;
      h.bonus = Math.max(h.bonus, (s === 0 && own ? 0.5 : 0) + (p.named ? 0.5 : 0) + (p.subject && own ? 0.25 : 0));
      h.forms.set(p.text, (h.forms.get(p.text) ?? 0) + 1);
      heads.set(p.head, h);
      order++;
    }
  });
  const score = (h: { mentions: Map<number, number>; bonus: number }) => [...h.mentions.values()].reduce((a, b) => a + b, 0) + h.bonus;
  const best = [...heads.values()].sort((a, b) => score(b) - score(a) || a.first - b.first)[0];
  if (!best) return null;
  // Its most frequent form; the fullest one on a tie ("deep ocean" over "ocean").
  return [...best.forms.entries()].sort((a, b) => b[1] - a[1] || b[0].length - a[0].length)[0]![0];
}

/** A query of fewer words than this is too thin to find footage of its own: the topic joins it. */
const THIN_WORDS = 2;
const MAX_QUERY_WORDS = 4;

/**
 * The search query of a piece: its own terms first, in their order, whole terms up to four words;
 * the topic's words only where its own are too thin (or there are none).
 */
export function pieceQuery(terms: string[], topic: string): string {
  const own: string[] = [];
  for (const t of terms) {
    const w = words(t).filter((x) => !own.includes(x));
    if (own.length > 0 && own.length + w.length > MAX_QUERY_WORDS) break;
    own.push(...w.slice(-MAX_QUERY_WORDS));
  }
  if (own.length >= THIN_WORDS) return own.join(' ');
  return [...new Set([...own, ...words(topic).slice(0, 3)])].join(' ');
}

function words(s: string): string[] {
  return s.toLowerCase().match(/[\p{L}\p{N}][\p{L}\p{N}'-]*/gu)?.map((w) => w.replace(/'s$/, '')) ?? [];
}
