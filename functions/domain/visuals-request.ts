// The picture's own craft fields of a video request (issue 23): `motion`, `transition`, `framing`,
// `media` and `background_text`, and a scene's own `transition` and `framing`. Zod fragments that
// video-request.ts puts into its schema; the names and ranges a VideoSpec holds are in visuals.ts.
import { z } from 'zod';
import { MediaModeSchema } from './footage-media.ts';
import { VISUAL_DEFAULTS as D } from './request-defaults.ts';
import { FRAMINGS, MAX_TRANSITION_S, MIN_TRANSITION_S, MOTION_STYLES, TRANSITION_TYPES, type TransitionSpec, type VisualSpec } from './visuals.ts';

const oneOf = (names: readonly string[], what: string) => `must be ${names.slice(0, -1).map((n) => `"${n}"`).join(', ')} or "${names.at(-1)}": ${what}`;

const Transition = z
  .strictObject({
    type: z
      .enum(TRANSITION_TYPES, { error: oneOf(TRANSITION_TYPES, 'how one piece gives way to the next') })
      .default(D.transition)
      .meta({ description: '`cut` (the default), `fade` (a dissolve), `slide` (the next piece pushes the last one out to the left), `zoom` (a push in that settles on the next piece), `whip` (a fast push smeared sideways)' }),
    duration_s: z
      .number({ error: 'must be a number of seconds, e.g. 0.4' })
      .min(MIN_TRANSITION_S, `at least ${MIN_TRANSITION_S} s: a shorter blend reads as a glitch; use type "cut" for none`)
      .max(MAX_TRANSITION_S, `at most ${MAX_TRANSITION_S} s: a longer one hides the pieces it joins`)
      .default(D.transition_duration_s)
      .meta({ description: `Seconds the two pieces overlap (${MIN_TRANSITION_S}–${MAX_TRANSITION_S}); a piece too short for it gets a shorter one, so each piece is seen clear for at least half its length` }),
  })
  .meta({
    description:
      'How pieces join. A transition overlaps the two pieces around a cut: the video\'s length, the voice and every caption stay where they are.',
  });

const Framing = z.enum(FRAMINGS, { error: oneOf(FRAMINGS, 'how a clip of another shape fills the frame') });
const FRAMING_TEXT =
  '`cover` (the default) crops a clip to the frame\'s shape; `blur` shows a clip of another shape (a landscape clip in a vertical video) whole, over a blurred, darkened copy of itself';

/** The video-wide fields. */
export const VisualFields = {
  motion: z
    .enum(MOTION_STYLES, { error: oneOf(MOTION_STYLES, 'how much each piece moves') })
    .optional()
    .meta({
      default: D.motion,
      description:
        'A slow zoom or pan across each piece (Ken Burns), its direction and amount varied by the seed: `subtle` (the default), `dynamic`, or `none`. Photos always move (`none` gives them `subtle`).',
    }),
  // No zod defaults at the top level: a request stored before these fields, a template's and a
  // batch's defaults all read as sent, and visualsOf applies the defaults once.
  transition: Transition.optional().meta({ default: { type: D.transition, duration_s: D.transition_duration_s } }),
  framing: Framing.optional().meta({ default: D.framing, description: FRAMING_TEXT }),
  media: MediaModeSchema,
  background_text: z
    .boolean({ error: 'must be true or false: whether each piece\'s key term is set large and faint behind the captions' })
    .optional()
    .meta({ description: 'Each piece\'s key term set large and faint behind the captions, drifting slowly (kinetic typography). Left out: on over generated backgrounds, off over footage.' }),
};

/** A scene's own: applied to the pieces that start within it. */
export const SceneVisualFields = {
  transition: Transition.optional().meta({ description: "The transition into this scene's pieces; left out, the video's" }),
  framing: Framing.optional().meta({ description: `This scene's framing; left out, the video's. ${FRAMING_TEXT}` }),
};

type TransitionRequest = { type: TransitionSpec['type']; duration_s: number };

export const transitionSpec = (t: TransitionRequest): TransitionSpec => ({ type: t.type, durationS: t.duration_s });

/** The VideoSpec's visuals from a request's fields; a request stored before them reads as the defaults. */
export function visualsOf(req: { motion?: VisualSpec['motion']; transition?: TransitionRequest; framing?: VisualSpec['framing']; media?: VisualSpec['media']; background_text?: boolean | undefined }): VisualSpec {
  return {
    motion: req.motion ?? D.motion,
    transition: transitionSpec(req.transition ?? { type: D.transition, duration_s: D.transition_duration_s }),
    framing: req.framing ?? D.framing,
    media: req.media ?? 'videos',
    backgroundText: req.background_text ?? null,
  };
}
