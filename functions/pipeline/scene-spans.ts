// Where each scene's speech lies in the narration, so each scene's clips cover its own words.

import { splitWords } from '../domain/text.ts';
import type { Narration } from '../domain/media.ts';

/** Each scene's time span in the narration, from how many words each scene contributed. */
export function sceneSpans(narration: Narration, sceneTexts: string[], language?: string): { startS: number; endS: number }[] {
  const words = narration.words;
  const spans: { startS: number; endS: number }[] = [];
  let w = 0;
  for (let i = 0; i < sceneTexts.length; i++) {
    const n = splitWords(sceneTexts[i] ?? '', language).length;
    const startS = i === 0 ? 0 : (spans[i - 1]?.endS ?? 0);
    const last = i === sceneTexts.length - 1;
    const next = words[w + n];
    const endS = last || !next ? narration.durationS : next.start;
    spans.push({ startS, endS: Math.max(startS, endS) });
    w += n;
  }
  return spans;
}

