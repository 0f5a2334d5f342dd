// Request bodies: read with a byte limit, checked to be JSON in UTF-8, with our status codes and
// messages (413, 415, 400) in that order. Over node:http the bytes are read from the socket here,
// so an oversized body is answered 413 while the rest of it is read and thrown away (the client
// sees the answer instead of a reset connection).
import type { IncomingMessage } from 'node:http';
import { isUtf8 } from 'node:buffer';
import type { Context, MiddlewareHandler } from 'hono';
import { badJson, tooLarge, unsupportedMedia } from '../errors.ts';
import type { ApiEnv } from './http.ts';

/** How much of an oversized body is still read and discarded before the connection is closed. */
export const DISCARD_LIMIT_BYTES = 16 * 1024 * 1024;

/** The media types hono's JSON validator accepts; the two tests must agree. */
const JSON_TYPE = /^application\/([\w.-]+\+)?json$/i;


/**
 * How long a refused body is read and dropped before a connection that closes after the answer
 * (Connection: close, HTTP/1.0) is answered: node closes it as soon as the answer is sent, and a
 * client still sending would then get a reset instead of the 413.
 */
export const DRAIN_BEFORE_CLOSE_MS = 5_000;

/**
 * Reads the body (at most `limit` bytes), then checks it is JSON in UTF-8. The parsed body goes on
 * to the route's zod validator, which reads it from the replaced request.
 */
export function jsonBody(limit: number): MiddlewareHandler<ApiEnv> {
  return async (c, next) => {
    const bytes = await readBody(c, limit);
    const mediaType = (c.req.header('content-type') ?? '').split(';')[0]!.trim();
    if (!JSON_TYPE.test(mediaType)) throw unsupportedMedia();
    if (bytes.length === 0) throw badJson('the request body is empty; send a JSON object');
    const bad = invalidUtf8At(bytes);
    if (bad !== null) throw badJson(`the request body is not valid UTF-8 (a bad byte sequence near byte ${bad}); send JSON encoded as UTF-8`);
    try {
      JSON.parse(bytes.toString('utf8'));
    } catch (err) {
      throw badJson(`the request body is not valid JSON: ${(err as Error).message}`);
    }
    c.req.raw = new Request(c.req.raw.url, { method: c.req.method, headers: c.req.raw.headers, body: new Uint8Array(bytes) });
    await next();
  };
}

/**
 * The body's bytes, at most `limit` of them, read before anything else reads the request; a larger
 * body (declared, or found while reading) throws the 413 once what must be drained is drained.
 * Callers that hand the request on replace `c.req.raw` with these bytes.
 */
export async function readBody(c: Context<ApiEnv>, limit: number): Promise<Buffer> {
  const declared = Number(c.req.header('content-length'));
  const incoming = c.env?.incoming;
  const closes = c.env?.outgoing?.shouldKeepAlive === false;
  if (Number.isFinite(declared) && declared > limit) {
    if (incoming && !incoming.rawBody) await refuseRest(incoming, 0, closes);
    throw tooLarge(limit);
  }
  const bytes = incoming ? await readIncoming(incoming, limit, closes) : Buffer.from(await c.req.arrayBuffer());
  if (bytes.length > limit) throw tooLarge(limit);
  return bytes;
}

/**
 * The rest of a refused body is read and dropped. On a connection that stays open the answer goes
 * at once and the draining goes on behind it; on one that closes after the answer, the answer
 * waits for the body's end (or DISCARD_LIMIT_BYTES, or DRAIN_BEFORE_CLOSE_MS).
 */
export async function refuseRest(req: IncomingMessage, alreadyRead: number, closes: boolean): Promise<void> {
  const drained = discard(req, alreadyRead);
  if (!closes) return;
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([drained, new Promise<void>((resolve) => (timer = setTimeout(resolve, DRAIN_BEFORE_CLOSE_MS)))]);
  clearTimeout(timer);
}

/** The body from node:http, or functions-framework's copy of it (`rawBody`, already read). */
function readIncoming(req: IncomingMessage & { rawBody?: Buffer }, limit: number, closes: boolean): Promise<Buffer> {
  if (req.rawBody) return Promise.resolve(req.rawBody);
  if (req.readableEnded) return Promise.resolve(Buffer.alloc(0));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) return void chunks.push(chunk);
      done();
      void refuseRest(req, size, closes).then(() => reject(tooLarge(limit)));
    };
    const onEnd = () => {
      done();
      resolve(Buffer.concat(chunks));
    };
    const onError = (err: Error) => {
      done();
      reject(err);
    };
    const done = () => {
      req.off('data', onData).off('end', onEnd).off('error', onError).off('aborted', onError);
    };
    req.on('data', onData).on('end', onEnd).on('error', onError).on('aborted', onError);
  });
}

/**
 * Read and drop the rest of a body we will not use, so the client can finish sending and read our
 * answer; beyond DISCARD_LIMIT_BYTES the connection is closed instead. A client that sends slowly
 * is cut by the server's request timeout. Resolves when the body has ended or the connection is gone.
 */
export function discard(req: IncomingMessage, alreadyRead = 0): Promise<void> {
  if (req.readableEnded || req.destroyed) return Promise.resolve();
  let size = alreadyRead;
  const over = new Promise<void>((resolve) => {
    req.once('end', resolve).once('close', resolve).once('error', () => resolve());
  });
  req.on('data', (chunk: Buffer) => {
    size += chunk.length;
    if (size > DISCARD_LIMIT_BYTES) req.socket?.destroy();
  });
  req.resume();
  return over;
}

/** About where UTF-8 decoding first fails (a byte offset), or null when all of it is valid. */
export function invalidUtf8At(bytes: Buffer): number | null {
  if (isUtf8(bytes)) return null;
  // The longest prefix that is valid once a character cut off at its end is dropped.
  let lo = 0;
  let hi = bytes.length;
  while (hi - lo > 1) {
    const mid = (lo + hi) >>> 1;
    if (isUtf8(trimPartial(bytes.subarray(0, mid)))) lo = mid;
    else hi = mid;
  }
  return hi - 1;
}

/** Drop a multi-byte character cut off at the end, so a prefix is judged only on whole characters. */
function trimPartial(b: Buffer): Buffer {
  for (let back = 1; back <= Math.min(3, b.length); back++) {
    const byte = b[b.length - back]!;
    if ((byte & 0xc0) === 0x80) continue;
    const need = byte >= 0xc2 && byte <= 0xdf ? 2 : byte >= 0xe0 && byte <= 0xef ? 3 : byte >= 0xf0 && byte <= 0xf4 ? 4 : 1;
    return need > back ? b.subarray(0, b.length - back) : b;
  }
  return b;
}
