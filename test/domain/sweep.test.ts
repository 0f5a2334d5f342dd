import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { claimCallback, recordCallback } from '../../functions/domain/callback-outbox.ts';
import { sweepAction } from '../../functions/domain/sweep.ts';
import * as T from '../../functions/domain/task.ts';
import { VideoRequestSchema } from '../../functions/domain/video-request.ts';

const now = new Date('2030-01-01T00:00:00Z');
const at = (ms: number) => new Date(now.getTime() + ms);
const MIN = 60_000;
const policy = { maxAttempts: 3, staleMs: 30 * MIN, callbackStaleMs: 120 * MIN, callbackLostMs: 5 * MIN };
const request = VideoRequestSchema.parse({ script_text: 'Hi.', callback_url: 'https://example.com/h' });
const queued = () => T.newTask({ id: 't', owner: null, request, now, retentionDays: 7 });

describe('sweepAction', () => {
  it('a queued task: nothing while fresh, again once stale or when its ask failed', () => {
    assert.equal(sweepAction(queued(), at(29 * MIN), policy).kind, 'none');
    assert.equal(sweepAction(queued(), at(30 * MIN), policy).kind, 'redispatch');
    assert.equal(sweepAction({ ...queued(), dispatch_failed_at: now.toISOString() }, at(1), policy).kind, 'redispatch');
  });

  it('a processing task: nothing under a live lease; after it expired, again, or failed once attempts are used up', () => {
    const c = T.claim(T.TASKS, queued(), 'w', MIN, 5, now);
    assert.ok(c.kind === 'claimed');
    assert.equal(sweepAction(c.task, at(MIN - 1), policy).kind, 'none');
    assert.equal(sweepAction(c.task, at(MIN + 29 * MIN), policy).kind, 'none');
    assert.equal(sweepAction(c.task, at(MIN + 30 * MIN), policy).kind, 'redispatch');
    // The last attempt gets the same grace as the others: its heartbeat may be a transaction in backoff.
    assert.equal(sweepAction({ ...c.task, attempt: 3 }, at(MIN + 1), policy).kind, 'none');
    assert.equal(sweepAction({ ...c.task, attempt: 3 }, at(MIN + 29 * MIN), policy).kind, 'none');
    assert.equal(sweepAction({ ...c.task, attempt: 3 }, at(MIN + 30 * MIN), policy).kind, 'exhaust');
  });

  it('a finished task: only a pending callback that nobody is sending and that has been quiet too long', () => {
    const ended = T.cancel(T.TASKS, queued(), now);
    assert.equal(sweepAction(ended, at(4 * MIN), policy).kind, 'none', 'its first job may still come');
    assert.equal(sweepAction(ended, at(5 * MIN), policy).kind, 'recallback');
    const claim = claimCallback(ended, 's', MIN, at(5 * MIN));
    assert.ok(claim.kind === 'send');
    assert.equal(sweepAction(claim.task, at(5 * MIN + 1), policy).kind, 'none', 'being sent');
    const failed = recordCallback(claim.task, 's', { ok: false, status: 500, error: '500', permanent: false }, 24 * 60 * MIN, at(6 * MIN))!;
    assert.equal(sweepAction(failed, at(60 * MIN), policy).kind, 'none', 'its job is in backoff');
    assert.equal(sweepAction(failed, at(6 * MIN + 120 * MIN), policy).kind, 'recallback');
    const delivered = recordCallback(claimCallback(failed, 's', MIN, at(7 * MIN)).kind === 'send' ? (claimCallback(failed, 's', MIN, at(7 * MIN)) as { task: T.TaskRecord }).task : failed, 's', { ok: true, status: 200, error: null, permanent: false }, 24 * 60 * MIN, at(7 * MIN))!;
    assert.equal(delivered.callback?.state, 'delivered');
    assert.equal(sweepAction(delivered, at(999 * MIN), policy).kind, 'none');
  });
});

describe('claimCallback and recordCallback', () => {
  it('a second sender waits for the first one\'s hold; a sender that lost its hold records nothing', () => {
    const ended = T.cancel(T.TASKS, queued(), now);
    const a = claimCallback(ended, 'a', MIN, now);
    assert.ok(a.kind === 'send');
    assert.deepEqual(claimCallback(a.task, 'b', MIN, at(10_000)), { kind: 'busy', retryAfterMs: MIN - 10_000 });
    const b = claimCallback(a.task, 'b', MIN, at(MIN));
    assert.ok(b.kind === 'send', 'the hold ran out');
    assert.equal(recordCallback(b.task, 'a', { ok: true, status: 200, error: null, permanent: false }, 1e9, at(MIN)), null);
    assert.equal(claimCallback(null, 'a', MIN, now).kind, 'done');
    assert.equal(claimCallback(T.cancel(T.TASKS, T.newTask({ id: 'q', owner: null, request: VideoRequestSchema.parse({ script_text: 'x' }), now, retentionDays: 1 }), now), 'a', MIN, now).kind, 'done');
  });
});
