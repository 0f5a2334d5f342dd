import assert from 'node:assert/strict';
import { test } from 'node:test';
import { durationOf, encodeWav, parseWav, silence, silentRuns, trimSilence, wavHeader, wavLayout, type PcmFormat } from '../../functions/media/wav.ts';

const mono: PcmFormat = { sampleRate: 8000, channels: 1, bitsPerSample: 16 };

function samples(values: number[]): Buffer {
  const b = Buffer.alloc(values.length * 2);
  values.forEach((v, i) => b.writeInt16LE(v, i * 2));
  return b;
}

function chunk(id: string, body: Buffer): Buffer {
  const h = Buffer.alloc(8);
  h.write(id, 0, 'latin1');
  h.writeUInt32LE(body.length, 4);
  return Buffer.concat([h, body, body.length % 2 ? Buffer.alloc(1) : Buffer.alloc(0)]);
}

test('round-trips a canonical WAV', () => {
  const pcm = samples([0, 100, -100, 32767, -32768]);
  const wav = parseWav(encodeWav({ format: mono, pcm }));
  assert.deepEqual(wav.format, mono);
  assert.ok(wav.pcm.equals(pcm));
});

test('finds the data chunk behind other chunks, odd-sized ones padded, and an extended fmt', () => {
  const fmt = wavHeader({ sampleRate: 22050, channels: 2, bitsPerSample: 16 }, 0).subarray(20, 36);
  const fmtExt = Buffer.concat([fmt, Buffer.from([0, 0])]); // cbSize = 0, fmt chunk of 18 bytes
  const pcm = samples([1, 2, 3, 4, 5, 6]);
  const body = Buffer.concat([Buffer.from('WAVE', 'latin1'), chunk('fmt ', fmtExt), chunk('LIST', Buffer.from('abc')), chunk('data', pcm)]);
  const riff = Buffer.concat([Buffer.from('RIFF', 'latin1'), Buffer.alloc(4), body]);
  riff.writeUInt32LE(body.length, 4);
  const wav = parseWav(riff);
  assert.deepEqual(wav.format, { sampleRate: 22050, channels: 2, bitsPerSample: 16 });
  assert.ok(wav.pcm.equals(pcm));
});

test('a streamed header with a placeholder data size takes the bytes present, whole frames only', () => {
  const h = wavHeader(mono, 0x7ffff000);
  const wav = parseWav(Buffer.concat([h, samples([7, 8, 9]), Buffer.from([1])]));
  assert.equal(wav.pcm.length, 6);
});

test('rejects what is not 16-bit PCM WAV', () => {
  assert.throws(() => parseWav(Buffer.from('not a wav at all, definitely')), /RIFF/);
  const float = wavHeader(mono, 0);
  float.writeUInt16LE(3, 20);
  assert.throws(() => parseWav(float), /unsupported/);
  assert.throws(() => parseWav(wavHeader(mono, 0).subarray(0, 36)), /no data/);
});

test('trimSilence keeps the sound plus a margin and empties all-silent input', () => {
  const pcm = Buffer.concat([silence(mono, 0.5), samples(Array(800).fill(5000)), silence(mono, 0.5)]);
  const trimmed = trimSilence({ format: mono, pcm }, { marginS: 0.01 });
  assert.equal(trimmed.pcm.length, (800 + 2 * 80) * 2);
  assert.equal(trimmed.pcm.readInt16LE(80 * 2), 5000);
  assert.equal(trimmed.pcm.readInt16LE(79 * 2), 0);
  assert.equal(trimSilence({ format: mono, pcm: silence(mono, 0.2) }).pcm.length, 0);
  assert.equal(durationOf(mono, silence(mono, 0.25).length), 0.25);
});

test('silentRuns finds inner pauses of at least minS, not the edges', () => {
  const loud = (s: number) => samples(Array(Math.round(s * 8000)).fill(4000));
  const pcm = Buffer.concat([silence(mono, 0.2), loud(0.1), silence(mono, 0.05), loud(0.1), silence(mono, 0.15), loud(0.1), silence(mono, 0.3)]);
  const runs = silentRuns({ format: mono, pcm }, { minS: 0.1 });
  assert.equal(runs.length, 1);
  assert.ok(Math.abs(runs[0]!.startS - 0.45) < 1e-3 && Math.abs(runs[0]!.endS - 0.6) < 1e-3, JSON.stringify(runs));
  assert.equal(silentRuns({ format: mono, pcm }, { minS: 0.04 }).length, 2);
});

test('wavLayout reads the samples’ place from the head of a larger file, whole frames within it; no data chunk in the head throws', () => {
  const stereo: PcmFormat = { sampleRate: 22050, channels: 2, bitsPerSample: 16 };
  const file = Buffer.concat([wavHeader(stereo, 4000), samples(new Array(2000).fill(7))]);
  assert.deepEqual(wavLayout(file.subarray(0, 64), file.length), { format: stereo, dataStart: 44, dataBytes: 4000 });
  // A file cut short (or a placeholder size): what is there, in whole frames of 4 bytes.
  assert.deepEqual(wavLayout(file.subarray(0, 64), 44 + 1001), { format: stereo, dataStart: 44, dataBytes: 1000 });
  assert.throws(() => wavLayout(file.subarray(0, 30), file.length), /no data chunk|truncated/);
});
