// The template routes (template-spec.ts), and the middleware that applies a request's template:
// the template's settings go under the body's own fields (domain/template.ts) before the route's
// schema validates the body, so the merged request is checked as a whole, each error naming its
// field.
import { randomUUID } from 'node:crypto';
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { MiddlewareHandler } from 'hono';
import { applyTemplate, checkSettings, MAX_TEMPLATES_PER_OWNER, templateIdOf, type TemplateBody, type TemplateRecord } from '../domain/template.ts';
import { unknownTemplate } from '../domain/batch.ts';
import { isObject } from '../domain/request-layers.ts';
import { AppError, conflict, invalid, notFound } from '../errors.ts';
import { jsonBody } from './body.ts';
import type { ApiDeps } from './deps.ts';
import { json, type ApiEnv } from './http.ts';
import { createTemplateRoute, deleteTemplateRoute, getTemplateRoute, listTemplatesRoute, replaceTemplateRoute, type TemplateView } from './template-spec.ts';

const view = (t: TemplateRecord): TemplateView => ({ template_id: t.id, name: t.name, settings: t.settings, created_at: t.created_at, updated_at: t.updated_at });

/** The caller's template `id`; another key's answers like an unknown one. */
export async function ownedTemplate(deps: ApiDeps, owner: string | null, id: string): Promise<TemplateRecord | null> {
  const t = await deps.templates.get(id);
  return t && (!deps.keys.enabled || t.owner === owner) ? t : null;
}

/**
 * For a submit route: the body as sent is kept (`sent`: its hash answers a replayed
 * Idempotency-Key), and one naming a template_id goes on to the route's schema with the
 * template's settings under it. An unknown template is a 422 naming template_id.
 */
export function templated(deps: ApiDeps): MiddlewareHandler<ApiEnv> {
  return async (c, next) => {
    const sent: unknown = await c.req.raw.clone().json();
    c.set('sent', sent);
    // A storyboard's video takes the storyboard's own settings: its body's schema refuses a
    // template_id, which is then named as the field to leave out, rather than the template's fields.
    const id = isObject(sent) && sent.storyboard_id !== undefined ? null : templateIdOf(sent);
    if (id) {
      const template = await ownedTemplate(deps, c.get('owner'), id);
      if (!template) throw invalid([{ path: 'template_id', message: unknownTemplate(id) }]);
      const merged = applyTemplate(template, sent as Record<string, unknown>);
      c.req.raw = new Request(c.req.raw.url, { method: c.req.method, headers: c.req.raw.headers, body: JSON.stringify(merged) });
      // hono keeps what it read of the body: the route's validator must read the merged one.
      c.req.bodyCache = {};
    }
    await next();
  };
}

function checked(body: TemplateBody): void {
  const details = checkSettings(body.settings);
  if (details.length) throw invalid(details);
}

const nameTaken = (deps: ApiDeps, owner: string | null, name: string) =>
  deps.templates.list(owner).then((all) => {
    const other = all.find((t) => t.name === name);
    return conflict(
      'template_name_taken',
      `this API key has a template named "${name}" already${other ? ` (${other.id})` : ''}; choose another name${other ? `, or PUT /v1/templates/${other.id} to change it` : ''}`,
    );
  });

export function mountTemplates(app: OpenAPIHono<ApiEnv>, deps: ApiDeps): void {
  const auth = deps.keys.required();
  const body = jsonBody(deps.cfg.MAX_BODY_BYTES);

  app.openapi({ ...createTemplateRoute, middleware: [auth, body] as const }, async (c) => {
    const owner = c.get('owner');
    const sent = c.req.valid('json');
    checked(sent);
    const now = new Date().toISOString();
    const t: TemplateRecord = { id: randomUUID(), owner, name: sent.name, settings: sent.settings, created_at: now, updated_at: now };
    const written = await deps.templates.create(t, MAX_TEMPLATES_PER_OWNER);
    if (written === 'name_taken') throw await nameTaken(deps, owner, t.name);
    if (written === 'too_many') {
      throw new AppError('too_many_templates', 409, `this API key has ${MAX_TEMPLATES_PER_OWNER} templates, the most it may keep; delete one first (DELETE /v1/templates/{id})`);
    }
    return json(c, view(t), 201);
  });

  app.openapi({ ...listTemplatesRoute, middleware: [auth] as const }, async (c) => json(c, { data: (await deps.templates.list(c.get('owner'))).map(view) }, 200));

  app.openapi({ ...getTemplateRoute, middleware: [auth] as const }, async (c) => {
    const { id } = c.req.valid('param');
    const t = await ownedTemplate(deps, c.get('owner'), id);
    if (!t) throw notFound(`template ${id}`);
    return json(c, view(t), 200);
  });

  app.openapi({ ...replaceTemplateRoute, middleware: [auth, body] as const }, async (c) => {
    const owner = c.get('owner');
    const { id } = c.req.valid('param');
    const sent = c.req.valid('json');
    const before = await ownedTemplate(deps, owner, id);
    if (!before) throw notFound(`template ${id}`);
    checked(sent);
    const t: TemplateRecord = { ...before, name: sent.name, settings: sent.settings, updated_at: new Date().toISOString() };
    const written = await deps.templates.replace(t);
    if (written === 'missing') throw notFound(`template ${id}`);
    if (written === 'name_taken') throw await nameTaken(deps, owner, t.name);
    return json(c, view(t), 200);
  });

  app.openapi({ ...deleteTemplateRoute, middleware: [auth] as const }, async (c) => {
    const { id } = c.req.valid('param');
    if (!(await ownedTemplate(deps, c.get('owner'), id)) || !(await deps.templates.delete(id))) throw notFound(`template ${id}`);
    return c.body(null, 204);
  });
}
