// The on-screen craft fields of a video request (issue 24): the caption look fields inside
// `captions`, and `hook`, `progress_bar`, `watermark` and `end_card`. Zod fragments that
// video-request.ts puts into its schema; the names and ranges a VideoSpec holds are in look.ts.
import { z } from 'zod';
import { CAPTION_FONTS, CAPTION_LOOKS, CORNERS, EMPHASIS_MODES, HEX_COLOUR } from './look.ts';
import { CRAFT_DEFAULTS as D } from './request-defaults.ts';

/** Longest hook title, end card and handle (characters): a title is read in a second or two. */
export const MAX_HOOK_CHARS = 120;
export const MAX_END_CARD_CHARS = 100;
export const MAX_HANDLE_CHARS = 40;
/** An outline wider than a quarter of the letters' height fills their counters. */
export const MAX_OUTLINE_WIDTH = 0.25;

const wellFormed = () => z.string().refine((s) => s.isWellFormed(), 'contains a lone surrogate (an invalid character); send valid UTF-8 text');

const colour = (what: string) =>
  z
    .string()
    .regex(HEX_COLOUR, `must be a colour as "#RRGGBB" (six hex digits), e.g. "#FFD400"`)
    .meta({ description: what, examples: ['#FFD400'] });

/** Text drawn on screen: at least one letter or digit, within `max` characters, on one line. */
const screenText = (max: number, what: string) =>
  wellFormed()
    .trim()
    .min(1, `write the ${what}: at least one character`)
    .max(max, `at most ${max} characters: a ${what} is read in a glance`)
    .refine((s) => /[\p{L}\p{N}]/u.test(s), `the ${what} needs at least one letter or digit`)
    .refine((s) => !/[\r\n]/.test(s), `the ${what} is one line: leave out line breaks (it wraps by itself)`);

/** The caption look fields of `captions` (beside style, position, font_size, max_words_per_line). */
export const CaptionLookFields = {
  look: z
    .enum(CAPTION_LOOKS, { error: `must be one of ${CAPTION_LOOKS.map((l) => `"${l}"`).join(', ')}` })
    .optional()
    .meta({
      description:
        'A named look, the starting point that the fields below override: `classic` (Noto Sans, white, yellow active word), `bold` (Anton capitals, ' +
        'thick black outline, yellow active word, green keywords), `clean` (Montserrat, hairline outline, soft shadow), `neon` (Montserrat capitals ' +
        'in a glowing magenta outline, cyan active word), `playful` (Fredoka, purple outline, orange active word). Left out: `classic`, with the ' +
        '`boxed` and `pop` styles in League Spartan.',
    }),
  font: z
    .enum(CAPTION_FONTS, { error: `must be one of ${CAPTION_FONTS.map((f) => `"${f}"`).join(', ')}` })
    .optional()
    .meta({
      description:
        'The caption face, from the faces the service ships (all SIL Open Font License): `noto-sans`, `league-spartan`, `anton`, `montserrat`, ' +
        "`fredoka`. Scripts a face does not draw (Arabic, CJK, Devanagari…) fall back to that script's Noto face. Left out: the look's.",
    }),
  uppercase: z.boolean({ error: 'must be true or false' }).optional().meta({ description: "Captions (and the hook and end card) in capitals. Left out: the look's." }),
  text_color: colour("The captions' text colour. Left out: the look's.").optional(),
  highlight_color: colour("The spoken word's colour (karaoke: the part already sung). Left out: the look's.").optional(),
  emphasis_color: colour("Emphasised words' colour (`**marked**` in the script, or found by `emphasis: \"auto\"`). Left out: the look's.").optional(),
  outline: z
    .strictObject({
      width: z
        .number()
        .min(0, 'must be 0 (no outline) or more')
        .max(MAX_OUTLINE_WIDTH, `at most ${MAX_OUTLINE_WIDTH}: wider fills the letters in`)
        .optional()
        .meta({ description: "Outline width as a fraction of the font size (classic's is 0.07; 0: none). Left out: the look's." }),
      color: colour("Outline colour. Left out: the look's.").optional(),
    })
    .optional()
    .meta({ description: "The letters' outline. Left out: the look's." }),
  emphasis: z
    .enum(EMPHASIS_MODES, { error: 'must be "marked", "auto" or "off"' })
    // No zod default: requests stored before this field read the same as new ones that leave it out.
    .optional()
    .meta({
      default: D.emphasis,
      description:
        'Which words are drawn in the emphasis colour at 112 % in every style: `marked` (those the script marks `**like this**`), `auto` ' +
        '(those, and numbers, amounts and named things; English finds names, other languages words with digits), `off`.',
    }),
};

