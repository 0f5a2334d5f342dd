import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CancelledError } from '../../functions/errors.ts';
import { Semaphore } from '../../functions/lib/semaphore.ts';

describe('Semaphore', () => {
  it('never grants more than its capacity, and serves waiters in order', async () => {
    const s = new Semaphore(2);
    const order: string[] = [];
    const a = await s.acquire(1);
    const b = await s.acquire(1);
    assert.equal(s.free, 0);
    const c = s.acquire(2).then((r) => (order.push('c'), r));
    const d = s.acquire(1).then((r) => (order.push('d'), r));
    a();
    await Promise.resolve();
    assert.deepEqual(order, [], 'c needs two units; d waits behind it');
    b();
    const rc = await c;
    assert.deepEqual(order, ['c']);
    rc();
    (await d)();
    assert.deepEqual(order, ['c', 'd']);
    assert.equal(s.free, 2);
  });

  it('a release is idempotent', async () => {
    const s = new Semaphore(1);
    const r = await s.acquire();
    r();
    r();
    assert.equal(s.free, 1);
  });

  it('weights above the capacity are clamped to it', async () => {
    const s = new Semaphore(2);
    const r = await s.acquire(5);
    assert.equal(s.free, 0);
    r();
    assert.equal(s.free, 2);
  });

  it('an abort while waiting rejects, takes nothing and lets the next waiter in', async () => {
    const s = new Semaphore(1);
    const held = await s.acquire();
    const ac = new AbortController();
    const cancelled = s.acquire(1, ac.signal);
    const next = s.acquire(1);
    ac.abort();
    await assert.rejects(cancelled, CancelledError);
    held();
    (await next)();
    assert.equal(s.free, 1);
    await assert.rejects(s.acquire(1, ac.signal), CancelledError, 'already aborted');
  });

  it('with() releases on failure', async () => {
    const s = new Semaphore(1);
    await assert.rejects(s.with(1, undefined, async () => Promise.reject(new Error('boom'))), /boom/);
    assert.equal(s.free, 1);
  });

  it('tryAcquire takes free units at once, or nothing; it never jumps a waiter', async () => {
    const s = new Semaphore(2);
    const a = s.tryAcquire()!;
    assert.equal(s.free, 1);
    const b = s.tryAcquire()!;
    assert.equal(s.tryAcquire(), null, 'none left');
    assert.equal(s.free, 0);
    const waiting = s.acquire(2);
    a();
    assert.equal(s.tryAcquire(), null, 'a unit is free, but a waiter came first');
    b();
    (await waiting)();
    const c = s.tryAcquire()!;
    c();
    c();
    assert.equal(s.free, 2, 'a release counts once');
  });
});
