// One task, two videos: a 9:16 and a 16:9 from one narration and one footage search, each
// downloadable with /download/{id}?output=N, both listed in the task view as documented.
import assert from 'node:assert/strict';
import { statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { defaultCatalog } from '../fakes/index.ts';
import { ffprobe } from '../support/ffprobe.ts';
import { frameAt } from '../support/video-frames.ts';
import { getJson, pollUntilFinal, postJson } from '../support/http.ts';
import { DocumentChecker, documented } from '../support/openapi.ts';
import { withService } from '../support/with-service.ts';

describe('several outputs from one task', () => {
  // Flat red footage, portrait and landscape: a frame of either video proves it was cut from these clips.
  const service = withService({ elevenlabs: true, pexels: { videos: defaultCatalog().map((v) => ({ ...v, pattern: 'color', color: 'red' })) } });
  const checker = new DocumentChecker();

  it('one narration and one footage search make a 9:16 and a 16:9 video, each downloadable', async () => {
    const submit = await postJson(`${service.url}/v1/videos`, {
      script_text: 'Red is the colour of energy. It catches the eye at once. Designers use it with care.',
      search_query: 'red abstract',
      resolution: '720p',
      outputs: [{ aspect_ratio: '9:16' }, { aspect_ratio: '16:9' }],
      // Shapes, files and colours are checked here, not the Ken Burns move (about 40% of the render).
      motion: 'none',
    });
    assert.equal(submit.status, 202, JSON.stringify(submit.body));
    const id = submit.body.task_id as string;
    const { final } = await pollUntilFinal(`${service.url}/v1/videos/${id}`);
    assert.equal(final.status, 'completed', JSON.stringify(final));
    const view = (await documented(checker, '/v1/videos/{id}', `${service.url}/v1/videos/${id}`)).body;

    // One narration, and every clip downloaded once: the plan was made once for both videos.
    assert.equal(service.el.spoken.length, 1, 'the script was spoken once');
    const files = service.px.fileRequests().map((r) => r.path);
    assert.ok(files.length > 0);
    assert.equal(new Set(files).size, files.length, `each clip fetched once: ${files.join(', ')}`);

    const r = view.result;
    assert.deepEqual(
      r.outputs.map((o: any) => [o.aspect_ratio, o.resolution, o.width, o.height]),
      [
        ['9:16', '720p', 720, 1280],
        ['16:9', '720p', 1280, 720],
      ],
    );
    // The top-level result is the main (first) video, as before there could be several.
    for (const k of ['video_url', 'expires_at', 'duration_s', 'width', 'height', 'size_bytes', 'captions_url', 'captions_srt_url', 'thumbnail_url']) {
      assert.deepEqual(r[k], r.outputs[0][k], k);
    }
    assert.notEqual(r.outputs[1].video_url, r.outputs[0].video_url);
    assert.notEqual(r.outputs[1].captions_url, r.outputs[0].captions_url, 'each video has its own captions');
    assert.ok(r.credits.length > 0 && r.pieces.length > 0);

    const fetched = async (query: string, name: string) => {
      const res = await documented(checker, '/download/{id}', `${service.url}/download/${id}${query}`);
      assert.equal(res.status, 302, JSON.stringify(res.body));
      const path = join(service.svc.dataDir, name);
      writeFileSync(path, Buffer.from(await (await fetch(res.headers.get('location')!)).arrayBuffer()));
      return path;
    };
    const main = await fetched('', 'main.mp4');
    const first = await fetched('?output=0', 'first.mp4');
    const wide = await fetched('?output=1', 'wide.mp4');
    const [pm, pw] = [ffprobe(main), ffprobe(wide)];
    assert.deepEqual([pm.streams.find((s) => s.codec_type === 'video')!.width, pm.streams.find((s) => s.codec_type === 'video')!.height], [720, 1280]);
    assert.deepEqual([pw.streams.find((s) => s.codec_type === 'video')!.width, pw.streams.find((s) => s.codec_type === 'video')!.height], [1280, 720]);
    // ffprobe's format size is the file's size: read it from the file, without another ffprobe.
    assert.equal(statSync(first).size, pm.sizeBytes, '?output=0 is the main video');
    assert.ok(Math.abs(pw.durationS - pm.durationS) < 0.05, `the same length: ${pw.durationS} and ${pm.durationS}`);
    assert.equal(pw.sizeBytes, r.outputs[1].size_bytes);
    // Both cut from the red clips (portrait ones cover-cropped into the wide frame).
    for (const path of [main, wide]) {
      const [red = 0, green = 0, blue = 0] = await frameAt(path, pm.durationS / 2, 1, 1, 'area');
      assert.ok(red! > 150 && green! < 80 && blue! < 80, `${path}: rgb(${red}, ${green}, ${blue})`);
    }
    const vtt = async (url: string) => (await fetch(url)).text();
    assert.match(await vtt(r.outputs[1].captions_url), /^WEBVTT/);
    assert.equal((await fetch(r.outputs[1].thumbnail_url)).status, 200);
    // Downloads are named after the task and the output's shape.
    const location = new URL((await getJson(`${service.url}/download/${id}?output=1`)).headers.get('location')!);
    assert.equal(location.searchParams.get('name'), `${id}-16x9.mp4`);

    // An output the task does not have: 404 naming the ones it has; a bad index: 422 naming the parameter.
    const missing = await documented(checker, '/download/{id}', `${service.url}/download/${id}?output=2`);
    assert.equal(missing.status, 404);
    assert.deepEqual(missing.body.error, { code: 'not_found', message: `task ${id} has 2 videos (output 0 to 1); there is no output 2` });
    for (const bad of ['x', '-1', '3', '1.5', '']) {
      const refused = await documented(checker, '/download/{id}', `${service.url}/download/${id}?output=${bad}`);
      assert.equal(refused.status, 422, bad);
      assert.equal(refused.body.error.details[0].path, 'output');
      assert.match(refused.body.error.details[0].message, /index of a video in result\.outputs, from 0 \(the main video\) to 2/);
    }
  });

  it('a one-video task lists its one output; ?output=1 is a 404', async () => {
    const submit = await postJson(`${service.url}/v1/videos`, { script_text: 'Just one shape.', search_query: 'red', resolution: '720p', aspect_ratio: '1:1', captions: false, motion: 'none' });
    assert.equal(submit.status, 202, JSON.stringify(submit.body));
    const id = submit.body.task_id as string;
    const { final } = await pollUntilFinal(`${service.url}/v1/videos/${id}`);
    assert.equal(final.status, 'completed', JSON.stringify(final));
    assert.deepEqual(
      final.result.outputs.map((o: any) => [o.aspect_ratio, o.width, o.height, o.video_url === final.result.video_url, o.captions_url === final.result.captions_url]),
      [['1:1', 720, 720, true, true]],
    );
    const missing = await getJson(`${service.url}/download/${id}?output=1`);
    assert.equal(missing.status, 404);
    assert.equal(missing.body.error.message, `task ${id} has 1 video (output 0); there is no output 1`);
  });

  it('refuses outputs that contradict aspect_ratio or repeat a video, naming the field', async () => {
    const both = await postJson(`${service.url}/v1/videos`, { script_text: 'Hi.', aspect_ratio: '1:1', outputs: [{ aspect_ratio: '9:16' }, { aspect_ratio: '16:9' }] });
    assert.equal(both.status, 422);
    assert.deepEqual(both.body.error.details, [{ path: 'aspect_ratio', message: 'with outputs, the first output is the main video: leave aspect_ratio out or make it "9:16"' }]);
    const twice = await postJson(`${service.url}/v1/videos`, { script_text: 'Hi.', outputs: [{ aspect_ratio: '9:16' }, { aspect_ratio: '9:16', resolution: '1080p' }] });
    assert.equal(twice.status, 422);
    assert.equal(twice.body.error.details[0].path, 'outputs.1');
  });
});