export const HookObject = z
  .strictObject({
    text: screenText(MAX_HOOK_CHARS, 'hook')
      .optional()
      .meta({ description: "The title; `**marks**` draw words in the emphasis colour. Left out: the script's first sentence (captions then wait for the title)." }),
    duration_s: z
      .number()
      .min(0.5, 'at least 0.5 s: shorter than that cannot be read')
      .max(10, 'at most 10 s: a hook opens the video')
      .default(D.hook_duration_s)
      .meta({ description: 'How long the title shows from the start, seconds.' }),
  })
  .meta({ description: 'A large title over the first seconds, popping in, in the caption look; captions move clear of it.' });

export const HookSchema = z
  .union([z.literal(true), HookObject], { error: 'send true (the first sentence as the title) or {text, duration_s}' })
  .optional()
  .meta({ description: "A hook title over the first seconds: `true` shows the script's first sentence; `{text, duration_s}` your own text." });

export const ProgressBarObject = z.strictObject({
  position: z.enum(['top', 'bottom'], { error: 'must be "top" or "bottom"' }).default(D.progress_bar_position).meta({ description: 'Which edge of the safe area it runs along.' }),
  color: colour("The fill's colour. Left out: the captions' highlight colour.").optional(),
});

export const ProgressBarSchema = z
  .union([z.literal(true), ProgressBarObject], { error: 'send true or {position, color}' })
  .optional()
  .meta({ description: 'A thin bar that fills across the video from start to end, inside the safe area. `true`: at the bottom, in the highlight colour.' });

/** `url`: the request's http(s) URL schema (video-request.ts), which clip and music URLs use too. */
export const watermarkSchema = (url: z.ZodType<string>) => z
  .strictObject({
    image_url: url
      .optional()
      .meta({ description: 'A logo: a PNG, WebP or SVG (or JPEG) image at an http(s) URL, downloaded by the worker through the same checks as clips.' }),
    text: screenText(MAX_HANDLE_CHARS, 'watermark text').optional().meta({ description: 'A handle as text, e.g. "@yourbrand".' }),
    position: z.enum(CORNERS, { error: `must be one of ${CORNERS.map((c) => `"${c}"`).join(', ')}` }).default(D.watermark_position).meta({ description: 'The corner of the safe area it sits in.' }),
    opacity: z.number().min(0.1, 'at least 0.1: fainter cannot be seen').max(1, 'at most 1 (opaque)').default(D.watermark_opacity).meta({ description: '0.1..1.' }),
    scale: z.number().min(0.5, 'at least 0.5').max(2, 'at most 2').default(1).meta({ description: '1: at most 18 % of the frame wide and 8 % high; 0.5..2 scales that.' }),
  })
  .superRefine((w, ctx) => {
    if (!!w.image_url === !!w.text) ctx.addIssue({ code: 'custom', path: ['image_url'], message: 'send either watermark.image_url (a logo) or watermark.text (a handle), one of them' });
  })
  .optional()
  .meta({ description: 'A logo or a handle in a corner of the safe area, on every frame of every output.' });

export const EndCardSchema = z
  .strictObject({
    text: screenText(MAX_END_CARD_CHARS, 'end card').meta({ description: 'The call to action, e.g. "Follow for part 2"; `**marks**` draw words in the emphasis colour.' }),
    duration_s: z.number().min(1, 'at least 1 s').max(10, 'at most 10 s').default(D.end_card_duration_s).meta({ description: 'How long it shows at the end, seconds.' }),
    extend: z
      .boolean({ error: 'must be true or false' })
      .default(false)
      .meta({ description: 'true: the card adds its own seconds after the voice (the last clip and the music go on, captions stop); counts against max_duration_s. false: it shows over the last seconds of the narration.' }),
  })
  .optional()
  .meta({ description: 'A call to action over the last seconds.' });
