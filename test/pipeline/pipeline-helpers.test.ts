import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { blobKeys } from '../../functions/pipeline/blob-keys.ts';
describe('blob keys', () => {
  it('each attempt writes under its own prefix: a stale worker cannot overwrite the winner', () => {
    assert.deepEqual(blobKeys('t1', 2), blobKeys('t1', 2));
    assert.equal(blobKeys('t1', 2).video, 'videos/t1/a2/video.mp4');
    assert.notEqual(blobKeys('t1', 1).video, blobKeys('t1', 2).video);
    for (const k of Object.values(blobKeys('t1', 3))) assert.ok(k.startsWith('videos/t1/a3/'), k);
  });
});

import { sceneSpans } from '../../functions/pipeline/scene-spans.ts';

describe('scene spans', () => {
  const words = ['One', 'two.', 'Three', 'four', 'five.', 'Six.'].map((text, i) => ({ text, start: i, end: i + 0.8 }));
  const narration = { audioPath: 'x', durationS: 6.5, words, sentenceEnds: [2, 5, 6] };
  it('splits the narration where the next scene starts speaking', () => {
    assert.deepEqual(sceneSpans(narration, ['One two.', 'Three four five.', 'Six.']), [
      { startS: 0, endS: 2 },
      { startS: 2, endS: 5 },
      { startS: 5, endS: 6.5 },
    ]);
  });
  it('one scene covers everything', () => {
    assert.deepEqual(sceneSpans(narration, ['x']), [{ startS: 0, endS: 6.5 }]);
  });
});
