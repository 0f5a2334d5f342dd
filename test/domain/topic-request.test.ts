// A request whose script is written from a topic: its fields and their checks, the brief a writer
// gets, the spec made from the written script, and the words the video is posted with.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { postingOf, scriptBriefOf, type WrittenScript } from '../../functions/domain/script.ts';
import { VideoRequestSchema } from '../../functions/domain/video-request.ts';
import { videoSpec, videoSpecOf } from '../../functions/domain/video-spec.ts';
import { zodDetails } from '../../functions/errors.ts';

const written: WrittenScript = {
  title: 'Octopus hearts',
  script_text: 'An octopus has three hearts. Two pump blood through the gills.',
  scenes: [
    { text: 'An octopus has three hearts.', search_query: 'octopus' },
    { text: 'Two pump blood through the gills.', search_query: 'octopus gills' },
  ],
  description: 'Three hearts, one octopus.',
  hashtags: ['#octopus', '#facts'],
  language: 'en',
  estimated_duration_s: 4.1,
  length: 11,
  unit: 'words',
  model: 'm',
  warnings: [],
};

const problems = (body: unknown) => {
  const r = VideoRequestSchema.safeParse(body);
  return r.success ? [] : zodDetails(r.error);
};

describe('a request with a topic', () => {
  it('is one of script_text, scenes or topic, and names the second one sent', () => {
    assert.deepEqual(problems({ topic: 'octopus hearts' }), []);
    assert.deepEqual(problems({ topic: 'octopus hearts', script_text: 'Hi.' }), [{ path: 'topic', message: 'send one of script_text, scenes or topic, not script_text and topic' }]);
    assert.deepEqual(problems({ search_query: 'sea' }), [{ path: 'script_text', message: 'required: send script_text, scenes, or a topic to write the script from' }]);
  });

  it('takes duration_s, tone and script_format only with a topic, and no longer than max_duration_s', () => {
    assert.deepEqual(problems({ script_text: 'Hi.', tone: 'calm' }), [{ path: 'tone', message: 'tone shapes a script written from a topic: send topic too, or leave tone out' }]);
    assert.deepEqual(problems({ topic: 'octopus hearts', duration_s: 70, max_duration_s: 60 }), [
      { path: 'duration_s', message: 'the script is to last 70 s, longer than max_duration_s (60): ask for at most 60' },
    ]);
    assert.equal(problems({ topic: 'octopus hearts', script_format: 'poem' })[0]?.path, 'script_format');
    assert.equal(problems({ topic: 'ab' })[0]?.path, 'topic');
  });

  it('takes title, description and hashtags for posting, a hashtag with or without its #', () => {
    assert.deepEqual(problems({ script_text: 'Hi.', title: 'T', description: 'D', hashtags: ['#sea', 'ocean_life'] }), []);
    assert.equal(problems({ script_text: 'Hi.', hashtags: ['two words'] })[0]?.path, 'hashtags.0');
  });

  it('briefs the writer with the defaults: 45 s (or max_duration_s when shorter), English, facts, the speed', () => {
    const r = VideoRequestSchema.parse({ topic: 'octopus hearts', max_duration_s: 30, speed: 1.1 });
    assert.deepEqual(scriptBriefOf(r, 'espeak-ng'), { topic: 'octopus hearts', duration_s: 30, language: 'en', format: 'facts', voice: 'espeak-ng', speed: 1.1 });
    const full = VideoRequestSchema.parse({ topic: 'octopus hearts', duration_s: 20, language: 'de', tone: 'playful', script_format: 'story' });
    assert.deepEqual(scriptBriefOf(full, 'elevenlabs'), { topic: 'octopus hearts', duration_s: 20, language: 'de', tone: 'playful', format: 'story', voice: 'elevenlabs' });
  });

  it('is made from its written script: its scenes and their searches, its language', () => {
    const r = VideoRequestSchema.parse({ topic: 'octopus hearts' });
    const spec = videoSpecOf({ id: 'task-1', request: r, script: written });
    assert.deepEqual(spec.scenes, written.scenes);
    assert.equal(spec.footage.mode, 'scenes');
    assert.equal(spec.language, 'en');
    assert.throws(() => videoSpec(r, { seed: 1 }), /write it first/);
  });

  it('is posted with its own title, description and hashtags, else the written script’s', () => {
    assert.deepEqual(postingOf({}, written), { title: 'Octopus hearts', description: 'Three hearts, one octopus.', hashtags: ['#octopus', '#facts'] });
    assert.deepEqual(postingOf({ title: 'Mine', hashtags: ['sea'] }, written), { title: 'Mine', description: 'Three hearts, one octopus.', hashtags: ['#sea'] });
    assert.deepEqual(postingOf({}, null), { title: null, description: null, hashtags: [] });
  });
});
