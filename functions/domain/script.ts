// A script written from a topic (POST /v1/scripts, `topic` in a video or storyboard request): what
// is asked, the shape a model must answer in, what comes back, and how long it may be. The length
// is sized to the voice that will speak it: its measured speaking rate in the script's language
// (bench/speaking-rates.ts) gives a budget of words (or characters, for languages written without
// spaces) that the prompt asks for and the answer is checked against.
import { z } from 'zod';
import type { ErrorDetail } from '../errors.ts';
import { splitSentences, splitWords } from './text.ts';
import { LanguageTagSchema, MAX_SCRIPT_CHARS } from './video-request.ts';

import {
  DEFAULT_SCRIPT_DURATION_S,
  defaultScriptDuration,
  MAX_DESCRIPTION_CHARS,
  MAX_HASHTAG_CHARS,
  MAX_HASHTAGS,
  MAX_TITLE_CHARS,
  ScriptDurationSchema,
  ScriptFormatSchema,
  ToneSchema,
  TopicSchema,
} from './script-fields.ts';
import type { VideoRequest } from './video-request.ts';

export {
  DEFAULT_SCRIPT_DURATION_S,
  MAX_DESCRIPTION_CHARS,
  MAX_HASHTAGS,
  MAX_SCRIPT_DURATION_S,
  MAX_TITLE_CHARS,
  MAX_TOPIC_CHARS,
  MIN_SCRIPT_DURATION_S,
  SCRIPT_FORMATS,
  type ScriptFormat,
} from './script-fields.ts';

/** As a video request's `scenes`. */
export const MAX_SCRIPT_SCENES = 50;
export const MAX_SEARCH_QUERY_CHARS = 200;

/** The body of POST /v1/scripts; a video or storyboard request's `topic` fields are the same ones. */
export const ScriptRequestSchema = z.strictObject({
  topic: TopicSchema,
  duration_s: ScriptDurationSchema.default(DEFAULT_SCRIPT_DURATION_S),
  language: LanguageTagSchema.default('en').meta({ description: 'The language the script is written in, e.g. "en", "es", "pt-BR"' }),
  tone: ToneSchema.optional(),
  format: ScriptFormatSchema.default('facts'),
});
export type ScriptRequest = z.infer<typeof ScriptRequestSchema>;

/** What a writer is asked: the request, and the voice that will speak the script (its name and `speed`), which decides how many words fit. */
export interface ScriptBrief extends ScriptRequest {
  /** The speech provider's name (SpeechProvider.name): `espeak-ng`, `elevenlabs`. */
  voice: string;
  /** The video's `speed`, when it has one: a faster voice fits more words. */
  speed?: number | undefined;
}

/** What a writer is asked for a video request's `topic`: its script fields with their defaults, for `voice`. */
export function scriptBriefOf(req: Pick<VideoRequest, 'topic' | 'duration_s' | 'language' | 'tone' | 'script_format' | 'max_duration_s' | 'speed'>, voice: string): ScriptBrief {
  if (!req.topic) throw new Error('a script brief needs a topic');
  return {
    topic: req.topic,
    duration_s: req.duration_s ?? defaultScriptDuration(req.max_duration_s),
    language: req.language ?? 'en',
    ...(req.tone ? { tone: req.tone } : {}),
    format: req.script_format ?? 'facts',
    voice,
    ...(req.speed ? { speed: req.speed } : {}),
  };
}

export interface ScriptScene {
  text: string;
  search_query: string;
}

/** A written script: ready to be a video request's `scenes` (or `script_text`), with the words for posting it. */
export interface WrittenScript {
  title: string;
  /** The scenes' text as one script. */
  script_text: string;
  scenes: ScriptScene[];
  description: string;
  /** Each with its "#", ready to paste. */
  hashtags: string[];
  language: string;
  /** How long the voice will take to say it, by its measured rate. */
  estimated_duration_s: number;
  /** Its length in the budget's unit (words, or characters for languages written without spaces). */
  length: number;
  unit: BudgetUnit;
  /** The model that wrote it, as the endpoint named it. */
  model: string;
  /** What was done to fit it (trimmed, shorter than asked). */
  warnings: string[];
}

