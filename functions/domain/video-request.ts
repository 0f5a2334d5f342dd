// The request bodies of POST /generate-video and POST /v1/videos: a script to render (VideoRequest),
// or a storyboard to render as it stands (StoryboardVideo: storyboard_id, and only callback_url
// and metadata besides). The API takes either (api/schemas.ts); storage, the CLI and the MCP tools
// know the first. Unknown fields are rejected.
import { z } from 'zod';
import { CaptionLookFields, EndCardSchema, HookSchema, ProgressBarSchema, watermarkSchema } from './craft-request.ts';
import { REQUEST_DEFAULTS as D } from './request-defaults.ts';
import { POSTING_FIELDS, TOPIC_FIELDS } from './script-fields.ts';
import { text } from './valid-text.ts';
import { SceneVisualFields, VisualFields } from './visuals-request.ts';

export { text };
import { UPLOAD_ID_PATTERN } from './uploads.ts';

/** The longest script accepted; ElevenLabs' per-request limit is handled by splitting, not here. */
export const MAX_SCRIPT_CHARS = 10_000;


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

/** A BCP 47 language tag as the voices and the text rules take it. */
export const LanguageTagSchema = z.string().regex(/^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/, 'must be a language tag such as "en" or "pt-BR"');

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
/** Videos one task may make from its narration (`outputs`). */
export const MAX_OUTPUTS = 3;
/** What to do with a narration longer than max_duration_s: fail the task, or speed the voice up (within a limit) to fit. */
export const FIT_MODES = ['fail', 'speed'] as const;

const Captions = z.strictObject({
  style: z.enum(CAPTION_STYLES).default(D.captions.style),
  position: z.enum(CAPTION_POSITIONS).default(D.captions.position),
  /** Relative to the frame: 1 is the default size, 0.5..2 scales it. */
  font_size: z.number().min(0.5).max(2).default(D.captions.font_size),
  max_words_per_line: z.number().int().min(1).max(12).default(D.captions.max_words_per_line),
  ...CaptionLookFields,
});

/** Thousands apart, as people write them: 10,720. */
const count = (n: number) => n.toLocaleString('en-US');

/** Script text (a whole script, or a scene's): at least one sentence, within the limit, said in words a writer reads. */
const scriptText = () =>
  text()
    .trim()
    .min(1, 'write at least one sentence')
    .max(MAX_SCRIPT_CHARS, { error: (iss) => `${count(String(iss.input).length)} characters: the limit is ${count(MAX_SCRIPT_CHARS)}` });

const Scene = z.strictObject({
  text: scriptText(),
  search_query: text().trim().min(1).max(200).optional(),
  clip_url: httpUrl.optional(),
  ...SceneVisualFields,
});

/** One video of a task: its frame shape and size. */
const Output = z.strictObject({
  aspect_ratio: z.enum(ASPECT_RATIOS),
  resolution: z.enum(RESOLUTIONS).optional().meta({ description: "The request's `resolution` when left out" }),
});

const Metadata = z
  .record(z.string().max(64), z.unknown())
  .superRefine((m, ctx) => {
    const bad = loneSurrogatePath(m);
    if (bad) ctx.addIssue({ code: 'custom', path: bad, message: 'contains a lone surrogate (an invalid character); send valid UTF-8 text' });
  })
  .refine((m) => new TextEncoder().encode(JSON.stringify(m)).length <= 4096, 'must serialise to at most 4096 bytes');

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

/**
 * A field that belongs to another alternative of a body: present, it is refused at once (so a
 * union reports the alternative the body is), and zodDetails knows it by `params.otherAlternative`.
 * JSON Schema says it as `not: {}`.
 */
function otherAlternative(message: string, description: string) {
  return z
    .unknown()
    .refine(() => false, { message, abort: true, params: { otherAlternative: true } })
    .optional()
    .meta({ not: {}, description });
}

