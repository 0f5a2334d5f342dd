// Which caption words are drawn emphasised: the ones the script marks `**like this**` (or
// `__like this__`), and with `emphasis: "auto"` also numbers, amounts and named things: for
// English what compromise tags as values and proper nouns; in any language, words with digits.
// Per display word, in the order scriptForms lists them, so the flags line up with the narration's words.
import type { EmphasisMode } from '../domain/look.ts';
import { splitWords } from '../domain/text.ts';
import { displayText, EMPHASIS_CLOSE, EMPHASIS_OPEN, markedDisplayText } from './display-text.ts';
import { isEnglish } from './english.ts';
import { nlp } from './nlp.ts';

const MARKS = /[\ue000\ue001]/gu;

/** Per display word of `parts` (scriptForms' displayWords): inside strong-emphasis marks. */
export function markedWords(parts: string[], language?: string): boolean[] {
  return parts.flatMap((part) => markedInPart(part, language));
}

function markedInPart(part: string, language?: string): boolean[] {
  const marked = markedDisplayText(part);
  const plain = displayText(part);
  const words = splitWords(plain, language);
  // The marks only wrap text that is there either way; should the two forms ever differ, nothing is marked rather than the wrong words.
  if (marked.replace(MARKS, '') !== plain) return words.map(() => false);
  // Which characters of the plain text lie inside marks.
  const inside: boolean[] = [];
  let depth = 0;
  for (const ch of marked) {
    if (ch === EMPHASIS_OPEN) depth++;
    else if (ch === EMPHASIS_CLOSE) depth = Math.max(0, depth - 1);
    else for (let k = 0; k < ch.length; k++) inside.push(depth > 0);
  }
  // Words are the plain text's characters in order (spaces apart; the segmenter may glue
  // punctuation on), so a cursor over its non-space characters finds each word's own.
  let at = 0;
  return words.map((w) => {
    let hit = false;
    for (const ch of w) {
      if (/\s/u.test(ch)) continue;
      while (at < plain.length && plain.startsWith(ch, at) === false) at++;
      for (let k = 0; k < ch.length; k++) hit ||= inside[at + k] ?? false;
      at += ch.length;
    }
    return hit;
  });
}

/** A word with a digit: a number, an amount, a percentage, a year, "3rd", "10x". */
const HAS_DIGIT = /\p{Nd}/u;

/**
 * Numbers, amounts and named things among `words` (caption words, punctuation attached): any
 * word with a digit in every language; in English also number words and amounts ("three
 * million"), proper nouns ("Elon Musk"), people, places and organisations, as compromise tags them.
 */
export async function autoEmphasis(words: string[], language?: string): Promise<boolean[]> {
  const out = words.map((w) => HAS_DIGIT.test(w));
  if (!isEnglish(words.join(' '), language)) return out;
  const n = await nlp();
  const text = words.join(' ');
  // Where each word starts in `text`, to map compromise's character offsets back to words.
  const starts: number[] = [];
  let pos = 0;
  for (const w of words) {
    starts.push(pos);
    pos += w.length + 1;
  }
  const wordAt = (offset: number) => {
    let i = 0;
    while (i + 1 < starts.length && starts[i + 1]! <= offset) i++;
    return i;
  };
  const doc = n(text);
  const matches = [doc.match('#Value+'), doc.match('#ProperNoun+'), doc.topics()];
  for (const m of matches) {
    for (const hit of m.json({ offset: true }) as { offset: { start: number; length: number } }[]) {
      const first = wordAt(hit.offset.start);
      const last = wordAt(hit.offset.start + Math.max(0, hit.offset.length - 1));
      for (let i = first; i <= last; i++) out[i] = true;
    }
  }
  return out;
}

/** The emphasis of each display word for a mode: `marked` (the script's marks), `auto` (marks plus autoEmphasis), `off`. */
export async function emphasisOf(mode: EmphasisMode, parts: string[], words: string[], language?: string): Promise<boolean[]> {
  if (mode === 'off') return words.map(() => false);
  const marked = markedWords(parts, language);
  if (marked.length !== words.length) throw new Error(`emphasis: ${marked.length} marked flags for ${words.length} display words`);
  if (mode === 'marked') return marked;
  const auto = await autoEmphasis(words, language);
  return marked.map((m, i) => m || auto[i]!);
}
