// A task's plan in the blob store (`work/<task id>/`): the files it needs from the scratch dir
// (the narration, downloaded clips, downloaded music) and plan.json, written last, so a plan is
// either whole or absent. A later attempt, on any worker, fetches it into its own scratch dir.
import { readFile, writeFile } from 'node:fs/promises';
import { basename, isAbsolute, join, relative, resolve } from 'node:path';
import type { SourceClip } from '../domain/media.ts';
import { VIDEO_PLAN_VERSION, type VideoPlan } from '../domain/video-plan.ts';
import type { BlobStore } from '../platform/ports.ts';

const PLAN = 'plan.json';

/** Where a task's plan lives; deleted once the task completed. */
export const planPrefix = (taskId: string) => `work/${taskId}/`;

/** Stores the plan: its files inside `dir` go up under `prefix`; files elsewhere (FOOTAGE_DIR, MUSIC_DIR) stay referenced by path. */
export async function savePlan(blobs: BlobStore, prefix: string, plan: VideoPlan, dir: string): Promise<void> {
  // Providers write their files straight into the scratch dir, under plain names.
  const local = (p: string) => {
    const rel = relative(resolve(dir), resolve(dir, p));
    return rel === basename(rel) ? rel : null;
  };
  const uploads = new Map<string, string>();
  const portable = (p: string) => {
    const rel = local(p);
    if (rel === null) return p;
    uploads.set(rel, join(dir, rel));
    return rel;
  };
  const stored: VideoPlan = {
    ...plan,
    narration: { ...plan.narration, audioPath: portable(plan.narration.audioPath) },
    clips: plan.clips.map((c): SourceClip => (c.kind === 'file' ? { ...c, path: portable(c.path) } : c)),
    music: plan.music ? { ...plan.music, path: portable(plan.music.path) } : null,
  };
  await Promise.all([...uploads].map(([rel, path]) => blobs.put(`${prefix}${rel}`, path, { contentType: 'application/octet-stream' })));
  const json = join(dir, PLAN);
  await writeFile(json, JSON.stringify(stored), 'utf8');
  await blobs.put(`${prefix}${PLAN}`, json, { contentType: 'application/json' });
}

/** Which of the plan's files to fetch; a chunk of a fanned-out render needs only its own clips. */
export interface PlanFiles {
  narration: boolean;
  music: boolean;
  /** Indices into the plan's clips; all of them when absent. */
  clips?: ReadonlySet<number>;
}

const ALL_FILES: PlanFiles = { narration: true, music: true };

/**
 * The stored plan with its files fetched into `dir`, or null when there is none (or it is of
 * another version). Files not asked for keep their stored name and are not in `dir`.
 */
export async function loadPlan(blobs: BlobStore, prefix: string, dir: string, files: PlanFiles = ALL_FILES): Promise<VideoPlan | null> {
  if (!(await blobs.exists(`${prefix}${PLAN}`))) return null;
  const json = join(dir, PLAN);
  await blobs.get(`${prefix}${PLAN}`, json);
  const plan = JSON.parse(await readFile(json, 'utf8')) as VideoPlan;
  if (plan.version !== VIDEO_PLAN_VERSION) return null;
  const fetched = new Map<string, Promise<string>>();
  const fetch = (p: string): Promise<string> => {
    if (isAbsolute(p)) return Promise.resolve(p);
    let f = fetched.get(p);
    if (!f) {
      if (basename(p) !== p) throw new Error(`plan file ${p} is not a plain file name`);
      const dest = join(dir, p);
      f = blobs.get(`${prefix}${p}`, dest).then(() => dest);
      fetched.set(p, f);
    }
    return f;
  };
  const wanted = (i: number) => !files.clips || files.clips.has(i);
  const [audioPath, clips, music] = await Promise.all([
    files.narration ? fetch(plan.narration.audioPath) : plan.narration.audioPath,
    Promise.all(plan.clips.map(async (c, i): Promise<SourceClip> => (c.kind === 'file' && wanted(i) ? { ...c, path: await fetch(c.path) } : c))),
    plan.music && files.music ? fetch(plan.music.path).then((path) => ({ ...plan.music!, path })) : Promise.resolve(plan.music),
  ]);
  return { ...plan, narration: { ...plan.narration, audioPath }, clips, music };
}
