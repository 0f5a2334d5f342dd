// The request body of POST /generate-video and POST /v1/videos. Unknown fields are rejected.
import { z } from 'zod';

/** The longest script accepted; ElevenLabs' per-request limit is handled by splitting, not here. */
export const MAX_SCRIPT_CHARS = 10_000;

const httpUrl = z
  .url({ protocol: /^https?$/, error: 'must be an http(s) URL' })
  .max(2048);

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
  text: z.string().trim().min(1).max(MAX_SCRIPT_CHARS),
  search_query: z.string().trim().min(1).max(200).optional(),
  clip_url: httpUrl.optional(),
});

const Metadata = z
  .record(z.string().max(64), z.unknown())
  .refine((m) => Buffer.byteLength(JSON.stringify(m)) <= 4096, 'must serialise to at most 4096 bytes');

export const VideoRequestSchema = z
  .strictObject({
    script_text: z.string().trim().min(1).max(MAX_SCRIPT_CHARS).optional(),
    scenes: z.array(Scene).min(1).max(50).optional(),
    search_query: z.string().trim().min(1).max(200).optional(),
    voice_id: z.string().trim().min(1).max(100).optional(),
    model_id: z.string().trim().min(1).max(100).optional(),
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
