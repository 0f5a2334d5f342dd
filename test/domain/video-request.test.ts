import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { VideoRequestSchema } from '../../functions/domain/video-request.ts';
import { frameSize, outputsOf, videoSpec } from '../../functions/domain/video-spec.ts';

describe('video request', () => {
  it('fills defaults: 9:16 1080p, word-highlight captions at the bottom', () => {
    const r = VideoRequestSchema.parse({ script_text: ' Hi. ' });
    assert.equal(r.script_text, 'Hi.');
    assert.equal(outputsOf(r)[0]!.aspect_ratio, '9:16');
    assert.equal(outputsOf(r)[0]!.resolution, '1080p');
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

  it('script errors a writer reads: write at least one sentence; how many characters against the limit', () => {
    const msg = (body: object) => VideoRequestSchema.safeParse(body).error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    assert.deepEqual(msg({ script_text: '   ' }), ['script_text: write at least one sentence']);
    assert.deepEqual(msg({ scenes: [{ text: 'ok' }, { text: '' }] }), ['scenes.1.text: write at least one sentence']);
    assert.deepEqual(msg({ script_text: 'x'.repeat(10_720) }), ['script_text: 10,720 characters: the limit is 10,000']);
    assert.deepEqual(msg({ scenes: [{ text: 'x'.repeat(6000) }, { text: 'y'.repeat(6000) }] }), ['scenes: the scenes total 12,002 characters: the limit is 10,000']);
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

  it('the spec gives one scene for a script', () => {
    const r = VideoRequestSchema.parse({ script_text: 'a b', search_query: 'ocean' });
    assert.deepEqual(videoSpec(r, { seed: 1 }).scenes, [{ text: 'a b', search_query: 'ocean' }]);
  });

  it('refuses a lone surrogate in any text field, naming the field', () => {
    const bad = '\ud800';
    const cases: [unknown, string][] = [
      [{ script_text: `a${bad}b` }, 'script_text'],
      [{ scenes: [{ text: 'ok' }, { text: bad }] }, 'scenes.1.text'],
      [{ scenes: [{ text: 'ok', search_query: `x${bad}` }] }, 'scenes.0.search_query'],
      [{ script_text: 'a', search_query: bad }, 'search_query'],
      [{ script_text: 'a', voice_id: bad }, 'voice_id'],
      [{ script_text: 'a', model_id: `m${bad}` }, 'model_id'],
      [{ script_text: 'a', clip_urls: [`https://example.com/${bad}.mp4`] }, 'clip_urls.0'],
      [{ script_text: 'a', metadata: { post: { tags: ['ok', bad] } } }, 'metadata.post.tags.1'],
      [{ script_text: 'a', metadata: { [`k${bad}`]: 1 } }, `metadata.k${bad}`],
    ];
    for (const [body, path] of cases) {
      const r = VideoRequestSchema.safeParse(body);
      assert.equal(r.success, false, path);
      const issue = r.error!.issues.find((i) => i.path.join('.') === path);
      assert.ok(issue, `${path}: ${JSON.stringify(r.error!.issues)}`);
      assert.match(issue.message, /lone surrogate/);
    }
    // A surrogate pair is one valid character (an emoji), not a lone half.
    assert.ok(VideoRequestSchema.safeParse({ script_text: 'Waves \ud83c\udf0a crash.' }).success);
  });

  it('voice_id: ElevenLabs ids and espeak-ng voices pass; path, query and fragment characters do not', () => {
    for (const id of ['21m00Tcm4TlvDq8ikWAM', 'en-us', 'pt-br', 'en-us+f3', 'gmw/en-US', 'gmw/en-US+klatt', 'cmn']) {
      assert.ok(VideoRequestSchema.safeParse({ script_text: 'a', voice_id: id }).success, id);
    }
    for (const id of ['../../v1/user', 'abc?x=1#y', 'a/../b', '..', 'a%2Fb', 'a b', '/abs', 'a//b', 'a+', '+f3', 'a\\b', 'voice.1']) {
      const r = VideoRequestSchema.safeParse({ script_text: 'a', voice_id: id });
      assert.equal(r.success, false, id);
      assert.deepEqual(r.error!.issues[0]!.path, ['voice_id'], id);
    }
  });

  it('voiceover: a URL or an upload_id, not both, and no synthesised voice beside it; the spec finds an upload under its owner', () => {
    const id = '3f6b1c2e-8d4a-4e7f-9b0c-1a2d3e4f5a6b';
    const issues = (body: object) => VideoRequestSchema.safeParse({ script_text: 'Said.', ...body }).error?.issues.map((i) => [i.path.join('.'), i.message]);
    assert.equal(issues({ voiceover: { upload_id: id } }), undefined);
    assert.deepEqual(issues({ voiceover: { url: 'https://example.com/take.mp3', upload_id: id } }), [['voiceover', 'send either voiceover.url or voiceover.upload_id']]);
    assert.deepEqual(issues({ voiceover: {} }), [['voiceover', 'send either voiceover.url or voiceover.upload_id']]);
    assert.deepEqual(issues({ voiceover: { upload_id: 'take.mp3' } }), [['voiceover.upload_id', 'must be an upload_id as POST /v1/uploads answered it']]);
    assert.deepEqual(issues({ voiceover: { url: 'https://example.com/take.mp3' }, voice_id: 'en-us', speed: 1.1 }), [
      ['voice_id', 'the voiceover is the voice: leave voice_id out (or leave voiceover out to have the script spoken)'],
      ['speed', 'the voiceover is the voice: leave speed out (or leave voiceover out to have the script spoken)'],
    ]);
    const topic = VideoRequestSchema.safeParse({ topic: 'why bees dance', voiceover: { upload_id: id } }).error?.issues.map((i) => i.path.join('.'));
    assert.deepEqual(topic, ['topic'], 'a recording says a script that exists: not one still to be written');
    const req = VideoRequestSchema.parse({ script_text: 'Said.', voiceover: { upload_id: id } });
    assert.deepEqual(videoSpec(req, { seed: 1, owner: 'abc' }).voiceover, { upload: { id, key: `uploads/abc/${id}/file` } });
    assert.deepEqual(videoSpec(req, { seed: 1, owner: null }).voiceover, { upload: { id, key: `uploads/public/${id}/file` } });
    assert.deepEqual(videoSpec(req, { seed: 1, voiceoverFile: '/home/me/take.wav' }).voiceover, { path: '/home/me/take.wav' });
    assert.equal(videoSpec(VideoRequestSchema.parse({ script_text: 'Said.' }), { seed: 1 }).voiceover, null);
  });

  it('refuses URLs with a user name or password', () => {
    for (const url of ['https://user:pass@example.com/a.mp4', 'https://user@example.com/a.mp4', 'https://:pw@example.com/']) {
      const r = VideoRequestSchema.safeParse({ script_text: 'a', callback_url: url });
      assert.equal(r.success, false, url);
      assert.match(r.error!.issues[0]!.message, /user name or password/);
    }
  });
});
