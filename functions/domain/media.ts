// The media vocabulary every layer shares: a narration and its word timings, a clip ready to
// render, a piece of the timeline, and the credit owed to a clip's author. Types only.

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
}

/** A video frame's size in pixels. */
export interface Frame {
  width: number;
  height: number;
}

export interface Credit {
  provider: string;
  author: string | null;
  author_url: string | null;
  video_url: string | null;
}

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
