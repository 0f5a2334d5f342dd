// Local mode keeps RETENTION_DAYS, as Firestore's TTL policy and the bucket's lifecycle rule do in
// the cloud: the purge deletes expired tasks and storyboards with their files (videos, plans, a
// storyboard's clips and thumbnails), and the local process runs it at start-up and hourly.
import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { newStoryboard } from '../../functions/domain/storyboard.ts';
import * as T from '../../functions/domain/task.ts';
import { VideoRequestSchema } from '../../functions/domain/video-request.ts';
import { createLogger } from '../../functions/log.ts';
import { LocalBlobStore } from '../../functions/platform/local-blob-store.ts';
import { purgeExpired } from '../../functions/platform/local-retention.ts';
import { LocalStoryboardStore, LocalTaskStore } from '../../functions/platform/local-task-store.ts';
import { getJson } from '../support/http.ts';
import { startService } from '../support/service.ts';
import { tempDir } from '../support/temp-dir.ts';
import { waitFor } from '../support/wait.ts';

const DAY = 86_400_000;
const request = VideoRequestSchema.parse({ script_text: 'Kept for a week.' });

/** A task made at `at` with a video and a plan file in `blobs`. */
async function taskWithFiles(store: LocalTaskStore, blobs: LocalBlobStore, dir: string, id: string, at: Date) {
  await store.create(T.newTask({ id, owner: null, request, now: at, retentionDays: 7 }));
  const file = join(dir, `${id}.bin`);
  writeFileSync(file, 'bytes');
  await blobs.put(`videos/${id}/a1/video.mp4`, file, { contentType: 'video/mp4' });
  await blobs.put(`work/${id}/plan.json`, file, { contentType: 'application/json' });
}

describe('local retention', () => {
  it('deletes expired tasks and storyboards with their files, and nothing younger', async () => {
    let clock = new Date('2030-01-01T00:00:00.000Z');
    const now = () => new Date(clock);
    const tasks = new LocalTaskStore({ path: ':memory:', now });
    const storyboards = new LocalStoryboardStore({ path: ':memory:', now });
    const blobs = new LocalBlobStore({ dir: tempDir('retention-blobs-'), publicUrl: () => 'http://127.0.0.1:1' });
    const src = join(tempDir('retention-src-'), 'f');
    writeFileSync(src, 'x');
    const request = VideoRequestSchema.parse({ script_text: 'Old news.' });
    const make = (id: string, days: number) => ({ id, owner: null, request, now: clock, retentionDays: days });
    await tasks.create(T.newTask(make('old-task', 1)));
    await tasks.create(T.newTask(make('new-task', 30)));
    await storyboards.create(newStoryboard(make('old-board', 1)));
    await storyboards.create(newStoryboard(make('new-board', 30)));
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

  it('deletes the tasks past RETENTION_DAYS with their videos and plans, and keeps the rest', async () => {
    const dir = tempDir('reelsmith-retention-');
    let now = new Date('2030-01-01T00:00:00Z');
    const store = new LocalTaskStore({ path: join(dir, 'tasks.sqlite'), now: () => now });
    const blobs = new LocalBlobStore({ dir: join(dir, 'blobs'), publicUrl: 'http://localhost' });
    await taskWithFiles(store, blobs, dir, 'old', now);
    await taskWithFiles(store, blobs, dir, 'new', new Date(now.getTime() + 2 * DAY));

    now = new Date(now.getTime() + 7 * DAY - 1);
    assert.deepEqual(await purgeExpired(store, blobs, createLogger('fatal')), [], 'a week to the millisecond is kept');
    now = new Date(now.getTime() + 2);
    assert.deepEqual(await purgeExpired(store, blobs, createLogger('fatal')), ['old']);

    assert.equal(await store.get('old'), null);
    assert.equal(await blobs.exists('videos/old/a1/video.mp4'), false);
    assert.equal(await blobs.exists('work/old/plan.json'), false);
    assert.ok(await store.get('new'));
    assert.equal(await blobs.exists('videos/new/a1/video.mp4'), true);
    assert.equal(await blobs.exists('work/new/plan.json'), true);
    await store.close();
  });

  it('runs when the local process starts: an expired task is gone without waiting an hour', async () => {
    const dataDir = tempDir('reelsmith-retention-start-');
    const store = new LocalTaskStore({ path: join(dataDir, 'tasks.sqlite') });
    const blobs = new LocalBlobStore({ dir: join(dataDir, 'blobs'), publicUrl: 'http://localhost' });
    const created = new Date(Date.now() - 8 * DAY);
    await store.create(T.complete(T.newTask({ id: 'expired', owner: null, request, now: created, retentionDays: 7 }), {
      video_key: 'videos/expired/a1/video.mp4', captions_vtt_key: null, captions_srt_key: null, thumbnail_key: null,
      duration_s: 1, width: 720, height: 720, size_bytes: 5, credits: [],
    }, [], created));
    const file = join(dataDir, 'video.bin');
    writeFileSync(file, 'bytes');
    await blobs.put('videos/expired/a1/video.mp4', file, { contentType: 'video/mp4' });
    await store.close();

    const svc = await startService({}, { dataDir });
    try {
      await waitFor(async () => (await getJson(`${svc.url}/task/expired`)).status === 404, 'the expired task to be purged');
      await waitFor(() => !existsSync(join(dataDir, 'blobs', 'videos', 'expired')), 'its video to be deleted');
    } finally {
      await svc.stop();
    }
  });
});
