// What the pipeline works with (built by the composition root) and what one run of it is given.
import type { Stage } from '../domain/task.ts';
import type { VideoSpec } from '../domain/video-spec.ts';
import type { Semaphore } from '../lib/semaphore.ts';
import type { Logger } from '../log.ts';
import type { EncodeSettings } from '../media/render-args.ts';
import type { MediaTools } from '../media/tools.ts';
import type { DownloadLimits } from '../net/download.ts';
import type { BlobStore } from '../platform/ports.ts';
import type { MusicLibrary } from '../providers/music-library.ts';
import type { Aligner, FootageContext, ScriptWriter, SpeechProvider } from '../providers/ports.ts';
import type { FootageSetup } from './footage-plan.ts';

export interface PipelineDeps {
  tools: MediaTools;
  /** x264 preset and CRF of the render (RENDER_PRESET, RENDER_CRF). */
  encode?: Partial<EncodeSettings>;
  /** The process's CPU budget, shared by every render (RENDER_CPUS). */
  cpu: Semaphore;
  speech: SpeechProvider;
  /** Writes a request's script from its topic (LLM_BASE_URL); null when the service has no language model. */
  scripts: ScriptWriter | null;
  /** Times the words of a recorded narration (voiceover) in place of the voice. */
  aligner: Aligner;
  /** A recording's limits: its length (MAX_NARRATION_SECONDS) and a voiceover URL's size (MAX_UPLOAD_BYTES). */
  voiceover: { maxSeconds: number; maxBytes: number };
  /** Footage sources per part, the generated last resort, the search budget and the owner's recent clips. */
  footage: FootageSetup;
  allowPrivateUrls: boolean;
  /** ALLOWED_URL_PORTS (80 and 443 when absent). */
  allowedUrlPorts?: readonly number[];
  /** MUSIC_DIR's tracks by mood, or null when it is not set. */
  music: MusicLibrary | null;
  /** Narrations longer than this are rendered by chunk deliveries on any worker (FANOUT_MIN_SECONDS); null: never. */
  fanout: { minSeconds: number } | null;
  log: Logger;
}

/** Where the service keeps a task's work between attempts and deliveries: its blob store, under the task's id. */
export interface TaskStorage {
  blobs: BlobStore;
  /** The task (or storyboard) the run is for. */
  taskId: string;
  attempt: number;
  /** Where the run keeps its plan between attempts: `work/<id>/` for a video, `storyboards/<id>/` for a storyboard. */
  prefix: string;
}

export interface PipelineRun {
  spec: VideoSpec;
  /** Absent in the CLI, which keeps nothing: no retried attempt, no fan-out, no storyboard. */
  storage?: TaskStorage;
  /** Whose video it is: the clips of their recent videos are avoided. */
  owner: string | null;
  dir: string;
  signal: AbortSignal;
  report: (stage: Stage, progress: number) => void;
  /** The task's scratch budget and the process's download slots. */
  downloads?: DownloadLimits;
  /** What the footage searches share, when the caller wants it afterwards (a storyboard searches candidates with it). */
  footage?: FootageContext;
}
