// A corpus of hostile "media", generated at test time: files a user could put behind a clip or
// music URL to make ffmpeg eat memory or CPU, or read files it should not. Each is a few KB to a
// few MB and takes well under a second to make; none is ever decoded while it is made.
import { rm, truncate, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import { cachedFixture } from './fixture-cache.ts';
import { ffmpeg, generate } from './media-fixtures.ts';

const FFMPEG = process.env.FFMPEG_PATH || 'ffmpeg';

/**
 * A baseline JPEG of `side`×`side` pixels, 4:2:0, every block flat grey: 4 bytes of entropy-coded
 * data per 16×16 macroblock (DC difference 0, then end of block), so a 16000×16000 frame that
 * decodes to 384 MB is a 4 MB file. Written by hand so that making it decodes nothing.
 */
export function flatJpeg(side: number): Buffer {
  const segment = (marker: number, payload: number[]) => {
    const head = Buffer.alloc(4);
    head.writeUInt16BE(marker, 0);
    head.writeUInt16BE(payload.length + 2, 2);
    return Buffer.concat([head, Buffer.from(payload)]);
  };
  // The standard Huffman tables of JPEG Annex K.
  const dcBits = { luma: [0, 1, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0], chroma: [0, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0] };
  const dcVals = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];
  const acLumaBits = [0, 2, 1, 3, 3, 2, 4, 3, 5, 5, 4, 4, 0, 0, 1, 0x7d];
  const acChromaBits = [0, 2, 1, 2, 4, 4, 3, 4, 7, 5, 4, 4, 0, 1, 2, 0x77];
  const acLumaVals = hex(
    '01020300041105122131410613516107227114328191a1082342b1c11552d1f02433627282090a161718191a25262728292a3435363738393a434445464748494a535455565758595a636465666768696a737475767778797a838485868788898a92939495969798999aa2a3a4a5a6a7a8a9aab2b3b4b5b6b7b8b9bac2c3c4c5c6c7c8c9cad2d3d4d5d6d7d8d9dae1e2e3e4e5e6e7e8e9eaf1f2f3f4f5f6f7f8f9fa',
  );
  const acChromaVals = hex(
    '000102031104052131061241510761711322328108144291a1b1c109233352f0156272d10a162434e125f11718191a262728292a35363738393a434445464748494a535455565758595a636465666768696a737475767778797a82838485868788898a92939495969798999aa2a3a4a5a6a7a8a9aab2b3b4b5b6b7b8b9bac2c3c4c5c6c7c8c9cad2d3d4d5d6d7d8d9dae2e3e4e5e6e7e8e9eaf2f3f4f5f6f7f8f9fa',
  );
  const mcus = Math.ceil(side / 16) ** 2;
  // Per macroblock: 4 luma blocks (DC "00", EOB "1010") and 2 chroma blocks (DC "00", EOB "00").
  const scan = Buffer.alloc(mcus * 4);
  for (let i = 0; i < scan.length; i += 4) scan.set([0x28, 0xa2, 0x8a, 0x00], i);
  return Buffer.concat([
    Buffer.from([0xff, 0xd8]),
    segment(0xffdb, [0x00, ...Array<number>(64).fill(1), 0x01, ...Array<number>(64).fill(1)]),
    segment(0xffc0, [8, side >> 8, side & 255, side >> 8, side & 255, 3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1]),
    segment(0xffc4, [
      0x00, ...dcBits.luma, ...dcVals,
      0x10, ...acLumaBits, ...acLumaVals,
      0x01, ...dcBits.chroma, ...dcVals,
      0x11, ...acChromaBits, ...acChromaVals,
    ]),
    segment(0xffda, [3, 1, 0x00, 2, 0x11, 3, 0x11, 0, 63, 0]),
    scan,
    Buffer.from([0xff, 0xd9]),
  ]);
}

function hex(s: string): number[] {
  return [...Buffer.from(s, 'hex')];
}

/**
 * The decoder bomb: one MJPEG frame of side×side in a MOV. The frame size is given to the image
 * demuxer, so the stream copy into MOV never decodes it.
 */
export async function makeMjpegBomb(path: string, side = 16_000): Promise<string> {
  // The input is flatJpeg(side), so `side` names the bytes.
  return cachedFixture([FFMPEG, 'mjpeg bomb', side], path, async (tmp) => {
    const jpg = `${tmp}.jpg`;
    try {
      await writeFile(jpg, flatJpeg(side));
      await ffmpeg(['-f', 'image2', '-video_size', `${side}x${side}`, '-pixel_format', 'yuvj420p', '-i', jpg, '-c', 'copy', '-f', 'mov', tmp]);
    } finally {
      await rm(jpg, { force: true });
    }
  });
}

