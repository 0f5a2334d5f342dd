// The plan store across releases: a narration and a plan now carry the narration's measured gain
// (its file is the voice as made); those kept before the gain moved into the soundtrack (version 1:
// their file at the target loudness already) still load, and render as they are.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { VIDEO_PLAN_VERSION, type VideoPlan } from '../../functions/domain/video-plan.ts';
import { planRender } from '../../functions/media/render-plan.ts';
import { loadNarration, loadPlan, saveNarration, savePlan } from '../../functions/pipeline/plan-store.ts';
import { LocalBlobStore } from '../../functions/platform/local-blob-store.ts';
import { renderSpec } from '../support/render.ts';
import { tempDir } from '../support/temp-dir.ts';

const blobStore = () => new LocalBlobStore({ dir: tempDir('ps-blobs-'), publicUrl: () => 'http://127.0.0.1:1' });
const words = [{ text: 'one', start: 0.1, end: 0.5 }];
const spec = renderSpec([{ width: 180, height: 320 }], false);
const segments = [{ clip: 0, sourceStart: 0, duration: 2, start: 0 }];

/** A blob as a release before version 2 kept it: JSON under the prefix, its audio beside it. */
async function keepOld(blobs: LocalBlobStore, dir: string, key: string, json: unknown): Promise<void> {
  writeFileSync(join(dir, 'narration.normalised.wav'), 'the voice at -14 LUFS');
  await blobs.put('p/narration.normalised.wav', join(dir, 'narration.normalised.wav'), { contentType: 'audio/wav' });
  writeFileSync(join(dir, key), JSON.stringify(json));
  await blobs.put(`p/${key}`, join(dir, key), { contentType: 'application/json' });
}

describe('plan store: the narration\'s gain', () => {
  it('a narration kept now keeps its gain; its file is the voice as made', async () => {
    const blobs = blobStore();
    const dir = tempDir('ps-new-');
    writeFileSync(join(dir, 'narration.wav'), 'the voice');
    await saveNarration(blobs, 'p/', { audioPath: join(dir, 'narration.wav'), durationS: 2, words, sentenceEnds: [1], gainDb: 3.25 }, [], dir);
    const into = tempDir('ps-new-into-');
    const kept = await loadNarration(blobs, 'p/', into);
    assert.deepEqual(kept?.narration, { audioPath: join(into, 'narration.wav'), durationS: 2, words, sentenceEnds: [1], gainDb: 3.25 });
    assert.equal(await readFile(join(into, 'narration.wav'), 'utf8'), 'the voice');
    assert.equal(JSON.parse(await readFile(join(dir, 'narration.json'), 'utf8')).version, 2);
  });

  it('a narration kept before (version 1, its file at the target) still loads, and its soundtrack takes it as it is', async () => {
    const blobs = blobStore();
    const dir = tempDir('ps-old-');
    await keepOld(blobs, dir, 'narration.json', { version: 1, narration: { audioPath: 'narration.normalised.wav', durationS: 2, words, sentenceEnds: [1] }, warnings: ['w'] });
    const into = tempDir('ps-old-into-');
    const kept = await loadNarration(blobs, 'p/', into);
    assert.ok(kept);
    assert.deepEqual(kept.warnings, ['w']);
    const render = planRender(spec, kept.narration, { segments, music: null }, { parallel: 1, voiceNormalised: true });
    assert.deepEqual(render.soundtrack, { voicePath: join(into, 'narration.normalised.wav'), voiceNormalised: true, music: null });
  });

  it('a plan stored now is of version 2 and keeps the gain; one stored before (version 1) still loads; an unknown version does not', async () => {
    const blobs = blobStore();
    const dir = tempDir('ps-plan-');
    writeFileSync(join(dir, 'narration.wav'), 'the voice');
    const plan: VideoPlan = {
      version: VIDEO_PLAN_VERSION,
      narration: { audioPath: join(dir, 'narration.wav'), durationS: 2, words, sentenceEnds: [1], gainDb: -2.5 },
      clips: [{ kind: 'generated', lavfi: 'color=c=navy:s=320x240', durationS: 3600, credit: null }],
      segments,
      music: null,
      pieces: [],
      warnings: [],
    };
    assert.equal(VIDEO_PLAN_VERSION, 2);
    await savePlan(blobs, 'p/', plan, dir);
    const now = await loadPlan(blobs, 'p/', tempDir('ps-plan-into-'));
    assert.equal(now?.narration.gainDb, -2.5);
    assert.equal(planRender(spec, now!.narration, now!, { parallel: 1, voiceNormalised: true }).soundtrack.voiceGainDb, -2.5);

    const old = blobStore();
    const { gainDb: _g, ...narration } = plan.narration;
    await keepOld(old, tempDir('ps-plan-old-'), 'plan.json', { ...plan, version: 1, narration: { ...narration, audioPath: 'narration.normalised.wav' } });
    const then = await loadPlan(old, 'p/', tempDir('ps-plan-old-into-'));
    assert.ok(then, 'a plan of version 1 loads');
    assert.equal(then.narration.gainDb, undefined);

    const future = blobStore();
    await keepOld(future, tempDir('ps-plan-future-'), 'plan.json', { ...plan, version: 3 });
    assert.equal(await loadPlan(future, 'p/', tempDir('ps-plan-future-into-')), null);
  });
});
