// The store contract against the embedded SQLite stores, on real files (WAL, like production); and
// records written by the version before storyboards had a record type of their own still read.
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { describe, it } from 'node:test';
import { LocalStoryboardStore, LocalTaskStore } from '../../functions/platform/local-task-store.ts';
import { taskStoreContract } from './task-store.contract.ts';
import { templateStoreContract } from './template-store.contract.ts';
import { LocalTemplateStore } from '../../functions/platform/local-template-store.ts';
import { PREVIOUS_STORYBOARD, PREVIOUS_VIDEO } from './support/previous-records.ts';
import { tempDir } from '../support/temp-dir.ts';

taskStoreContract('local (sqlite files)', async (now) => {
  const dir = tempDir('reelsmith-store-');
  const tasks = new LocalTaskStore({ path: join(dir, 'tasks.db'), now });
  return {
    tasks,
    storyboards: new LocalStoryboardStore({ path: join(dir, 'storyboards.db'), now }),
    batches: tasks.batches(),
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
});

templateStoreContract('local (sqlite file)', async () => {
  const dir = tempDir('reelsmith-templates-');
  return { templates: new LocalTemplateStore({ path: join(dir, 'templates.sqlite') }), cleanup: () => rm(dir, { recursive: true, force: true }) };
});

describe('local stores: files written by the previous version', () => {
  it('a storyboard kept as a task record, and a video made from it, read as their own records', async () => {
    const dir = tempDir('reelsmith-store-');
    try {
      // The rows as the previous version wrote them (the first open makes the tables).
      for (const [file, row] of [['storyboards.sqlite', PREVIOUS_STORYBOARD.local], ['tasks.sqlite', PREVIOUS_VIDEO.local]] as const) {
        new LocalTaskStore({ path: join(dir, file) }).close();
        const db = new DatabaseSync(join(dir, file));
        db.prepare('INSERT INTO tasks (id, owner, idempotency_key, status, created_at, doc) VALUES (?, ?, ?, ?, ?, ?)').run(row.id, row.owner, row.idempotency_key, row.status, row.created_at, JSON.stringify(row));
        db.close();
      }
      const boards = new LocalStoryboardStore({ path: join(dir, 'storyboards.sqlite') });
      const tasks = new LocalTaskStore({ path: join(dir, 'tasks.sqlite') });
      try {
        assert.deepEqual(await boards.get(PREVIOUS_STORYBOARD.local.id), PREVIOUS_STORYBOARD.record);
        assert.deepEqual(await tasks.get(PREVIOUS_VIDEO.local.id), PREVIOUS_VIDEO.record);
        // Written back by this version: the layout is the previous one, so a rollback reads it too.
        await boards.update(PREVIOUS_STORYBOARD.local.id, (r) => ({ write: r, result: null }));
        await boards.close();
        const db = new DatabaseSync(join(dir, 'storyboards.sqlite'));
        const doc = JSON.parse((db.prepare('SELECT doc FROM tasks WHERE id = ?').get(PREVIOUS_STORYBOARD.local.id) as { doc: string }).doc);
        db.close();
        assert.deepEqual(doc.storyboard, PREVIOUS_STORYBOARD.local.storyboard);
        assert.equal(doc.result, undefined);
      } finally {
        await boards.close();
        await tasks.close();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
