// POST /v1/uploads: a recorded narration sent before the video that uses it (voiceover.upload_id).
// The multipart body is streamed to a temporary file with busboy, which stops at MAX_UPLOAD_BYTES
// without holding the file in memory (hono's parseBody would buffer all of it); the file then
// passes the voiceover gate (ffprobe: audio alone, a format people record in, at most
// MAX_NARRATION_SECONDS) and goes to the blob store under its owner, where a task's worker reads
// it (DATA_DIR/blobs locally, the bucket in the cloud). Uploads expire with RETENTION_DAYS.
import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { OpenAPIHono } from '@hono/zod-openapi';
import busboy from 'busboy';
import type { Context } from 'hono';
import { newUploadRecord, UPLOAD_MIN_REMAINING_MS, uploadKeys, UploadRecordSchema, type UploadRecord } from '../domain/uploads.ts';
import type { VoiceoverRequest } from '../domain/video-request.ts';
import { AppError, invalid, TaskError } from '../errors.ts';
import { gateVoiceover } from '../media/voiceover-input.ts';
import type { BlobStore } from '../platform/ports.ts';
import { refuseRest } from './body.ts';
import type { ApiDeps } from './deps.ts';
import { json, type ApiEnv } from './http.ts';
import { uploadRoute } from './spec.ts';

/** What a multipart body may carry besides the file itself: its boundaries and part headers. */
const FORM_OVERHEAD_BYTES = 64 * 1024;
const MIB = 1024 * 1024;

/** How each accepted container is stored (the worker reads the bytes; the type is for a person downloading it). */
const CONTENT_TYPES: Record<string, string> = {
  mp3: 'audio/mpeg',
  wav: 'audio/wav',
  m4a: 'audio/mp4',
  aac: 'audio/aac',
  ogg: 'audio/ogg',
  webm: 'audio/webm',
};

export const uploadTooLarge = (maxBytes: number) =>
  new AppError(
    'payload_too_large',
    413,
    `the recording is over MAX_UPLOAD_BYTES (${(maxBytes / MIB).toFixed(1)} MiB); send it compressed (MP3, M4A or Ogg/Opus) or shorter`,
  );

const notMultipart = () =>
  new AppError('unsupported_media_type', 415, 'send the recording as multipart/form-data, in a part named "file" (curl -F file=@voice.mp3)');

const fileProblem = (message: string) => invalid([{ path: 'file', message }]);

/** The blob store could not keep the file (Cloud Storage unreachable): nothing was kept, send it again. */
function storeFailed(err: unknown): never {
  if (!(err instanceof TaskError) || err.code !== 'upload_failed') throw err;
  throw new AppError('storage_unavailable', 503, 'the recording could not be stored just now; send it again in a moment', { cause: err, headers: { 'retry-after': '5' } });
}

export function mountUploads(app: OpenAPIHono<ApiEnv>, deps: ApiDeps): void {
  const auth = deps.keys.required();
  // Registered without hono's form validator, which would read the whole body into memory; the
  // route's declaration (spec.ts) documents the same form.
  let receiving = 0;
  app.post(uploadRoute.path, auth, async (c) => {
    if (receiving >= deps.cfg.MAX_CONCURRENT_UPLOADS) {
      const incoming = c.env?.incoming;
      if (incoming && !incoming.rawBody) await refuseRest(incoming, 0, c.env?.outgoing?.shouldKeepAlive === false);
      throw new AppError('uploads_busy', 503, `this server is receiving ${receiving} uploads already; send it again in a moment`, { headers: { 'retry-after': '5' } });
    }
    receiving++;
    try {
      return json(c, await storeUpload(c, deps), 201);
    } finally {
      receiving--;
    }
  });
}

