import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { frameSize, scenesOf, VideoRequestSchema } from '../../functions/domain/video-request.ts';

describe('video request', () => {
  it('fills defaults: 9:16 1080p, word-highlight captions at the bottom', () => {
    const r = VideoRequestSchema.parse({ script_text: ' Hi. ' });
    assert.equal(r.script_text, 'Hi.');
    assert.equal(r.aspect_ratio, '9:16');
    assert.equal(r.resolution, '1080p');
    assert.deepEqual(r.captions, { style: 'word-highlight', position: 'bottom', font_size: 1, max_words_per_line: 4 });
  });

  it('accepts scenes instead of script_text, and not both', () => {
    assert.ok(VideoRequestSchema.safeParse({ scenes: [{ text: 'a' }, { text: 'b', search_query: 'sea' }] }).success);
    const both = VideoRequestSchema.safeParse({ script_text: 'a', scenes: [{ text: 'b' }] });
    assert.equal(both.success, false);
    const none = VideoRequestSchema.safeParse({ search_query: 'x' });
    assert.equal(none.success, false);
    assert.deepEqual(none.error?.issues[0]?.path, ['script_text']);
  });

  it('rejects unknown fields', () => {
    const r = VideoRequestSchema.safeParse({ script_text: 'a', colour: 'red' });
    assert.equal(r.success, false);
    assert.equal(r.error?.issues[0]?.code, 'unrecognized_keys');
  });

  it('captions: false turns them off', () => {
    assert.equal(VideoRequestSchema.parse({ script_text: 'a', captions: false }).captions, false);
  });

  it('frame sizes for every aspect and resolution', () => {
    assert.deepEqual(frameSize('9:16', '720p'), { width: 720, height: 1280 });
    assert.deepEqual(frameSize('9:16', '1080p'), { width: 1080, height: 1920 });
    assert.deepEqual(frameSize('16:9', '720p'), { width: 1280, height: 720 });
    assert.deepEqual(frameSize('1:1', '1080p'), { width: 1080, height: 1080 });
  });

  it('scenesOf gives one scene for a script', () => {
    const r = VideoRequestSchema.parse({ script_text: 'a b', search_query: 'ocean' });
    assert.deepEqual(scenesOf(r), [{ text: 'a b', search_query: 'ocean' }]);
  });
});
