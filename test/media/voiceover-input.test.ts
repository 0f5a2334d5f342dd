// The voiceover gate: what a recorded narration must be (pure rules on ffprobe's answer), and the
// gate on real files: a MediaRecorder-style WebM with no length in its header is rewritten with
// one, an MP3's cover picture is not a video, a clip with a picture is refused.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { TaskError } from '../../functions/errors.ts';
import { resolveMediaTools } from '../../functions/media/tools.ts';
import { gateVoiceover, voiceoverProblem } from '../../functions/media/voiceover-input.ts';
import { makeImage, makeVideo } from '../support/media-fixtures.ts';
import { tempDir } from '../support/temp-dir.ts';

const tools = resolveMediaTools({});
const audio = (codec: string, duration?: string) => ({ codec_type: 'audio', codec_name: codec, ...(duration ? { duration } : {}) });

describe('voiceover gate', () => {
  it('takes audio alone in the formats people record in, of a sensible length; says what is wrong otherwise', () => {
    assert.deepEqual(voiceoverProblem({ format: { format_name: 'mp3', duration: '12.5' }, streams: [audio('mp3')] }, 600), { format: 'mp3', codec: 'mp3', durationS: 12.5 });
    assert.deepEqual(voiceoverProblem({ format: { format_name: 'matroska,webm' }, streams: [audio('opus')] }, 600), { format: 'webm', codec: 'opus', durationS: null });
    const cover = { codec_type: 'video', codec_name: 'mjpeg', disposition: { attached_pic: 1 } };
    assert.ok(!('problem' in voiceoverProblem({ format: { format_name: 'mp3', duration: '3' }, streams: [audio('mp3'), cover] }, 600)), 'a cover picture is not a video');
    const problems: [object, RegExp][] = [
      [{ format: { format_name: 'image2' }, streams: [] }, /not an audio file the service takes \(image2\)/],
      [{ format: { format_name: 'mov,mp4,m4a,3gp,3g2,mj2', duration: '3' }, streams: [audio('aac'), { codec_type: 'video', codec_name: 'h264' }] }, /video stream; send the sound alone/],
      [{ format: { format_name: 'wav', duration: '3' }, streams: [] }, /no audio stream/],
      [{ format: { format_name: 'ogg', duration: '3' }, streams: [audio('opus'), audio('opus')] }, /2 audio streams; send one narration/],
      [{ format: { format_name: 'wav', duration: '3' }, streams: [audio('adpcm_ms')] }, /its audio is adpcm_ms/],
      [{ format: { format_name: 'mp3', duration: '700' }, streams: [audio('mp3')] }, /it is 12 min long; a narration may be at most 10 min/],
      [{ format: { format_name: 'mp3', duration: '0.2' }, streams: [audio('mp3')] }, /0\.20 s long: too short/],
    ];
    for (const [out, message] of problems) {
      const r = voiceoverProblem(out, 600);
      assert.ok('problem' in r, JSON.stringify(out));
      assert.match(r.problem, message);
    }
  });

  it('a WebM recorded as it goes (no length in its header) is rewritten with one; a cover picture passes; a clip is refused', async () => {
    const dir = tempDir('voiceover-gate-');
    // Written to a pipe, as a browser's MediaRecorder writes: no duration, no cues.
    const streamed = join(dir, 'take.webm');
    writeFileSync(
      streamed,
      execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', 'sine=frequency=300:sample_rate=48000:duration=1.5', '-c:a', 'libopus', '-f', 'webm', 'pipe:1']),
    );
    const probed = JSON.parse(execFileSync('ffprobe', ['-v', 'error', '-show_format', '-of', 'json', streamed], { encoding: 'utf8' }));
    assert.equal(probed.format.duration, undefined, 'the fixture has no length in its header, as a MediaRecorder file');
    const gated = await gateVoiceover(tools, streamed, dir, { maxSeconds: 600, signal: AbortSignal.timeout(60_000) });
    assert.notEqual(gated.path, streamed);
    assert.equal(gated.format, 'webm');
    assert.equal(gated.codec, 'opus');
    assert.ok(Math.abs(gated.durationS - 1.5) < 0.05, String(gated.durationS));

    const art = await makeImage(join(dir, 'art.png'), { width: 64, height: 64, format: 'png' });
    const withCover = join(dir, 'cover.mp3');
    execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', 'sine=duration=1', '-i', art, '-map', '0', '-map', '1', '-c:a', 'libmp3lame', '-c:v', 'png', '-disposition:v', 'attached_pic', withCover]);
    assert.equal((await gateVoiceover(tools, withCover, dir, { maxSeconds: 600, signal: AbortSignal.timeout(60_000) })).format, 'mp3');

    const clip = await makeVideo(join(dir, 'clip.mp4'), { width: 96, height: 160, durationS: 1, audio: true });
    await assert.rejects(gateVoiceover(tools, clip, dir, { maxSeconds: 600, signal: AbortSignal.timeout(60_000) }), (err: unknown) => {
      assert.ok(err instanceof TaskError);
      assert.equal(err.code, 'unsupported_media');
      assert.match(err.message, /video stream/);
      return true;
    });
  });
});
