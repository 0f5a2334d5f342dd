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
    const c = T.claim(T.TASKS, fresh(), 'w1', 30_000, 5, now);
    assert.equal(c.kind, 'claimed');
    assert.ok(c.kind === 'claimed');
    assert.equal(c.task.status, 'processing');
    assert.equal(c.task.attempt, 1);
    assert.equal(c.task.lease_owner, 'w1');
    assert.equal(c.task.lease_expires_at, later(30_000).toISOString());
  });

  it('a live lease held by another worker makes the claim busy, with the time left', () => {
    const c = T.claim(T.TASKS, fresh(), 'w1', 30_000, 5, now);
    assert.ok(c.kind === 'claimed');
    const again = T.claim(T.TASKS, c.task, 'w2', 30_000, 5, later(10_000));
    assert.deepEqual(again, { kind: 'busy', retryAfterMs: 20_000 });
  });

  it('an expired lease is taken over and counts another attempt', () => {
    const c = T.claim(T.TASKS, fresh(), 'w1', 30_000, 5, now);
    assert.ok(c.kind === 'claimed');
    const again = T.claim(T.TASKS, c.task, 'w2', 30_000, 5, later(31_000));
    assert.ok(again.kind === 'claimed');
    assert.equal(again.task.lease_owner, 'w2');
    assert.equal(again.task.attempt, 2);
  });

  it('a task whose last attempt died is not claimed again: it fails for good, owing its end', () => {
    const hooked = T.newTask({ id: 't3', owner: null, request: VideoRequestSchema.parse({ script_text: 'Hi.', callback_url: 'https://example.com/h' }), now, retentionDays: 7 });
    let t: T.TaskRecord = hooked;
    for (let i = 1; i <= 2; i++) {
      const c = T.claim(T.TASKS, t, `w${i}`, 30_000, 2, later(i * 60_000));
      assert.ok(c.kind === 'claimed');
      t = c.task;
    }
    const c = T.claim(T.TASKS, t, 'w3', 30_000, 2, later(3 * 60_000));
    assert.ok(c.kind === 'exhausted');
    assert.equal(c.task.status, 'failed');
    assert.equal(c.task.attempt, 2);
    assert.deepEqual(c.task.error, { code: 'attempts_exhausted', message: 'the task was interrupted 2 times; giving up', retryable: false });
    assert.equal(c.task.callback?.event, 'task.failed');
    assert.equal(c.task.lease_owner, null);
  });

  it('finished, cancelled or missing tasks are not claimed', () => {
    assert.deepEqual(T.claim(T.TASKS, null, 'w', 1, 5, now), { kind: 'done', task: null });
    const cancelled = T.cancel(T.TASKS, fresh(), now);
    assert.equal(T.claim(T.TASKS, cancelled, 'w', 1, 5, now).kind, 'done');
  });

  it('progress and stage never go backwards', () => {
    let t = T.advance(fresh(), 'render', 50, now);
    t = T.advance(t, 'speech', 10, now);
    assert.equal(t.progress, 50);
    assert.equal(t.stage, 'render');
    assert.equal(T.advance(t, 'upload', 250, now).progress, 100);
  });

  it('a transient failure goes back to queued until the last attempt, then fails', () => {
    const c = T.claim(T.TASKS, fresh(), 'w1', 1000, 5, now);
    assert.ok(c.kind === 'claimed');
    const err = { code: 'net', message: 'reset', retryable: true };
    const retried = T.failAttempt(T.TASKS, c.task, err, 2, now);
    assert.equal(retried.status, 'queued');
    assert.equal(retried.lease_owner, null);
    const c2 = T.claim(T.TASKS, retried, 'w1', 1000, 5, now);
    assert.ok(c2.kind === 'claimed');
    const failed = T.failAttempt(T.TASKS, c2.task, err, 2, now);
    assert.equal(failed.status, 'failed');
    assert.equal(failed.error?.retryable, false);
  });

  it('a permanent failure fails at once', () => {
    const c = T.claim(T.TASKS, fresh(), 'w1', 1000, 5, now);
    assert.ok(c.kind === 'claimed');
    assert.equal(T.failAttempt(T.TASKS, c.task, { code: 'bad', message: 'x', retryable: false }, 5, now).status, 'failed');
  });

  it('complete records the output at 100% and merges warnings', () => {
    const c = T.claim(T.TASKS, { ...fresh(), warnings: ['a'] }, 'w1', 1000, 5, now);
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
    const cancelled = T.cancel(T.TASKS, fresh(), now);
    assert.equal(cancelled.status, 'cancelled');
    assert.equal(T.cancel(T.TASKS, cancelled, later(1)), cancelled);
  });
});