/** The answer of POST /v1/scripts, and what a task records of a script it wrote. */
export const WrittenScriptSchema = z
  .strictObject({
    title: z.string(),
    script_text: z.string(),
    scenes: z.array(z.strictObject({ text: z.string(), search_query: z.string() })),
    description: z.string(),
    hashtags: z.array(z.string()).meta({ description: 'Each with its "#"' }),
    language: z.string(),
    estimated_duration_s: z.number().meta({ description: "How long the voice will take to say it, by the voice's measured speaking rate" }),
    length: z.number().int(),
    unit: z.enum(['words', 'characters']),
    model: z.string(),
    warnings: z.array(z.string()),
  })
  .meta({ id: 'WrittenScript', description: 'A script written from a topic: its scenes render as they are (send them as `scenes`)' });

/** What a video is posted with: the request's own title, description and hashtags, else its written script's. */
export interface Posting {
  title: string | null;
  description: string | null;
  hashtags: string[];
}

export function postingOf(request: Pick<VideoRequest, 'title' | 'description' | 'hashtags'>, script: WrittenScript | null): Posting {
  return {
    title: request.title ?? script?.title ?? null,
    description: request.description ?? script?.description ?? null,
    hashtags: normaliseHashtags(request.hashtags ?? script?.hashtags ?? []),
  };
}

// --- The model's answer ---------------------------------------------------------------------------

/**
 * The JSON Schema of the answer, as `response_format: {type: "json_schema", strict: true}` takes
 * it: every property required, no others allowed, and no keyword outside the subset strict mode
 * accepts (lengths are asked for in the descriptions and checked after). Some endpoints ignore
 * `strict` or the schema, so the answer is validated again with ModelScriptSchema.
 */
export const SCRIPT_JSON_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['title', 'scenes', 'description', 'hashtags'],
  properties: {
    title: { type: 'string', description: `A title for posting the video, at most ${MAX_TITLE_CHARS} characters, in the script's language` },
    scenes: {
      type: 'array',
      description: 'The narration in order, one scene per shot: together they are the whole script',
      minItems: 1,
      maxItems: MAX_SCRIPT_SCENES,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['text', 'search_query'],
        properties: {
          text: { type: 'string', description: 'What the voice says in this scene: one to three full sentences, plain words, no emoji or markdown' },
          search_query: { type: 'string', description: 'Two to four English words naming footage to show during this scene, for a stock video search' },
        },
      },
    },
    description: { type: 'string', description: `A caption for posting the video: one to three sentences, at most ${MAX_DESCRIPTION_CHARS} characters, without hashtags` },
    hashtags: { type: 'array', description: `Up to ${MAX_HASHTAGS} hashtags for the video, each one word without spaces`, items: { type: 'string' } },
  },
} as const;

/** The model's answer as it must parse; lengths are fitted afterwards (fitAnswer) rather than refused. */
export const ModelScriptSchema = z.object({
  title: z.string().refine((s) => s.trim().length > 0, 'is empty'),
  scenes: z
    .array(
      z.object({
        text: z.string(),
        search_query: z.string(),
      }),
    )
    .min(1, 'has no scenes')
    .max(MAX_SCRIPT_SCENES),
  description: z.string(),
  hashtags: z.array(z.string()),
});
export type ModelScript = z.infer<typeof ModelScriptSchema>;

/** Hashtags as posted: "#" and one word of letters, digits or "_", no repeats (whatever the case), at most MAX_HASHTAGS. */
export function normaliseHashtags(tags: readonly string[]): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const raw of tags.flatMap((t) => t.split(/[\s,]+/))) {
    const tag = raw.replace(/^#+/, '').replace(/[^\p{L}\p{M}\p{N}_]/gu, '').slice(0, MAX_HASHTAG_CHARS);
    if (!/[\p{L}\p{N}]/u.test(tag) || seen.has(tag.toLowerCase())) continue;
    seen.add(tag.toLowerCase());
    out.push(`#${tag}`);
    if (out.length === MAX_HASHTAGS) break;
  }
  return out;
}

/** At most `max` characters, cut at a word boundary (the text as it is when it fits). */
export function clipAtWord(s: string, max: number): string {
  const t = s.trim();
  if ([...t].length <= max) return t;
  const chars = [...t];
  const cut = chars.slice(0, max).join('');
  // Cut where a word ends: just before the next space, or at the last space inside.
  const space = /\s/.test(chars[max]!) ? cut.length : cut.lastIndexOf(' ');
  return (space > cut.length / 2 ? cut.slice(0, space) : cut).replace(/[\s,;:–—-]+$/u, '');
}

