// Splitting a script into sentences and words, and finding where its words and sentences are.
// Speech providers use the sentences to synthesise in parts and to report where sentences end;
// captions and cuts are built on those boundaries.

const segmenterCache = new Map<string, { sentences: Intl.Segmenter; words: Intl.Segmenter }>();

function segmenters(language: string | undefined) {
  const key = language ?? 'und';
  let s = segmenterCache.get(key);
  if (!s) {
    const locale = language && Intl.Segmenter.supportedLocalesOf([language]).length ? language : undefined;
    s = {
      sentences: new Intl.Segmenter(locale, { granularity: 'sentence' }),
      words: new Intl.Segmenter(locale, { granularity: 'word' }),
    };
    segmenterCache.set(key, s);
  }
  return s;
}

/** Collapse whitespace so that character offsets match what a TTS engine is sent. */
export function normaliseScript(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/** Sentences, trimmed and non-empty, in order. Works for any script Intl.Segmenter knows. */
export function splitSentences(text: string, language?: string): string[] {
  const out: string[] = [];
  for (const { segment } of segmenters(language).sentences.segment(normaliseScript(text))) {
    const s = segment.trim();
    if (s) out.push(s);
  }
  return out;
}

/**
 * Caption words: whitespace-separated tokens with their punctuation attached ("world,"), so a
 * caption shows the text as written. Scripts written without spaces (Chinese, Japanese, Thai)
 * fall back to the segmenter's word-like segments, punctuation glued to the preceding word.
 */
export function splitWords(text: string, language?: string): string[] {
  const clean = normaliseScript(text);
  if (!clean) return [];
  const tokens = clean.split(' ');
  if (tokens.some((t) => t.length > 12 && /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Thai}]/u.test(t))) {
    const words: string[] = [];
    for (const part of segmenters(language).words.segment(clean)) {
      if (part.isWordLike) words.push(part.segment);
      else if (part.segment.trim() && words.length) words[words.length - 1] += part.segment.trim();
      else if (part.segment.trim()) words.push(part.segment.trim());
    }
    return words;
  }
  return tokens;
}

/** Weight of a word for time estimates: letters take time, punctuation adds a pause. */
export function spokenWeight(word: string): number {
  const letters = word.replace(/[^\p{L}\p{N}]/gu, '').length;
  const pause = /[.!?。！？]$/u.test(word) ? 3 : /[,;:，、；：]$/u.test(word) ? 1.5 : 0;
  return Math.max(1, letters) + 1 + pause;
}

/** Where each word sits in the normalised text: [start, end) UTF-16 offsets. */
export interface WordSpan {
  start: number;
  end: number;
}

/**
 * Offsets of each word in normaliseScript(text). Words are found in order; one that cannot be
 * found (it never happens with splitWords' output) takes the position after its predecessor.
 */
export function locateWords(text: string, words: string[]): WordSpan[] {
  const clean = normaliseScript(text);
  const spans: WordSpan[] = [];
  let cursor = 0;
  for (const w of words) {
    const at = clean.indexOf(w, cursor);
    const start = at >= 0 ? at : cursor;
    const end = at >= 0 ? at + w.length : cursor;
    spans.push({ start, end });
    cursor = end;
  }
  return spans;
}

/**
 * Exclusive word indices where the sentences of `text` end, strictly increasing, the last one
 * equal to words.length: the cut points and caption breaks the timeline builds on.
 */
export function sentenceEndIndices(text: string, words: string[], language?: string): number[] {
  if (words.length === 0) return [];
  const clean = normaliseScript(text);
  const spans = locateWords(clean, words);
  const ends: number[] = [];
  let cursor = 0;
  let w = 0;
  for (const sentence of splitSentences(clean, language)) {
    const at = clean.indexOf(sentence, cursor);
    const endOffset = (at >= 0 ? at : cursor) + sentence.length;
    cursor = endOffset;
    while (w < spans.length && (spans[w] as WordSpan).start < endOffset) w++;
    if (w > (ends.at(-1) ?? 0)) ends.push(w);
  }
  if ((ends.at(-1) ?? 0) < words.length) ends.push(words.length);
  return ends;
}
