// Just enough RIFF/WAVE to join espeak-ng's per-sentence output into one narration and to measure a
// narration's loudness in process: parse the chunks (headers are not always 44 bytes, and a
// streamed header carries a placeholder data size), trim silence, and write a 16-bit PCM file back out.

export interface PcmFormat {
  sampleRate: number;
  channels: number;
  bitsPerSample: 16;
}

export interface Wav {
  format: PcmFormat;
  /** Interleaved little-endian samples, a whole number of frames. */
  pcm: Buffer;
}

/** Where a WAV's samples are: its format, and the byte range of its data chunk. */
export interface WavLayout {
  format: PcmFormat;
  dataStart: number;
  /** Whole frames only, and no more than the file holds. */
  dataBytes: number;
}

/**
 * The layout of a 16-bit integer PCM WAV from its first bytes (`head`: the whole file, or enough
 * of its start to hold every chunk before the samples) in a file of `size` bytes. Throws on
 * anything else, or when the data chunk does not start within `head`.
 */
export function wavLayout(head: Buffer, size = head.length): WavLayout {
  if (head.length < 12 || head.toString('latin1', 0, 4) !== 'RIFF' || head.toString('latin1', 8, 12) !== 'WAVE') {
    throw new Error('not a RIFF/WAVE file');
  }
  let format: PcmFormat | null = null;
  let offset = 12;
  while (offset + 8 <= head.length) {
    const id = head.toString('latin1', offset, offset + 4);
    const chunkBytes = head.readUInt32LE(offset + 4);
    const body = offset + 8;
    if (id === 'fmt ') {
      if (chunkBytes < 16 || body + 16 > head.length) throw new Error('truncated fmt chunk');
      const audioFormat = head.readUInt16LE(body);
      const channels = head.readUInt16LE(body + 2);
      const sampleRate = head.readUInt32LE(body + 4);
      const bitsPerSample = head.readUInt16LE(body + 14);
      // 0xfffe is WAVE_FORMAT_EXTENSIBLE; its sub-format is PCM for the files we produce (ffmpeg writes it for more than two channels).
      if ((audioFormat !== 1 && audioFormat !== 0xfffe) || bitsPerSample !== 16 || channels < 1 || sampleRate < 1) {
        throw new Error(`unsupported WAV format ${audioFormat}, ${bitsPerSample}-bit, ${channels} channels`);
      }
      format = { sampleRate, channels, bitsPerSample: 16 };
    } else if (id === 'data') {
      if (!format) throw new Error('data chunk before fmt chunk');
      // A writer streaming to a pipe cannot know the size and puts a placeholder: take what is there.
      const available = Math.max(0, Math.min(chunkBytes, size - body));
      const frameBytes = format.channels * 2;
      return { format, dataStart: body, dataBytes: available - (available % frameBytes) };
    }
    offset = body + chunkBytes + (chunkBytes % 2);
  }
  throw new Error('no data chunk');
}

/** Reads a PCM WAV from memory. Throws on anything that is not 16-bit integer PCM. */
export function parseWav(buf: Buffer): Wav {
  const { format, dataStart, dataBytes } = wavLayout(buf);
  return { format, pcm: buf.subarray(dataStart, dataStart + dataBytes) };
}

/** The 44-byte header of a canonical PCM WAV holding `dataBytes` of samples. */
export function wavHeader(format: PcmFormat, dataBytes: number): Buffer {
  const h = Buffer.alloc(44);
  const blockAlign = format.channels * 2;
  h.write('RIFF', 0, 'latin1');
  h.writeUInt32LE(36 + dataBytes, 4);
  h.write('WAVE', 8, 'latin1');
  h.write('fmt ', 12, 'latin1');
  h.writeUInt32LE(16, 16);
  h.writeUInt16LE(1, 20);
  h.writeUInt16LE(format.channels, 22);
  h.writeUInt32LE(format.sampleRate, 24);
  h.writeUInt32LE(format.sampleRate * blockAlign, 28);
  h.writeUInt16LE(blockAlign, 32);
  h.writeUInt16LE(16, 34);
  h.write('data', 36, 'latin1');
  h.writeUInt32LE(dataBytes, 40);
  return h;
}

export function encodeWav(wav: Wav): Buffer {
  return Buffer.concat([wavHeader(wav.format, wav.pcm.length), wav.pcm]);
}

export function durationOf(format: PcmFormat, pcmBytes: number): number {
  return pcmBytes / (format.channels * 2 * format.sampleRate);
}

export function silence(format: PcmFormat, seconds: number): Buffer {
  return Buffer.alloc(Math.round(seconds * format.sampleRate) * format.channels * 2);
}

/**
 * Cuts leading and trailing silence, keeping `marginS` of it on each side so consonants are not
 * clipped. `threshold` is a fraction of full scale; espeak-ng's silence is digital zero, so a
 * low value is safe. All-silent input comes back empty.
 */
export function trimSilence(wav: Wav, opts: { threshold?: number; marginS?: number } = {}): Wav {
  const { format, pcm } = wav;
  const limit = Math.round((opts.threshold ?? 0.01) * 32768);
  const frameBytes = format.channels * 2;
  const frames = pcm.length / frameBytes;
  const loud = (frame: number) => {
    for (let c = 0; c < format.channels; c++) {
      if (Math.abs(pcm.readInt16LE(frame * frameBytes + c * 2)) > limit) return true;
    }
    return false;
  };
  let first = 0;
  while (first < frames && !loud(first)) first++;
  if (first === frames) return { format, pcm: pcm.subarray(0, 0) };
  let last = frames - 1;
  while (last > first && !loud(last)) last--;
  const margin = Math.round((opts.marginS ?? 0.02) * format.sampleRate);
  const start = Math.max(0, first - margin);
  const end = Math.min(frames, last + 1 + margin);
  return { format, pcm: pcm.subarray(start * frameBytes, end * frameBytes) };
}

/**
 * Stretches of silence at least `minS` long inside the sound (not at its edges), in seconds from
 * its start. espeak-ng pauses at commas for well over 100 ms, while the closure of a stop
 * consonant stays under about 70 ms, so a threshold between the two finds the clause breaks.
 */
export function silentRuns(wav: Wav, opts: { minS: number; threshold?: number }): { startS: number; endS: number }[] {
  const { format, pcm } = wav;
  const limit = Math.round((opts.threshold ?? 0.01) * 32768);
  const frameBytes = format.channels * 2;
  const frames = pcm.length / frameBytes;
  const minFrames = Math.round(opts.minS * format.sampleRate);
  const runs: { startS: number; endS: number }[] = [];
  let start = -1;
  let heardSound = false;
  for (let f = 0; f < frames; f++) {
    let quiet = true;
    for (let c = 0; c < format.channels && quiet; c++) {
      if (Math.abs(pcm.readInt16LE(f * frameBytes + c * 2)) > limit) quiet = false;
    }
    if (quiet) {
      if (start < 0) start = f;
    } else {
      if (start >= 0 && heardSound && f - start >= minFrames) {
        runs.push({ startS: start / format.sampleRate, endS: f / format.sampleRate });
      }
      start = -1;
      heardSound = true;
    }
  }
  return runs;
}

/** 16-bit little-endian PCM as samples: a view when its bytes are aligned for one, else a copy. */
export function int16Of(pcm: Buffer): Int16Array {
  if (pcm.byteOffset % 2 === 0) return new Int16Array(pcm.buffer, pcm.byteOffset, pcm.length >> 1);
  const out = new Int16Array(pcm.length >> 1);
  for (let k = 0; k < out.length; k++) out[k] = pcm.readInt16LE(2 * k);
  return out;
}