/** An HLS playlist saved as `.mp4`, whose one segment is a local file (by absolute path). */
export async function makeHlsPlaylist(path: string, target: string): Promise<string> {
  await writeFile(path, `#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:10\n#EXTINF:2.0,\nfile://${target}\n#EXT-X-ENDLIST\n`);
  return path;
}

/** An ffconcat playlist saved as `.mp4`, naming a local file. */
export async function makeConcatPlaylist(path: string, target: string): Promise<string> {
  await writeFile(path, `ffconcat version 1.0\nfile '${target}'\n`);
  return path;
}

/** An MP4 whose index (the moov box, written last) is cut off. */
export async function makeTruncatedMoov(path: string): Promise<string> {
  await generate(['-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=25:duration=2', '-c:v', 'libx264', '-preset', 'ultrafast', '-f', 'mp4', path], path);
  const { size } = await stat(path);
  await truncate(path, Math.floor(size * 0.6));
  return path;
}

/** Sound only, in an MP4 named like a video. */
export async function makeAudioOnlyMp4(path: string): Promise<string> {
  return generate(['-f', 'lavfi', '-i', 'sine=frequency=440:duration=2', '-c:a', 'aac', '-f', 'mp4', path], path);
}

/** Half a second at 1000 frames a second. */
export async function makeHighFps(path: string, fps = 1000): Promise<string> {
  return generate(['-f', 'lavfi', '-i', `testsrc2=size=64x64:rate=${fps}:duration=0.5`, '-c:v', 'libx264', '-preset', 'ultrafast', '-f', 'mp4', path], path);
}

/** A 10-hour video of a black frame every ten minutes, no sound: 60 frames, 2 KB. */
export async function makeLongVideo(path: string, hours = 10): Promise<string> {
  return generate(['-f', 'lavfi', '-i', 'color=black:size=16x16:rate=1/600', '-t', String(hours * 3600), '-c:v', 'libx264', '-preset', 'ultrafast', '-f', 'mp4', path], path);
}

/** 10 hours of silence as FLAC with the largest blocks, at 1000 samples a second (FLAC takes any rate; ffmpeg makes every sample): 16 KB. */
export async function makeLongSilence(path: string, hours = 10): Promise<string> {
  return generate([
    '-f', 'lavfi', '-i', 'anullsrc=r=1000:cl=mono:nb_samples=65535', '-t', String(hours * 3600),
    '-c:a', 'flac', '-compression_level', '0', '-frame_size', '65535', '-f', 'flac', path,
  ], path);
}

/** A PNG still image named `.mp4` (an image demuxer would take it by its content). */
export async function makePngAsMp4(path: string): Promise<string> {
  return generate(['-f', 'lavfi', '-i', 'testsrc2=size=64x64', '-frames:v', '1', '-c:v', 'png', '-f', 'image2', path], path);
}

export async function makeZeroBytes(path: string): Promise<string> {
  await writeFile(path, Buffer.alloc(0));
  return path;
}

/**
 * A secret the playlists point at, as a file with an old access time, so a read (even ffprobe's
 * first peek) shows up in its atime. `wasRead` is null when the file system does not record
 * reads (noatime): the caller must then say the check could not be made.
 */
export async function makeCanary(dir: string): Promise<{ path: string; wasRead: () => Promise<boolean>; atimeTracked: boolean }> {
  const path = join(dir, 'secret-video.mp4');
  await generate(['-f', 'lavfi', '-i', 'color=red:size=64x64:rate=25:duration=2', '-c:v', 'libx264', '-preset', 'ultrafast', '-f', 'mp4', path], path);
  const { utimes, readFile } = await import('node:fs/promises');
  const old = new Date('2001-01-01T00:00:00Z');
  const reset = () => utimes(path, old, new Date());
  const readSince = async () => (await stat(path)).atimeMs > old.getTime() + 1000;
  await reset();
  await readFile(path);
  const atimeTracked = await readSince();
  await reset();
  return { path, wasRead: readSince, atimeTracked };
}

/**
 * A PNG whose header declares side×side pixels of 8-bit RGB (768 MB decoded at 16000), with one
 * row of data: the decoder must refuse the size before it allocates the picture.
 */
export function bigPngHeader(side: number): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([len, body, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(side, 0);
  ihdr.writeUInt32BE(side, 4);
  ihdr.set([8, 2, 0, 0, 0], 8);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(Buffer.alloc(1 + side * 3))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

function crc32(buf: Buffer): number {
  let c = ~0;
  for (const b of buf) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (0xedb88320 & -(c & 1));
  }
  return ~c >>> 0;
}
