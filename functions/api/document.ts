// The OpenAPI 3.1 document, generated from the route declarations in spec.ts (never written by
// hand): every route, worker-only ones marked, both auth schemes, the callback as a webhook.
import { OpenAPIHono } from '@hono/zod-openapi';
import { packageInfo } from '../lib/package-info.ts';
import { ALL_ROUTES, callbackWebhook } from './spec.ts';

export interface DocumentOptions {
  /** PUBLIC_URL, when set: the document names it as the server. */
  publicUrl?: string | undefined;
  /** Extra routes registered by layers above (the MCP endpoint). */
  extraRoutes?: readonly Parameters<OpenAPIHono['openAPIRegistry']['registerPath']>[0][];
}

const DESCRIPTION = `Script in, narrated and captioned short video out.

Submit a script (\`POST /v1/videos\`), then poll the task (\`GET /v1/videos/{id}\`) or receive the
callback (see *Webhooks*), and download the MP4 (\`GET /download/{id}\`).

**Keys.** When the service runs with \`API_KEYS\`, every route except \`/healthz\`, \`/health\`,
\`/openapi.json\` and \`/docs\` needs one, as \`Authorization: Bearer <key>\` or \`X-API-Key: <key>\`.
A task belongs to the key that made it.

**Errors** always have the shape \`{"error": {"code", "message", "details?"}}\`. Besides the answers
listed per route, any route may answer 400 \`invalid_path\` (a malformed % escape), 405
\`method_not_allowed\` (with \`Allow\`), 408 \`request_timeout\` (the request was not sent within
REQUEST_TIMEOUT_SECONDS), 431 \`headers_too_large\` and 500 \`internal\`.`;

/** Builds the document; callers cache it (building takes tens of milliseconds). */
export function openApiDocument(opts: DocumentOptions = {}): Record<string, unknown> {
  const doc = new OpenAPIHono();
  const registry = doc.openAPIRegistry;
  registry.registerComponent('securitySchemes', 'bearer', {
    type: 'http',
    scheme: 'bearer',
    description: 'An API key from API_KEYS, as `Authorization: Bearer <key>`',
  });
  registry.registerComponent('securitySchemes', 'apiKey', {
    type: 'apiKey',
    in: 'header',
    name: 'X-API-Key',
    description: 'An API key from API_KEYS, as `X-API-Key: <key>`',
  });
  for (const route of [...ALL_ROUTES, ...(opts.extraRoutes ?? [])]) registry.registerPath(route);
  registry.registerWebhook(callbackWebhook);
  const { version } = packageInfo();
  const document = doc.getOpenAPI31Document({
    openapi: '3.1.0',
    info: { title: 'reelsmith', version, description: DESCRIPTION },
    ...(opts.publicUrl ? { servers: [{ url: opts.publicUrl.replace(/\/+$/, '') }] } : {}),
    tags: [
      { name: 'videos', description: 'Submit, list, poll, download and cancel videos' },
      { name: 'mcp', description: 'Model Context Protocol over streamable HTTP' },
      { name: 'callbacks', description: 'What the service sends to callback_url' },
      { name: 'health', description: 'Liveness' },
      { name: 'docs', description: 'This document and its reference page' },
      { name: 'files', description: 'Local mode only: signed file URLs' },
      { name: 'worker', description: 'Worker service only: called by Cloud Tasks, not by clients' },
    ],
  });
  // Route declarations carry a routing helper function; the document is plain JSON.
  return JSON.parse(JSON.stringify(document)) as Record<string, unknown>;
}
