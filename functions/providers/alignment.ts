// Character timings (what ElevenLabs returns) → timings for the caption words of the script.
// Captions must show the script as written, so the words come from splitWords and the alignment
// is mapped onto them: exactly when the aligned characters are the script's, by matching words
// when the engine normalised the text ("12" spoken as "twelve"), by spoken weight otherwise.

import { spokenWeight } from '../domain/text.ts';
import type { WordTiming } from '../domain/media.ts';
import { round3 } from '../lib/numbers.ts';

export interface CharacterAlignment {
  characters: string[];
  character_start_times_seconds: number[];
  character_end_times_seconds: number[];
}

interface TimedChar {
  text: string;
  start: number;
  end: number;
}

/** Past this many word×token cells the matching table costs more than it is worth; spread by weight instead. */
const MAX_MATCH_CELLS = 4_000_000;

/**
 * Word timings for `words` (in order) spoken in `durationS` seconds of audio. `alignment` may be
 * null or malformed; then the words are spread over the audio by their spoken weight.
 */
export function wordTimingsFromAlignment(
  words: string[],
  alignment: CharacterAlignment | null | undefined,
  durationS: number,
): WordTiming[] {
  if (words.length === 0) return [];
  const chars = validChars(alignment);
  const timings = chars
    ? (exactMatch(words, chars) ?? tokenMatch(words, chars))
    : spread(words, 0, words.length, 0, durationS);
  return tidy(words, timings, durationS);
}

function validChars(a: CharacterAlignment | null | undefined): TimedChar[] | null {
  if (!a || !Array.isArray(a.characters)) return null;
  const n = a.characters.length;
  const starts = a.character_start_times_seconds;
  const ends = a.character_end_times_seconds;
  if (n === 0 || !Array.isArray(starts) || !Array.isArray(ends) || starts.length !== n || ends.length !== n) return null;
  const out: TimedChar[] = [];
  for (let i = 0; i < n; i++) {
    const text = a.characters[i];
    const start = starts[i];
    const end = ends[i];
    if (typeof text !== 'string' || !Number.isFinite(start) || !Number.isFinite(end)) return null;
    out.push({ text, start: start as number, end: Math.max(start as number, end as number) });
  }
  return out;
}

/** The aligned text is the script itself (whitespace aside): each word takes its own characters' times. */
function exactMatch(words: string[], chars: TimedChar[]): number[][] | null {
  const owner: number[] = [];
  let aligned = '';
  chars.forEach((c, i) => {
    const t = c.text.replace(/\s+/gu, '');
    for (let k = 0; k < t.length; k++) owner.push(i);
    aligned += t;
  });
  const joined = words.join('');
  if (aligned.normalize('NFC') !== joined.normalize('NFC') || aligned.length !== joined.length) return null;
  const out: number[][] = [];
  let at = 0;
  for (const w of words) {
    const first = chars[owner[at] as number] as TimedChar;
    const last = chars[owner[at + w.length - 1] as number] as TimedChar;
    out.push([first.start, last.end]);
    at += w.length;
  }
  return out;
}

interface Token {
  key: string;
  start: number;
  end: number;
}

/**
 * The engine spoke a normalised text. Tokens that still match a script word (most of them) anchor
 * it; the words in between share the time between their anchors by spoken weight.
 */
