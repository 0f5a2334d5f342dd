// Speech and footage ports. Providers write into the task's scratch dir and honour the signal.
import type { Narration, SourceClip } from '../domain/media.ts';
import type { DownloadLimits } from '../net/download.ts';

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
  /** The task's scratch budget and the process's download slots, for every file fetched. */
  downloads?: DownloadLimits;
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
