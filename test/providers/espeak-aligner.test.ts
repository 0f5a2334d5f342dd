// The offline aligner end to end on small real recordings made at test time by another espeak-ng
// voice (Klatt synthesis, slower, lower), with pauses between words and sentences, uploaded as
// MP3: its words must land on the recorded words, and a recording of something else must fail
// naming the sentence. (bench/alignment.ts measures the same against flite's voices at length.)
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { CancelledError, TaskError } from '../../functions/errors.ts';
import { resolveMediaTools } from '../../functions/media/tools.ts';
import { EspeakAligner } from '../../functions/providers/espeak-aligner.ts';
import { VoiceoverMismatch } from '../../functions/providers/voiceover-mismatch.ts';
import { espeakRecording, writeRecording, type TimedRecording } from '../support/speech-recordings.ts';
import { tempDir } from '../support/temp-dir.ts';

const ESPEAK = process.env.ESPEAK_PATH || 'espeak-ng';
const SAID = ['The cat slept on the warm mat all morning.', 'Then it woke up, stretched, and walked away.'];
const VOICE = { voice: 'en-us+klatt3', rate: 150, pitch: 30 };

const dir = tempDir('aligner-');
const aligner = new EspeakAligner({ espeakPath: ESPEAK, tools: resolveMediaTools({}) });

async function mp3Of(name: string, rec: TimedRecording): Promise<string> {
  const wav = join(dir, `${name}.wav`);
  await writeRecording(wav, rec);
  const mp3 = join(dir, `${name}.mp3`);
  execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-i', wav, '-c:a', 'libmp3lame', '-b:a', '64k', mp3]);
  return mp3;
}

describe('offline aligner (espeak-ng reference)', () => {
  let said: TimedRecording;
  let audioPath: string;
  before(async () => {
    said = await espeakRecording(SAID, VOICE, { seed: 7, wordChance: 0.4, leadS: [0.6, 0.6], sentenceS: [0.8, 0.8] });
    audioPath = await mp3Of('said', said);
  });

  it('puts each caption word on the recorded word', async () => {
    const n = await aligner.align({ audioPath, text: SAID.join(' '), language: 'en' }, dir, AbortSignal.timeout(60_000));
    assert.deepEqual(
      n.words.map((w) => w.text),
      SAID.join(' ').split(' '),
    );
    assert.deepEqual(n.sentenceEnds, [9, 17]);
    assert.equal(n.audioPath, audioPath);
    assert.ok(Math.abs(n.durationS - said.samples.length / said.sampleRate) < 0.1, `${n.durationS}`);
    const errors = n.words.map((w, k) => Math.abs(w.start - said.words[k]!.start));
    const sorted = [...errors].sort((a, b) => a - b);
    assert.ok(sorted[Math.floor(sorted.length / 2)]! <= 0.04, `median onset error ${sorted[Math.floor(sorted.length / 2)]}`);
    assert.ok(sorted.at(-1)! <= 0.1, `worst onset error ${sorted.at(-1)} (word ${errors.indexOf(sorted.at(-1)!)})`);
    // The first word starts after the 0.6 s of silence the recording opens with, not at 0.
    assert.ok(n.words[0]!.start > 0.55);
    n.words.forEach((w, k) => assert.ok(w.start <= w.end && w.end <= (n.words[k + 1]?.start ?? n.durationS)));
  });

  it('aligns a right-to-left language by its own espeak-ng voice', async () => {
    const arabic = ['لديه ثلاثة قلوب ودم أزرق.', 'عندما يقترب الخطر، يغير لون جلده.'];
    const rec = await espeakRecording(arabic, { voice: 'ar+f2', rate: 140, pitch: 70 }, { seed: 9, wordChance: 0.4 });
    const n = await aligner.align({ audioPath: await mp3Of('arabic', rec), text: arabic.join(' '), language: 'ar' }, dir, AbortSignal.timeout(60_000));
    assert.deepEqual(n.sentenceEnds, [5, 11]);
    n.words.forEach((w, k) => {
      assert.equal(w.text, rec.words[k]!.text);
      assert.ok(Math.abs(w.start - rec.words[k]!.start) <= 0.06, `${w.text}: ${w.start} for ${rec.words[k]!.start}`);
    });
  });

  it('names the sentence a recording does not say', async () => {
    const other = await espeakRecording([SAID[0]!, 'A storm rolled in over the grey hills at dusk.'], VOICE, { seed: 8 });
    const path = await mp3Of('other', other);
    await assert.rejects(aligner.align({ audioPath: path, text: SAID.join(' '), language: 'en' }, dir, AbortSignal.timeout(60_000)), (err: unknown) => {
      assert.ok(err instanceof VoiceoverMismatch);
      assert.equal(err.code, 'voiceover_mismatch');
      assert.equal(err.sentence, 2);
      assert.match(err.message, /^voiceover: sentence 2 \("Then it woke up, stretched, and walked away\."\) /);
      return true;
    });
  });

  it('stops when its signal aborts, and refuses a text with no words', async () => {
    const stop = new AbortController();
    stop.abort(new CancelledError());
    await assert.rejects(aligner.align({ audioPath, text: SAID.join(' ') }, dir, stop.signal), CancelledError);
    await assert.rejects(aligner.align({ audioPath, text: '  ' }, dir, AbortSignal.timeout(10_000)), (err: unknown) => err instanceof TaskError && err.code === 'empty_script');
  });
});