/** The upload received, checked and kept, or refused with nothing kept (temporary files included). */
async function storeUpload(c: Context<ApiEnv>, deps: ApiDeps): Promise<UploadRecord> {
  const owner = c.get('owner');
  const dir = await mkdtemp(join(tmpdir(), 'reelsmith-upload-'));
  try {
    const sent = await receiveFile(c, deps.cfg.MAX_UPLOAD_BYTES, dir);
    const gated = await gateVoiceover(deps.tools, sent.path, dir, { maxSeconds: deps.cfg.MAX_NARRATION_SECONDS, signal: c.req.raw.signal }).catch((err: unknown) => {
      if (err instanceof TaskError && (err.code === 'unsupported_media' || err.code === 'unreadable_media')) throw fileProblem(err.message);
      throw err;
    });
    const uploadId = randomUUID();
    const keys = uploadKeys(owner, uploadId);
    const { sizeBytes } = await deps.blobs.put(keys.file, gated.path, { contentType: CONTENT_TYPES[gated.format] ?? 'application/octet-stream' }).catch(storeFailed);
    const record = newUploadRecord({
      uploadId,
      format: gated.format,
      codec: gated.codec,
      durationS: gated.durationS,
      sizeBytes,
      filename: sent.filename,
      now: new Date(),
      retentionDays: deps.cfg.RETENTION_DAYS,
    });
    // The record last: an upload whose record exists has its file.
    const recordPath = join(dir, 'upload.json');
    await writeFile(recordPath, JSON.stringify(record));
    await deps.blobs.put(keys.record, recordPath, { contentType: 'application/json' }).catch(async (err: unknown) => {
      // Nothing half-kept. In the cloud the api may not delete (it only creates under uploads/): the lifecycle rule will.
      await deps.blobs.deletePrefix(keys.prefix).catch(() => undefined);
      storeFailed(err);
    });
    c.get('log').info({ upload_id: uploadId, format: record.format, duration_s: record.duration_s, size_bytes: sizeBytes }, 'upload stored');
    return record;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * The body's one file part, written to `dir`: at most `maxBytes` of it (413 past that, the rest
 * read and dropped so the client hears the answer), its name as the client gave it.
 */
async function receiveFile(c: Context<ApiEnv>, maxBytes: number, dir: string): Promise<{ path: string; filename: string | null }> {
  const contentType = c.req.header('content-type') ?? '';
  if (!/^multipart\/form-data\s*;/i.test(contentType)) throw notMultipart();
  const incoming = c.env?.incoming;
  const closes = c.env?.outgoing?.shouldKeepAlive === false;
  const fromSocket = incoming && !incoming.rawBody ? incoming : null;
  const declared = Number(c.req.header('content-length'));
  if (Number.isFinite(declared) && declared > maxBytes + FORM_OVERHEAD_BYTES) {
    if (fromSocket) await refuseRest(fromSocket, 0, closes);
    throw uploadTooLarge(maxBytes);
  }

  let parser: busboy.Busboy;
  try {
    parser = busboy({ headers: { 'content-type': contentType }, limits: { files: 1, fileSize: maxBytes, fields: 0 } });
  } catch {
    throw notMultipart();
  }
  const body: Readable = fromSocket ?? (incoming?.rawBody ? Readable.from([incoming.rawBody]) : Readable.fromWeb((c.req.raw.body ?? new ReadableStream()) as never));
  const path = join(dir, 'recording');
  let read = 0;
  body.on('data', (chunk: Buffer) => (read += chunk.length));

  const received = new Promise<{ path: string; filename: string | null } | null>((resolve, reject) => {
    let file: Promise<{ path: string; filename: string | null } | null> | null = null;
    parser.on('file', (name, stream, info) => {
      if (name !== 'file') {
        stream.resume();
        return reject(invalid([{ path: name, message: 'unknown form field; send the recording in a part named "file"' }]));
      }
      let over = false;
      stream.once('limit', () => {
        over = true;
        reject(uploadTooLarge(maxBytes));
      });
      file = pipeline(stream, createWriteStream(path)).then(() => (over ? null : { path, filename: info.filename?.slice(0, 255) || null }));
      file.catch(reject);
    });
    parser.on('field', (name) => reject(invalid([{ path: name, message: 'unknown form field; send only the recording, in a part named "file"' }])));
    parser.on('fieldsLimit', () => reject(invalid([{ path: '(body)', message: 'send only the recording, in a part named "file"' }])));
    parser.on('filesLimit', () => reject(invalid([{ path: 'file', message: 'send one recording per upload' }])));
    parser.on('error', (err: Error) => reject(new AppError('invalid_form', 400, `the multipart body is malformed: ${err.message}; send it with curl -F file=@voice.mp3 or a FormData`)));
    // A client that goes away mid-file leaves busboy waiting for the rest: nothing more comes.
    body.once('close', () => {
      if (!body.readableEnded) reject(new AppError('upload_incomplete', 400, 'the connection closed before the whole body was sent; send the recording again'));
    });
    parser.on('close', () => {
      if (!file) return reject(fileProblem('required: send the recording in a part named "file"'));
      file.then(resolve, reject);
    });
  });
  body.pipe(parser);
  try {
    const got = await received;
    if (!got) throw uploadTooLarge(maxBytes);
    return got;
  } catch (err) {
    // Stop parsing; what the client is still sending is read and dropped, as for any refused body.
    body.unpipe(parser);
    if (fromSocket) await refuseRest(fromSocket, read, closes);
    else body.resume();
    throw err;
  }
}

/** An upload's record, or null when there is none under `owner` (never uploaded, another key's, or deleted). */
export async function findUpload(blobs: BlobStore, owner: string | null, uploadId: string): Promise<UploadRecord | null> {
  const key = uploadKeys(owner, uploadId).record;
  if (!(await blobs.exists(key))) return null;
  const dir = await mkdtemp(join(tmpdir(), 'reelsmith-upload-'));
  try {
    const path = join(dir, 'upload.json');
    await blobs.get(key, path);
    return UploadRecordSchema.parse(JSON.parse(await readFile(path, 'utf8')));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * At submission: the upload a voiceover names must be the caller's and must outlive the task's
 * first hours. Answered 422 naming voiceover.upload_id.
 */
export async function checkVoiceoverUpload(blobs: BlobStore, owner: string | null, voiceover: VoiceoverRequest | undefined, now = new Date()): Promise<void> {
  const id = voiceover?.upload_id;
  if (!id) return;
  const record = await findUpload(blobs, owner, id);
  const path = 'voiceover.upload_id';
  if (!record || Date.parse(record.expires_at) <= now.getTime()) {
    throw invalid([{ path, message: `no upload ${id} (unknown, made with another API key, or expired); send the recording to POST /v1/uploads and use the upload_id it answers` }]);
  }
  if (Date.parse(record.expires_at) - now.getTime() < UPLOAD_MIN_REMAINING_MS) {
    throw invalid([{ path, message: `upload ${id} expires at ${record.expires_at}, too soon for a video; upload the recording again` }]);
  }
}
