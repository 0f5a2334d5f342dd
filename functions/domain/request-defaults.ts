// What a video request gets for each field it leaves out, as plain data: the request schema
// (video-request.ts) applies these, and the studio page, which must not bundle zod, starts its
// form from them, so the page and the API cannot drift apart.
export const REQUEST_DEFAULTS = {
  aspect_ratio: '9:16',
  resolution: '1080p',
  captions: { style: 'word-highlight', position: 'bottom', font_size: 1, max_words_per_line: 4 },
  music_volume: 0.2,
  fit: 'fail',
  max_clips: 8,
  footage: 'sentences',
} as const;

/** The on-screen craft fields' defaults (domain/craft-request.ts), for the schema and the studio's form. */
export const CRAFT_DEFAULTS = {
  emphasis: 'marked',
  hook_duration_s: 2.5,
  progress_bar_position: 'bottom',
  watermark_position: 'top-right',
  watermark_opacity: 0.85,
  end_card_duration_s: 3,
} as const;

/** The picture's own craft (domain/visuals-request.ts): motion, transitions, framing; for the schema and the studio's form. */
export const VISUAL_DEFAULTS = {
  motion: 'subtle',
  transition: 'cut',
  transition_duration_s: 0.4,
  framing: 'cover',
} as const;
