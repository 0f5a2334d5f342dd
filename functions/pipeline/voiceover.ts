// A narration the client recorded, in place of the voice: the recording is fetched (its URL through
// the URL guard, an upload from the blob store, or the CLI's own file), passes the voiceover gate
// (media/voiceover-input.ts), and its words are found in it by the aligner. The result is a
// narration like a synthesised one; the rest of the pipeline does not know the difference.
import { join } from 'node:path';
import type { Narration } from '../domain/media.ts';
import type { VoiceoverSpec } from '../domain/video-spec.ts';
import { TaskError } from '../errors.ts';
import { gateVoiceover } from '../media/voiceover-input.ts';
import { downloadToFile, type DownloadLimits } from '../net/download.ts';
import type { PipelineDeps, TaskStorage } from './pipeline-deps.ts';

export interface RecordedRun {
  voiceover: VoiceoverSpec;
  /** What the recording says, in the form spoken (the script's spoken form). */
  text: string;
  language?: string;
  storage?: TaskStorage;
  dir: string;
  signal: AbortSignal;
  downloads?: DownloadLimits;
}

/** The field a voiceover came in, for messages. */
const fieldOf = (v: VoiceoverSpec) => ('url' in v ? 'voiceover.url' : 'upload' in v ? 'voiceover.upload_id' : 'voiceover');

/** The recording's words, timed: a Narration whose audio is the recording (as it passed the gate). */
export async function recordedNarration(deps: Pick<PipelineDeps, 'tools' | 'aligner' | 'voiceover' | 'allowPrivateUrls' | 'allowedUrlPorts'>, run: RecordedRun): Promise<Narration> {
  const field = fieldOf(run.voiceover);
  const fetched = await fetchRecording(deps, run);
  const gated = await gateVoiceover(deps.tools, fetched, run.dir, { maxSeconds: deps.voiceover.maxSeconds, signal: run.signal }).catch((err: unknown) => {
    if (run.signal.aborted) throw run.signal.reason;
    if (err instanceof TaskError && (err.code === 'unsupported_media' || err.code === 'unreadable_media')) {
      throw new TaskError('invalid_voiceover', `${field}: the recording was refused: ${err.message}`, { cause: err, ...(err.detail ? { detail: err.detail } : {}) });
    }
    throw err;
  });
  return deps.aligner.align({ audioPath: gated.path, text: run.text, ...(run.language ? { language: run.language } : {}) }, run.dir, run.signal);
}

async function fetchRecording(deps: Pick<PipelineDeps, 'voiceover' | 'allowPrivateUrls' | 'allowedUrlPorts'>, run: RecordedRun): Promise<string> {
  const v = run.voiceover;
  if ('path' in v) return v.path;
  const path = join(run.dir, 'voiceover.input');
  if ('url' in v) {
    await downloadToFile(v.url, path, {
      field: 'voiceover.url',
      maxBytes: deps.voiceover.maxBytes,
      timeoutMs: 120_000,
      retries: 2,
      signal: run.signal,
      allowPrivate: deps.allowPrivateUrls,
      ...(deps.allowedUrlPorts ? { allowedPorts: deps.allowedUrlPorts } : {}),
      ...(run.downloads ? { limits: run.downloads } : {}),
    });
    return path;
  }
  if (!run.storage) throw new TaskError('voiceover_unavailable', `voiceover.upload_id: ${v.upload.id} is kept by the service it was uploaded to; render there, or give the file itself`);
  if (!(await run.storage.blobs.exists(v.upload.key))) {
    throw new TaskError('voiceover_unavailable', `voiceover.upload_id: upload ${v.upload.id} has expired or was deleted; upload the recording again`);
  }
  await run.storage.blobs.get(v.upload.key, path);
  return path;
}