/** At most `max` characters, cut after a whole sentence where one ends (else at a word). */
export function clipAtSentence(s: string, max: number, language?: string): string {
  const t = s.trim();
  if ([...t].length <= max) return t;
  let out = '';
  for (const sentence of splitSentences(t, language)) {
    const next = out ? `${out} ${sentence}` : sentence;
    if ([...next].length > max) break;
    out = next;
  }
  return out || clipAtWord(t, max);
}

// --- Speaking rates and budgets ---------------------------------------------------------------------

export type BudgetUnit = 'words' | 'characters';

/** Languages written without spaces between words: their scripts are measured in characters. */
const NO_SPACES = new Set(['ja', 'zh', 'th', 'lo', 'km', 'my', 'bo']);

/**
 * espeak-ng at its default rate while it speaks: words per second (characters per second, spaces
 * left out, where words are not spaced), the pauses a task puts between sentences and around
 * the narration left out. Measured by `node bench/speaking-rates.ts` (espeak-ng 1.51) on the same
 * narration in each language; within 6 % across English texts of 6 to 48 words a sentence, where
 * a rate with the pauses in it was 20 % apart.
 */
const ESPEAK_RATES: Record<string, number> = {
  en: 3.8, es: 3.31, fr: 4.16, de: 3.14, it: 3.28, pt: 3.13, nl: 3.18, ru: 3.06,
  ja: 2.39, zh: 2.94,
};
const ESPEAK_DEFAULT = { words: 3.3, characters: 2.6 };
/** EspeakSpeech's silences (providers/espeak-speech.ts; a test keeps them equal): between sentences, scaled by speed, and the lead-in and tail. */
const ESPEAK_SENTENCE_PAUSE_S = 0.3;
const ESPEAK_EDGES_S = 0.1 + 0.3;

/**
 * Characters per word (spaces included) of the same texts: the same sentences take more characters
 * in German than in English, so a voice that speaks at a steady pace of characters says fewer words.
 */
const CHARS_PER_WORD: Record<string, number> = { en: 5.17, es: 5.52, fr: 5.74, de: 6.2, it: 5.62, pt: 5.6, nl: 5.77, ru: 5.96 };
const DEFAULT_CHARS_PER_WORD = 5.6;

/**
 * ElevenLabs' narration voices, not measured here (no key in this project): about 14 characters a
 * second with their pauses, 150 to 170 words a minute in English, the middle of what its voices
 * are reported to take; per language by its characters per word. Japanese and Chinese by their
 * usual rates.
 */
const NATURAL_CHARS_PER_SECOND = 14;
const NATURAL_NO_SPACE_RATES: Record<string, number> = { ja: 6, zh: 4.5 };
const NATURAL_NO_SPACE_DEFAULT = 4.5;

export interface SpeakingRate {
  unit: BudgetUnit;
  /** Units (words or characters) per second while speaking. */
  perSecond: number;
  /** Silence between two sentences. */
  pauseS: number;
  /** Silence before and after the narration. */
  edgesS: number;
}

const primary = (language: string) => language.split('-')[0]!.toLowerCase();

/** The unit a script in this language is measured in. */
export function budgetUnit(language: string): BudgetUnit {
  return NO_SPACES.has(primary(language)) ? 'characters' : 'words';
}

/** How fast `voice` (a speech provider's name) speaks `language`, at `speed` (1 is its normal rate). */
export function speakingRate(voice: string, language: string, speed = 1): SpeakingRate {
  const lang = primary(language);
  const unit = budgetUnit(language);
  if (voice === 'espeak-ng') {
    return { unit, perSecond: (ESPEAK_RATES[lang] ?? ESPEAK_DEFAULT[unit]) * speed, pauseS: ESPEAK_SENTENCE_PAUSE_S / speed, edgesS: ESPEAK_EDGES_S };
  }
  const perSecond =
    unit === 'characters' ? (NATURAL_NO_SPACE_RATES[lang] ?? NATURAL_NO_SPACE_DEFAULT) : NATURAL_CHARS_PER_SECOND / (CHARS_PER_WORD[lang] ?? DEFAULT_CHARS_PER_WORD);
  return { unit, perSecond: perSecond * speed, pauseS: 0, edgesS: 0 };
}