/** A recorded narration: by URL (fetched through the URL guard, as clips are), or an upload's id. */
const Voiceover = z
  .strictObject({
    url: httpUrl.optional().meta({ description: 'An MP3, WAV, M4A/AAC, Ogg/Opus or WebM file the service downloads' }),
    upload_id: z
      .string()
      .regex(UPLOAD_ID_PATTERN, 'must be an upload_id as POST /v1/uploads answered it')
      .optional()
      .meta({ description: 'A file sent to POST /v1/uploads with the same API key' }),
  })
  .refine((v) => !!v.url !== !!v.upload_id, 'send either voiceover.url or voiceover.upload_id')
  .meta({
    description:
      'Your own recording of the script, in place of a synthesised voice. `script_text` or `scenes` must hold what it says: ' +
      'its words are found in the recording (forced alignment) for the captions and the cuts, and a sentence it does not say fails ' +
      'the task (`voiceover_mismatch`). No voice_id, model_id or speed with it.',
  });

/** A template of the caller's key (domain/template.ts), applied under the request's own fields. */
export const TemplateIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,128}$/, 'must be a template_id as POST /v1/templates answered it')
  .meta({ description: 'A template of this API key (POST /v1/templates): its settings apply under the request’s own fields' });

/** Every field of a video request, unchecked as a whole (templates and batches take them one by one). */
export const RequestFields = z.strictObject({
  script_text: scriptText().optional(),
  scenes: z.array(Scene).min(1).max(50).optional(),
  ...TOPIC_FIELDS,
  ...POSTING_FIELDS,
  search_query: text().trim().min(1).max(200).optional(),
  voice_id: text()
    .trim()
    .min(1)
    .max(100)
    .regex(VOICE_ID_PATTERN, 'must be a voice id: letters, digits, "-" and "_" (an espeak-ng voice may add "/file" and "+variant", e.g. en-us+f3)')
    .optional(),
  model_id: text().trim().min(1).max(100).optional(),
  language: LanguageTagSchema.optional(),
  /** Speaking rate, the range ElevenLabs accepts. */
  speed: z.number().min(0.7).max(1.2).optional(),
  // No zod default: with `outputs`, whether it was sent decides whether it contradicts them.
  aspect_ratio: z.enum(ASPECT_RATIOS).optional().meta({ default: D.aspect_ratio }),
  resolution: z.enum(RESOLUTIONS).default(D.resolution),
  /** Several videos from one narration; the first is the main one (`aspect_ratio`, `/download/{id}`). */
  outputs: z
    .array(Output)
    .min(1)
    .max(MAX_OUTPUTS)
    .optional()
    .meta({
      description:
        `Up to ${MAX_OUTPUTS} videos from one narration and one footage search, each with its own crop and caption layout. ` +
        'The first is the main video; `aspect_ratio` may be left out or must be the first output\'s.',
    }),
  captions: z.union([z.literal(false), Captions]).default(() => Captions.parse({})),
  /** A track by URL, or by mood from the service's MUSIC_DIR (picked with the seed). */
  music: z
    .strictObject({
      url: httpUrl.optional(),
      mood: z.string().regex(/^[\p{L}\p{N}][\p{L}\p{N} _-]{0,39}$/u, 'must be a mood name such as "chill" (GET /v1/music lists them)').optional(),
      volume: z.number().min(0).max(1).default(D.music_volume),
    })
    .refine((m) => !!m.url !== !!m.mood, 'send either music.url or music.mood')
    .optional(),
  /** A narration the client recorded, in place of a synthesised voice: the script says what it says. */
  voiceover: Voiceover.optional(),
  /** A platform's limit on the video's length: a longer narration fails the task before rendering, or is sped up (`fit`). */
  max_duration_s: z.number().min(1).max(3600).optional(),
  fit: z.enum(FIT_MODES).default(D.fit),
  max_clips: z.number().int().min(1).max(30).default(D.max_clips),
  /** `sentences`: each sentence group of script_text searched on its own terms; `topic`: one search for the whole video. */
  footage: z.enum(FOOTAGE_MODES).default(D.footage),
  clip_urls: z.array(httpUrl).min(1).max(30).optional(),
  seed: z.number().int().min(0).max(4_294_967_295).optional(),
  hook: HookSchema,
  progress_bar: ProgressBarSchema,
  watermark: watermarkSchema(httpUrl),
  end_card: EndCardSchema,
  ...VisualFields,
  callback_url: httpUrl.optional(),
  metadata: Metadata.optional(),
  template_id: TemplateIdSchema.optional(),
  // A script request never names a storyboard: said as a field, not left to strictness, so that
  // a body with storyboard_id is plainly the API body's other alternative (StoryboardVideoSchema).
  storyboard_id: otherAlternative(
    'a script cannot be sent with a storyboard_id: to render a storyboard, send storyboard_id alone (callback_url and metadata may come with it)',
    'Not with a script: a storyboard is rendered by a body of its own (StoryboardVideoRequest)',
  ),
});

