// Speech and footage ports. Providers write into the task's scratch dir and honour the signal.
import type { Credit } from '../domain/task.ts';

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

export interface SpeechRequest {
  text: string;
  voiceId?: string;
  modelId?: string;
  language?: string;
  speed?: number;
  seed?: number;
}

export interface SpeechProvider {
  readonly name: string;
  synthesize(req: SpeechRequest, dir: string, signal: AbortSignal): Promise<Narration>;
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
    }
  | {
      kind: 'generated';
      /** An ffmpeg lavfi source graph, e.g. a gradient; it has no duration limit. */
      lavfi: string;
      durationS: number;
      credit: null;
    };

export interface FootageRequest {
  query: string;
  /** How many distinct clips would be ideal. */
  count: number;
  /** Seconds of footage needed in total. */
  minTotalS: number;
  orientation: 'portrait' | 'landscape' | 'square';
  width: number;
  height: number;
  seed: number;
}

export interface FootageResult {
  clips: SourceClip[];
  warnings: string[];
}

export interface FootageProvider {
  readonly name: string;
  /** Returns what it found; an empty list means "try the next source". */
  find(req: FootageRequest, dir: string, signal: AbortSignal): Promise<FootageResult>;
}