function tokenMatch(words: string[], chars: TimedChar[]): number[][] {
  const tokens: Token[] = [];
  let cur: Token | null = null;
  let raw = '';
  for (const c of chars) {
    if (/^\s*$/u.test(c.text)) {
      if (cur) tokens.push({ ...cur, key: matchKey(raw) });
      cur = null;
      raw = '';
      continue;
    }
    if (!cur) cur = { key: '', start: c.start, end: c.end };
    cur.end = Math.max(cur.end, c.end);
    raw += c.text;
  }
  if (cur) tokens.push({ ...cur, key: matchKey(raw) });
  const first = chars[0] as TimedChar;
  const spanStart = tokens[0]?.start ?? first.start;
  const spanEnd = tokens.at(-1)?.end ?? (chars.at(-1) as TimedChar).end;

  const keys = words.map(matchKey);
  const anchors = words.length * tokens.length <= MAX_MATCH_CELLS ? matchWords(keys, tokens) : matchNearby(keys, tokens);
  const out: number[][] = new Array(words.length);
  let prevWord = 0;
  let prevEnd = spanStart;
  for (const [wi, ti] of [...anchors, [words.length, -1] as const]) {
    const tok = tokens[ti];
    const gapEnd = tok ? tok.start : spanEnd;
    const filled = spread(words, prevWord, wi, prevEnd, Math.max(prevEnd, gapEnd));
    filled.forEach((t, k) => (out[prevWord + k] = t));
    if (tok) {
      out[wi] = [tok.start, tok.end];
      prevEnd = tok.end;
    }
    prevWord = wi + 1;
  }
  return out;
}

/** Longest common subsequence of words and tokens on their match keys: [wordIndex, tokenIndex] pairs in order. */
function matchWords(keys: string[], tokens: Token[]): (readonly [number, number])[] {
  const n = keys.length;
  const m = tokens.length;
  const width = m + 1;
  const table = new Uint32Array((n + 1) * width);
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      const same = keys[i] !== '' && keys[i] === tokens[j]?.key;
      table[i * width + j] = same
        ? (table[(i + 1) * width + j + 1] as number) + 1
        : Math.max(table[(i + 1) * width + j] as number, table[i * width + j + 1] as number);
    }
  }
  const pairs: (readonly [number, number])[] = [];
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    if (keys[i] !== '' && keys[i] === tokens[j]?.key) {
      pairs.push([i, j]);
      i++;
      j++;
    } else if ((table[(i + 1) * width + j] as number) >= (table[i * width + j + 1] as number)) i++;
    else j++;
  }
  return pairs;
}

/**
 * Linear-time stand-in for matchWords on very long parts: each word looks for its token a few
 * tokens ahead of the last match. A normaliser expands a number into a handful of words at most.
 */
function matchNearby(keys: string[], tokens: Token[], window = 12): (readonly [number, number])[] {
  const pairs: (readonly [number, number])[] = [];
  let j = 0;
  for (let i = 0; i < keys.length && j < tokens.length; i++) {
    if (!keys[i]) continue;
    for (let k = j; k < Math.min(tokens.length, j + window); k++) {
      if (tokens[k]?.key === keys[i]) {
        pairs.push([i, k]);
        j = k + 1;
        break;
      }
    }
  }
  return pairs;
}

function matchKey(s: string): string {
  return s.normalize('NFKC').toLowerCase().replace(/[^\p{L}\p{N}]/gu, '');
}

/** Words [from, to) share [t0, t1] in proportion to their spoken weight. */
function spread(words: string[], from: number, to: number, t0: number, t1: number): number[][] {
  const weights = words.slice(from, to).map(spokenWeight);
  const total = weights.reduce((a, b) => a + b, 0);
  const out: number[][] = [];
  let acc = 0;
  for (const w of weights) {
    const start = t0 + ((t1 - t0) * acc) / total;
    acc += w;
    out.push([start, t0 + ((t1 - t0) * acc) / total]);
  }
  return out;
}

/** Monotonic, inside the audio, rounded to the millisecond. */
function tidy(words: string[], timings: number[][], durationS: number): WordTiming[] {
  const out: WordTiming[] = [];
  let floor = 0;
  words.forEach((text, i) => {
    const [s = floor, e = s] = timings[i] ?? [];
    const start = Math.min(durationS, Math.max(floor, s));
    const end = Math.min(durationS, Math.max(start, e));
    const endR = Math.min(durationS, round3(end));
    out.push({ text, start: Math.min(endR, round3(start)), end: endR });
    floor = start;
  });
  return out;
}
