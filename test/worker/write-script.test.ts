// The first stage of a topic's video: its script written once and kept on the record by the lease
// holder, so the attempt after a failure finds it and the model is not asked again.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ScriptBrief, WrittenScript } from '../../functions/domain/script.ts';
import * as T from '../../functions/domain/task.ts';
import { VideoRequestSchema } from '../../functions/domain/video-request.ts';
import { createLogger } from '../../functions/log.ts';
import { TaskStore } from '../../functions/platform/leased-store.ts';
import { LocalTaskStore } from '../../functions/platform/local-task-store.ts';
import type { ScriptWriter } from '../../functions/providers/ports.ts';
import { withWrittenScript } from '../../functions/worker/write-script.ts';

const script: WrittenScript = {
  title: 'Bees',
  script_text: 'Bees dance.',
  scenes: [{ text: 'Bees dance.', search_query: 'bees' }],
  description: 'D',
  hashtags: ['#bees'],
  language: 'en',
  estimated_duration_s: 1,
  length: 2,
  unit: 'words',
  model: 'm',
  warnings: [],
};

function writer(): ScriptWriter & { briefs: ScriptBrief[] } {
  const briefs: ScriptBrief[] = [];
  return { name: 'fake', model: 'm', briefs, write: async (brief) => (briefs.push(brief), script) };
}

async function claimedTask(store: TaskStore, body: Record<string, unknown>, owner: string) {
  const t = T.newTask({ id: `t-${Math.random().toString(36).slice(2)}`, owner: null, request: VideoRequestSchema.parse(body), now: new Date(), retentionDays: 1 });
  await store.create(t);
  const c = await store.claim(t.id, owner, 60_000, 3);
  assert.ok(c.kind === 'claimed');
  return c.task;
}

describe('the script stage', () => {
  const log = createLogger('fatal');
  const stages: string[] = [];
  const stage = (w: ScriptWriter | null, owner: string) => ({ writer: w, voice: 'espeak-ng', owner, signal: new AbortController().signal, report: (s: T.Stage) => void stages.push(s), log });

  it('writes the script of a topic once, for the voice, and keeps it for the attempts after', async () => {
    const store = new TaskStore(new LocalTaskStore({ path: ':memory:' }));
    const w = writer();
    const task = await claimedTask(store, { topic: 'why bees dance', duration_s: 20, speed: 1.1 }, 'worker-1');
    const written = await withWrittenScript(store, task, stage(w, 'worker-1'));
    assert.deepEqual(written.script, script);
    assert.deepEqual(w.briefs, [{ topic: 'why bees dance', duration_s: 20, language: 'en', format: 'facts', voice: 'espeak-ng', speed: 1.1 }]);
    assert.ok(stages.includes('script'));
    // The attempt fails after its script was kept; the next one finds it and asks nothing.
    await store.fail(task.id, 'worker-1', { code: 'provider_unavailable', message: 'x', retryable: true }, 3);
    const again = await store.claim(task.id, 'worker-2', 60_000, 3);
    assert.ok(again.kind === 'claimed');
    assert.deepEqual((await withWrittenScript(store, again.task, stage(w, 'worker-2'))).script, script);
    assert.equal(w.briefs.length, 1);
  });

  it('leaves a request with its own script alone; without a writer a topic fails for good, naming the settings', async () => {
    const store = new TaskStore(new LocalTaskStore({ path: ':memory:' }));
    const own = await claimedTask(store, { script_text: 'Mine.' }, 'w');
    assert.equal(await withWrittenScript(store, own, stage(null, 'w')), own);
    const topic = await claimedTask(store, { topic: 'why bees dance' }, 'w');
    await assert.rejects(withWrittenScript(store, topic, stage(null, 'w')), (err: { code: string; retryable: boolean; message: string }) => {
      assert.equal(err.code, 'script_writer_missing');
      assert.equal(err.retryable, false);
      assert.match(err.message, /LLM_BASE_URL and LLM_MODEL/);
      return true;
    });
    // A holder that lost its lease keeps nothing: the script is not written over another's.
    const lost = await claimedTask(store, { topic: 'why bees dance' }, 'w1');
    await store.cancel(lost.id);
    await assert.rejects(withWrittenScript(store, lost, stage(writer(), 'w1')), /taken over/);
    assert.equal((await store.get(lost.id))?.script, null);
  });
});