describe('retryAllowed: the one place that decides retries', () => {
  const passing = { code: 'net', message: 'reset', retryable: true };
  it('another attempt while attempts remain, after a passing failure or an interruption', () => {
    assert.equal(T.retryAllowed(1, 3, passing), true);
    assert.equal(T.retryAllowed(2, 3, null), true);
    assert.equal(T.retryAllowed(3, 3, passing), false);
    assert.equal(T.retryAllowed(3, 3, null), false);
  });
  it('never after a permanent failure; a deadline missed once is tried once more, not twice', () => {
    assert.equal(T.retryAllowed(1, 5, { ...passing, retryable: false }), false);
    const deadline = { code: T.DEADLINE_EXCEEDED, message: 'ran past', retryable: true };
    assert.equal(T.retryAllowed(1, 5, deadline, 0), true);
    assert.equal(T.retryAllowed(2, 5, deadline, 1), false);
  });
});

describe('task ends owe their callback', () => {
  const hooked = () => T.newTask({ id: 't2', owner: null, request: VideoRequestSchema.parse({ script_text: 'Hi.', callback_url: 'https://example.com/h' }), now, retentionDays: 7 });
  const output = { video_key: 'v', captions_vtt_key: null, captions_srt_key: null, thumbnail_key: null, duration_s: 1, width: 1, height: 1, size_bytes: 1, credits: [] };

  it('completed, failed for good and cancelled each record one pending event with a stable delivery id', () => {
    const c = T.claim(T.TASKS, hooked(), 'w', 1000, 5, now);
    assert.ok(c.kind === 'claimed');
    assert.deepEqual(
      [T.complete(c.task, output, [], now), T.failAttempt(T.TASKS, c.task, { code: 'x', message: 'm', retryable: false }, 5, now), T.cancel(T.TASKS, hooked(), now)].map((t) => [t.callback?.event, t.callback?.delivery_id, t.callback?.state]),
      [
        ['task.completed', 't2.completed', 'pending'],
        ['task.failed', 't2.failed', 'pending'],
        ['task.cancelled', 't2.cancelled', 'pending'],
      ],
    );
  });

  it('an attempt that will be retried owes nothing yet; a task without callback_url never does', () => {
    const c = T.claim(T.TASKS, hooked(), 'w', 1000, 5, now);
    assert.ok(c.kind === 'claimed');
    assert.equal(T.failAttempt(T.TASKS, c.task, { code: 'x', message: 'm', retryable: true }, 5, now).callback, null);
    assert.equal(T.cancel(T.TASKS, fresh(), now).callback, null);
  });

  it('running out of time is retried once, not twice', () => {
    const deadline = { code: T.DEADLINE_EXCEEDED, message: 'ran past 1680 s', retryable: true };
    const c1 = T.claim(T.TASKS, fresh(), 'w', 1000, 5, now);
    assert.ok(c1.kind === 'claimed');
    const once = T.failAttempt(T.TASKS, c1.task, deadline, 5, now);
    assert.equal(once.status, 'queued');
    assert.equal(once.deadline_misses, 1);
    const c2 = T.claim(T.TASKS, once, 'w', 1000, 5, now);
    assert.ok(c2.kind === 'claimed');
    const twice = T.failAttempt(T.TASKS, c2.task, deadline, 5, now);
    assert.equal(twice.status, 'failed');
    assert.equal(twice.error?.retryable, false);
  });

  it('failForGood ends a task whoever holds it, and leaves a finished one alone', () => {
    const c = T.claim(T.TASKS, hooked(), 'w', 1000, 5, now);
    assert.ok(c.kind === 'claimed');
    const f = T.failForGood(T.TASKS, c.task, { code: 'attempts_exhausted', message: 'm' }, later(5000));
    assert.equal(f.status, 'failed');
    assert.equal(f.lease_owner, null);
    assert.equal(f.callback?.event, 'task.failed');
    const done = T.cancel(T.TASKS, hooked(), now);
    assert.equal(T.failForGood(T.TASKS, done, { code: 'x', message: 'm' }, now), done);
  });
});
