// The task view's videos: signed per output from the stored keys, the main one also at the top
// level; a task completed before there could be several shows its one video in `outputs` too.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { storedOutputs, summaryOf, toView, type UrlSigner } from '../../functions/domain/task-view.ts';
import * as T from '../../functions/domain/task.ts';
import { VideoRequestSchema } from '../../functions/domain/video-request.ts';

const signer: UrlSigner = {
  signedUrl: async (key, ttl, name) => ({ url: `https://files.example/${key}?ttl=${ttl}&name=${name}`, expiresAt: new Date('2030-01-01T01:00:00.000Z') }),
};

function completed(request: object, output: T.TaskOutput): T.TaskRecord {
  const t = T.newTask({ id: 't1', owner: null, request: VideoRequestSchema.parse({ script_text: 'Hi.', ...request }), now: new Date('2030-01-01T00:00:00.000Z'), retentionDays: 1 });
  return T.complete({ ...t, status: 'processing', attempt: 1 }, output, [], new Date('2030-01-01T00:00:10.000Z'));
}

const files = (dir: string, width: number, height: number) => ({
  video_key: `videos/t1/a1${dir}/video.mp4`,
  captions_vtt_key: `videos/t1/a1${dir}/captions.vtt`,
  captions_srt_key: null,
  thumbnail_key: `videos/t1/a1${dir}/thumbnail.jpg`,
  duration_s: 2.5,
  width,
  height,
  size_bytes: width * 10,
});

describe('task view of the videos', () => {
  it('signs every output, named by task and shape; the main one is also the top-level result', async () => {
    const outputs = [
      { aspect_ratio: '9:16' as const, resolution: '720p' as const, ...files('', 720, 1280) },
      { aspect_ratio: '16:9' as const, resolution: '720p' as const, ...files('/16x9', 1280, 720) },
    ];
    const task = completed({ outputs: [{ aspect_ratio: '9:16' }, { aspect_ratio: '16:9' }], resolution: '720p' }, { ...files('', 720, 1280), credits: [], pieces: [], outputs });
    const v = await toView(task, signer, 60);
    assert.equal(v.result!.video_url, 'https://files.example/videos/t1/a1/video.mp4?ttl=60&name=t1.mp4');
    assert.deepEqual(v.result!.outputs.map((o) => [o.aspect_ratio, o.width, o.video_url, o.captions_url, o.captions_srt_url, o.thumbnail_url]), [
      ['9:16', 720, 'https://files.example/videos/t1/a1/video.mp4?ttl=60&name=t1.mp4', 'https://files.example/videos/t1/a1/captions.vtt?ttl=60&name=t1.vtt', null, 'https://files.example/videos/t1/a1/thumbnail.jpg?ttl=60&name=t1.jpg'],
      ['16:9', 1280, 'https://files.example/videos/t1/a1/16x9/video.mp4?ttl=60&name=t1-16x9.mp4', 'https://files.example/videos/t1/a1/16x9/captions.vtt?ttl=60&name=t1-16x9.vtt', null, 'https://files.example/videos/t1/a1/16x9/thumbnail.jpg?ttl=60&name=t1-16x9.jpg'],
    ]);
    const { outputs: listed, credits: _c, pieces: _p, timings: _t, title, description, hashtags, ...top } = v.result!;
    const { aspect_ratio: _a, resolution: _r, ...first } = listed[0]!;
    assert.deepEqual(top, first);
    // Nothing to post it with: the request sent no title and no script was written.
    assert.deepEqual({ title, description, hashtags }, { title: null, description: null, hashtags: [] });
  });

  it('a task completed before outputs existed shows its one video, shaped as its request', async () => {
    const task = completed({ aspect_ratio: '1:1', resolution: '720p' }, { ...files('', 720, 720), credits: [] });
    assert.deepEqual(storedOutputs(task), [{ aspect_ratio: '1:1', resolution: '720p', ...files('', 720, 720) }]);
    const v = await toView(task, signer, 60);
    assert.equal(v.result!.outputs.length, 1);
    assert.equal(v.result!.outputs[0]!.video_url, v.result!.video_url);
    assert.deepEqual(v.result!.pieces, []);
    assert.equal(v.result!.timings, null, 'no timings were recorded then');
  });

  it('shows the timings the task stored', async () => {
    const timings = {
      total_s: 12.5,
      queued_s: 0.5,
      run_s: 12,
      other_s: 0.25,
      cpu_s: 20.75,
      stages: [{ stage: 'render' as const, output: 0, seconds: 11.75, runs: 3, cpu_s: 20.75 }],
    };
    const task = completed({ resolution: '720p' }, { ...files('', 720, 1280), credits: [], timings });
    assert.deepEqual((await toView(task, signer, 60)).result!.timings, timings);
  });

  it('no result before the task is completed', async () => {
    const t = T.newTask({ id: 't2', owner: null, request: VideoRequestSchema.parse({ script_text: 'Hi.' }), now: new Date(), retentionDays: 1 });
    assert.equal((await toView(t, signer, 60)).result, null);
    assert.deepEqual(storedOutputs(t), []);
  });
});

describe('the task view: what the video is', () => {
  it("its first words (marks left out, cut at a word) and its main shape, known before it renders", () => {
    const summary = (body: object) => summaryOf(VideoRequestSchema.parse(body));
    assert.deepEqual(summary({ script_text: 'Most people brew **coffee** wrong. Here is the fix, and why it works.', outputs: [{ aspect_ratio: '1:1' }, { aspect_ratio: '9:16' }], resolution: '720p' }), {
      text: 'Most people brew coffee wrong. Here is the fix, and why it…',
      aspect_ratio: '1:1',
      resolution: '720p',
    });
    assert.deepEqual(summary({ scenes: [{ text: '# Big [news](https://x.io)' }, { text: 'Short.' }] }), { text: 'Big news Short.', aspect_ratio: '9:16', resolution: '1080p' });
    assert.equal([...summary({ script_text: '今日は'.repeat(40) }).text].length, 60, 'no spaces: cut at the limit');
  });
});
