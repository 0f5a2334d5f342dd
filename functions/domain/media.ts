// The media vocabulary every layer shares: a narration and its word timings, a clip ready to
// render, a piece of the timeline, the credit owed to a clip's author, and what ffprobe tells of a
// file. Types, and the few facts about them that every layer shares.

export interface WordTiming {
  text: string;
  /** Seconds from the start of the narration. */
  start: number;
  end: number;
}

export interface Narration {
  /** An audio file in the task dir (wav or mp3). */
  audioPath: string;
  durationS: number;
  words: WordTiming[];
  /** Where each sentence (or scene, when scenes were sent) ends in `words`: exclusive word indices. */
  sentenceEnds: number[];
  /**
   * The gain (dB) that brings the voice to the target loudness, measured once (media/loudness.ts)
   * and applied where the soundtrack is mixed: the file stays as the voice made it. Absent on a
   * voice not measured yet, and on one whose file was brought to the target already (a narration
   * kept before the gain moved into the soundtrack; a storyboard's preview).
   */
  gainDb?: number;
}

/** A video frame's size in pixels. */
export interface Frame {
  width: number;
  height: number;
}

/** Which way round a frame (and the footage searched for it) is. */
export type Orientation = 'portrait' | 'landscape' | 'square';

export interface Credit {
  provider: string;
  author: string | null;
  author_url: string | null;
  /** The video's page at the provider (null for a photo). */
  video_url: string | null;
  /** The photo's page at the provider (null for a video; absent on credits of older videos). */
  photo_url?: string | null;
  /** The credit line the provider asks for, e.g. "Photo by Joey Farina on Pexels" (absent on older credits). */
  attribution?: string;
}

/** One credit per video or photo shown, however often it is shown. */
export function creditKey(c: Credit): string {
  return `${c.provider}|${c.video_url ?? c.photo_url ?? ''}|${c.author}`;
}

/** The still images a photo may be (media/limits.ts says how each is read). */
export type StillFormat = 'jpeg' | 'png' | 'webp';
/** The images a logo may be (a watermark): a photo's formats, or SVG drawn by librsvg. */
export type ImageFormat = StillFormat | 'svg';

/** How long a photo is shown before the timeline cuts away (or shows it again): a still has no length of its own. */
export const STILL_SHOT_S = 5;

/** A piece of footage ready to render: a probed local file, or an ffmpeg-generated background. */
export type SourceClip =
  | {
      kind: 'file';
      path: string;
      durationS: number;
      width: number;
      height: number;
      credit: Credit | null;
      /** Stable identity across videos (`pexels:<video id>`, `dir:<path>`), for freshness; absent for one-off clips. */
      id?: string;
      /** The search that found it, when one did. */
      query?: string;
      /**
       * A photo in this format: one image shown for as long as its piece lasts (durationS is
       * STILL_SHOT_S, what the timeline may give it before it repeats).
       */
      still?: StillFormat;
      /** When its keyframes are (probeKeyframes), for pieces that start on one; absent or null when unknown. */
      keyframesS?: number[] | null;
    }
  | {
      kind: 'generated';
      /** An ffmpeg lavfi source graph, e.g. a gradient; it has no duration limit. */
      lavfi: string;
      durationS: number;
      credit: null;
    };

/** One piece of the timeline: which clip plays, from where in the source, and when in the output. */
export interface Segment {
  /** Index into the clips list. */
  clip: number;
  /** Where in the source the piece starts, seconds. */
  sourceStart: number;
  duration: number;
  /** Where in the output the piece starts, seconds. */
  start: number;
}

/** What ffprobe tells of a media file (media/probe.ts reads it; the probe gate in media/limits.ts judges it). */
export interface MediaInfo {
  durationS: number;
  /** Display size: width and height swapped when rotation is ±90°. 0 when there is no video. */
  width: number;
  height: number;
  /** Degrees clockwise the player turns the picture: 0, 90, 180 or 270. */
  rotation: number;
  /** Average frame rate; 0 when unknown or no video. */
  fps: number;
  hasVideo: boolean;
  hasAudio: boolean;
  videoCodec: string | null;
  audioCodec: string | null;
  /** Every stream, cover art and data tracks included. */
  streamCount: number;
  sizeBytes: number;
  /**
   * Footage only (probeInput as video): when the keyframes are, seconds from the start as `-ss`
   * counts, ascending; null when the container's index could not be listed.
   */
  keyframesS?: number[] | null;
}
