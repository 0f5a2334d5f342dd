import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Segment } from '../../functions/domain/media.ts';
import { MAX_CHUNK_S, MAX_PIECES_PER_CHUNK, MIN_CHUNK_S, planChunks, segmentFrames } from '../../functions/media/chunks.ts';

/** Back-to-back pieces of the given lengths (seconds), each from its own clip. */
function pieces(...lengths: number[]): Segment[] {
  let at = 0;
  return lengths.map((d, i) => {
    const s = { clip: i, sourceStart: i / 10, duration: d, start: at };
    at += d;
    return s;
  });
}

describe('planChunks', () => {
  it('covers every frame once, in order, with no gap between chunks', () => {
    const segs = pieces(2.2, 1.9, 2.4, 3.1, 0.7, 5, 4.4, 2.05);
    const chunks = planChunks(segs, { parallel: 2 });
    let at = 0;
    for (const [i, c] of chunks.entries()) {
      assert.equal(c.index, i);
      assert.equal(c.startFrame, at);
      assert.equal(c.frames, c.pieces.reduce((n, p) => n + p.frames, 0));
      at += c.frames;
    }
    assert.equal(at, segmentFrames(segs).reduce((a, b) => a + b, 0));
    assert.deepEqual(
      chunks.flatMap((c) => c.pieces.map((p) => p.clip)),
      segs.map((s) => s.clip),
    );
  });

  it('never holds more than the cap of pieces (decoders) in one chunk, whatever the length', () => {
    const segs = pieces(...Array.from({ length: 400 }, () => 1.5));
    const chunks = planChunks(segs, { parallel: 2 });
    assert.ok(chunks.every((c) => c.pieces.length <= MAX_PIECES_PER_CHUNK));
    assert.ok(chunks.every((c) => c.frames <= MAX_CHUNK_S * 30));
  });

  it('cuts only at piece boundaries: a long piece is a chunk of its own', () => {
    const chunks = planChunks(pieces(2, 40, 2), { parallel: 2 });
    assert.deepEqual(
      chunks.map((c) => c.pieces.map((p) => p.frames)),
      [[60], [1200], [60]],
    );
  });

  it('a short video is still split so that every parallel slot gets work', () => {
    assert.equal(planChunks(pieces(2, 2, 2, 2), { parallel: 2 }).length, 2);
    assert.equal(planChunks(pieces(2, 2, 2, 2), { parallel: 1 }).length, 2, 'at most three pieces per chunk');
    assert.equal(planChunks(pieces(6), { parallel: 2 }).length, 1, 'one piece cannot be split');
  });

  it('a video too short to give every slot MIN_CHUNK_S is cut into fewer chunks, never shorter ones', () => {
    const m = MIN_CHUNK_S;
    assert.deepEqual(planChunks(pieces(0.75 * m, 0.75 * m), { parallel: 2 }).map((c) => c.pieces.length), [2], 'one chunk: two would be shorter than MIN_CHUNK_S');
    assert.equal(planChunks(pieces(m, m), { parallel: 2 }).length, 2, 'long enough for both slots');
    // Eight pieces of half MIN_CHUNK_S and eight slots: four chunks of two pieces, not eight of one.
    const many = planChunks(pieces(...Array.from({ length: 8 }, () => m / 2)), { parallel: 8 });
    assert.deepEqual(many.map((c) => c.frames), Array(4).fill(m * 30));
    // The cap of pieces still holds: three short pieces and a fourth make two chunks.
    assert.equal(planChunks(pieces(0.2, 0.2, 0.2, 0.2), { parallel: 4 }).length, 2);
  });

  it('drops pieces that round to no frame', () => {
    const chunks = planChunks([...pieces(2), { clip: 5, sourceStart: 0, duration: 0.01, start: 2 }], { parallel: 1 });
    assert.deepEqual(chunks.flatMap((c) => c.pieces.map((p) => p.clip)), [0]);
  });
});
