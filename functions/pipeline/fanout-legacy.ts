// The chunk list a fan-out's planning delivery stored before render plans (fanout.json, with the
// captions as files beside it), read into a render plan: during a rolling deploy, chunks planned
// by the old version are rendered and joined by the new one. It can go once no such fan-out is
// in flight (a fan-out lasts minutes; its files go with the bucket's lifecycle rule anyway).
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Frame } from '../domain/media.ts';
import type { VideoSpec } from '../domain/video-spec.ts';
import { TaskError } from '../errors.ts';
import type { Chunk } from '../media/chunks.ts';
import type { EncodeSettings } from '../media/render-args.ts';
import { outputFolder, RENDER_PLAN_VERSION, type OutputPlan, type RenderPlan } from '../media/render-plan.ts';
import type { BlobStore } from '../platform/ports.ts';

/** One output as the chunk list had it: its captions are file names under its folder. */
interface StoredOutput {
  frame: Frame;
  chunks: Chunk[];
  assFile: string | null;
  sidecars: { vtt: string | null; srt: string | null };
  /** '' for the first output, `output-<i>/` for the others. */
  folder: string;
}

type StoredFanout =
  | { outputs: StoredOutput[]; encode: EncodeSettings; durationS: number }
  /** Written before there could be several outputs. */
  | (Omit<StoredOutput, 'folder'> & { encode: EncodeSettings; durationS: number });

const LIST = 'fanout.json';

/** The chunk list under `prefix` as a render plan (its soundtrack is already stored), its outputs those `spec` resolves. */
export async function legacyRenderPlan(blobs: BlobStore, prefix: string, dir: string, spec: Pick<VideoSpec, 'outputs'>): Promise<RenderPlan> {
  if (!(await blobs.exists(`${prefix}${LIST}`))) throw new TaskError('render_failed', 'the render plan of this fan-out is gone', { retryable: true });
  const text = async (key: string) => {
    const path = join(dir, key.replaceAll('/', '_'));
    await blobs.get(key, path);
    return readFile(path, 'utf8');
  };
  const stored = JSON.parse(await text(`${prefix}${LIST}`)) as StoredFanout;
  const list = 'outputs' in stored ? stored.outputs : [{ ...stored, folder: outputFolder(0) }];
  const outputs = await Promise.all(
    list.map(async (o, i): Promise<OutputPlan> => {
      const output = spec.outputs[i];
      if (!output) throw new TaskError('render_failed', `the stored fan-out has ${list.length} outputs; the task asks for ${spec.outputs.length}`);
      const at = `${prefix}${o.folder}`;
      const [subtitles, vtt, srt] = await Promise.all([o.assFile, o.sidecars.vtt, o.sidecars.srt].map((f) => (f ? text(`${at}${f}`) : null)));
      return {
        output: { ...output, frame: o.frame },
        folder: o.folder,
        // The whole script is every chunk's: events outside a chunk's span draw nothing in it.
        chunks: o.chunks.map((c) => ({ ...c, events: [] })),
        sidecars: vtt != null && srt != null ? { vtt, srt } : null,
        subtitles: subtitles?.replace(/\n$/, '') ?? null,
        logo: null,
      };
    }),
  );
  return {
    version: RENDER_PLAN_VERSION,
    durationS: stored.durationS,
    encode: stored.encode,
    // Rendered and stored by the planning delivery: chunk deliveries and the join never render it.
    soundtrack: { voicePath: '', voiceNormalised: true, music: null },
    outputs,
  };
}
