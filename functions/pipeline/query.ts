// The topic of a video when the request names none: for English, the script's main noun phrase
// (language/search-terms.ts); for other languages, which compromise cannot tag, its most
// frequent telling words.
import { isEnglish } from '../language/english.ts';
import { scriptTopic } from '../language/search-terms.ts';

/** What a script that names nothing filmable is searched by. */
export const GENERIC_TOPIC = 'nature';

const STOPWORDS = new Set(
  ('a an and are as at be been but by can could did do does for from had has have he her his how i if in into is ' +
    'it its just me more most my no not of on or our out she so than that the their them then there these they ' +
    'this those to too up us very was we were what when where which who why will with would you your').split(' '),
);

/** The request's own search when it sent one, else the script's topic, else GENERIC_TOPIC. */
export async function topicFor(explicit: string | undefined, text: string, language: string | undefined): Promise<string> {
  if (explicit?.trim()) return explicit.trim();
  if (isEnglish(text, language)) return (await scriptTopic(text)) ?? GENERIC_TOPIC;
  return frequentWords(text) || GENERIC_TOPIC;
}

/** A text's most frequent words of three letters or more that are not stop words (any language). */
export function frequentWords(text: string, maxWords = 3): string {
  const counts = new Map<string, number>();
  for (const raw of text.toLowerCase().split(/[^\p{L}\p{N}]+/u)) {
    if (raw.length < 3 || STOPWORDS.has(raw)) continue;
    counts.set(raw, (counts.get(raw) ?? 0) + 1);
  }
  const ranked = [...counts.entries()].sort((a, b) => b[1] - a[1] || b[0].length - a[0].length);
  return ranked.slice(0, maxWords).map(([w]) => w).join(' ');
}
