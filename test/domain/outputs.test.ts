// Several videos from one request (`outputs`): what the schema accepts and how it fills them in,
// their labels, and where a fan-out's chunk falls among them. Pure.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { outputLabel } from '../../functions/domain/outputs.ts';
import { VideoRequestSchema, type VideoRequest } from '../../functions/domain/video-request.ts';
import { outputsOf as specOutputs } from '../../functions/domain/video-spec.ts';
import { locateChunk } from '../../functions/pipeline/fanout-render.ts';

/** The videos of a request as the spec resolves them: shape and resolution. */
const outputsOf = (r: VideoRequest) => specOutputs(r).map(({ aspect_ratio, resolution }) => ({ aspect_ratio, resolution }));
const main = (r: VideoRequest) => outputsOf(r)[0]!;
const parse = (body: object) => VideoRequestSchema.safeParse({ script_text: 'Two shapes from one voice.', ...body });
const issues = (body: object) => {
  const r = parse(body);
  assert.equal(r.success, false, JSON.stringify(body));
  return r.error!.issues.map((i) => [i.path.join('.'), i.message]);
};

describe('outputs in the request', () => {
  it('without outputs: one video, the aspect_ratio and resolution (defaults 9:16 1080p)', () => {
    const r = parse({}).data!;
    assert.equal(r.outputs, undefined);
    assert.deepEqual(outputsOf(r), [{ aspect_ratio: '9:16', resolution: '1080p' }]);
    assert.deepEqual(outputsOf(parse({ aspect_ratio: '1:1', resolution: '720p' }).data!), [{ aspect_ratio: '1:1', resolution: '720p' }]);
  });

  it('the first output is the main video; an output without resolution takes the request\'s', () => {
    const r = parse({ resolution: '720p', outputs: [{ aspect_ratio: '16:9' }, { aspect_ratio: '9:16', resolution: '1080p' }, { aspect_ratio: '1:1' }] }).data!;
    assert.equal(main(r).aspect_ratio, '16:9');
    assert.equal(main(r).resolution, '720p');
    assert.deepEqual(outputsOf(r), [
      { aspect_ratio: '16:9', resolution: '720p' },
      { aspect_ratio: '9:16', resolution: '1080p' },
      { aspect_ratio: '1:1', resolution: '720p' },
    ]);
    // The main video's resolution is the first output's, even where the request named another for the rest.
    assert.equal(main(parse({ resolution: '720p', outputs: [{ aspect_ratio: '9:16', resolution: '1080p' }, { aspect_ratio: '16:9' }] }).data!).resolution, '1080p');
    // What the API stores parses again to the same request (MCP sends parsed requests on).
    assert.deepEqual(VideoRequestSchema.parse(r), r);
  });

  it('aspect_ratio may be sent with outputs only as the first output\'s', () => {
    assert.ok(parse({ aspect_ratio: '9:16', outputs: [{ aspect_ratio: '9:16' }, { aspect_ratio: '16:9' }] }).success);
    assert.deepEqual(issues({ aspect_ratio: '9:16', outputs: [{ aspect_ratio: '16:9' }] }), [
      ['aspect_ratio', 'with outputs, the first output is the main video: leave aspect_ratio out or make it "16:9"'],
    ]);
  });

  it('refuses none, more than three, the same video twice, and unknown shapes or fields', () => {
    assert.equal(issues({ outputs: [] })[0]![0], 'outputs');
    const four = ['9:16', '16:9', '1:1'].map((a) => ({ aspect_ratio: a })).concat({ aspect_ratio: '9:16', resolution: '720p' } as never);
    assert.match(issues({ outputs: four })[0]![1]!, /<=3/);
    assert.deepEqual(issues({ resolution: '720p', outputs: [{ aspect_ratio: '16:9' }, { aspect_ratio: '9:16' }, { aspect_ratio: '16:9', resolution: '720p' }] }), [
      ['outputs.2', 'the same video as outputs.0 (16:9 720p); each output must differ in aspect_ratio or resolution'],
    ]);
    assert.equal(issues({ outputs: [{ aspect_ratio: '4:3' }] })[0]![0], 'outputs.0.aspect_ratio');
    assert.equal(issues({ outputs: [{ aspect_ratio: '9:16', crop: 'top' }] })[0]![0], 'outputs.0');
    assert.equal(issues({ outputs: [{ resolution: '720p' }] })[0]![0], 'outputs.0.aspect_ratio');
  });

  it('labels name each video uniquely: the shape, with the resolution where two share it', () => {
    const two = [
      { aspect_ratio: '9:16', resolution: '1080p' },
      { aspect_ratio: '16:9', resolution: '1080p' },
    ] as const;
    assert.deepEqual([0, 1].map((i) => outputLabel(two, i)), ['9x16', '16x9']);
    const same = [
      { aspect_ratio: '9:16', resolution: '1080p' },
      { aspect_ratio: '9:16', resolution: '720p' },
      { aspect_ratio: '1:1', resolution: '720p' },
    ] as const;
    assert.deepEqual([0, 1, 2].map((i) => outputLabel(same, i)), ['9x16-1080p', '9x16-720p', '1x1']);
    assert.throws(() => outputLabel(two, 2), /no output 2/);
  });

  it('a fan-out numbers chunks across outputs in order', () => {
    const outs = [{ chunks: [1, 2, 3] }, { chunks: [1] }, { chunks: [1, 2] }];
    const at = [0, 1, 2, 3, 4, 5].map((n) => locateChunk(outs, n));
    assert.deepEqual(at, [
      { output: 0, chunk: 0 },
      { output: 0, chunk: 1 },
      { output: 0, chunk: 2 },
      { output: 1, chunk: 0 },
      { output: 2, chunk: 0 },
      { output: 2, chunk: 1 },
    ]);
    assert.equal(locateChunk(outs, 6), null);
    assert.equal(locateChunk(outs, -1), null);
  });
});
