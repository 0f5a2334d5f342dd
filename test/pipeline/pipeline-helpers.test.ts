import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { blobKeys } from '../../functions/pipeline/blob-keys.ts';
import { queryFor } from '../../functions/pipeline/query.ts';

describe('footage query', () => {
  it('uses the explicit query when there is one', () => {
    assert.equal(queryFor('  deep sea ', 'anything'), 'deep sea');
  });
  it('otherwise takes the most frequent telling words of the script', () => {
    assert.equal(queryFor(undefined, 'The ocean is vast. The ocean is deep, and whales live in the ocean deep.'), 'ocean deep whales');
  });
  it('falls back to a generic query for scripts with no telling word', () => {
    assert.equal(queryFor(undefined, 'It is as it is.'), 'nature');
  });
});

describe('blob keys', () => {
  it('derive from the task id alone, so a retry overwrites the same objects', () => {
    assert.deepEqual(blobKeys('t1'), blobKeys('t1'));
    assert.equal(blobKeys('t1').video, 'videos/t1/video.mp4');
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
