// Joining the MP3 parts of a long narration without re-encoding. An MP3 stream is a sequence of
// self-contained frames of a fixed sample count, so concatenating the audio frames of the parts
// gives one playable file, and the start of each part is known exactly: the samples before it.
// Tags (ID3) and each part's Xing/Info header are dropped: the Info header describes one part
// and would make players report the first part's length for the whole file.

export interface Mp3Stream {
  /** The audio frames only, in order. */
  frames: Buffer[];
  sampleRate: number;
  channels: number;
  /** Decoded samples per channel: frames × samples per frame. */
  samples: number;
}

const BITRATES_V1_L3 = [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320];
const BITRATES_V2_L3 = [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160];
const SAMPLE_RATES: Record<number, number[]> = { 3: [44100, 48000, 32000], 2: [22050, 24000, 16000], 0: [11025, 12000, 8000] };

interface FrameHeader {
  length: number;
  sampleRate: number;
  channels: number;
  samplesPerFrame: number;
  /** Where the Xing/Info tag would start if this frame is one. */
  tagOffset: number;
}

/** Layer III frame header at `at`, or null. Other layers are never produced by mp3_* formats. */
function readHeader(buf: Buffer, at: number): FrameHeader | null {
  if (at + 4 > buf.length) return null;
  const b1 = buf[at + 1] as number;
  const b2 = buf[at + 2] as number;
  const b3 = buf[at + 3] as number;
  if (buf[at] !== 0xff || (b1 & 0xe0) !== 0xe0) return null;
  const version = (b1 >> 3) & 3;
  const layer = (b1 >> 1) & 3;
  if (version === 1 || layer !== 1) return null;
  const bitrateIndex = (b2 >> 4) & 0xf;
  const rateIndex = (b2 >> 2) & 3;
  if (bitrateIndex === 0 || bitrateIndex === 15 || rateIndex === 3) return null;
  const mpeg1 = version === 3;
  const bitrate = ((mpeg1 ? BITRATES_V1_L3 : BITRATES_V2_L3)[bitrateIndex] as number) * 1000;
  const sampleRate = SAMPLE_RATES[version]?.[rateIndex] as number;
  const padding = (b2 >> 1) & 1;
  const mono = ((b3 >> 6) & 3) === 3;
  const crc = (b1 & 1) === 0 ? 2 : 0;
  const sideInfo = mpeg1 ? (mono ? 17 : 32) : mono ? 9 : 17;
  return {
    length: Math.floor(((mpeg1 ? 144 : 72) * bitrate) / sampleRate) + padding,
    sampleRate,
    channels: mono ? 1 : 2,
    samplesPerFrame: mpeg1 ? 1152 : 576,
    tagOffset: at + 4 + crc + sideInfo,
  };
}

function id3v2Length(buf: Buffer, at: number): number {
  if (buf.length < at + 10 || buf.toString('latin1', at, at + 3) !== 'ID3') return 0;
  const size = (((buf[at + 6] as number) & 0x7f) << 21) | (((buf[at + 7] as number) & 0x7f) << 14) |
    (((buf[at + 8] as number) & 0x7f) << 7) | ((buf[at + 9] as number) & 0x7f);
  const footer = ((buf[at + 5] as number) & 0x10) !== 0 ? 10 : 0;
  return 10 + size + footer;
}

function isInfoFrame(buf: Buffer, h: FrameHeader, at: number): boolean {
  const tag = buf.toString('latin1', h.tagOffset, h.tagOffset + 4);
  return tag === 'Xing' || tag === 'Info' || buf.toString('latin1', at + 36, at + 40) === 'VBRI';
}

/** The audio frames of one MP3 file. Throws when the bytes hold no MPEG Layer III audio. */
export function parseMp3(buf: Buffer): Mp3Stream {
  const frames: Buffer[] = [];
  let at = id3v2Length(buf, 0);
  let format: FrameHeader | null = null;
  let samples = 0;
  while (at < buf.length) {
    const h = readHeader(buf, at);
    // A valid frame must be followed by another frame or the end of the data; this rejects
    // false syncs inside tags or garbage without needing a resync heuristic per byte pattern.
    const next = h ? at + h.length : -1;
    if (!h || next > buf.length || (next < buf.length && !readHeader(buf, next) && !trailingTag(buf, next))) {
      if (frames.length > 0 && trailingTag(buf, at)) break;
      at++;
      continue;
    }
    if (format && (h.sampleRate !== format.sampleRate || h.channels !== format.channels)) {
      throw new Error(`mp3 stream changes format mid-file (${format.sampleRate} Hz → ${h.sampleRate} Hz)`);
    }
    if (!(frames.length === 0 && samples === 0 && isInfoFrame(buf, h, at))) {
      frames.push(buf.subarray(at, next));
      samples += h.samplesPerFrame;
    }
    format ??= h;
    at = next;
  }
  if (!format || frames.length === 0) throw new Error('no MPEG audio frames found');
  return { frames, sampleRate: format.sampleRate, channels: format.channels, samples };
}

function trailingTag(buf: Buffer, at: number): boolean {
  const tag = buf.toString('latin1', at, at + 3);
  return tag === 'TAG' || tag === 'APE' || tag === 'ID3' || at >= buf.length;
}

export interface JoinedMp3 {
  data: Buffer;
  /** Seconds at which each part starts in `data`. */
  offsetsS: number[];
  durationS: number;
}

/** One MP3 from several parts of the same format; offsets are exact frame boundaries. */
export function joinMp3(parts: Buffer[]): JoinedMp3 {
  const streams = parts.map(parseMp3);
  const first = streams[0];
  if (!first) throw new Error('no mp3 parts to join');
  const offsetsS: number[] = [];
  let samples = 0;
  for (const s of streams) {
    if (s.sampleRate !== first.sampleRate || s.channels !== first.channels) {
      throw new Error(`mp3 parts differ in format (${first.sampleRate} Hz/${first.channels} ch vs ${s.sampleRate} Hz/${s.channels} ch)`);
    }
    offsetsS.push(samples / first.sampleRate);
    samples += s.samples;
  }
  return { data: Buffer.concat(streams.flatMap((s) => s.frames)), offsetsS, durationS: samples / first.sampleRate };
}
