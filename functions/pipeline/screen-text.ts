// The words the screen shows beyond the voice's timings, found once per video and kept with its
// plan (domain/look.ts, ScreenText): which caption words are emphasised (the script's **marks**, and
// with emphasis "auto" numbers, amounts and names), the hook's text (its own, or the script's
// first sentence as the captions show it) and the end card's, each with its emphasised words.
import type { ScreenText } from '../domain/look.ts';
import type { Narration } from '../domain/media.ts';
import { splitSentences, splitWords } from '../domain/text.ts';
import type { VideoSpec } from '../domain/video-spec.ts';
import { displayText } from '../language/display-text.ts';
import { autoEmphasis, emphasisOf, markedWords } from '../language/emphasis.ts';
import type { ScriptForms } from '../language/spoken-form.ts';

export async function screenText(spec: Pick<VideoSpec, 'captions' | 'overlays' | 'language' | 'scenes'>, forms: ScriptForms, narration: Narration): Promise<ScreenText> {
  const { language } = spec;
  const mode = spec.captions.emphasis;
  const parts = spec.scenes.map((s) => s.text);
  const display = await emphasisOf(mode, parts, forms.displayWords, language);
  const emphasis = onNarration(display, forms.displayWords, narration.words.map((w) => w.text));

  // A title of its own: its marks, and in auto mode what autoEmphasis finds in it.
  const title = async (raw: string) => {
    const text = displayText(raw);
    const marked = mode === 'off' ? splitWords(text, language).map(() => false) : markedWords([raw], language);
    if (mode !== 'auto') return { text, emphasis: marked };
    const found = await autoEmphasis(splitWords(text, language), language);
    return { text, emphasis: marked.map((m, i) => m || !!found[i]) };
  };

  let hook: ScreenText['hook'] = null;
  const h = spec.overlays.hook;
  if (h && h.text !== null) hook = { ...(await title(h.text)), repeatsNarration: false };
  else if (h) {
    // The first sentence as the captions show it, with the captions' emphasis of its words.
    const first = splitSentences(forms.displayParts[0] ?? '', language)[0] ?? forms.displayParts[0] ?? '';
    const n = splitWords(first, language).length;
    hook = { text: first, emphasis: display.slice(0, n), repeatsNarration: true };
  }
  const e = spec.overlays.endCard;
  return { emphasis, hook, endCard: e ? await title(e.text) : null };
}

/**
 * Flags of the display words carried onto the narration's words. They are the same words in the
 * same order (display-narration.ts), unless a voice split them otherwise: then each narration
 * word takes the flag of the display word it matches, in order, and an unmatched one none.
 */
function onNarration(flags: boolean[], display: string[], spoken: string[]): boolean[] {
  if (spoken.length === display.length) return flags;
  const key = (w: string) => w.toLowerCase().replace(/[^\p{L}\p{N}]/gu, '');
  const out: boolean[] = [];
  let d = 0;
  for (const w of spoken) {
    let j = d;
    while (j < display.length && key(display[j]!) !== key(w)) j++;
    if (j < display.length) {
      out.push(flags[j]!);
      d = j + 1;
    } else out.push(false);
  }
  return out;
}
