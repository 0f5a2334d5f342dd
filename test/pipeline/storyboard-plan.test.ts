// The plan of a video made from a storyboard: the storyboard's plan with each piece's clip and
// span as chosen, only those clips fetched, in the order they play; a storyboard whose files are
// gone fails the video for good.
import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { SourceClip } from '../../functions/domain/media.ts';
import { VIDEO_PLAN_VERSION, type VideoPlan } from '../../functions/domain/video-plan.ts';
import { TaskError } from '../../functions/errors.ts';
import { savePlan } from '../../functions/pipeline/plan-store.ts';
import { storyboardPlan, storyboardPrefix } from '../../functions/pipeline/storyboard-plan.ts';
import { LocalBlobStore } from '../../functions/platform/local-blob-store.ts';
import { tempDir } from '../support/temp-dir.ts';

function stored(dir: string): VideoPlan {
  const file = (name: string, durationS: number, id: string): SourceClip => {
    writeFileSync(join(dir, name), `bytes of ${name}`);
    return { kind: 'file', path: join(dir, name), durationS, width: 720, height: 1280, credit: null, id };
  };
  writeFileSync(join(dir, 'voice.wav'), 'voice');
  return {
    version: VIDEO_PLAN_VERSION,
    narration: { audioPath: join(dir, 'voice.wav'), durationS: 6, words: [], sentenceEnds: [] },
    // Two played, two candidates.
    clips: [file('a.mp4', 5, 'pexels:1'), file('b.mp4', 5, 'pexels:2'), file('c.mp4', 9, 'pexels:3'), file('d.mp4', 4, 'pexels:4')],
    segments: [
      { clip: 0, sourceStart: 1, duration: 3, start: 0 },
      { clip: 1, sourceStart: 0.5, duration: 3, start: 3 },
    ],
    music: null,
    pieces: [],
    warnings: ['a warning of the storyboard'],
  };
}

describe('storyboardPlan', () => {
  it('plays the chosen clips at the chosen spans and fetches nothing else', async () => {
    const blobs = new LocalBlobStore({ dir: tempDir('sb-blobs-'), publicUrl: () => 'http://127.0.0.1:1' });
    const src = tempDir('sb-src-');
    await savePlan(blobs, storyboardPrefix('sb-1'), stored(src), src);

    const dir = tempDir('sb-video-');
    const plan = await storyboardPlan(blobs, { id: 'sb-1', pieces: [{ clip: 2, source_start_s: 2.475 }, { clip: 1, source_start_s: 0.5 }] }, dir);
    assert.deepEqual(plan.clips.map((c) => (c.kind === 'file' ? c.id : null)), ['pexels:3', 'pexels:2']);
    assert.deepEqual(plan.segments, [
      { clip: 0, sourceStart: 2.475, duration: 3, start: 0 },
      { clip: 1, sourceStart: 0.5, duration: 3, start: 3 },
    ]);
    assert.deepEqual(plan.warnings, ['a warning of the storyboard']);
    assert.ok(existsSync(join(dir, 'c.mp4')) && existsSync(join(dir, 'b.mp4')) && existsSync(join(dir, 'voice.wav')));
    assert.ok(!existsSync(join(dir, 'a.mp4')) && !existsSync(join(dir, 'd.mp4')), 'clips no piece plays stay behind');
  });

  it('a storyboard whose files are gone, or that does not match its choice, fails the video for good', async () => {
    const blobs = new LocalBlobStore({ dir: tempDir('sb-blobs-'), publicUrl: () => 'http://127.0.0.1:1' });
    await assert.rejects(storyboardPlan(blobs, { id: 'gone', pieces: [] }, tempDir('sb-video-')), (e: unknown) => e instanceof TaskError && e.code === 'storyboard_expired' && !e.retryable);
    const src = tempDir('sb-src-');
    await savePlan(blobs, storyboardPrefix('sb-2'), stored(src), src);
    await assert.rejects(
      storyboardPlan(blobs, { id: 'sb-2', pieces: [{ clip: 0, source_start_s: 0 }] }, tempDir('sb-video-')),
      (e: unknown) => e instanceof TaskError && e.code === 'storyboard_invalid',
    );
  });
});