/** How long a script is, for a budget: its words, or its characters other than spaces. */
export function scriptLength(spoken: string, unit: BudgetUnit, language?: string): number {
  return unit === 'words' ? splitWords(spoken, language).length : [...spoken.replace(/\s+/g, '')].length;
}

/** Sentences of a short video's narration, as the prompt asks for them: the budget assumes this length. */
export const TYPICAL_SENTENCE = { words: 12, characters: 30 } as const;

export interface ScriptBudget {
  unit: BudgetUnit;
  durationS: number;
  /** What the prompt asks for: the length that lasts durationS in sentences of TYPICAL_SENTENCE. */
  target: number;
  /** The lengths that last durationS less and more BUDGET_TOLERANCE: what the prompt allows. */
  min: number;
  max: number;
  rate: SpeakingRate;
}

/** A script lasting within this share of the duration asked is close enough. */
export const BUDGET_TOLERANCE = 0.2;

/** The length that lasts `durationS` at `rate`, in sentences of `perSentence` units. */
export function lengthFor(durationS: number, rate: SpeakingRate, perSentence: number): number {
  // durationS = edges + length / perSecond + (length / perSentence - 1) * pause, solved for length.
  const length = (durationS - rate.edgesS + rate.pauseS) / (1 / rate.perSecond + rate.pauseS / perSentence);
  // Never past the longest script a video takes, whatever the rate says.
  const cap = rate.unit === 'characters' ? MAX_SCRIPT_CHARS : Math.floor(MAX_SCRIPT_CHARS / 6);
  return Math.max(1, Math.min(cap, Math.round(length)));
}

export function scriptBudget(durationS: number, rate: SpeakingRate): ScriptBudget {
  const per = TYPICAL_SENTENCE[rate.unit];
  return {
    unit: rate.unit,
    durationS,
    target: lengthFor(durationS, rate, per),
    min: lengthFor(durationS * (1 - BUDGET_TOLERANCE), rate, per),
    max: lengthFor(durationS * (1 + BUDGET_TOLERANCE), rate, per),
    rate,
  };
}

/** How long the voice takes to say a script of `length` units in `sentences` sentences. */
export function estimateDurationS(length: number, sentences: number, rate: SpeakingRate): number {
  const s = rate.edgesS + length / rate.perSecond + Math.max(0, sentences - 1) * rate.pauseS;
  return Math.round(s * 10) / 10;
}

/** What one sentence adds to the narration: its words and the pause after the one before. */
export function sentenceSeconds(length: number, rate: SpeakingRate): number {
  return length / rate.perSecond + rate.pauseS;
}

export type LengthVerdict = 'short' | 'fits' | 'long';

export function lengthVerdict(estimateS: number, durationS: number): LengthVerdict {
  return estimateS < durationS * (1 - BUDGET_TOLERANCE) ? 'short' : estimateS > durationS * (1 + BUDGET_TOLERANCE) ? 'long' : 'fits';
}

/**
 * The scenes cut to at most `max` on a sentence boundary: whole sentences are kept in order while
 * their `cost` (for a budget, sentenceSeconds of its spoken form) fits, a scene left with none is
 * dropped, and the first sentence always stays.
 */
export function trimScenes<S extends { text: string }>(scenes: readonly S[], max: number, cost: (sentence: string) => number, language?: string): S[] {
  const out: S[] = [];
  let used = 0;
  for (const scene of scenes) {
    const sentences = splitSentences(scene.text, language);
    if (sentences.length === 0) continue;
    const kept: string[] = [];
    for (const sentence of sentences) {
      const n = cost(sentence);
      if (used + n > max && (out.length > 0 || kept.length > 0)) break;
      kept.push(sentence);
      used += n;
    }
    if (kept.length === sentences.length) {
      out.push(scene);
      continue;
    }
    if (kept.length) out.push({ ...scene, text: kept.join(' ') });
    break;
  }
  return out;
}

// --- Without a writer -------------------------------------------------------------------------------

/** Why a `topic` cannot be taken by a service with no language model configured: a 422 detail naming the setting. */
export function topicWithoutWriter(path = 'topic'): ErrorDetail {
  return {
    path,
    message: 'writing a script from a topic needs a language model, and this service has none: its operator sets LLM_BASE_URL and LLM_MODEL (see docs/configuration.md); or send script_text or scenes',
  };
}
