// Local mode's retention purge: tasks and storyboards past RETENTION_DAYS go, with their files
// (videos, plans, a storyboard's clips and thumbnails); younger ones stay.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { newTask } from '../../functions/domain/task.ts';
import { VideoRequestSchema } from '../../functions/domain/video-request.ts';
import { createLogger } from '../../functions/log.ts';
import { LocalBlobStore } from '../../functions/platform/local-blob-store.ts';
import { purgeExpired } from '../../functions/platform/local-retention.ts';
import { LocalTaskStore } from '../../functions/platform/local-task-store.ts';
import { tempDir } from '../support/temp-dir.ts';

describe('local retention', () => {
  it('deletes expired tasks and storyboards with their files, and nothing younger', async () => {
    let clock = new Date('2030-01-01T00:00:00.000Z');
    const now = () => new Date(clock);
    const tasks = new LocalTaskStore({ path: ':memory:', now });
    const storyboards = new LocalTaskStore({ path: ':memory:', now });
    const blobs = new LocalBlobStore({ dir: tempDir('retention-blobs-'), publicUrl: () => 'http://127.0.0.1:1' });
    const src = join(tempDir('retention-src-'), 'f');
    writeFileSync(src, 'x');
    const request = VideoRequestSchema.parse({ script_text: 'Old news.' });
    const make = (id: string, days: number) => newTask({ id, owner: null, request, now: clock, retentionDays: days });
    await tasks.create(make('old-task', 1));
    await tasks.create(make('new-task', 30));
    await storyboards.create(make('old-board', 1));
    await storyboards.create(make('new-board', 30));
    for (const key of ['videos/old-task/video.mp4', 'work/old-task/plan.json', 'storyboards/old-board/plan.json', 'storyboards/old-board/thumbs/0.jpg', 'storyboards/new-board/plan.json', 'videos/new-task/video.mp4']) {
      await blobs.put(key, src, { contentType: 'application/octet-stream' });
    }
    clock = new Date('2030-01-03T00:00:00.000Z');
    const purged = await purgeExpired(tasks, blobs, createLogger('fatal'), storyboards);
    assert.deepEqual(purged.sort(), ['old-board', 'old-task']);
    assert.equal(await tasks.get('old-task'), null);
    assert.equal(await storyboards.get('old-board'), null);
    assert.ok(await storyboards.get('new-board'));
    for (const gone of ['videos/old-task/video.mp4', 'work/old-task/plan.json', 'storyboards/old-board/plan.json', 'storyboards/old-board/thumbs/0.jpg']) {
      assert.equal(await blobs.exists(gone), false, gone);
    }
    assert.equal(await blobs.exists('storyboards/new-board/plan.json'), true);
    assert.equal(await blobs.exists('videos/new-task/video.mp4'), true);
  });
});
