// GET/HEAD /files/{key}: the local blob store's signed URLs, served with byte ranges so players
// can seek. Only in local mode; on Google Cloud the signed URLs point at Cloud Storage.
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { AppError } from '../errors.ts';
import type { LocalBlobStore } from '../platform/local-blob-store.ts';

export async function serveFile(files: LocalBlobStore, req: Request, key: string): Promise<Response> {
  const params = new URL(req.url).searchParams;
  const opened = await files.open(key, params);
  if (!opened.ok) {
    throw new AppError(opened.status === 410 ? 'expired' : opened.status === 403 ? 'forbidden' : 'not_found', opened.status, opened.reason);
  }
  const { blob, downloadName } = opened;
  const headers: Record<string, string> = {
    'content-type': blob.contentType,
    'accept-ranges': 'bytes',
    ...(blob.cacheControl ? { 'cache-control': blob.cacheControl } : {}),
    ...(downloadName ? { 'content-disposition': `attachment; filename="${downloadName.replace(/[^\w.-]/g, '_')}"` } : {}),
  };
  const range = byteRange(req.headers.get('range') ?? '', blob.sizeBytes);
  if (range === 'unsatisfiable') return new Response(null, { status: 416, headers: { 'content-range': `bytes */${blob.sizeBytes}` } });
  const { start, end } = range ?? { start: 0, end: blob.sizeBytes - 1 };
  if (range) headers['content-range'] = `bytes ${start}-${end}/${blob.sizeBytes}`;
  headers['content-length'] = String(end - start + 1);
  const status = range ? 206 : 200;
  if (req.method === 'HEAD' || blob.sizeBytes === 0) return new Response(null, { status, headers });
  // A client that goes away cancels the web stream, which closes the file.
  const body = Readable.toWeb(createReadStream(blob.path, { start, end })) as ReadableStream<Uint8Array>;
  return new Response(body, { status, headers });
}

/** A single `bytes=a-b`, `bytes=a-` or `bytes=-n` range; null for none (or a form we serve whole). */
export function byteRange(header: string, size: number): { start: number; end: number } | 'unsatisfiable' | null {
  const m = /^bytes=(\d*)-(\d*)$/.exec(header);
  if (!m || (!m[1] && !m[2])) return null;
  const start = m[1] ? Number(m[1]) : Math.max(0, size - Number(m[2]));
  const end = m[1] && m[2] ? Math.min(Number(m[2]), size - 1) : size - 1;
  if (start > end || start >= size) return 'unsatisfiable';
  return { start, end };
}
