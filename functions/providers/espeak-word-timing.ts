// Word timings for espeak-ng narration, which reports none: each sentence is synthesised alone,
// so its sound span is exact, and its words are placed inside it by spoken weight (pinned to the
// measured clause pauses where they can be matched to commas). Pure.
import type { WordTiming } from '../domain/media.ts';
import { spokenWeight } from '../domain/text.ts';
import { round3 } from '../lib/numbers.ts';

export interface SentenceSpan {
  /** Where the sentence's sound starts and ends in the joined narration, seconds. */
  startS: number;
  endS: number;
  /** Silences inside the sentence long enough to be clause pauses, in narration time. */
  pauses?: { startS: number; endS: number }[];
}

const CLAUSE_END = /[,;:，、；：]$/u;

/**
 * Times every caption word (the script's words as written) inside the sound of its sentence.
 * Words are assigned to sentences by their position in the script, so sentenceEnds are exact.
 * When the sentence has as many measured pauses as clause-ending words (commas), each clause is
 * pinned between its pauses; within a clause (or a sentence without that match) words share the
 * time in proportion to their spoken weight.
 */
export function placeWords(
  text: string,
  sentences: string[],
  words: string[],
  spans: SentenceSpan[],
): { wordTimings: WordTiming[]; sentenceEnds: number[] } {
  const sentenceStarts: number[] = [];
  let cursor = 0;
  for (const s of sentences) {
    const at = text.indexOf(s, cursor);
    sentenceStarts.push(at >= 0 ? at : cursor);
    cursor = (at >= 0 ? at : cursor) + s.length;
  }
  const bySentence: string[][] = sentences.map(() => []);
  cursor = 0;
  let si = 0;
  for (const w of words) {
    const at = text.indexOf(w, cursor);
    const pos = at >= 0 ? at : cursor;
    if (at >= 0) cursor = at + w.length;
    while (si + 1 < sentences.length && (sentenceStarts[si + 1] ?? Infinity) <= pos) si++;
    bySentence[si]!.push(w);
  }

  const wordTimings: WordTiming[] = [];
  const sentenceEnds: number[] = [];
  bySentence.forEach((ws, i) => {
    if (ws.length === 0) return;
    const span = spans[i]!;
    const breaks = ws.flatMap((w, k) => (k < ws.length - 1 && CLAUSE_END.test(w) ? [k] : []));
    const pauses = span.pauses ?? [];
    if (breaks.length > 0 && pauses.length >= breaks.length) {
      // The longest silences are the clause pauses; keep them in time order.
      const chosen = [...pauses].sort((a, b) => b.endS - b.startS - (a.endS - a.startS)).slice(0, breaks.length);
      chosen.sort((a, b) => a.startS - b.startS);
      let from = 0;
      let startS = span.startS;
      breaks.forEach((k, b) => {
        spread(ws.slice(from, k + 1), startS, chosen[b]!.startS, wordTimings);
        from = k + 1;
        startS = chosen[b]!.endS;
      });
      spread(ws.slice(from), startS, span.endS, wordTimings);
    } else {
      spread(ws, span.startS, span.endS, wordTimings);
    }
    sentenceEnds.push(wordTimings.length);
  });
  return { wordTimings, sentenceEnds };
}

/**
 * Shares [startS, endS] among words by spoken weight. A word's trailing punctuation pause stays
 * silent after it, except the last word's: the span already ends where the sound does.
 */
function spread(ws: string[], startS: number, endS: number, out: WordTiming[]): void {
  const voiced = ws.map((w) => spokenWeight(w.replace(/[^\p{L}\p{N}]+$/u, '')));
  const slots = ws.map((w, k) => (k === ws.length - 1 ? voiced[k]! : spokenWeight(w)));
  const total = slots.reduce((a, b) => a + b, 0);
  const perUnit = Math.max(0, endS - startS) / total;
  let t = startS;
  ws.forEach((w, k) => {
    const start = t;
    t += slots[k]! * perUnit;
    out.push({ text: w, start: round3(start), end: round3(start + voiced[k]! * perUnit) });
  });
}

/** What one synthesis run says: a sentence, or a stretch of a long one. */
export interface SynthesisParts {
  /** The texts to synthesise one by one, in script order, each a slice of the script. */
  parts: string[];
  /** The sentence each part belongs to. */
  sentenceOf: number[];
}

/**
 * Sentences to synthesise, each cut into parts of at most `maxChars` where it is longer: espeak-ng
 * writes a sentence's whole WAV to stdout, and an unpunctuated script of a few thousand characters
 * would be one sentence over the runner's output cap. Cuts fall between words (the caption words,
 * so every word lies in exactly one part and its timing stays inside its part's measured sound),
 * after a clause's punctuation where one is in the second half of the part, else after the last
 * word that fits. A word longer than `maxChars` is a part of its own. Pure.
 */
export function synthesisParts(text: string, sentences: string[], words: string[], maxChars: number): SynthesisParts {
  const starts = positionsOf(text, sentences);
  const wordAt = positionsOf(text, words);
  const out: SynthesisParts = { parts: [], sentenceOf: [] };
  let w = 0;
  sentences.forEach((sentence, si) => {
    const end = starts[si]! + sentence.length;
    // The words of this sentence: those that start before it ends (the next sentence's start).
    const first = w;
    while (w < words.length && (si === sentences.length - 1 || wordAt[w]! < (starts[si + 1] ?? Infinity))) w++;
    if (sentence.length <= maxChars || w - first < 2) {
      out.parts.push(sentence);
      out.sentenceOf.push(si);
      return;
    }
    let from = first;
    while (from < w) {
      const partStart = from === first ? starts[si]! : wordAt[from]!;
      let to = from + 1;
      let clause = -1;
      while (to < w && wordAt[to]! + words[to]!.length - partStart <= maxChars) {
        if (CLAUSE_END.test(words[to - 1]!) && wordAt[to - 1]! + words[to - 1]!.length - partStart >= maxChars / 2) clause = to;
        to++;
      }
      if (to < w && clause > from) to = clause;
      const partEnd = to < w ? wordAt[to - 1]! + words[to - 1]!.length : end;
      out.parts.push(text.slice(partStart, partEnd));
      out.sentenceOf.push(si);
      from = to;
    }
  });
  return out;
}

/** Where each of `pieces` starts in `text`, searched in order (a piece not found is placed where the last one ended). */
function positionsOf(text: string, pieces: string[]): number[] {
  let cursor = 0;
  return pieces.map((p) => {
    const at = text.indexOf(p, cursor);
    const pos = at >= 0 ? at : cursor;
    cursor = pos + (at >= 0 ? p.length : 0);
    return pos;
  });
}
