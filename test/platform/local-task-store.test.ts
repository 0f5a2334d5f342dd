// The TaskStore contract against the embedded SQLite store, on a real file (WAL, like production).
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { LocalTaskStore } from '../../functions/platform/local-task-store.ts';
import { taskStoreContract } from './task-store.contract.ts';
import { tempDir } from '../support/temp-dir.ts';

taskStoreContract('LocalTaskStore (sqlite file)', async (now) => {
  const dir = tempDir('reelsmith-store-');
  const store = new LocalTaskStore({ path: join(dir, 'tasks.db'), now });
  return { store, cleanup: () => rm(dir, { recursive: true, force: true }) };
});
