import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { decodeMonoWav, monoPcmArgs } from '../../functions/media/pcm.ts';
import { resolveMediaTools } from '../../functions/media/tools.ts';
import { parseWav } from '../../functions/media/wav.ts';
import { makeTone } from '../support/media-fixtures.ts';
import { tempDir } from '../support/temp-dir.ts';

describe('mono PCM for analysis', () => {
  it('asks ffmpeg for the first audio stream, one channel, 16 kHz, 16-bit WAV', () => {
    assert.deepEqual(monoPcmArgs('in.m4a', 'out.wav'), ['-i', 'in.m4a', '-map', '0:a:0', '-vn', '-ac', '1', '-ar', '16000', '-c:a', 'pcm_s16le', '-f', 'wav', 'out.wav']);
  });

  it('decodes a stereo 44.1 kHz MP3 to mono 16 kHz samples and leaves no file behind', async () => {
    const dir = tempDir('pcm-');
    const mp3 = await makeTone(join(dir, 'tone.mp3'), 1.5, 440);
    const wav = parseWav(await decodeMonoWav(resolveMediaTools({}), mp3, dir, AbortSignal.timeout(30_000)));
    assert.deepEqual(wav.format, { sampleRate: 16000, channels: 1, bitsPerSample: 16 });
    assert.ok(Math.abs(wav.pcm.length / 2 / 16000 - 1.5) < 0.06, `${wav.pcm.length / 2 / 16000} s`);
    const { readdir } = await import('node:fs/promises');
    assert.deepEqual(await readdir(dir), ['tone.mp3']);
  });
});
