// The store contract against the gcloud Firestore emulator, plus what only Firestore has: the
// document layout that docs/firestore.md promises (Timestamps, the idempotency document), and
// documents written by the previous version read during a rolling deploy.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { Firestore, Timestamp } from '@google-cloud/firestore';
import { OAuth2Client } from 'google-auth-library';
import * as T from '../../functions/domain/task.ts';
import { VideoRequestSchema } from '../../functions/domain/video-request.ts';
import { FirestoreTaskStore, idempotencyDocId } from '../../functions/platform/firestore-task-store.ts';
import { StoryboardStore, TaskStore } from '../../functions/platform/leased-store.ts';
import { PREVIOUS_STORYBOARD, PREVIOUS_VIDEO } from './support/previous-records.ts';
import { skipUnlessFirestoreEmulator, startFirestoreEmulator, type FirestoreEmulator } from '../support/firestore-emulator.ts';
import { taskStoreContract } from './task-store.contract.ts';
import { templateStoreContract } from './template-store.contract.ts';

const skip = skipUnlessFirestoreEmulator();

/** A plain client on the emulator, to look at the documents as a direct reader would. */
const rawClient = () =>
  new Firestore({ projectId: emu.projectId, host: emu.host, ssl: false, authClient: new OAuth2Client() });
let emu: FirestoreEmulator;

before(async () => {
  if (!skip) emu = await startFirestoreEmulator();
});
after(async () => {
  await emu?.stop();
});

taskStoreContract(
  'Firestore (emulator)',
  async (now) => {
    await emu.reset();
    const tasks = new FirestoreTaskStore({ collection: 'tasks', projectId: emu.projectId, emulatorHost: emu.host, now });
    return { tasks, storyboards: tasks.storyboards('tasks_storyboards'), batches: tasks.batches() };
  },
  { skip },
);

templateStoreContract(
  'Firestore (emulator)',
  async () => {
    await emu.reset();
    const tasks = new FirestoreTaskStore({ collection: 'tasks', projectId: emu.projectId, emulatorHost: emu.host });
    return { templates: tasks.templates(), cleanup: () => tasks.close() };
  },
  { skip },
);

