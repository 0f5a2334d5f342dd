// Music by mood through HTTP: an unknown mood is refused at submission naming the moods there are;
// a known one puts a MUSIC_DIR track under the voice.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { bandLevel } from '../support/ffprobe.ts';
import { pollUntilFinal, postJson } from '../support/http.ts';
import { DocumentChecker, documented } from '../support/openapi.ts';
import { makeMusicLibrary } from '../support/music-library.ts';
import { withService } from '../support/with-service.ts';
import { tempDir } from '../support/temp-dir.ts';

describe('music by mood', () => {
  const service = withService({
    env: async () => {
      const music = tempDir('music-e2e-');
      // The chill tracks are a 2 kHz tone: easy to find under an espeak voice.
      await makeMusicLibrary(music, 2000, 6);
      return { MUSIC_DIR: music };
    },
  });

  it('GET /v1/music lists the moods that have tracks, with their counts, as documented', async () => {
    const r = await documented(new DocumentChecker(), '/v1/music', `${service.url}/v1/music`);
    assert.equal(r.status, 200);
    // empty/ holds no audio and stray.wav is in no mood folder: neither is a mood.
    assert.deepEqual(r.body, { moods: [{ mood: 'chill', tracks: 3 }, { mood: 'upbeat', tracks: 1 }] });
  });

  it('an unknown mood is a 422 naming the moods that exist; music.url and music.mood are exclusive', async () => {
    const bad = await postJson(`${service.url}/v1/videos`, { script_text: 'Hello there.', music: { mood: 'sad' } });
    assert.equal(bad.status, 422);
    assert.equal(bad.body.error.code, 'invalid_request');
    assert.deepEqual(bad.body.error.details, [{ path: 'music.mood', message: 'no tracks for mood "sad"; moods with tracks: chill, upbeat' }]);
    const both = await postJson(`${service.url}/v1/videos`, { script_text: 'Hello there.', music: { mood: 'chill', url: 'https://example.com/a.mp3' } });
    assert.equal(both.status, 422);
    assert.match(JSON.stringify(both.body.error.details), /either music.url or music.mood/);
  });

  it('a known mood plays one of its tracks under the voice', async () => {
    // Long enough for the mix's loudness normalisation to settle (a 2 s mix comes out far too quiet);
    // the smallest frame, still (no Ken Burns move) and without the key term behind it, since only
    // the sound is measured.
    const script = 'Calm music plays under these words. It keeps playing while the voice reads a longer script, sentence after sentence, until the end.';
    const render = async (music: unknown, name: string) => {
      const submit = await postJson(`${service.url}/v1/videos`, { script_text: script, ...(music ? { music } : {}), resolution: '720p', aspect_ratio: '1:1', captions: false, motion: 'none', background_text: false, seed: 5 });
      assert.equal(submit.status, 202, JSON.stringify(submit.body));
      const { final } = await pollUntilFinal(`${service.url}/v1/videos/${submit.body.task_id}`);
      assert.equal(final.status, 'completed', JSON.stringify(final));
      const path = join(service.svc.dataDir, name);
      writeFileSync(path, Buffer.from(await (await fetch(final.result.video_url)).arrayBuffer()));
      return path;
    };
    const withMusic = await render({ mood: 'chill', volume: 0.8 }, 'mood.mp4');
    const without = await render(null, 'plain.mp4');
    // The chill tracks' 2 kHz tone, ducked under the voice, still lifts that band clearly.
    const lift = bandLevel(withMusic, 2000) - bandLevel(without, 2000);
    assert.ok(lift > 3, `2 kHz is ${lift.toFixed(1)} dB louder with the music`);
  });
});
