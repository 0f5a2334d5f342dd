// The template routes' declarations (zod; the OpenAPI document is generated from them): save a
// key's request settings under a name, list them, read, replace and delete one. A video,
// storyboard or batch request applies one with `template_id`.
import { createRoute, z } from '@hono/zod-openapi';
import { TemplateBodySchema, TemplateSettingsSchema } from '../domain/template.ts';
import { SECURITY } from './auth.ts';
import { errorContent, errorResponses, jsonContent, TaskIdParams } from './schemas.ts';

const EXAMPLE_ID = '3d7a9c2e-1f4b-4a6d-8e0c-9b5f2a7d1c3e';

const EXAMPLE_SETTINGS = {
  voice_id: 'en-gb+f3',
  aspect_ratio: '9:16',
  resolution: '1080p',
  captions: { style: 'karaoke', position: 'center', font_size: 1.2 },
  music: { url: 'https://example.com/music/calm.mp3', volume: 0.15 },
};

export const TemplateViewSchema = z
  .strictObject({
    template_id: z.string().meta({ description: 'Send it as template_id in a video, storyboard or batch request' }),
    name: z.string(),
    settings: TemplateSettingsSchema,
    created_at: z.iso.datetime(),
    updated_at: z.iso.datetime(),
  })
  .meta({
    id: 'Template',
    description: 'Saved request settings of one API key',
    examples: [{ template_id: EXAMPLE_ID, name: 'facts channel', settings: EXAMPLE_SETTINGS, created_at: '2026-11-30T10:15:00.000Z', updated_at: '2026-11-30T10:15:00.000Z' }],
  });
export type TemplateView = z.infer<typeof TemplateViewSchema>;

export const TemplateListSchema = z
  .strictObject({ data: z.array(TemplateViewSchema).meta({ description: 'By name' }) })
  .meta({ id: 'TemplateList', examples: [{ data: [{ template_id: EXAMPLE_ID, name: 'facts channel', settings: EXAMPLE_SETTINGS, created_at: '2026-11-30T10:15:00.000Z', updated_at: '2026-11-30T10:15:00.000Z' }] }] });

const TemplateParams = z.object({ id: TaskIdParams.shape.id.meta({ param: { name: 'id', in: 'path' }, examples: [EXAMPLE_ID] }) });

const body = { required: true, content: { 'application/json': { schema: TemplateBodySchema, example: { name: 'facts channel', settings: EXAMPLE_SETTINGS } } } };

const INVALID = {
  description: 'Invalid fields (`invalid_request`): details name each, e.g. `settings.captions.style`, or `settings.script_text` (a template holds settings, not a video’s script)',
  content: errorContent('invalid_request', 'invalid request: settings.captions.style: Invalid option: expected one of "word-highlight"|"karaoke"|"line"|"boxed"|"pop"'),
};
const NAME_TAKEN = {
  description: 'This key has a template of that name (`template_name_taken`)',
  content: errorContent('template_name_taken', 'this API key has a template named "facts channel" already (3d7a9c2e-…); choose another name, or PUT /v1/templates/3d7a9c2e-… to change it'),
};

export const createTemplateRoute = createRoute({
  method: 'post',
  path: '/v1/templates',
  operationId: 'createTemplate',
  tags: ['templates'],
  summary: 'Save request settings as a named template of this API key',
  description:
    'The settings are any of a video request’s fields but its content (script_text, scenes, topic, search_query, clip_urls, title, ' +
    'description, seed, callback_url, metadata): voice, captions, music, outputs and every look the request takes. They are kept as ' +
    'sent; a request naming the template gets them under its own fields (the request’s win), and the whole is then validated.',
  security: SECURITY,
  request: { body },
  responses: {
    201: { description: 'Saved', content: jsonContent(TemplateViewSchema) },
    ...errorResponses(400, 401, 413, 415),
    409: NAME_TAKEN,
    422: INVALID,
  },
});

export const listTemplatesRoute = createRoute({
  method: 'get',
  path: '/v1/templates',
  operationId: 'listTemplates',
  tags: ['templates'],
  summary: "This API key's templates",
  security: SECURITY,
  responses: { 200: { description: 'The templates', content: jsonContent(TemplateListSchema) }, ...errorResponses(401) },
});

export const getTemplateRoute = createRoute({
  method: 'get',
  path: '/v1/templates/{id}',
  operationId: 'getTemplate',
  tags: ['templates'],
  summary: 'One template',
  security: SECURITY,
  request: { params: TemplateParams },
  responses: { 200: { description: 'The template', content: jsonContent(TemplateViewSchema) }, ...errorResponses(400, 401, 404) },
});

export const replaceTemplateRoute = createRoute({
  method: 'put',
  path: '/v1/templates/{id}',
  operationId: 'replaceTemplate',
  tags: ['templates'],
  summary: 'Replace a template’s name and settings',
  description: 'Videos asked for earlier keep the settings they were asked with.',
  security: SECURITY,
  request: { params: TemplateParams, body },
  responses: {
    200: { description: 'The template as it now stands', content: jsonContent(TemplateViewSchema) },
    ...errorResponses(400, 401, 404, 413, 415),
    409: NAME_TAKEN,
    422: INVALID,
  },
});

export const deleteTemplateRoute = createRoute({
  method: 'delete',
  path: '/v1/templates/{id}',
  operationId: 'deleteTemplate',
  tags: ['templates'],
  summary: 'Delete a template',
  description: 'Videos asked for earlier keep the settings they were asked with.',
  security: SECURITY,
  request: { params: TemplateParams },
  responses: { 204: { description: 'Deleted' }, ...errorResponses(400, 401, 404) },
});

export const TEMPLATE_ROUTES = [createTemplateRoute, listTemplatesRoute, getTemplateRoute, replaceTemplateRoute, deleteTemplateRoute];
