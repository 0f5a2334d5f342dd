// A storyboard's pure rules: which clips a piece may swap to, where a swapped clip plays, and the
// render estimate from the measured figures.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CLOUD_RUN_PRICES, estimateRender, FIXED_RENDER, WORKER_SHAPE } from '../../functions/domain/estimate.ts';
import { candidatesOf, choiceOf, completeStoryboard, newStoryboard, sourceStartFor, STORYBOARDS, swapClip, type StoryboardRecord, type StoryboardResult } from '../../functions/domain/storyboard.ts';
import * as T from '../../functions/domain/task.ts';
import { VideoRequestSchema } from '../../functions/domain/video-request.ts';

const NOW = new Date('2030-01-01T00:00:00.000Z');

function board(): StoryboardResult {
  const clip = (index: number, duration_s: number) => ({ index, provider: 'pexels', source_id: String(index), duration_s, credit: null, thumbnail_key: `t/${index}.jpg` });
  return {
    version: 1,
    duration_s: 6,
    width: 720,
    height: 1280,
    scenes: [
      { start_s: 0, end_s: 3, text: 'One.', search_terms: [], query: 'one', found_by: ['one'] },
      { start_s: 3, end_s: 6, text: 'Two.', search_terms: [], query: 'two', found_by: ['two'] },
    ],
    sentences: [],
    captions: [],
    clips: [clip(0, 5), clip(1, 5), clip(2, 10), clip(3, 2), clip(4, 8)],
    pieces: [
      { start_s: 0, end_s: 3, scene: 0, clip: 0, source_start_s: 1, planned_clip: 0, planned_source_start_s: 1 },
      { start_s: 3, end_s: 6, scene: 1, clip: 1, source_start_s: 0.5, planned_clip: 1, planned_source_start_s: 0.5 },
    ],
    candidates: [[2, 3], [4]],
    usage: { speech_provider: 'espeak-ng', speech_characters: 8, pexels_requests: 2, clip_downloads: 5 },
    estimate: estimateRender(6, { width: 720, height: 1280 }, 'veryfast'),
  };
}

function prepared(): StoryboardRecord {
  const t = newStoryboard({ id: 'sb-1', owner: null, request: VideoRequestSchema.parse({ script_text: 'One. Two.' }), now: NOW, retentionDays: 7 });
  return completeStoryboard({ ...t, status: 'processing', lease_owner: 'w' }, board(), [], NOW);
}

describe('a storyboard record', () => {
  it('has a task’s lifecycle and only its own fields: claimed, retried, prepared; it owes nothing when it ends', () => {
    const sb = newStoryboard({ id: 'sb-3', owner: 'k', request: VideoRequestSchema.parse({ script_text: 'One.' }), now: NOW, retentionDays: 7 });
    assert.equal(sb.result, null);
    for (const field of ['output', 'callback', 'fanout', 'from_storyboard', 'storyboard']) assert.ok(!(field in sb), `no ${field}`);
    const c = T.claim(STORYBOARDS, sb, 'w', 1000, 2, NOW);
    assert.ok(c.kind === 'claimed');
    const retried = T.failAttempt(STORYBOARDS, c.task, { code: 'net', message: 'reset', retryable: true }, 2, NOW);
    assert.equal(retried.status, 'queued');
    const c2 = T.claim(STORYBOARDS, retried, 'w', 1000, 2, NOW);
    assert.ok(c2.kind === 'claimed');
    assert.equal(c2.task.attempt, 2);
    const done = completeStoryboard(c2.task, board(), ['w1'], NOW);
    assert.equal(done.status, 'completed');
    assert.deepEqual(done.result, board());
    assert.deepEqual(done.warnings, ['w1']);
    for (const field of ['output', 'callback', 'fanout']) assert.ok(!(field in done), `no ${field}`);
    const died = T.claim(STORYBOARDS, { ...c2.task, lease_expires_at: NOW.toISOString() }, 'w2', 1000, 2, new Date(NOW.getTime() + 1));
    assert.ok(died.kind === 'exhausted');
    assert.equal(died.task.error?.code, 'attempts_exhausted');
    assert.ok(!('callback' in died.task));
  });
});

