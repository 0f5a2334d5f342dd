// Your own voice through HTTP: a recording (another espeak-ng voice, slower and lower, with pauses
// between words and sentences, as MP3) is uploaded, a video is made of it with its script, and the
// captions read back from the task's WebVTT start where the recording says each word. A recording
// of something else fails the task naming the sentence it does not say, before any render.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pollUntilFinal, postJson, uploadFile } from '../support/http.ts';
import { ffprobe } from '../support/ffprobe.ts';
import { startService, type Service } from '../support/service.ts';
import { espeakRecording, writeRecording, type TimedRecording } from '../support/speech-recordings.ts';
import { tempDir } from '../support/temp-dir.ts';

const SAID = ['The cat slept on the warm mat all morning.', 'Then it woke up, stretched, and walked away.'];
const VOICE = { voice: 'en-us+klatt3', rate: 150, pitch: 30 };

/** WebVTT cues as [start seconds, text]. */
function cues(vtt: string): [number, string][] {
  const out: [number, string][] = [];
  for (const block of vtt.split(/\n\n+/)) {
    const m = /(\d+):(\d+):(\d+)\.(\d+) --> [^\n]+\n([\s\S]+)$/.exec(block.trim());
    if (m) out.push([Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3]) + Number(m[4]) / 1000, m[5]!.trim()]);
  }
  return out;
}

describe('a video narrated by an uploaded recording', () => {
  const dir = tempDir('voiceover-e2e-');
  let svc: Service;
  let said: TimedRecording;

  async function mp3Of(name: string, rec: TimedRecording): Promise<Buffer> {
    const wav = join(dir, `${name}.wav`);
    await writeRecording(wav, rec);
    const mp3 = join(dir, `${name}.mp3`);
    execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-i', wav, '-c:a', 'libmp3lame', '-b:a', '64k', mp3]);
    return readFileSync(mp3);
  }

  before(async () => {
    // x264's fastest preset: the captions' times and the video's length are the point, not the picture.
    [svc, said] = await Promise.all([startService({ RENDER_PRESET: 'ultrafast' }), espeakRecording(SAID, VOICE, { seed: 7, wordChance: 0.4, leadS: [0.6, 0.6], sentenceS: [0.8, 0.8] })]);
  });
  after(() => svc?.stop());

  it('has its captions on the recorded words', async () => {
    const up = await uploadFile(svc.url, await mp3Of('said', said), 'said.mp3');
    assert.equal(up.status, 201, JSON.stringify(up.body));
    const submit = await postJson(`${svc.url}/v1/videos`, {
      script_text: SAID.join(' '),
      voiceover: { upload_id: up.body.upload_id },
      resolution: '720p',
      aspect_ratio: '1:1',
      // Still, with no key term behind the captions: the captions' times and the video's length are read, not the picture.
      motion: 'none',
      background_text: false,
      captions: { style: 'word-highlight', max_words_per_line: 1 },
    });
    assert.equal(submit.status, 202, JSON.stringify(submit.body));
    const { final } = await pollUntilFinal(`${svc.url}/v1/videos/${submit.body.task_id}`);
    assert.equal(final.status, 'completed', JSON.stringify(final));

    const shown = cues(await (await fetch(final.result.captions_url)).text());
    assert.deepEqual(
      shown.map(([, t]) => t),
      SAID.join(' ').split(' '),
    );
    const errors = shown.map(([start], k) => Math.abs(start - said.words[k]!.start));
    const sorted = [...errors].sort((a, b) => a - b);
    assert.ok(sorted[Math.floor(sorted.length / 2)]! <= 0.05, `median onset error ${sorted[Math.floor(sorted.length / 2)]}`);
    assert.ok(sorted.at(-1)! <= 0.15, `worst onset error ${sorted.at(-1)} ("${shown[errors.indexOf(sorted.at(-1)!)]![1]}")`);
    // The video is as long as the recording: nothing was spoken in its place.
    const video = join(dir, 'video.mp4');
    writeFileSync(video, Buffer.from(await (await fetch(final.result.video_url)).arrayBuffer()));
    const length = ffprobe(video).durationS;
    assert.ok(Math.abs(length - said.samples.length / said.sampleRate) < 0.3, `video ${length} s, recording ${said.samples.length / said.sampleRate} s`);
  });

  it('fails naming the sentence a recording does not say', async () => {
    const other = await espeakRecording([SAID[0]!, 'A storm rolled in over the grey hills at dusk.'], VOICE, { seed: 8 });
    const up = await uploadFile(svc.url, await mp3Of('other', other), 'other.mp3');
    assert.equal(up.status, 201, JSON.stringify(up.body));
    const submit = await postJson(`${svc.url}/v1/videos`, { script_text: SAID.join(' '), voiceover: { upload_id: up.body.upload_id }, resolution: '720p' });
    assert.equal(submit.status, 202, JSON.stringify(submit.body));
    const { final } = await pollUntilFinal(`${svc.url}/v1/videos/${submit.body.task_id}`);
    assert.equal(final.status, 'failed');
    assert.equal(final.error.code, 'voiceover_mismatch');
    assert.match(final.error.message, /sentence 2 \("Then it woke up, stretched, and walked away\."\)/);
  });
});
