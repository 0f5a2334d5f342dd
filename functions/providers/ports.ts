// Speech and footage ports. Providers write into the task's scratch dir and honour the signal.
import type { Narration, SourceClip } from '../domain/media.ts';

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
  synthesize(req: SpeechRequest, dir: string, signal: AbortSignal): Promise<Narration>;
  /** The voices a request may name. */
  listVoices(signal: AbortSignal): Promise<Voice[]>;
}

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
