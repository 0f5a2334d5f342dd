// Templates: a channel's look saved once, per API key, and applied to every video that names it
// (`template_id` in a video, storyboard or batch request). A template holds a request's settings,
// never its content: voice, captions, music, outputs, and every craft field the request has; not
// the script, the footage searched or named, the posting words, the callback or the seed. Its
// settings are the fields as sent (no defaults filled in), so a template says only what it sets,
// and a request's own fields win (request-layers.ts). Pure.
import { z } from 'zod';
import { zodDetails, type ErrorDetail } from '../errors.ts';
import { isObject, layered } from './request-layers.ts';
import { RequestFields, VideoRequestSchema } from './video-request.ts';

export { TemplateIdSchema } from './video-request.ts';
import { text } from './valid-text.ts';

/** A key's templates: each is one small document; a key has few channels. */
export const MAX_TEMPLATES_PER_OWNER = 100;
export const MAX_TEMPLATE_NAME_CHARS = 80;

/** A request's content, which is each video's own: a template may not hold it. */
export const TEMPLATE_EXCLUDED = [
  'script_text',
  'scenes',
  'topic',
  'search_query',
  'clip_urls',
  'title',
  'description',
  'seed',
  'callback_url',
  'metadata',
  'storyboard_id',
  'template_id',
] as const;
const EXCLUDED = new Set<string>(TEMPLATE_EXCLUDED);

/** The fields a template may set: every request field but the content. */
export const TEMPLATE_FIELDS: readonly string[] = Object.keys(RequestFields.shape).filter((k) => !EXCLUDED.has(k));

/**
 * The settings as the API documents them: the request's setting fields, each optional. Only a
 * shape for clients and the OpenAPI document; `checkSettings` validates them.
 */
export const TemplateSettingsSchema = RequestFields.omit(Object.fromEntries(TEMPLATE_EXCLUDED.map((k) => [k, true])) as { [K in (typeof TEMPLATE_EXCLUDED)[number]]: true })
  .partial()
  .meta({
    id: 'TemplateSettings',
    description: 'A video request’s settings (voice, captions, music, outputs, …), each optional; never its script, footage, posting words, callback or seed',
  });

export const TemplateBodySchema = z
  .strictObject({
    name: text().trim().min(1).max(MAX_TEMPLATE_NAME_CHARS).meta({ description: 'Unique among this key’s templates, e.g. "facts channel"' }),
    settings: z.record(z.string(), z.unknown()).meta({ description: 'The settings: fields of a video request (see TemplateSettings)' }),
  })
  .meta({ id: 'TemplateBody', description: 'A template to save: its name and the request settings it applies' });
export type TemplateBody = z.infer<typeof TemplateBodySchema>;

export interface TemplateRecord {
  id: string;
  /** Hash of the API key that made it; null when the service runs without keys. */
  owner: string | null;
  name: string;
  /** The request fields it sets, as sent. */
  settings: Record<string, unknown>;
  created_at: string;
  updated_at: string;
}

/**
 * Every problem with a template's settings, each naming its field (`settings.captions.style`):
 * fields a template cannot hold, and what the request schema says of them once a video's content
 * is added (one script; a topic when they shape written scripts).
 */
export function checkSettings(settings: Record<string, unknown>): ErrorDetail[] {
  const details: ErrorDetail[] = [];
  for (const k of Object.keys(settings)) {
    if (EXCLUDED.has(k)) details.push({ path: `settings.${k}`, message: `a template holds a video's settings, not its ${k}: leave it out (send it with each video)` });
  }
  if (details.length) return details;
  const content = ['duration_s', 'tone', 'script_format'].some((k) => settings[k] !== undefined) ? { topic: 'the topic of a video' } : { script_text: 'A video.' };
  const parsed = VideoRequestSchema.safeParse({ ...settings, ...content });
  return parsed.success ? [] : zodDetails(parsed.error, ['settings']);
}

/** A request's body with its template's settings under it (request-layers.ts): what the request schema then validates. */
export function applyTemplate(template: Pick<TemplateRecord, 'id' | 'settings'>, body: Record<string, unknown>): Record<string, unknown> {
  return layered([template.settings], body);
}

/** The template_id a body names, if it is a string (anything else is left to the schema to refuse). */
export function templateIdOf(body: unknown): string | null {
  return isObject(body) && typeof body.template_id === 'string' ? body.template_id : null;
}
