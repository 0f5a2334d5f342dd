// What the API's routes are given: the configuration, the two stores (videos, storyboards), the
// blob store, the dispatcher, the keys and limits, and the providers a route asks directly.
import type { Config } from '../config.ts';
import type { AdmissionLimits } from '../domain/admission.ts';
import type { Logger } from '../log.ts';
import type { MediaTools } from '../media/tools.ts';
import type { StoryboardStore, TaskStore } from '../platform/leased-store.ts';
import type { BatchStore, BlobStore, Dispatcher, TemplateStore } from '../platform/ports.ts';
import type { MusicLibrary } from '../providers/music-library.ts';
import type { ScriptWriter, SpeechProvider } from '../providers/ports.ts';
import type { ApiKeys } from './auth.ts';

export interface ApiDeps {
  cfg: Config;
  store: TaskStore;
  /** Storyboards' records (their own store). */
  storyboards: StoryboardStore;
  /** Batches (made with their tasks by store.createBatch). */
  batches: BatchStore;
  /** Each key's templates. */
  templates: TemplateStore;
  blobs: BlobStore;
  dispatcher: Dispatcher;
  keys: ApiKeys;
  log: Logger;
  /** Stop a task running in this process at once (cancel). */
  stopRunning: (taskId: string) => void;
  /** Limits a new task must pass (MAX_QUEUED_TASKS, MAX_QUEUED_PER_KEY, SUBMITS_PER_MINUTE). */
  limits: AdmissionLimits;
  /** MUSIC_DIR's tracks by mood, or null when it is not set. */
  music: MusicLibrary | null;
  /** ffprobe for uploads (POST /v1/uploads checks a recording before keeping it). */
  tools: MediaTools;
  /** The speech provider: its name and the voices it offers. */
  speech: Pick<SpeechProvider, 'name' | 'listVoices'>;
  /** Writes scripts from topics (POST /v1/scripts, `topic` in a request); null without LLM_BASE_URL. */
  scripts: ScriptWriter | null;
}
