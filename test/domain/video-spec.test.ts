// The spec of a video: every default applied once, from a request as the API stores it (or as a
// task stored before the spec existed holds it). Pure, table-driven.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { VideoRequestSchema, type VideoRequest } from '../../functions/domain/video-request.ts';
import { outputsOf, seedFromId, SIDECAR_CAPTIONS, videoSpec, videoSpecOf, type VideoSpec } from '../../functions/domain/video-spec.ts';

const parse = (body: object) => VideoRequestSchema.parse({ script_text: 'One. Two.', ...body });
const spec = (body: object) => videoSpec(parse(body), { seed: 99 });

describe('videoSpec: one place for every default', () => {
  const cases: { name: string; body: object; want: (s: VideoSpec) => unknown; is: unknown }[] = [
    { name: 'one 9:16 1080p video by default', body: {}, want: (s) => s.outputs.map((o) => [o.aspect_ratio, o.resolution, o.frame, o.orientation, o.label]), is: [['9:16', '1080p', { width: 1080, height: 1920 }, 'portrait', null]] },
    { name: 'aspect_ratio and resolution of one video', body: { aspect_ratio: '16:9', resolution: '720p' }, want: (s) => s.outputs.map((o) => [o.frame, o.orientation]), is: [[{ width: 1280, height: 720 }, 'landscape']] },
    {
      name: 'outputs: the first is the main video, each without a resolution takes the request\'s, labelled by shape',
      body: { resolution: '720p', outputs: [{ aspect_ratio: '1:1' }, { aspect_ratio: '16:9', resolution: '1080p' }] },
      want: (s) => s.outputs.map((o) => [o.aspect_ratio, o.resolution, o.frame.width, o.frame.height, o.orientation, o.label]),
      is: [['1:1', '720p', 720, 720, 'square', null], ['16:9', '1080p', 1920, 1080, 'landscape', '16x9']],
    },
    {
      name: 'two outputs of one shape are told apart by resolution',
      body: { outputs: [{ aspect_ratio: '9:16' }, { aspect_ratio: '9:16', resolution: '720p' }] },
      want: (s) => s.outputs.map((o) => o.label),
      is: [null, '9x16-720p'],
    },
    { name: 'the request\'s seed', body: { seed: 7 }, want: (s) => s.seed, is: 7 },
    { name: 'no seed: the one given (per task)', body: {}, want: (s) => s.seed, is: 99 },
    { name: 'captions: the request\'s look, burned in', body: { captions: { style: 'karaoke' } }, want: (s) => s.captions, is: { burnIn: true, look: { style: 'karaoke', position: 'bottom', font_size: 1, max_words_per_line: 4 } } },
    { name: 'captions off: sidecars in the sidecar look', body: { captions: false }, want: (s) => s.captions, is: { burnIn: false, look: SIDECAR_CAPTIONS } },
    { name: 'a script_text is one scene with the video\'s search', body: { search_query: 'sea' }, want: (s) => s.scenes, is: [{ text: 'One. Two.', search_query: 'sea' }] },
    {
      name: 'scenes keep their own search and clip; the video\'s search is the footage topic',
      body: { script_text: undefined, search_query: 'sea', scenes: [{ text: 'A.', search_query: 'hill', clip_url: 'https://example.com/a.mp4' }, { text: 'B.' }] },
      want: (s) => [s.scenes, s.footage.mode, s.footage.query],
      is: [[{ text: 'A.', search_query: 'hill', clip_url: 'https://example.com/a.mp4' }, { text: 'B.' }], 'scenes', 'sea'],
    },
    { name: 'footage per sentence by default, 8 clips', body: {}, want: (s) => s.footage, is: { mode: 'sentences', maxClips: 8 } },
    { name: 'footage "topic"', body: { footage: 'topic', search_query: 'sea', max_clips: 3 }, want: (s) => s.footage, is: { mode: 'topic', query: 'sea', maxClips: 3 } },
    {
      name: 'clip_urls: one search for the whole video (explicit intent)',
      body: { clip_urls: ['https://example.com/a.mp4'] },
      want: (s) => s.footage,
      is: { mode: 'topic', clipUrls: ['https://example.com/a.mp4'], maxClips: 8 },
    },
    { name: 'no music', body: {}, want: (s) => s.music, is: null },
    { name: 'music by URL at the default volume', body: { music: { url: 'https://example.com/m.mp3' } }, want: (s) => s.music, is: { url: 'https://example.com/m.mp3', volume: 0.2 } },
    { name: 'music by mood', body: { music: { mood: 'chill', volume: 0.5 } }, want: (s) => s.music, is: { mood: 'chill', volume: 0.5 } },
    { name: 'no length limit', body: { fit: 'fail' }, want: (s) => s.fit, is: null },
    { name: 'a length limit, failing by default', body: { max_duration_s: 30 }, want: (s) => s.fit, is: { maxDurationS: 30, mode: 'fail' } },
    { name: 'a length limit the voice is sped up to', body: { max_duration_s: 30, fit: 'speed' }, want: (s) => s.fit, is: { maxDurationS: 30, mode: 'speed' } },
    { name: 'the provider\'s voice by default', body: {}, want: (s) => [s.voice, s.language], is: [{}, undefined] },
    {
      name: 'voice, model, speed and language as sent',
      body: { voice_id: 'en-us+f3', model_id: 'm1', speed: 1.1, language: 'en' },
      want: (s) => [s.voice, s.language],
      is: [{ voiceId: 'en-us+f3', modelId: 'm1', speed: 1.1 }, 'en'],
    },
    { name: 'no storyboard', body: {}, want: (s) => s.storyboard, is: null },
  ];
  for (const c of cases) {
    it(c.name, () => assert.deepEqual(c.want(spec(c.body)), c.is));
  }
});

describe('videoSpecOf: a stored task', () => {
  it('seeds from the task id when the request has no seed, so a retried attempt makes the same choices', () => {
    const task = { id: 'task-1', request: parse({}), from_storyboard: null };
    assert.equal(videoSpecOf(task).seed, seedFromId('task-1'));
    assert.equal(videoSpecOf({ ...task, request: parse({ seed: 5 }) }).seed, 5);
    assert.notEqual(seedFromId('task-1'), seedFromId('task-2'));
  });

  it('a video made from a storyboard carries the pieces the client chose', () => {
    const choice = { id: 'sb-1', pieces: [{ clip: 2, source_start_s: 1.5 }] };
    // As the API stores it: the storyboard's own request, with its id.
    const request: VideoRequest = { ...parse({}), storyboard_id: 'sb-1' };
    assert.deepEqual(videoSpecOf({ id: 't', request, from_storyboard: choice }).storyboard, choice);
  });

  it('a request stored before the spec existed (the main video copied to its top level) reads the same', () => {
    const now = parse({ resolution: '720p', outputs: [{ aspect_ratio: '16:9' }, { aspect_ratio: '9:16', resolution: '1080p' }] });
    const stored: VideoRequest = { ...now, aspect_ratio: '16:9', resolution: '720p', outputs: [{ aspect_ratio: '16:9', resolution: '720p' }, { aspect_ratio: '9:16', resolution: '1080p' }] };
    assert.deepEqual(outputsOf(stored), outputsOf(now));
    const single = parse({});
    assert.deepEqual(outputsOf({ ...single, aspect_ratio: '9:16' }), outputsOf(single));
  });
});
