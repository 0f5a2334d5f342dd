// Response plumbing shared by every route: JSON replies with our headers, and the single place
// that turns errors into the `{error: {code, message, details?}}` shape.
import { maxHeaderSize, STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { HTTPException } from 'hono/http-exception';
import { AppError, badJson, unsupportedMedia } from '../errors.ts';
import type { Logger } from '../log.ts';
import type { ErrorBody } from './schemas.ts';

/** What every route sees: the request's logger and, after `requireKey`, the key's owner id. */
export interface ApiEnv {
  Bindings: { incoming?: IncomingMessage & { rawBody?: Buffer }; outgoing?: ServerResponse };
  /** `sent`: a submit's body as the client sent it, before its template was applied (api/templates.ts). */
  Variables: { log: Logger; owner: string | null; sent: unknown };
}

/** A node:http request handler: our server and functions-framework both call one. */
export type Handler = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

export const JSON_HEADERS = { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' } as const;

/** c.json with our headers: a charset, and never cached (task views change, URLs expire). */
export function json<T, S extends ContentfulStatusCode>(c: Context, body: T, status: S, headers: Record<string, string> = {}) {
  return c.json(body as never, status, { ...JSON_HEADERS, ...headers }) as ReturnType<typeof c.json<T, S>>;
}

export const errorBody = (e: AppError): ErrorBody => ({
  error: { code: e.code, message: e.message, ...(e.details ? { details: e.details } : {}) },
});

const INTERNAL = new AppError('internal', 500, 'internal error; the request was not processed');

/** hono's own refusals (its validators' content-type gate and JSON parse) in our words. */
function fromHono(err: HTTPException): AppError {
  if (err.status === 415) return unsupportedMedia();
  if (err.status === 400) return badJson(`the request body is not valid JSON: ${err.message}`);
  return new AppError('http_error', err.status, err.message);
}

/** Any error as our JSON shape; anything that is not an AppError is logged and answered 500. */
export function errorResponse(c: Context, err: unknown, log: Logger): Response {
  if (err instanceof HTTPException) err = fromHono(err);
  if (err instanceof AppError) {
    if (err.status >= 500) log.warn({ code: err.code }, err.message);
    return c.body(JSON.stringify(errorBody(err)), err.status as ContentfulStatusCode, { ...JSON_HEADERS, ...err.headers });
  }
  log.error({ err: err instanceof Error ? { message: err.message, stack: err.stack } : String(err) }, 'unhandled error');
  return c.body(JSON.stringify(errorBody(INTERNAL)), 500, { ...JSON_HEADERS });
}

/** The base URL clients reached us on, for status_url and download_url. */
export function baseUrlOf(c: Context, configured: string | undefined): string {
  if (configured) return configured.replace(/\/+$/, '');
  const url = new URL(c.req.url);
  const proto = (c.req.header('x-forwarded-proto') ?? '').split(',')[0]?.trim() || url.protocol.slice(0, -1);
  // In-process requests (the MCP tools') carry no Host header; their URL has it.
  const host = c.req.header('x-forwarded-host') ?? c.req.header('host') ?? url.host;
  return `${proto}://${host}`;
}

/**
 * The raw HTTP answer to a request node:http could not take (oversized headers, too slow, not
 * HTTP), in our JSON shape; the connection closes after it.
 */
export function clientErrorReply(err: NodeJS.ErrnoException): string {
  const e =
    err.code === 'HPE_HEADER_OVERFLOW'
      ? new AppError('headers_too_large', 431, `the request headers exceed ${maxHeaderSize} bytes; send fewer or shorter headers`)
      : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? new AppError('request_timeout', 408, 'the request was not sent in time; send it again in one go')
        : new AppError('bad_request', 400, 'the request is not valid HTTP/1.1');
  const body = JSON.stringify(errorBody(e));
  const head = { ...JSON_HEADERS, 'content-length': String(Buffer.byteLength(body)), connection: 'close' };
  return `HTTP/1.1 ${e.status} ${STATUS_CODES[e.status]}\r\n${Object.entries(head).map(([k, v]) => `${k}: ${v}\r\n`).join('')}\r\n${body}`;
}
