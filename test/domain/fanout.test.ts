import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { beginFanout, claimChunk, failChunk, failJoin, FANOUT_LEASE_MS, fanoutOwner, finishChunk, renewChunk, takeBackFanout } from '../../functions/domain/fanout.ts';
import * as T from '../../functions/domain/task.ts';
import { VideoRequestSchema } from '../../functions/domain/video-request.ts';

const now = new Date('2030-01-01T00:00:00Z');
const at = (ms: number) => new Date(now.getTime() + ms);
const request = VideoRequestSchema.parse({ script_text: 'A long one.', callback_url: 'https://example.com/h' });
const LEASE = 60_000;

function fanned(frames = [300, 300, 120]) {
  const c = T.claim(T.TASKS, T.newTask({ id: 't', owner: null, request, now, retentionDays: 7 }), 'parent', LEASE, 5, now);
  assert.ok(c.kind === 'claimed');
  const t = beginFanout(c.task, 'parent', 'host:1', frames, now);
  assert.ok(t);
  return t;
}

describe('fan-out transitions', () => {
  it('the planning delivery hands its lease to the chunks; only the lease holder can', () => {
    const t = fanned();
    assert.equal(t.lease_owner, fanoutOwner(1));
    assert.equal(t.lease_expires_at, at(FANOUT_LEASE_MS).toISOString());
    assert.deepEqual(t.fanout!.chunks.map((c) => c.state), ['pending', 'pending', 'pending']);
    assert.equal(beginFanout(t, 'someone-else', 'host:2', [1], now), null);
  });

  it('a planner whose chunk jobs could not all be asked for takes the task back, and the fan-out is gone', () => {
    const t = fanned();
    const c = claimChunk(t, 1, 0, 'early', LEASE, 5, now);
    assert.ok(c.kind === 'render', 'a chunk job that did go out may already run');
    const back = takeBackFanout(c.task, 1, 'parent', LEASE, at(1));
    assert.ok(back);
    assert.ok(T.holdsLease(back, 'parent'));
    assert.equal(back.lease_expires_at, at(1 + LEASE).toISOString());
    assert.equal(back.fanout, null);
    assert.equal(renewChunk(back, 1, 0, 'early', LEASE, at(2)), null, 'the early chunk stops');
    assert.deepEqual(claimChunk(back, 1, 1, 'late', LEASE, 5, at(2)), { kind: 'done' });
    assert.equal(T.failAttempt(T.TASKS, back, { code: 'queue_unavailable', message: 'x', retryable: true }, 5, at(3)).status, 'queued');
    // Not once the fan-out has moved on: the join taken, or another attempt.
    const one = fanned([30]);
    const r = claimChunk(one, 1, 0, 'w', LEASE, 5, now);
    assert.ok(r.kind === 'render');
    const joined = finishChunk(r.task, 1, 0, 'w', 'host:1', LEASE, now);
    assert.ok(joined.kind === 'assemble');
    assert.equal(takeBackFanout(joined.task, 1, 'parent', LEASE, at(1)), null);
    assert.equal(takeBackFanout(t, 2, 'parent', LEASE, at(1)), null);
  });

  it('a chunk is claimed once; a second delivery waits for its lease; an expired lease is taken over', () => {
    const t = fanned();
    const a = claimChunk(t, 1, 0, 'a', LEASE, 5, now);
    assert.ok(a.kind === 'render');
    assert.deepEqual(claimChunk(a.task, 1, 0, 'b', LEASE, 5, at(1000)), { kind: 'busy', retryAfterMs: LEASE - 1000 });
    const b = claimChunk(a.task, 1, 0, 'b', LEASE, 5, at(LEASE));
    assert.ok(b.kind === 'render');
    assert.equal(b.task.fanout!.chunks[0]!.attempts, 2);
    assert.equal(renewChunk(b.task, 1, 0, 'a', LEASE, at(LEASE)), null, 'the first holder lost it');
  });

  it('finished chunk-seconds move the progress; the last chunk to finish joins them and takes the task lease', () => {
    let t = fanned();
    for (const n of [2, 0]) {
      const c = claimChunk(t, 1, n, `w${n}`, LEASE, 5, now);
      assert.ok(c.kind === 'render');
      const f = finishChunk(c.task, 1, n, `w${n}`, `host:${n}`, LEASE, now);
      assert.equal(f.kind, 'done');
      assert.ok(f.kind === 'done');
      t = f.task;
    }
    assert.equal(t.progress, Math.round(30 + (62 * 420) / 720));
    const last = claimChunk(t, 1, 1, 'w1', LEASE, 5, now);
    assert.ok(last.kind === 'render');
    const f = finishChunk(last.task, 1, 1, 'w1', 'host:1', LEASE, now);
    assert.ok(f.kind === 'assemble');
    assert.equal(f.task.lease_owner, 'w1');
    assert.equal(f.task.progress, 92);
    assert.deepEqual(f.task.fanout!.chunks.map((c) => c.rendered_by), ['host:0', 'host:1', 'host:2']);
    // A duplicate of a done chunk while the join runs waits; once the joiner failed and let go, it joins.
    assert.equal(claimChunk(f.task, 1, 1, 'dup', LEASE, 5, at(1)).kind, 'busy');
    const released = failJoin(f.task, 'w1', { code: 'upload_failed', message: 'storage 503', retryable: true }, 5, at(2));
    assert.ok(released);
    assert.equal(released.status, 'processing');
    assert.equal(released.lease_owner, fanoutOwner(1));
    const again = claimChunk(released, 1, 1, 'dup', LEASE, 5, at(3));
    assert.ok(again.kind === 'assemble');
    assert.equal(again.task.lease_owner, 'dup');
  });

  it('a join that fails in passing is let go while joins remain; then, or failing for good, the task fails', () => {
    const t = fanned([300]);
    const c = claimChunk(t, 1, 0, 'w0', LEASE, 2, now);
    assert.ok(c.kind === 'render');
    const f = finishChunk(c.task, 1, 0, 'w0', 'host:0', LEASE, now);
    assert.ok(f.kind === 'assemble');
    assert.equal(f.task.fanout!.joins, 1);
    const passing = { code: 'upload_failed', message: 'storage 503', retryable: true };
    assert.equal(failJoin(f.task, 'someone-else', passing, 2, at(1)), null, 'only the joiner');
    const let_go = failJoin(f.task, 'w0', passing, 2, at(1))!;
    assert.equal(let_go.fanout!.assembler, null);
    const again = claimChunk(let_go, 1, 0, 'dup', LEASE, 2, at(2));
    assert.ok(again.kind === 'assemble');
    assert.equal(again.task.fanout!.joins, 2);
    const last = failJoin(again.task, 'dup', passing, 2, at(3))!;
    assert.equal(last.status, 'failed');
    assert.equal(last.error?.message, 'joining the chunks: storage 503');
    assert.equal(last.callback?.event, 'task.failed');
    const permanent = failJoin(f.task, 'w0', { code: 'join_failed', message: 'bad chunk', retryable: false }, 5, at(1))!;
    assert.equal(permanent.status, 'failed');
  });

  it('a passing failure puts the chunk back; a permanent one, or too many, fails the task with the chunk named', () => {
    const t = fanned();
    const c = claimChunk(t, 1, 1, 'w', LEASE, 2, now);
    assert.ok(c.kind === 'render');
    const back = failChunk(c.task, 1, 1, 'w', { code: 'render_failed', message: 'killed', retryable: true }, 2, now)!;
    assert.equal(back.status, 'processing');
    assert.equal(back.fanout!.chunks[1]!.state, 'pending');
    const c2 = claimChunk(back, 1, 1, 'w2', LEASE, 2, now);
    assert.ok(c2.kind === 'render');
    const failed = failChunk(c2.task, 1, 1, 'w2', { code: 'render_failed', message: 'killed again', retryable: true }, 2, now)!;
    assert.equal(failed.status, 'failed');
    assert.equal(failed.error?.message, 'chunk 2 of 3: killed again');
    assert.equal(failed.callback?.event, 'task.failed');
    const p = claimChunk(t, 1, 0, 'w', LEASE, 5, now);
    assert.ok(p.kind === 'render');
    assert.equal(failChunk(p.task, 1, 0, 'w', { code: 'render_failed', message: 'bad input', retryable: false }, 5, now)!.status, 'failed');
  });

  it('chunks of a cancelled task, or of another attempt, have nothing to do', () => {
    const t = fanned();
    assert.deepEqual(claimChunk(T.cancel(T.TASKS, t, now), 1, 0, 'w', LEASE, 5, now), { kind: 'done' });
    assert.deepEqual(claimChunk(t, 2, 0, 'w', LEASE, 5, now), { kind: 'done' });
    assert.deepEqual(claimChunk(t, 1, 9, 'w', LEASE, 5, now), { kind: 'done' });
  });

  it('the joiner keeps the join as long as it renews its lease: a duplicate after the first lease waits', () => {
    let t = fanned([300]);
    const c = claimChunk(t, 1, 0, 'w0', LEASE, 5, now);
    assert.ok(c.kind === 'render');
    const f = finishChunk(c.task, 1, 0, 'w0', 'host:0', LEASE, now);
    assert.ok(f.kind === 'assemble');
    // The joiner's heartbeat, as the worker sends it (TaskStore.renewLease), just before its first lease ends.
    t = T.renewLease(T.TASKS, f.task, LEASE, at(LEASE - 1));
    const dup = claimChunk(t, 1, 0, 'dup', LEASE, 5, at(LEASE + 1));
    assert.equal(dup.kind, 'busy', 'a late duplicate of the last chunk must not take the join from a live joiner');
    assert.equal(t.fanout!.assembler, 'w0');
  });

  it('a new attempt of the task drops the stale fan-out', () => {
    const t = fanned();
    const c = T.claim(T.TASKS, t, 'w', LEASE, 5, at(FANOUT_LEASE_MS + 1));
    assert.ok(c.kind === 'claimed');
    assert.equal(c.task.fanout, null);
    assert.equal(c.task.attempt, 2);
  });
});
