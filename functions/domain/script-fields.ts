// The request fields of a video whose script is written from a topic (topic, duration_s, tone,
// script_format) and the words it is posted with (title, description, hashtags): zod fragments
// the request schema (video-request.ts) and POST /v1/scripts (script.ts) share.
import { z } from 'zod';
import { text } from './valid-text.ts';

/** Kinds of script a topic can become; each is a way of telling it (providers/script-prompt.ts). */
export const SCRIPT_FORMATS = ['facts', 'story', 'listicle', 'how-to', 'explainer', 'myths'] as const;
export type ScriptFormat = (typeof SCRIPT_FORMATS)[number];

export const MAX_TOPIC_CHARS = 500;
export const MIN_SCRIPT_DURATION_S = 5;
/** Ten minutes: at the fastest voice that is still under MAX_SCRIPT_CHARS, the longest script a video takes. */
export const MAX_SCRIPT_DURATION_S = 600;
export const DEFAULT_SCRIPT_DURATION_S = 45;
/** YouTube's title limit; TikTok and Instagram show less before "more". */
export const MAX_TITLE_CHARS = 100;
/** Well under the 2,200 characters TikTok and Instagram allow a caption, hashtags included. */
export const MAX_DESCRIPTION_CHARS = 1_000;
export const MAX_HASHTAGS = 8;
export const MAX_HASHTAG_CHARS = 40;

export const TopicSchema = text()
  .trim()
  .min(3, 'must say what the video is about, in a few words at least')
  .max(MAX_TOPIC_CHARS)
  .meta({ description: 'What the video is about: a subject, a question, or a brief in a sentence or two' });

export const ScriptDurationSchema = z
  .number()
  .min(MIN_SCRIPT_DURATION_S)
  .max(MAX_SCRIPT_DURATION_S)
  .meta({ description: "How long the narration should last, in seconds: the script is sized to the voice's speaking rate in its language" });

export const ToneSchema = text()
  .trim()
  .min(1)
  .max(60)
  .meta({ description: 'How it should sound, in a few words, e.g. "playful", "calm and factual", "dramatic"' });

export const ScriptFormatSchema = z
  .enum(SCRIPT_FORMATS)
  .meta({ description: 'How the topic is told: surprising facts, a story, a numbered list, steps, an explanation, or myths set straight' });

/** A video request's script written from a topic: instead of script_text or scenes. */
export const TOPIC_FIELDS = {
  topic: TopicSchema.optional().meta({
    description: 'Instead of script_text or scenes: a script is written from this topic by the service’s language model (LLM_BASE_URL) as the first stage, shown in the task view as `script`',
  }),
  duration_s: ScriptDurationSchema.optional().meta({
    description: `With topic: how long the written narration should last, in seconds (default ${DEFAULT_SCRIPT_DURATION_S}, or max_duration_s when that is shorter)`,
  }),
  tone: ToneSchema.optional().meta({ description: 'With topic: how the written script should sound, e.g. "playful", "calm and factual"' }),
  script_format: ScriptFormatSchema.optional().meta({ description: 'With topic: how it is told (default facts): facts, story, listicle, how-to, explainer or myths' }),
};

const Hashtag = text()
  .regex(new RegExp(`^#?[\\p{L}\\p{M}\\p{N}_]{1,${MAX_HASHTAG_CHARS}}$`, 'u'), `must be one word of letters, digits or "_" (up to ${MAX_HASHTAG_CHARS}), with or without its "#"`);

/** The words a video is posted with: the task's result carries them (or the written script's). */
export const POSTING_FIELDS = {
  title: text().trim().min(1).max(MAX_TITLE_CHARS).optional().meta({ description: 'A title for posting the video, echoed in result.title (a written script brings its own; this one wins)' }),
  description: text().trim().min(1).max(MAX_DESCRIPTION_CHARS).optional().meta({ description: 'A caption for posting the video, echoed in result.description' }),
  hashtags: z.array(Hashtag).max(MAX_HASHTAGS).optional().meta({ description: `Up to ${MAX_HASHTAGS} hashtags, echoed in result.hashtags with their "#"` }),
};

/** The script's duration when a request with a topic leaves duration_s out: the default, or max_duration_s when shorter. */
export function defaultScriptDuration(maxDurationS: number | undefined): number {
  return Math.max(MIN_SCRIPT_DURATION_S, Math.min(maxDurationS ?? DEFAULT_SCRIPT_DURATION_S, DEFAULT_SCRIPT_DURATION_S));
}
