// With both API keys set and both base URLs pointed at the loopback fakes, the video is made
// from those two services alone: cut from the served clips (the small renditions), voiced with
// the fake's audio, crediting the Pexels authors.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { defaultCatalog, FAKE_ELEVENLABS_KEY, FAKE_PEXELS_KEY } from '../fakes/index.ts';
import { bandLevel, ffprobe } from '../support/ffprobe.ts';
import { frameAt } from '../support/video-frames.ts';
import { pollUntilFinal, postJson } from '../support/http.ts';
import { withService } from '../support/with-service.ts';

describe('ElevenLabs and Pexels end to end', () => {
  // Flat red footage: a frame of the result proves it was cut from these clips.
  const service = withService({ elevenlabs: true, pexels: { videos: defaultCatalog().map((v) => ({ ...v, pattern: 'color', color: 'red' })) } });

  it('voices with ElevenLabs and cuts Pexels footage, small renditions only', async () => {
    const submit = await postJson(`${service.url}/generate-video`, {
      script_text: 'Red is the colour of energy. It catches the eye at once. Designers use it with care.',
      search_query: 'red abstract',
      resolution: '720p',
      captions: false,
      // Still pieces (a Ken Burns move is ~40% of a render's CPU): the mean colour is the footage's either way.
      motion: 'none',
    });
    assert.equal(submit.status, 202, JSON.stringify(submit.body));
    const { final } = await pollUntilFinal(`${service.url}/task/${submit.body.task_id}`);
    assert.equal(final.status, 'completed', JSON.stringify(final));

    // ElevenLabs was asked once per part, with the key and the timestamps endpoint.
    const tts = service.el.requests.filter((r) => r.path.includes('/with-timestamps'));
    assert.ok(tts.length >= 1);
    assert.equal(tts[0]!.headers['xi-api-key'], FAKE_ELEVENLABS_KEY);
    assert.equal(tts[0]!.query.output_format, 'mp3_44100_128');

    // Pexels: searched with the key as-is, portrait; downloaded only the 720x1280 renditions.
    const searches = service.px.requests.filter((r) => r.path === '/videos/search');
    assert.ok(searches.length >= 1);
    assert.equal(searches[0]!.headers.authorization, FAKE_PEXELS_KEY);
    assert.equal(searches[0]!.query.orientation, 'portrait');
    const files = service.px.fileRequests().map((r) => r.path);
    assert.ok(files.length >= 1);
    for (const f of files) assert.match(f, /_720_1280_/, `downloaded ${f}`);

    assert.ok(final.result.credits.length >= 1);
    for (const c of final.result.credits) {
      assert.equal(c.provider, 'pexels');
      assert.ok(c.author && c.author_url && c.video_url);
    }

    const path = join(service.svc.dataDir, 'providers.mp4');
    writeFileSync(path, Buffer.from(await (await fetch(final.result.video_url)).arrayBuffer()));
    const info = ffprobe(path);
    assert.equal(info.streams.find((s) => s.codec_type === 'video')?.width, 720);
    const spoken = service.el.spoken.reduce((s, p) => s + p.durationS, 0);
    assert.ok(Math.abs(info.durationS - spoken) < 0.2, `video ${info.durationS} s, narration ${spoken} s`);

    // The picture is the red footage, not a generated background.
    // Mean colour: the frame scaled to one pixel by area.
    const [r = 0, g = 0, b = 0] = await frameAt(path, info.durationS / 2, 1, 1, 'area');
    assert.ok(r > 180 && g < 70 && b < 70, `mean colour ${r},${g},${b}`);
    // The sound is the fake's 523 Hz voice.
    const voice = bandLevel(path, 523);
    const other = bandLevel(path, 1500);
    assert.ok(voice - other > 15, `523 Hz at ${voice} dB vs 1500 Hz at ${other} dB`);
  });
});
