// Request and response plumbing shared by every route: body reading with a limit, JSON replies,
// and the single place that turns errors into the `{error: {code, message, details?}}` shape.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { AppError, badJson, tooLarge } from '../errors.ts';
import type { Logger } from '../log.ts';

/** functions-framework has already parsed the body and kept the bytes as `rawBody`. */
export type Request = IncomingMessage & { rawBody?: Buffer };
export type Response = ServerResponse;
export type Handler = (req: Request, res: Response) => Promise<void>;

export async function readBody(req: Request, limit: number): Promise<Buffer> {
  if (req.rawBody) {
    if (req.rawBody.length > limit) throw tooLarge(limit);
    return req.rawBody;
  }
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) {
    req.resume();
    throw tooLarge(limit);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) {
      req.resume();
      throw tooLarge(limit);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

export async function readJson(req: Request, limit: number): Promise<unknown> {
  const type = String(req.headers['content-type'] ?? '');
  const body = await readBody(req, limit);
  if (!/^application\/json\b/i.test(type)) {
    throw new AppError('unsupported_media_type', 415, 'send the body as JSON with content-type: application/json');
  }
  if (body.length === 0) throw badJson('the request body is empty; send a JSON object');
  try {
    return JSON.parse(body.toString('utf8'));
  } catch (err) {
    throw badJson(`the request body is not valid JSON: ${(err as Error).message}`);
  }
}

export function sendJson(res: Response, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const data = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(data),
    'cache-control': 'no-store',
    ...headers,
  });
  res.end(data);
}

export function sendError(res: Response, err: unknown, log: Logger): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  if (err instanceof AppError) {
    if (err.status >= 500) log.warn({ code: err.code }, err.message);
    sendJson(
      res,
      err.status,
      { error: { code: err.code, message: err.message, ...(err.details ? { details: err.details } : {}) } },
      err.headers,
    );
    return;
  }
  log.error({ err: err instanceof Error ? { message: err.message, stack: err.stack } : String(err) }, 'unhandled error');
  sendJson(res, 500, { error: { code: 'internal', message: 'internal error; the request was not processed' } });
}

/** The base URL clients reached us on, for status_url and download_url. */
export function baseUrlOf(req: Request, configured: string | undefined): string {
  if (configured) return configured.replace(/\/+$/, '');
  const proto = String(req.headers['x-forwarded-proto'] ?? '').split(',')[0]?.trim() || 'http';
  const host = req.headers['x-forwarded-host'] ?? req.headers.host ?? 'localhost';
  return `${proto}://${host}`;
}
