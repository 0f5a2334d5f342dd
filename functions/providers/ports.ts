// Speech, footage and script ports. Providers write into the task's scratch dir and honour the signal.
import type { Narration, Orientation, SourceClip } from '../domain/media.ts';
import type { ScriptBrief, WrittenScript } from '../domain/script.ts';
import type { DownloadLimits } from '../net/download.ts';

export interface SpeechRequest {
  text: string;
  voiceId?: string;
  modelId?: string;
  language?: string;
  speed?: number;
  seed?: number;
}

/** A voice a provider can speak with: `id` is what a request sends as voice_id. */
export interface Voice {
  id: string;
  name: string;
  language: string | null;
  description: string | null;
}

export interface SpeechProvider {
  readonly name: string;
  /** The `speed` it can speak at (1 is its normal rate); absent when it has no speaking rate to set. */
  readonly speedRange?: { min: number; max: number };
  synthesize(req: SpeechRequest, dir: string, signal: AbortSignal): Promise<Narration>;
  /** The voices a request may name. */
  listVoices(signal: AbortSignal): Promise<Voice[]>;
}

/**
 * What one video shares across its footage searches (every scene or sentence group of it): the
 * searches it may still make, the clips its other parts already took, and the clips its owner's
 * recent videos used.
 */
export interface FootageContext {
  /** Searches against a metered API (Pexels) this video may still make; providers decrement it. */
  searchesLeft: number;
  /** Ids (SourceClip.id) of clips another part of this video already took; providers add theirs. */
  taken: Set<string>;
  /** Ids of clips the owner's last FRESHNESS_WINDOW videos used: chosen only when nothing else is left. */
  recent: ReadonlySet<string>;
  /** The task's scratch budget and the process's download slots, for every file fetched. */
  downloads?: DownloadLimits;
}

export interface FootageRequest {
  query: string;
  /**
   * Queries to try, in order, when `query` finds too little (the topic of a per-sentence search);
   * by default the provider broadens `query` itself.
   */
  fallbacks?: string[];
  /** How many distinct clips would be ideal. */
  count: number;
  /** Seconds of footage needed in total. */
  minTotalS: number;
  orientation: Orientation;
  width: number;
  height: number;
  seed: number;
  /** Shared by every search of one video; absent in one-off searches (tests, tools). */
  context?: FootageContext;
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

/**
 * Writes a video's script from a topic, sized to the voice that will speak it. The service has one
 * when a language model is configured (LLM_BASE_URL), none otherwise.
 */
export interface ScriptWriter {
  readonly name: string;
  /** The model it asks (LLM_MODEL). */
  readonly model: string;
  write(brief: ScriptBrief, signal: AbortSignal): Promise<WrittenScript>;
}

/** A recording of the script to time: the words of `text` are found in the audio at `audioPath`. */
export interface AlignRequest {
  /** The recording, any format ffmpeg reads (already through the probe gate). */
  audioPath: string;
  /** What the recording says, in the form spoken (the script's spoken form). */
  text: string;
  language?: string;
}

/**
 * Forced alignment: where each word of a known text falls in a recording of it. The result is a
 * narration of that recording, timed like a synthesised one (the words of splitWords(text) and
 * the sentence ends of the captions). A recording that does not say the text fails with a
 * VoiceoverMismatch naming the sentence that was not found.
 */
export interface Aligner {
  readonly name: string;
  align(req: AlignRequest, dir: string, signal: AbortSignal): Promise<Narration>;
}
