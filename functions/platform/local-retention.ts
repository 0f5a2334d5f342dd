// Local mode keeps tasks and their files RETENTION_DAYS, as Firestore's TTL policy and the
// bucket's lifecycle rule do in the cloud.
import type { Logger } from '../log.ts';
import type { LocalBlobStore } from './local-blob-store.ts';
import type { LocalTaskStore } from './local-task-store.ts';

export async function purgeExpired(store: LocalTaskStore, files: LocalBlobStore, log: Logger): Promise<string[]> {
  const ids = await store.purgeExpired();
  for (const id of ids) {
    await files.deletePrefix(`videos/${id}/`);
    await files.deletePrefix(`work/${id}/`);
  }
  if (ids.length) log.info({ count: ids.length }, 'deleted tasks past their retention');
  return ids;
}
