import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as T from '../../functions/domain/task.ts';
import { VideoRequestSchema } from '../../functions/domain/video-request.ts';

const now = new Date('2026-01-01T00:00:00Z');
const later = (ms: number) => new Date(now.getTime() + ms);
const request = VideoRequestSchema.parse({ script_text: 'Hello there.' });
const fresh = () => T.newTask({ id: 't1', owner: null, request, now, retentionDays: 7 });

describe('task transitions', () => {
  it('a new task is queued at 0% and expires after the retention period', () => {
    const t = fresh();
    assert.equal(t.status, 'queued');
    assert.equal(t.progress, 0);
    assert.equal(t.expire_at, '2026-01-08T00:00:00.000Z');
  });

  it('claims a queued task: processing, attempt + 1, lease until now + lease', () => {
    const c = T.claim(fresh(), 'w1', 30_000, now);
    assert.equal(c.kind, 'claimed');
    assert.ok(c.kind === 'claimed');
    assert.equal(c.task.status, 'processing');
    assert.equal(c.task.attempt, 1);
    assert.equal(c.task.lease_owner, 'w1');
    assert.equal(c.task.lease_expires_at, later(30_000).toISOString());
  });

  it('a live lease held by another worker makes the claim busy, with the time left', () => {
    const c = T.claim(fresh(), 'w1', 30_000, now);
    assert.ok(c.kind === 'claimed');
    const again = T.claim(c.task, 'w2', 30_000, later(10_000));
    assert.deepEqual(again, { kind: 'busy', retryAfterMs: 20_000 });
  });

  it('an expired lease is taken over and counts another attempt', () => {
    const c = T.claim(fresh(), 'w1', 30_000, now);
    assert.ok(c.kind === 'claimed');
    const again = T.claim(c.task, 'w2', 30_000, later(31_000));
    assert.ok(again.kind === 'claimed');
    assert.equal(again.task.lease_owner, 'w2');
    assert.equal(again.task.attempt, 2);
  });

  it('finished, cancelled or missing tasks are not claimed', () => {
    assert.deepEqual(T.claim(null, 'w', 1, now), { kind: 'done', task: null });
    const cancelled = T.cancel(fresh(), now);
    assert.equal(T.claim(cancelled, 'w', 1, now).kind, 'done');
  });

  it('progress and stage never go backwards', () => {
    let t = T.advance(fresh(), 'render', 50, now);
    t = T.advance(t, 'speech', 10, now);
    assert.equal(t.progress, 50);
    assert.equal(t.stage, 'render');
    assert.equal(T.advance(t, 'upload', 250, now).progress, 100);
  });

  it('a transient failure goes back to queued until the last attempt, then fails', () => {
    const c = T.claim(fresh(), 'w1', 1000, now);
    assert.ok(c.kind === 'claimed');
    const err = { code: 'net', message: 'reset', retryable: true };
    const retried = T.failAttempt(c.task, err, 2, now);
    assert.equal(retried.status, 'queued');
    assert.equal(retried.lease_owner, null);
    const c2 = T.claim(retried, 'w1', 1000, now);
    assert.ok(c2.kind === 'claimed');
    const failed = T.failAttempt(c2.task, err, 2, now);
    assert.equal(failed.status, 'failed');
    assert.equal(failed.error?.retryable, false);
  });

  it('a permanent failure fails at once', () => {
    const c = T.claim(fresh(), 'w1', 1000, now);
    assert.ok(c.kind === 'claimed');
    assert.equal(T.failAttempt(c.task, { code: 'bad', message: 'x', retryable: false }, 5, now).status, 'failed');
  });

  it('complete records the output at 100% and merges warnings', () => {
    const c = T.claim({ ...fresh(), warnings: ['a'] }, 'w1', 1000, now);
    assert.ok(c.kind === 'claimed');
    const output = {
      video_key: 'k', captions_vtt_key: null, captions_srt_key: null, thumbnail_key: null,
      duration_s: 1, width: 720, height: 1280, size_bytes: 10, credits: [],
    };
    const done = T.complete(c.task, output, ['a', 'b'], now);
    assert.equal(done.status, 'completed');
    assert.equal(done.progress, 100);
    assert.deepEqual(done.warnings, ['a', 'b']);
    assert.equal(T.holdsLease(done, 'w1'), false);
  });

  it('cancel leaves finished tasks alone', () => {
    const cancelled = T.cancel(fresh(), now);
    assert.equal(cancelled.status, 'cancelled');
    assert.equal(T.cancel(cancelled, later(1)), cancelled);
  });
});

describe('task ends owe their callback', () => {
  const hooked = () => T.newTask({ id: 't2', owner: null, request: VideoRequestSchema.parse({ script_text: 'Hi.', callback_url: 'https://example.com/h' }), now, retentionDays: 7 });
  const output = { video_key: 'v', captions_vtt_key: null, captions_srt_key: null, thumbnail_key: null, duration_s: 1, width: 1, height: 1, size_bytes: 1, credits: [] };

  it('completed, failed for good and cancelled each record one pending event with a stable delivery id', () => {
    const c = T.claim(hooked(), 'w', 1000, now);
    assert.ok(c.kind === 'claimed');
    assert.deepEqual(
      [T.complete(c.task, output, [], now), T.failAttempt(c.task, { code: 'x', message: 'm', retryable: false }, 5, now), T.cancel(hooked(), now)].map((t) => [t.callback?.event, t.callback?.delivery_id, t.callback?.state]),
      [
        ['task.completed', 't2.completed', 'pending'],
        ['task.failed', 't2.failed', 'pending'],
        ['task.cancelled', 't2.cancelled', 'pending'],
      ],
    );
  });

  it('an attempt that will be retried owes nothing yet; a task without callback_url never does', () => {
    const c = T.claim(hooked(), 'w', 1000, now);
    assert.ok(c.kind === 'claimed');
    assert.equal(T.failAttempt(c.task, { code: 'x', message: 'm', retryable: true }, 5, now).callback, null);
    assert.equal(T.cancel(fresh(), now).callback, null);
  });

  it('running out of time is retried once, not twice', () => {
    const deadline = { code: T.DEADLINE_EXCEEDED, message: 'ran past 1680 s', retryable: true };
    const c1 = T.claim(fresh(), 'w', 1000, now);
    assert.ok(c1.kind === 'claimed');
    const once = T.failAttempt(c1.task, deadline, 5, now);
    assert.equal(once.status, 'queued');
    assert.equal(once.deadline_misses, 1);
    const c2 = T.claim(once, 'w', 1000, now);
    assert.ok(c2.kind === 'claimed');
    const twice = T.failAttempt(c2.task, deadline, 5, now);
    assert.equal(twice.status, 'failed');
    assert.equal(twice.error?.retryable, false);
  });

  it('failForGood ends a task whoever holds it, and leaves a finished one alone', () => {
    const c = T.claim(hooked(), 'w', 1000, now);
    assert.ok(c.kind === 'claimed');
    const f = T.failForGood(c.task, { code: 'attempts_exhausted', message: 'm' }, later(5000));
    assert.equal(f.status, 'failed');
    assert.equal(f.lease_owner, null);
    assert.equal(f.callback?.event, 'task.failed');
    const done = T.cancel(hooked(), now);
    assert.equal(T.failForGood(done, { code: 'x', message: 'm' }, now), done);
  });
});