describe('FirestoreTaskStore document layout', { skip }, () => {
  it('stores times as Timestamps (expire_at feeds the TTL policy) and the request as JSON', async () => {
    await emu.reset();
    const collection = `layout_${randomUUID().slice(0, 8)}`;
    const store = new TaskStore(new FirestoreTaskStore({ collection, projectId: emu.projectId, emulatorHost: emu.host }));
    const db = rawClient();
    try {
      const request = VideoRequestSchema.parse({ script_text: 'Hello there.', metadata: { a: [[1]] } });
      const t = T.newTask({
        id: randomUUID(),
        owner: 'owner-a',
        request,
        now: new Date('2030-05-01T10:00:00.000Z'),
        retentionDays: 7,
        idempotencyKey: 'k/with/slashes',
        requestHash: 'abc',
      });
      await store.create(t);
      await store.claim(t.id, 'worker-1', 60_000, 5);

      const doc = (await db.collection(collection).doc(t.id).get()).data();
      assert.ok(doc);
      assert.equal(doc.schema_version, 1);
      assert.equal(doc.status, 'processing');
      assert.ok(doc.expire_at instanceof Timestamp);
      assert.equal(doc.expire_at.toDate().toISOString(), '2030-05-08T10:00:00.000Z');
      assert.ok(doc.created_at instanceof Timestamp);
      assert.ok(doc.updated_at instanceof Timestamp);
      assert.ok(doc.lease_expires_at instanceof Timestamp);
      assert.deepEqual(JSON.parse(doc.request_json), request);
      assert.equal(doc.idempotency_key, 'k/with/slashes');

      const key = (await db.collection(`${collection}_idempotency`).doc(idempotencyDocId('owner-a', 'k/with/slashes')).get()).data();
      assert.ok(key);
      assert.equal(key.task_id, t.id);
      assert.equal(key.request_hash, 'abc');
      assert.ok(key.expire_at instanceof Timestamp);
    } finally {
      await store.close();
      await db.terminate();
    }
  });

  it("a completed task's output: the main video's files at the top, every video in output.outputs, as docs/firestore.md lists", async () => {
    await emu.reset();
    const collection = `outputs_${randomUUID().slice(0, 8)}`;
    const store = new TaskStore(new FirestoreTaskStore({ collection, projectId: emu.projectId, emulatorHost: emu.host }));
    const db = rawClient();
    try {
      const request = VideoRequestSchema.parse({ script_text: 'Two shapes.', outputs: [{ aspect_ratio: '9:16' }, { aspect_ratio: '16:9', resolution: '720p' }] });
      const t = T.newTask({ id: randomUUID(), owner: null, request, now: new Date(), retentionDays: 1 });
      await store.create(t);
      await store.claim(t.id, 'worker-1', 60_000, 5);
      const file = (dir: string, width: number, height: number, aspect: '9:16' | '16:9', resolution: '1080p' | '720p') => ({
        aspect_ratio: aspect,
        resolution,
        video_key: `videos/${t.id}/a1${dir}/video.mp4`,
        captions_vtt_key: `videos/${t.id}/a1${dir}/captions.vtt`,
        captions_srt_key: `videos/${t.id}/a1${dir}/captions.srt`,
        thumbnail_key: `videos/${t.id}/a1${dir}/thumbnail.jpg`,
        duration_s: 3.2,
        width,
        height,
        size_bytes: 1000 + width,
      });
      const outputs = [file('', 1080, 1920, '9:16', '1080p'), file('/16x9', 1280, 720, '16:9', '720p')];
      const { aspect_ratio: _a, resolution: _r, ...main } = outputs[0]!;
      await store.complete(t.id, 'worker-1', { ...main, credits: [], pieces: [], clip_ids: [], outputs }, []);

      const doc = (await db.collection(collection).doc(t.id).get()).data();
      assert.ok(doc);
      assert.equal(doc.output.video_key, outputs[0]!.video_key);
      assert.deepEqual(doc.output.outputs, outputs);
      // The fields docs/firestore.md promises for each entry.
      for (const o of doc.output.outputs) {
        assert.deepEqual(Object.keys(o).sort(), ['aspect_ratio', 'captions_srt_key', 'captions_vtt_key', 'duration_s', 'height', 'resolution', 'size_bytes', 'thumbnail_key', 'video_key', 'width']);
      }
    } finally {
      await store.close();
      await db.terminate();
    }
  });

  it('a key whose task was deleted (TTL) is free again', async () => {
    await emu.reset();
    const store = new TaskStore(new FirestoreTaskStore({ collection: 'ttl', projectId: emu.projectId, emulatorHost: emu.host }));
    const db = rawClient();
    try {
      const mk = () =>
        T.newTask({
          id: randomUUID(),
          owner: null,
          request: VideoRequestSchema.parse({ script_text: 'x' }),
          now: new Date(),
          retentionDays: 1,
          idempotencyKey: 'k',
          requestHash: 'h',
        });
      const first = mk();
      await store.create(first);
      await db.collection('ttl').doc(first.id).delete();
      const second = mk();
      assert.equal((await store.create(second)).kind, 'created');
      assert.equal((await store.create(mk())).kind, 'existing');
    } finally {
      await store.close();
      await db.terminate();
    }
  });

  it('documents written by the previous version: a storyboard kept as a task record, a video made from it mid-join', async () => {
    await emu.reset();
    const collection = `previous_${randomUUID().slice(0, 8)}`;
    const db = rawClient();
    const tasks = new FirestoreTaskStore({ collection, projectId: emu.projectId, emulatorHost: emu.host });
    const boards = new StoryboardStore(tasks.storyboards(`${collection}_storyboards`));
    const store = new TaskStore(tasks);
    try {
      await db.collection(`${collection}_storyboards`).doc('sb-old').set(PREVIOUS_STORYBOARD.firestore());
      await db.collection(collection).doc('video-old').set(PREVIOUS_VIDEO.firestore());
      assert.deepEqual(await boards.get('sb-old'), PREVIOUS_STORYBOARD.record);
      assert.deepEqual(await store.get('video-old'), PREVIOUS_VIDEO.record);
      // Written back by this version, a document the previous version reads the same way: the
      // shared fields and storyboard_json unchanged, no task fields on a storyboard.
      await boards.update('sb-old', (r, at) => ({ write: r && { ...r, updated_at: at.toISOString() }, result: null }));
      const doc = (await db.collection(`${collection}_storyboards`).doc('sb-old').get()).data()!;
      const previous = PREVIOUS_STORYBOARD.firestore();
      for (const k of ['schema_version', 'status', 'request_json', 'storyboard_json', 'attempt', 'warnings', 'idempotency_key', 'request_hash']) {
        assert.deepEqual(doc[k], previous[k as keyof typeof previous], k);
      }
      assert.deepEqual(Object.keys(doc).filter((k) => !(k in previous)), [], 'no field the previous version does not know');
      assert.ok(!('result' in doc));
    } finally {
      await boards.close();
      await store.close();
      await db.terminate();
    }
  });
});
