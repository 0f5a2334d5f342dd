// Splitting a script into sentences and words. Speech providers use the sentences to synthesise
// in parts and to report where sentences end; captions and cuts are built on those boundaries.

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
