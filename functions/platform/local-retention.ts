// Local mode keeps tasks and their files RETENTION_DAYS, as Firestore's TTL policy and the
// bucket's lifecycle rule do in the cloud.
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
  if (ids.length + boards.length) log.info({ count: ids.length, storyboards: boards.length }, 'deleted tasks past their retention');
  return [...ids, ...boards];
}
