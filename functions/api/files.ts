// GET/HEAD /files/{key}: the local blob store's signed URLs, served with byte ranges so players
// can seek. Only in local mode; on Google Cloud the signed URLs point at Cloud Storage.
import { createReadStream } from 'node:fs';
import { AppError } from '../errors.ts';
import type { LocalBlobStore } from '../platform/local-blob-store.ts';
import type { Request, Response } from './http.ts';

export async function serveFile(files: LocalBlobStore, req: Request, res: Response, key: string, params: URLSearchParams): Promise<void> {
  const opened = await files.open(key, params);
  if (!opened.ok) {
    throw new AppError(opened.status === 410 ? 'expired' : opened.status === 403 ? 'forbidden' : 'not_found', opened.status, opened.reason);
  }
  const { blob, downloadName } = opened;
  const headers: Record<string, string | number> = {
    'content-type': blob.contentType,
    'accept-ranges': 'bytes',
    ...(blob.cacheControl ? { 'cache-control': blob.cacheControl } : {}),
    ...(downloadName ? { 'content-disposition': `attachment; filename="${downloadName.replace(/[^\w.-]/g, '_')}"` } : {}),
  };
  const range = byteRange(String(req.headers.range ?? ''), blob.sizeBytes);
  if (range === 'unsatisfiable') {
    res.writeHead(416, { 'content-range': `bytes */${blob.sizeBytes}` });
    res.end();
    return;
  }
  const { start, end } = range ?? { start: 0, end: blob.sizeBytes - 1 };
  if (range) headers['content-range'] = `bytes ${start}-${end}/${blob.sizeBytes}`;
  headers['content-length'] = end - start + 1;
  res.writeHead(range ? 206 : 200, headers);
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  await new Promise<void>((resolve, reject) => {
    const stream = createReadStream(blob.path, { start, end });
    stream.on('error', reject);
    res.on('close', () => {
      stream.destroy();
      resolve();
    });
    stream.pipe(res);
  });
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
