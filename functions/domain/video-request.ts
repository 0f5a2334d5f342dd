// The request body of POST /generate-video and POST /v1/videos. Unknown fields are rejected.
import { z } from 'zod';

/** The longest script accepted; ElevenLabs' per-request limit is handled by splitting, not here. */
export const MAX_SCRIPT_CHARS = 10_000;

/**
 * Text that is valid Unicode: a lone UTF-16 surrogate ("\ud800") is legal in JSON but not a
 * character; TTS engines, libass and Firestore would each fail on it, or mangle it, later.
 */
const text = () => z.string().refine((s) => s.isWellFormed(), 'contains a lone surrogate (an invalid character); send valid UTF-8 text');

const httpUrl = text()
  .pipe(z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }))
  .pipe(z.string().max(2048))
  .refine((u) => !hasCredentials(u), 'must not contain a user name or password; use a URL that needs no login');

function hasCredentials(url: string): boolean {
  try {
    const u = new URL(url);
    return u.username !== '' || u.password !== '';
  } catch {
    return false;
  }
}

/**
 * An ElevenLabs voice id (20 letters and digits), or an espeak-ng voice: a language code or voice
 * file (`en-us`, `gmw/en-US`), optionally with a variant (`+f3`). No dots, `?`, `#` or `%`: the id
 * becomes a path segment of the ElevenLabs URL, where `..` would reach another API path.
 */
export const VOICE_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]*(\/[A-Za-z0-9][A-Za-z0-9_-]*)?(\+[A-Za-z0-9][A-Za-z0-9_-]*)?$/;

export const CAPTION_STYLES = ['word-highlight', 'karaoke', 'line', 'boxed', 'pop'] as const;
export const CAPTION_POSITIONS = ['bottom', 'center', 'top'] as const;
export const ASPECT_RATIOS = ['9:16', '1:1', '16:9'] as const;
export const RESOLUTIONS = ['720p', '1080p'] as const;
export const FOOTAGE_MODES = ['sentences', 'topic'] as const;

const Captions = z.strictObject({
  style: z.enum(CAPTION_STYLES).default('word-highlight'),
  position: z.enum(CAPTION_POSITIONS).default('bottom'),
  /** Relative to the frame: 1 is the default size, 0.5..2 scales it. */
  font_size: z.number().min(0.5).max(2).default(1),
  max_words_per_line: z.number().int().min(1).max(12).default(4),
});

const Scene = z.strictObject({
  text: text().trim().min(1).max(MAX_SCRIPT_CHARS),
  search_query: text().trim().min(1).max(200).optional(),
  clip_url: httpUrl.optional(),
});

const Metadata = z
  .record(z.string().max(64), z.unknown())
  .superRefine((m, ctx) => {
    const bad = loneSurrogatePath(m);
    if (bad) ctx.addIssue({ code: 'custom', path: bad, message: 'contains a lone surrogate (an invalid character); send valid UTF-8 text' });
  })
  .refine((m) => Buffer.byteLength(JSON.stringify(m)) <= 4096, 'must serialise to at most 4096 bytes');

/** Where in a JSON value the first string (or key) with a lone surrogate is, or null. */
function loneSurrogatePath(v: unknown, at: (string | number)[] = []): (string | number)[] | null {
  if (typeof v === 'string') return v.isWellFormed() ? null : at;
  if (Array.isArray(v)) {
    for (const [i, x] of v.entries()) {
      const p = loneSurrogatePath(x, [...at, i]);
      if (p) return p;
    }
    return null;
  }
  if (v && typeof v === 'object') {
    for (const [k, x] of Object.entries(v)) {
      if (!k.isWellFormed()) return [...at, k];
      const p = loneSurrogatePath(x, [...at, k]);
      if (p) return p;
    }
  }
  return null;
}

export const VideoRequestSchema = z
  .strictObject({
    script_text: text().trim().min(1).max(MAX_SCRIPT_CHARS).optional(),
    scenes: z.array(Scene).min(1).max(50).optional(),
    search_query: text().trim().min(1).max(200).optional(),
    voice_id: text()
      .trim()
      .min(1)
      .max(100)
      .regex(VOICE_ID_PATTERN, 'must be a voice id: letters, digits, "-" and "_" (an espeak-ng voice may add "/file" and "+variant", e.g. en-us+f3)')
      .optional(),
    model_id: text().trim().min(1).max(100).optional(),
    language: z
      .string()
      .regex(/^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/, 'must be a language tag such as "en" or "pt-BR"')
      .optional(),
    /** Speaking rate, the range ElevenLabs accepts. */
    speed: z.number().min(0.7).max(1.2).optional(),
    aspect_ratio: z.enum(ASPECT_RATIOS).default('9:16'),
    resolution: z.enum(RESOLUTIONS).default('1080p'),
    captions: z.union([z.literal(false), Captions]).default(() => Captions.parse({})),
    /** A track by URL, or by mood from the service's MUSIC_DIR (picked with the seed). */
    music: z
      .strictObject({
        url: httpUrl.optional(),
        mood: z.string().regex(/^[\p{L}\p{N}][\p{L}\p{N} _-]{0,39}$/u, 'must be a mood name such as "chill" (GET /v1/music lists them)').optional(),
        volume: z.number().min(0).max(1).default(0.2),
      })
      .refine((m) => !!m.url !== !!m.mood, 'send either music.url or music.mood')
      .optional(),
    max_clips: z.number().int().min(1).max(30).default(8),
    /** `sentences`: each sentence group of script_text searched on its own terms; `topic`: one search for the whole video. */
    footage: z.enum(FOOTAGE_MODES).default('sentences'),
    clip_urls: z.array(httpUrl).min(1).max(30).optional(),
    seed: z.number().int().min(0).max(4_294_967_295).optional(),
    callback_url: httpUrl.optional(),
    metadata: Metadata.optional(),
  })
  .superRefine((r, ctx) => {
    if (!r.script_text && !r.scenes) {
      ctx.addIssue({ code: 'custom', path: ['script_text'], message: 'required: send script_text or scenes' });
    }
    if (r.script_text && r.scenes) {
      ctx.addIssue({ code: 'custom', path: ['scenes'], message: 'send either script_text or scenes, not both' });
    }
    const total = (r.script_text?.length ?? 0) + (r.scenes ?? []).reduce((n, s) => n + s.text.length + 1, 0);
    if (total > MAX_SCRIPT_CHARS) {
      ctx.addIssue({
        code: 'custom',
        path: ['scenes'],
        message: `the scenes' text totals ${total} characters; the limit is ${MAX_SCRIPT_CHARS}`,
      });
    }
  });

export type VideoRequest = z.infer<typeof VideoRequestSchema>;
export type CaptionOptions = Exclude<VideoRequest['captions'], false>;
export type AspectRatio = (typeof ASPECT_RATIOS)[number];
export type Resolution = (typeof RESOLUTIONS)[number];

/** The script as one text, and each scene's own text (one scene when script_text was sent). */
export function scenesOf(r: VideoRequest): { text: string; search_query?: string; clip_url?: string }[] {
  return r.scenes ?? [{ text: r.script_text ?? '', ...(r.search_query ? { search_query: r.search_query } : {}) }];
}

/** Output frame size: the short side is 720 or 1080. */
export function frameSize(aspect: AspectRatio, resolution: Resolution): { width: number; height: number } {
  const s = resolution === '1080p' ? 1080 : 720;
  const l = resolution === '1080p' ? 1920 : 1280;
  if (aspect === '9:16') return { width: s, height: l };
  if (aspect === '16:9') return { width: l, height: s };
  return { width: s, height: s };
}