/** The script checks: script_text or scenes, not both, within the length limit; outputs and fit that make sense. */
function checkScript(r: Omit<z.infer<typeof RequestFields>, 'storyboard_id' | 'callback_url'>, ctx: z.RefinementCtx): void {
  checkOutputs(r, ctx);
  if (r.fit === 'speed' && r.max_duration_s === undefined) {
    ctx.addIssue({ code: 'custom', path: ['fit'], message: 'fit: "speed" fits the voice into max_duration_s: send max_duration_s too' });
  }
  if (r.voiceover) checkVoiceover(r, ctx);
  if (r.end_card?.extend && r.max_duration_s !== undefined && r.end_card.duration_s >= r.max_duration_s) {
    ctx.addIssue({
      code: 'custom',
      path: ['end_card', 'duration_s'],
      message: `an extending end card of ${r.end_card.duration_s} s leaves no room for the narration within max_duration_s ${r.max_duration_s} s: shorten it or send extend: false`,
    });
  }
  checkScriptSource(r, ctx);
  // A script_text has its own limit; scenes are each within it, so their total is checked here.
  const total = (r.scenes ?? []).reduce((n, s) => n + s.text.length + 1, 0);
  if (r.scenes && total > MAX_SCRIPT_CHARS) {
    ctx.addIssue({
      code: 'custom',
      path: ['scenes'],
      message: `the scenes total ${count(total)} characters: the limit is ${count(MAX_SCRIPT_CHARS)}`,
    });
  }
}

/** One script: script_text, scenes, or a topic to write one from; the topic's own fields only with a topic. */
function checkScriptSource(
  r: { script_text?: string | undefined; scenes?: unknown[] | undefined; topic?: string | undefined; duration_s?: number | undefined; tone?: string | undefined; script_format?: string | undefined; max_duration_s?: number | undefined },
  ctx: z.RefinementCtx,
): void {
  const sent = (['script_text', 'scenes', 'topic'] as const).filter((k) => r[k] !== undefined);
  if (sent.length === 0) ctx.addIssue({ code: 'custom', path: ['script_text'], message: 'required: send script_text, scenes, or a topic to write the script from' });
  if (sent.length > 1) ctx.addIssue({ code: 'custom', path: [sent[1]!], message: `send one of script_text, scenes or topic, not ${sent.join(' and ')}` });
  if (r.topic === undefined) {
    for (const k of ['duration_s', 'tone', 'script_format'] as const) {
      if (r[k] !== undefined) ctx.addIssue({ code: 'custom', path: [k], message: `${k} shapes a script written from a topic: send topic too, or leave ${k} out` });
    }
  } else if (r.duration_s !== undefined && r.max_duration_s !== undefined && r.duration_s > r.max_duration_s) {
    ctx.addIssue({ code: 'custom', path: ['duration_s'], message: `the script is to last ${r.duration_s} s, longer than max_duration_s (${r.max_duration_s}): ask for at most ${r.max_duration_s}` });
  }
}

export const VideoRequestSchema = RequestFields.superRefine(checkScript);

/**
 * A video made from a storyboard (POST /v1/storyboards): the storyboard's own script, voice, clips
 * and settings, with the video's callback_url and metadata. Any other field belongs to the
 * storyboard's request and is refused here, saying so.
 */
