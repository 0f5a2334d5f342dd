// Whether a script is English: the spoken-form expansions and the per-sentence search terms are
// English-only, and anything else is left as written (and searched by its topic).

/** Very common English words: frequent enough that any English prose is full of them. */
export const ENGLISH_STOPWORDS: ReadonlySet<string> = new Set(
  ('a about after all also an and any are as at be because been but by can could did do does for from had has have he her ' +
    'here him his how i if in into is it its just like me more most my no not now of on one only or our out over she so ' +
    'some than that the their them then there these they this those to too up us very was we were what when where which ' +
    'who why will with would you your').split(' '),
);

/** Share of stop words above which untagged Latin text is taken as English. */
const ENGLISH_SHARE = 0.12;

/**
 * English when the language tag says so; with no tag, when the text is Latin script and enough of
 * its words are common English words (Spanish or German prose scores far below the threshold).
 */
export function isEnglish(text: string, language?: string): boolean {
  if (language) return /^en(-|$)/i.test(language);
  const words = text.toLowerCase().match(/\p{L}+/gu) ?? [];
  if (words.length === 0) return false;
  const latin = words.filter((w) => /^\p{Script=Latin}+$/u.test(w)).length;
  if (latin < words.length * 0.8) return false;
  const common = words.filter((w) => ENGLISH_STOPWORDS.has(w)).length;
  return common / words.length >= ENGLISH_SHARE || (words.length < 8 && common > 0);
}
