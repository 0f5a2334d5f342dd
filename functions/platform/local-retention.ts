// Local mode keeps tasks and their files RETENTION_DAYS, as Firestore's TTL policy and the
// bucket's lifecycle rule do in the cloud; uploads (recordings sent to POST /v1/uploads) too.
import { UPLOADS_PREFIX, UploadRecordSchema } from '../domain/uploads.ts';
import type { Logger } from '../log.ts';
import type { LocalBlobStore } from './local-blob-store.ts';
import type { LocalStoryboardStore, LocalTaskStore } from './local-task-store.ts';

export async function purgeExpired(store: LocalTaskStore, files: LocalBlobStore, log: Logger, storyboards?: LocalStoryboardStore): Promise<string[]> {
  const ids = await store.purgeExpired();
  for (const id of ids) {
    await files.deletePrefix(`videos/${id}/`);
    await files.deletePrefix(`work/${id}/`);
  }
  // Storyboards expire like tasks; their plan, clips and thumbnails with them.
  const boards = storyboards ? await storyboards.purgeExpired() : [];
  for (const id of boards) await files.deletePrefix(`storyboards/${id}/`);
  const uploads = await purgeExpiredUploads(files);
  if (ids.length + boards.length + uploads.length) {
    log.info({ count: ids.length, storyboards: boards.length, uploads: uploads.length }, 'deleted tasks past their retention');
  }
  return [...ids, ...boards, ...uploads];
}

/** Uploads past their expires_at, deleted; their ids. A folder whose record is unreadable is a half-made upload: deleted too. */
export async function purgeExpiredUploads(files: LocalBlobStore, now = new Date()): Promise<string[]> {
  const gone: string[] = [];
  const records = (await files.keysUnder(UPLOADS_PREFIX)).filter((k) => k.endsWith('/upload.json'));
  for (const key of records) {
    const expired = await files.read(key).then(
      (bytes) => Date.parse(UploadRecordSchema.parse(JSON.parse(bytes.toString('utf8'))).expires_at) <= now.getTime(),
      () => true,
    );
    if (!expired) continue;
    const folder = key.slice(0, -'upload.json'.length);
    await files.deletePrefix(folder);
    gone.push(folder.split('/').at(-2)!);
  }
  return gone;
}