export const StoryboardVideoSchema = z.strictObject(
  {
    storyboard_id: z.string().regex(/^[A-Za-z0-9_-]{1,128}$/, 'must be a storyboard_id as POST /v1/storyboards answered it'),
    callback_url: httpUrl.optional(),
    metadata: Metadata.optional(),
  },
  {
    error: (issue) =>
      issue.code === 'unrecognized_keys'
        ? 'a video made from a storyboard_id takes the storyboard’s own request; leave this out (or make a new storyboard with it)'
        : undefined,
  },
);

/** POST /v1/storyboards: a video's request, to be planned and not rendered; its callback belongs to the video made from it. */
export const StoryboardRequestSchema = RequestFields.omit({ storyboard_id: true, callback_url: true }).superRefine(checkScript);

/** A recording is the voice: nothing may ask for a synthesised one beside it. */
function checkVoiceover(r: Pick<z.infer<typeof RequestFields>, 'voice_id' | 'model_id' | 'speed' | 'topic'>, ctx: z.RefinementCtx): void {
  // A recording says a script that exists already: one to be written could not match it.
  if (r.topic !== undefined) {
    ctx.addIssue({ code: 'custom', path: ['topic'], message: 'a voiceover says a script you wrote: send what it says as script_text or scenes instead of a topic' });
  }
  for (const field of ['voice_id', 'model_id', 'speed'] as const) {
    if (r[field] === undefined) continue;
    ctx.addIssue({
      code: 'custom',
      path: [field],
      message: `the voiceover is the voice: leave ${field} out (or leave voiceover out to have the script spoken)`,
    });
  }
}

/** `outputs` must not contradict `aspect_ratio`, and no two may be the same video. */
function checkOutputs(
  r: { aspect_ratio?: AspectRatio | undefined; resolution: Resolution; outputs?: { aspect_ratio: AspectRatio; resolution?: Resolution | undefined }[] | undefined },
  ctx: z.RefinementCtx,
): void {
  if (!r.outputs) return;
  const first = r.outputs[0];
  if (first && r.aspect_ratio && r.aspect_ratio !== first.aspect_ratio) {
    ctx.addIssue({
      code: 'custom',
      path: ['aspect_ratio'],
      message: `with outputs, the first output is the main video: leave aspect_ratio out or make it "${first.aspect_ratio}"`,
    });
  }
  const seen = new Map<string, number>();
  r.outputs.forEach((o, i) => {
    const shape = `${o.aspect_ratio} ${o.resolution ?? r.resolution}`;
    const j = seen.get(shape);
    if (j !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['outputs', i], message: `the same video as outputs.${j} (${shape}); each output must differ in aspect_ratio or resolution` });
    }
    seen.set(shape, i);
  });
}

export type VideoRequest = z.infer<typeof VideoRequestSchema>;
/** A request body as a client writes it: defaulted fields may be left out (the studio builds one). */
export type VideoRequestInput = z.input<typeof VideoRequestSchema>;
export type StoryboardRequest = z.infer<typeof StoryboardRequestSchema>;
export type StoryboardVideo = z.infer<typeof StoryboardVideoSchema>;

/** Whether a body the API took renders a storyboard rather than a script. */
export const rendersStoryboard = (body: VideoRequest | StoryboardVideo): body is StoryboardVideo => body.storyboard_id !== undefined;
type CaptionsBody = Exclude<VideoRequest['captions'], false>;
type CaptionLayout = 'style' | 'position' | 'font_size' | 'max_words_per_line';
/** The captions' options: how they are laid out, and (optional here: a render made in code may leave them out) the look fields. */
export type CaptionOptions = Pick<CaptionsBody, CaptionLayout> & Partial<Omit<CaptionsBody, CaptionLayout>>;
export type VoiceoverRequest = NonNullable<VideoRequest['voiceover']>;
export type AspectRatio = (typeof ASPECT_RATIOS)[number];
export type Resolution = (typeof RESOLUTIONS)[number];