describe('storyboard swaps', () => {
  it("a piece's candidates are its scene's spare clips, less the one it plays", () => {
    assert.deepEqual(candidatesOf(board(), 0), [2, 3]);
    assert.deepEqual(candidatesOf(board(), 1), [4]);
    assert.deepEqual(candidatesOf(board(), 9), []);
  });

  it('a swapped clip plays the middle of its source; a short one plays from its start', () => {
    assert.equal(sourceStartFor(10, 3), 3.475);
    assert.equal(sourceStartFor(2, 3), 0);
  });

  it('swaps to a candidate, then back to the plan’s own clip and span', () => {
    const later = new Date(NOW.getTime() + 1000);
    const a = swapClip(prepared(), 0, 2, later);
    assert.equal(a.kind, 'swapped');
    if (a.kind !== 'swapped') return;
    assert.deepEqual(a.storyboard.result!.pieces[0], { start_s: 0, end_s: 3, scene: 0, clip: 2, source_start_s: 3.475, planned_clip: 0, planned_source_start_s: 1 });
    assert.equal(a.storyboard.updated_at, later.toISOString());
    assert.deepEqual(candidatesOf(a.storyboard.result!, 0), [0, 3]);
    assert.deepEqual(choiceOf(a.storyboard as StoryboardRecord & { result: StoryboardResult }).pieces, [{ clip: 2, source_start_s: 3.475 }, { clip: 1, source_start_s: 0.5 }]);
    const back = swapClip(a.storyboard, 0, 0, later);
    assert.equal(back.kind === 'swapped' && back.storyboard.result!.pieces[0]!.source_start_s, 1);
  });

  it('refuses a clip that is not a candidate, an unknown piece, and a storyboard not ready', () => {
    assert.deepEqual(swapClip(prepared(), 0, 4, NOW), { kind: 'not_candidate', candidates: [2, 3] });
    assert.deepEqual(swapClip(prepared(), 5, 2, NOW), { kind: 'no_piece', pieces: 2 });
    assert.deepEqual(swapClip(null, 0, 2, NOW), { kind: 'missing' });
    const queued = newStoryboard({ id: 'sb-2', owner: null, request: VideoRequestSchema.parse({ script_text: 'x' }), now: NOW, retentionDays: 7 });
    assert.deepEqual(swapClip(queued, 0, 2, NOW), { kind: 'not_ready', status: 'queued' });
    const same = swapClip(prepared(), 0, 0, NOW);
    assert.equal(same.kind, 'swapped', 'the clip it already plays is no change');
  });
});

describe('render estimate', () => {
  it('reproduces the measured floor figures at the measured sizes, plus the fixed part', () => {
    const at720 = estimateRender(45, { width: 720, height: 1280 }, 'veryfast');
    assert.equal(at720.render_s, Math.round((FIXED_RENDER.wallS + 15.47) * 10) / 10);
    assert.equal(at720.render_cpu_s, Math.round((FIXED_RENDER.cpuS + 23.7) * 10) / 10);
    const at1080 = estimateRender(45, { width: 1080, height: 1920 }, 'veryfast');
    assert.equal(at1080.render_s, Math.round((FIXED_RENDER.wallS + 23.76) * 10) / 10);
  });

  it('scales with length and pixels, and prices the worker time', () => {
    const short = estimateRender(10, { width: 720, height: 720 }, 'veryfast');
    const tall = estimateRender(10, { width: 720, height: 1280 }, 'veryfast');
    assert.ok(short.render_s < tall.render_s);
    const perS = WORKER_SHAPE.vcpus * CLOUD_RUN_PRICES.vcpuSecondUsd + WORKER_SHAPE.memoryGib * CLOUD_RUN_PRICES.gibSecondUsd;
    assert.ok(Math.abs(tall.cloud_run_usd - tall.render_s * perS) < 1e-5);
  });

  it('uses the measured preset factors, and says when a preset was not measured', () => {
    const veryfast = estimateRender(30, { width: 1080, height: 1920 }, 'veryfast');
    const ultrafast = estimateRender(30, { width: 1080, height: 1920 }, 'ultrafast');
    assert.ok(ultrafast.render_s < veryfast.render_s);
    assert.equal(ultrafast.measured_preset, true);
    const medium = estimateRender(30, { width: 1080, height: 1920 }, 'medium');
    assert.equal(medium.measured_preset, false);
    assert.equal(medium.render_s, veryfast.render_s);
  });
});
