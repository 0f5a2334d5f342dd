// The voice spoke the spoken form; captions, cuts and scene spans work on the display words. Each
// spoken word belongs to the display word whose spoken form contains it, so a display word's
// timing is exactly the span of its own spoken words ("1,200" lasts as long as "twelve hundred").
import type { Narration, WordTiming } from '../domain/media.ts';
import type { ScriptForms } from '../language/spoken-form.ts';
import { locateWords } from '../domain/text.ts';

export function displayNarration(forms: ScriptForms, spoken: Narration): Narration {
  if (forms.identical) return spoken;
  const display = forms.displayWords;
  const at = locateWords(forms.spoken, spoken.words.map((w) => w.text));
  // owner[k]: the display word spoken word k belongs to (spans are in order, so one pass).
  const owner: number[] = [];
  let d = 0;
  for (const span of at) {
    // Skip the display words whose spoken form ends before this word starts (silent ones included).
    while (d < display.length - 1 && forms.spans[d]!.end <= span.start) d++;
    owner.push(d);
  }

  const timings: (WordTiming | null)[] = display.map(() => null);
  spoken.words.forEach((w, k) => {
    const i = owner[k]!;
    const t = timings[i];
    timings[i] = t ? { text: t.text, start: Math.min(t.start, w.start), end: Math.max(t.end, w.end) } : { text: display[i]!, start: w.start, end: w.end };
  });
  // A display word with nothing spoken (a link in a non-English script) sits at its neighbour's edge.
  const words: WordTiming[] = [];
  for (let i = 0; i < display.length; i++) {
    const t = timings[i];
    if (t) {
      words.push(t);
      continue;
    }
    const edge = words.at(-1)?.end ?? timings.find((x) => x !== null)?.start ?? 0;
    words.push({ text: display[i]!, start: edge, end: edge });
  }

  const sentenceEnds: number[] = [];
  for (const e of spoken.sentenceEnds) {
    const end = e >= spoken.words.length ? display.length : owner[e - 1]! + 1;
    if (end > (sentenceEnds.at(-1) ?? 0)) sentenceEnds.push(end);
  }
  if ((sentenceEnds.at(-1) ?? 0) < display.length) sentenceEnds.push(display.length);
  return { ...spoken, words, sentenceEnds };
}
