// A footage search query when the client sent none: the script's most telling words.
const STOPWORDS = new Set(
  ('a an and are as at be been but by can could did do does for from had has have he her his how i if in into is ' +
    'it its just me more most my no not of on or our out she so than that the their them then there these they ' +
    'this those to too up us very was we were what when where which who why will with would you your').split(' '),
);

export function queryFor(explicit: string | undefined, text: string, maxWords = 3): string {
  if (explicit?.trim()) return explicit.trim();
  const counts = new Map<string, number>();
  for (const raw of text.toLowerCase().split(/[^\p{L}\p{N}]+/u)) {
    if (raw.length < 3 || STOPWORDS.has(raw)) continue;
    counts.set(raw, (counts.get(raw) ?? 0) + 1);
  }
  const ranked = [...counts.entries()].sort((a, b) => b[1] - a[1] || b[0].length - a[0].length);
  return ranked.slice(0, maxWords).map(([w]) => w).join(' ') || 'nature';
}
