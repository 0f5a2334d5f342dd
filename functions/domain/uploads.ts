// A file a client sent before the request that uses it (POST /v1/uploads): a recorded narration.
// It lives in the blob store under its owner's folder, so one key can never name another key's
// upload, and it is kept as long as a task is (RETENTION_DAYS; the bucket's lifecycle rule in the
// cloud, the retention purge locally). Its record is a small JSON beside the file. Pure.
import { z } from 'zod';

/** An upload id: a random UUID, as POST /v1/uploads answers it. */
export const UPLOAD_ID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Where every upload is kept. */
export const UPLOADS_PREFIX = 'uploads/';

/** The folder of one owner's uploads (owners are hex digests of their key; without keys, one shared owner). */
export const ownerUploadsPrefix = (owner: string | null) => `${UPLOADS_PREFIX}${owner ?? 'public'}/`;

/** The blob keys of one upload: the file and its record. */
export function uploadKeys(owner: string | null, uploadId: string) {
  const base = `${ownerUploadsPrefix(owner)}${uploadId}/`;
  return { prefix: base, file: `${base}file`, record: `${base}upload.json` };
}

/** What is kept about an upload beside its file. */
export const UploadRecordSchema = z
  .object({
    upload_id: z.string().meta({ description: 'Send it as voiceover.upload_id, with the same API key' }),
    kind: z.literal('voiceover'),
    format: z.string().meta({ description: 'The container: mp3, wav, m4a, aac, ogg or webm' }),
    codec: z.string().meta({ description: 'Its audio codec, as ffprobe names it' }),
    duration_s: z.number().meta({ description: 'Its length in seconds' }),
    size_bytes: z.number().int(),
    filename: z.string().nullable().meta({ description: 'The file name the client sent, if any (shown back, never used as a path)' }),
    created_at: z.string(),
    expires_at: z.string().meta({ description: 'When it is deleted (RETENTION_DAYS); a video must be submitted at least 6 hours before' }),
  })
  .meta({
    id: 'Upload',
    description: 'A recorded narration the service keeps for a video to use',
    examples: [
      {
        upload_id: '3f6b1c2e-8d4a-4e7f-9b0c-1a2d3e4f5a6b',
        kind: 'voiceover',
        format: 'mp3',
        codec: 'mp3',
        duration_s: 21.48,
        size_bytes: 343_872,
        filename: 'voice.mp3',
        created_at: '2026-12-07T05:00:00.000Z',
        expires_at: '2026-12-14T05:00:00.000Z',
      },
    ],
  });
export type UploadRecord = z.infer<typeof UploadRecordSchema>;

/** The record of a voiceover just received. */
export function newUploadRecord(o: {
  uploadId: string;
  format: string;
  codec: string;
  durationS: number;
  sizeBytes: number;
  filename: string | null;
  now: Date;
  retentionDays: number;
}): UploadRecord {
  return {
    upload_id: o.uploadId,
    kind: 'voiceover',
    format: o.format,
    codec: o.codec,
    duration_s: Math.round(o.durationS * 1000) / 1000,
    size_bytes: o.sizeBytes,
    filename: o.filename,
    created_at: o.now.toISOString(),
    expires_at: new Date(o.now.getTime() + o.retentionDays * 86_400_000).toISOString(),
  };
}

/**
 * A task must have time to use its upload before the upload expires: one that expires sooner
 * than this is refused at submission (upload it again).
 */
export const UPLOAD_MIN_REMAINING_MS = 6 * 3_600_000;
