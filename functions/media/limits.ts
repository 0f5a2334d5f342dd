// What media the service accepts from outside (clip URLs, Pexels, FOOTAGE_DIR, music): the
// containers and codecs ffmpeg may open, the still images a photo may be, and the limits a file
// must be within before anything decodes it. A few-KB file can declare a 16000x16000 frame (384 MB a frame), 1000 frames a
// second or ten hours; the probe gate refuses those from ffprobe's numbers, and the decoder
// options in input-guard.ts refuse them again if a stream lies about itself.
import type { ImageFormat, MediaInfo, StillFormat } from '../domain/media.ts';

export interface MediaLimits {
  /** Longest side of a video frame, in pixels (MEDIA_MAX_SIDE). */
  maxSide: number;
  /** Pixels in one frame, width × height (MEDIA_MAX_PIXELS). */
  maxPixels: number;
  /** Average frames a second (MEDIA_MAX_FPS). */
  maxFps: number;
  /** Seconds (MEDIA_MAX_DURATION_S). */
  maxDurationS: number;
  /** Streams in one file: video, audio, subtitles and data together (MEDIA_MAX_STREAMS). */
  maxStreams: number;
  /** Longest side of a still image (a photo), in pixels (MEDIA_MAX_STILL_SIDE). */
  maxStillSide: number;
  /** Pixels in a still image (MEDIA_MAX_STILL_PIXELS): decoded once per piece, not 30 times a second, so more than a frame. */
  maxStillPixels: number;
}

/**
 * 4K (DCI 4096x2160 and UHD 3840x2160, either way up) at up to 240 fps (phone slow motion), half an
 * hour; photos of 24 megapixels (6000x4000: a camera's, or a phone's 12 MP either way up), whose
 * decoded frame (4 bytes a pixel at most for 8-bit RGBA) stays under the allocation cap.
 */
export const DEFAULT_MEDIA_LIMITS: MediaLimits = {
  maxSide: 4096,
  maxPixels: 4096 * 2160,
  maxFps: 240,
  maxDurationS: 1800,
  maxStreams: 16,
  maxStillSide: 8192,
  maxStillPixels: 24_000_000,
};

/**
 * Containers ffmpeg may demux (its demuxer names): MP4/MOV/M4A, Matroska/WebM, AVI, MPEG-TS and
 * MPEG-PS, and the audio files. Not hls, concat, image sequences or any other format that opens
 * further files by name: a playlist saved as `.mp4` would otherwise read any file the worker can.
 */
export const INPUT_DEMUXERS = ['mov', 'matroska', 'avi', 'mpegts', 'mpeg', 'mp3', 'aac', 'wav', 'flac', 'ogg'] as const;

/** Video codecs footage may use (ffprobe's codec names), with the decoders ffmpeg picks for each. */
export const VIDEO_CODECS: Record<string, readonly string[]> = {
  h264: ['h264'],
  hevc: ['hevc'],
  vp8: ['vp8', 'libvpx'],
  vp9: ['vp9', 'libvpx-vp9'],
  av1: ['libdav1d', 'libaom-av1', 'av1'],
  mpeg4: ['mpeg4'],
  mpeg2video: ['mpeg2video', 'mpegvideo'],
  prores: ['prores'],
  mjpeg: ['mjpeg'],
};

/** Audio codecs of music, narration and the clips' own sound tracks. */
export const AUDIO_CODECS: Record<string, readonly string[]> = {
  aac: ['aac', 'aac_fixed'],
  mp3: ['mp3float', 'mp3'],
  flac: ['flac'],
  opus: ['opus', 'libopus'],
  vorbis: ['vorbis', 'libvorbis'],
  pcm_s16le: ['pcm_s16le'],
  pcm_s16be: ['pcm_s16be'],
  pcm_s24le: ['pcm_s24le'],
  pcm_s24be: ['pcm_s24be'],
  pcm_s32le: ['pcm_s32le'],
  pcm_f32le: ['pcm_f32le'],
  pcm_u8: ['pcm_u8'],
};

/**
 * Every decoder ffmpeg and ffprobe may open. PNG only for the cover art of music files (an
 * attached picture, never decoded by the render): it is not a footage codec.
 */
export const INPUT_DECODERS = [...Object.values(VIDEO_CODECS).flat(), ...Object.values(AUDIO_CODECS).flat(), 'png'];

/**
 * The still images a photo may be, each read by its single-image demuxer (never `image2`, which
 * opens a sequence of files by pattern) and decoded by its own decoder only. The render opens a
 * still with its demuxer forced, so these never join the allowlists of video and audio inputs.
 */
