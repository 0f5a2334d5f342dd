// The hook: a large title over the first seconds, popping in and fading out, in the room the
// captions leave (screen.ts). When it repeats the narration's first words, the captions wait for
// it instead (CaptionDraw.notBeforeS), and it may take the captions' place. Pure.
import type { CaptionLook, HookSpec } from '../../domain/look.ts';
import type { Frame } from '../../domain/media.ts';
import { OUTPUT_FPS } from '../chunks.ts';
import { frameAlignedCs, type AssPart } from '../captions/ass-document.ts';
import type { Rect } from './screen.ts';
import { fitTitle, titleGlow, titleStyle, titleText } from './title.ts';

/** The hook's title at most this many times the caption size. */
export const HOOK_MAX_SCALE = 1.7;
/** Default hook length (seconds), and the fade at either end (ms). */
export const HOOK_DEFAULT_S = 2.5;
const FADE_IN_MS = 100;
const FADE_OUT_MS = 250;

export function hookPart(hook: HookSpec, box: Rect, frame: Frame, look: CaptionLook, language: string | undefined, fps: number = OUTPUT_FPS): AssPart {
  const fitted = fitTitle(hook.text, hook.emphasis, box, frame, look, language, HOOK_MAX_SCALE);
  const cx = Math.round((box.x0 + box.x1) / 2);
  const cy = Math.round((box.y0 + box.y1) / 2);
  // Pops in past full size and settles: the eye catches the movement in the first frames.
  const pop = `\\an5\\pos(${cx},${cy})\\fad(${FADE_IN_MS},${FADE_OUT_MS})\\fscx80\\fscy80\\t(0,160,\\fscx106\\fscy106)\\t(160,260,\\fscx100\\fscy100)`;
  const glow = titleGlow(frame, look);
  return {
    styles: [titleStyle('Hook', fitted, look)],
    events: [{ layer: 2, startCs: 0, endCs: frameAlignedCs(hook.durationS, fps), style: 'Hook', text: `{${pop}${glow}}${titleText(fitted, look)}` }],
  };
}
