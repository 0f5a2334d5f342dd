// A long video on the cloud path (Firestore and GCS emulators) with two worker processes:
// its chunks are rendered by both, one worker is SIGKILLed in the middle of a chunk (its lease
// runs out and the other worker renders that chunk), and the result is the same video, frame for
// frame, as the one render in a single process.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { FirestoreTaskStore } from '../../functions/platform/firestore-task-store.ts';
import { skipUnlessFirestoreEmulator } from '../support/firestore-emulator.ts';
import { skipUnlessGcsEmulator } from '../support/gcs-emulator.ts';
import { pollUntilFinal, postJson } from '../support/http.ts';
import { startCloudPath, startService, type CloudPath } from '../support/service.ts';
import { countFrames } from '../support/video-frames.ts';
import { waitFor } from '../support/wait.ts';

const sentence = (i: number) => `Sentence ${i} of a long story walks through the harbour, past the boats and the gulls, and back again.`;
// About 17 s of espeak narration, over FANOUT_MIN_S below: six chunks of one ~3 s piece each (a
// fan-out plans chunks of at most a quarter of the video), enough for both workers to render some
// and for one to die in its second. Square 720p, x264's fastest preset and no Ken Burns move: the
// point is who renders what and that the joined video has every frame, not the picture
// (test/pipeline/plan-executors.test.ts compares frames, drawn pieces too).
const LONG = { script_text: Array.from({ length: 3 }, (_, i) => sentence(i + 1)).join(' '), resolution: '720p', aspect_ratio: '1:1', seed: 11, captions: { style: 'line' }, motion: 'none' };
/** Narrations longer than this fan out. */
const FANOUT_MIN_S = 10;
const ENCODE = { RENDER_PRESET: 'ultrafast' };

describe('fan-out over two worker processes', { skip: skipUnlessFirestoreEmulator() || skipUnlessGcsEmulator() }, () => {
  let cloud: CloudPath;
  let store: FirestoreTaskStore;
  before(async () => {
    cloud = await startCloudPath({ ...ENCODE, FANOUT_MIN_SECONDS: String(FANOUT_MIN_S), LEASE_SECONDS: '3', MAX_CONCURRENT_TASKS: '2' }, { workers: 2 });
    store = new FirestoreTaskStore({ collection: 'reelsmith_tasks', projectId: cloud.firestore.projectId, emulatorHost: cloud.firestore.host });
  });
  after(async () => {
    await store?.close();
    await cloud?.stop();
  });

  // Two renders: longer than the suite's default per-test bound on a very busy machine.
  it('both workers render chunks, a killed one is taken over, and the video equals the one-process render', { timeout: 1_800_000 }, async () => {
    const r = await postJson(`${cloud.url}/v1/videos`, LONG);
    assert.equal(r.status, 202, JSON.stringify(r.body));
    const id = r.body.task_id as string;

    // The worker that did not plan the fan-out (the planner's own queue holds the chunk jobs) dies
    // in the middle of a chunk, after it has rendered at least one.
    const pidOf = (instance: string) => Number(instance.split(':').at(-1));
    /** A chunk owner is the instance id (host:pid) and a delivery suffix. */
    const ownerPid = (owner: string) => Number(owner.split(':').at(-2));
    const victim = await waitFor(async () => {
      const t = await store.get(id);
      if (!t?.fanout) return null;
      const planner = pidOf(t.fanout.planned_by);
      const other = cloud.workers.find((w) => w.proc.pid !== planner)!;
      const pid = other.proc.pid!;
      const busyIn = (task: Awaited<ReturnType<typeof store.get>>) => task?.fanout?.chunks.some((c) => c.state === 'rendering' && c.owner && ownerPid(c.owner) === pid) ?? false;
      const rendered = t.fanout.chunks.some((c) => c.rendered_by && pidOf(c.rendered_by) === pid);
      if (!rendered || !busyIn(t)) return null;
      // Frozen, it can record nothing more: if its chunk is still rendering now, it dies in it. On a
      // busy machine the chunk may have finished since it was read; then it goes on and we wait again.
      process.kill(pid, 'SIGSTOP');
      if (busyIn(await store.get(id))) return other;
      process.kill(pid, 'SIGCONT');
      return null;
    }, 'the other worker to be in its second chunk', { everyMs: 20 });
    await victim.kill();

    const { final } = await pollUntilFinal(`${cloud.url}/task/${id}`);
    assert.equal(final.status, 'completed', JSON.stringify(final.error));
    const t = (await store.get(id))!;
    const renderers = new Set(t.fanout!.chunks.map((c) => pidOf(c.rendered_by!)));
    assert.equal(renderers.size, 2, 'chunks were rendered by both workers');
    assert.ok(t.fanout!.chunks.some((c) => c.attempts === 2), 'the killed chunk was rendered again');
    const fanned = await countFrames(final.result.video_url);
    assert.ok(fanned.durationS > FANOUT_MIN_S, `${fanned.durationS} s: long enough to fan out`);
    assert.equal(fanned.frames, Math.round(final.result.duration_s * 30));

    // The same request in one process, no fan-out.
    const single = await startService({ ...ENCODE, FANOUT_MIN_SECONDS: '0' });
    try {
      const s = await postJson(`${single.url}/v1/videos`, LONG);
      const { final: alone } = await pollUntilFinal(`${single.url}/task/${s.body.task_id}`);
      assert.equal(alone.status, 'completed');
      const one = await countFrames(alone.result.video_url);
      assert.equal(fanned.frames, one.frames, 'same frame count');
      assert.ok(Math.abs(fanned.durationS - one.durationS) < 1 / 30, `same duration: ${fanned.durationS} vs ${one.durationS}`);
    } finally {
      await single.stop();
    }
  });
});