export const STILL_FORMATS: Record<StillFormat, { demuxer: string; codec: string; decoders: readonly string[] }> = {
  jpeg: { demuxer: 'jpeg_pipe', codec: 'mjpeg', decoders: ['mjpeg'] },
  png: { demuxer: 'png_pipe', codec: 'png', decoders: ['png'] },
  webp: { demuxer: 'webp_pipe', codec: 'webp', decoders: ['webp'] },
};
export const STILL_DEMUXERS: readonly string[] = Object.values(STILL_FORMATS).map((f) => f.demuxer);
/**
 * Every single image the service opens, each under a guard of its own: the photos' formats and,
 * for a watermark's logo only, SVG, drawn by librsvg from the file alone (given no base file, it
 * loads nothing the SVG names), at a size the caller sets.
 */
export const IMAGE_FORMATS: Record<ImageFormat, { demuxer: string; codec: string; decoders: readonly string[] }> = {
  ...STILL_FORMATS,
  svg: { demuxer: 'svg_pipe', codec: 'svg', decoders: ['librsvg'] },
};
export const STILL_NAMES = 'JPEG, PNG or WebP';

/** Human names for messages, in the order of VIDEO_CODECS. */
const VIDEO_CODEC_NAMES = 'H.264, HEVC, VP8, VP9, AV1, MPEG-4, MPEG-2, ProRes or Motion JPEG';
const AUDIO_CODEC_NAMES = 'AAC, MP3, FLAC, Opus, Vorbis or PCM (WAV)';
export const CONTAINER_NAMES = 'MP4, MOV, WebM, MKV, AVI or MPEG-TS (music: MP3, M4A, WAV, FLAC or Ogg)';

/**
 * Why a probed file may not be used as footage (`video`) or as a sound track (`audio`), naming
 * the limit it breaks; null when it is within every limit. Pure.
 */
export function limitProblem(info: MediaInfo, limits: MediaLimits, use: 'video' | 'audio'): string | null {
  if (info.streamCount > limits.maxStreams) return `it has ${info.streamCount} streams; at most ${limits.maxStreams} are accepted`;
  if (info.durationS > limits.maxDurationS) {
    return `it is ${formatDuration(info.durationS)} long; at most ${formatDuration(limits.maxDurationS)} is accepted`;
  }
  if (use === 'audio') {
    if (!info.hasAudio) return 'it has no audio stream';
    if (!info.audioCodec || !(info.audioCodec in AUDIO_CODECS)) return `its audio is ${info.audioCodec ?? 'of an unknown codec'}; send ${AUDIO_CODEC_NAMES}`;
    return null;
  }
  if (!info.hasVideo) return 'it has no video stream';
  if (!info.videoCodec || !(info.videoCodec in VIDEO_CODECS)) return `its video is ${info.videoCodec ?? 'of an unknown codec'}; send ${VIDEO_CODEC_NAMES}`;
  const { width: w, height: h } = info;
  if (Math.max(w, h) > limits.maxSide) return `its frame is ${w}x${h}; at most ${limits.maxSide} pixels a side are accepted`;
  if (w * h > limits.maxPixels) {
    return `its frame is ${w}x${h} (${megapixels(w * h)} megapixels); at most ${megapixels(limits.maxPixels)} megapixels are accepted`;
  }
  if (info.fps > limits.maxFps) return `it runs at ${Math.round(info.fps)} frames a second; at most ${limits.maxFps} are accepted`;
  return null;
}

/**
 * Why a probed still image may not be used as a photo of `format`, naming the limit it breaks;
 * null when it is within every limit. Pure.
 */
export function stillLimitProblem(info: MediaInfo, limits: MediaLimits, format: ImageFormat): string | null {
  if (!info.hasVideo || info.streamCount !== 1) return `it is not a single ${STILL_NAMES} image`;
  if (info.videoCodec !== IMAGE_FORMATS[format].codec) return `its picture is ${info.videoCodec ?? 'of an unknown codec'}, not the ${format.toUpperCase()} its bytes announce`;
  const { width: w, height: h } = info;
  if (Math.max(w, h) > limits.maxStillSide) return `its image is ${w}x${h}; at most ${limits.maxStillSide} pixels a side are accepted`;
  if (w * h > limits.maxStillPixels) {
    return `its image is ${w}x${h} (${megapixels(w * h)} megapixels); at most ${megapixels(limits.maxStillPixels)} megapixels are accepted`;
  }
  return null;
}

function megapixels(n: number): string {
  return String(Math.round(n / 100_000) / 10);
}

/** 36000 → "10 h", 1800 → "30 min", 95 → "95 s". */
export function formatDuration(s: number): string {
  if (s >= 3600 && s % 3600 === 0) return `${s / 3600} h`;
  if (s >= 3600) return `${Math.round(s / 360) / 10} h`;
  if (s >= 120) return `${Math.round(s / 60)} min`;
  return `${Math.round(s)} s`;
}
