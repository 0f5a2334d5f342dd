// The first stage of a video or storyboard whose request has a topic: its script, written by the
// language model (providers/script-writer.ts) and kept on the record at once. A retried attempt,
// the chunks of a fanned-out render and a video made from the storyboard all read that one
// script, so the model is paid once and every part of the video tells the same story.
import { scriptBriefOf } from '../domain/script.ts';
import type { LeasedRecord, Stage } from '../domain/task.ts';
import { TaskError } from '../errors.ts';
import type { Logger } from '../log.ts';
import type { LeasedStore } from '../platform/leased-store.ts';
import type { ScriptWriter } from '../providers/ports.ts';

export interface ScriptStage {
  /** The language model's writer (LLM_BASE_URL), or null when the service has none. */
  writer: ScriptWriter | null;
  /** The speech provider's name: the voice the script is sized for. */
  voice: string;
  owner: string;
  signal: AbortSignal;
  report: (stage: Stage, progress: number) => void;
  log: Logger;
}

/** The record with its script: written now when its request has a topic and no attempt wrote one yet. */
export async function withWrittenScript<R extends LeasedRecord>(store: LeasedStore<R>, record: R, s: ScriptStage): Promise<R> {
  if (!record.request.topic || record.script) return record;
  if (!s.writer) {
    // The api refuses a topic without a writer; a worker configured apart from it (its own
    // environment) can still lack one: its operator must fix that, so this fails for good.
    throw new TaskError(
      'script_writer_missing',
      'this video asks for a script from a topic, and the worker has no language model: its operator sets LLM_BASE_URL and LLM_MODEL on the worker too (docs/configuration.md)',
    );
  }
  s.report('script', 0);
  const script = await s.writer.write(scriptBriefOf(record.request, s.voice), s.signal);
  const kept = await store.recordScript(record.id, s.owner, script);
  if (!kept) throw new TaskError('lease_lost', 'the task was cancelled, or taken over by another delivery, while its script was written', { retryable: true });
  s.log.info({ model: script.model, length: script.length, unit: script.unit, estimated_duration_s: script.estimated_duration_s }, 'script written');
  return kept;
}
