// A task's plan in the blob store (`work/<task id>/`): the files it needs from the scratch dir
// (the narration, downloaded clips, downloaded music) and plan.json, written last, so a plan is
// either whole or absent. A later attempt, on any worker, fetches it into its own scratch dir.
// The narration is kept on its own as soon as it exists (narration.json and its audio), so an
// attempt that fails later (footage, music) does not pay for the voice again.
import { readFile, writeFile } from 'node:fs/promises';
import { basename, extname, isAbsolute, join, relative, resolve } from 'node:path';
import type { Narration, SourceClip } from '../domain/media.ts';
import { READABLE_PLAN_VERSIONS, type VideoPlan } from '../domain/video-plan.ts';
import type { BlobStore } from '../platform/ports.ts';

const PLAN = 'plan.json';
const AUDIO_TYPES: Record<string, string> = { '.wav': 'audio/wav', '.mp3': 'audio/mpeg', '.m4a': 'audio/mp4' };
const NARRATION = 'narration.json';
/**
 * 2: the narration carries its measured gain (its file is the voice as made); one of version 1
 * (still read) has its file at the target loudness already. An older worker reads none of 2 and
 * speaks again, rather than render the voice without its gain.
 */
const NARRATION_VERSION = 2;
const READABLE_NARRATION_VERSIONS: readonly number[] = [1, NARRATION_VERSION];

/** The narration as kept: its audio by file name under the prefix, and the warnings making it gave (a speed-up to fit). */
interface KeptNarration {
  version: number;
  narration: Narration;
  warnings: string[];
}

/** Where a task's plan lives; deleted once the task completed. */
export const planPrefix = (taskId: string) => `work/${taskId}/`;

/** A file of the scratch dir by its plain name (providers write theirs straight into it), or null for a file elsewhere. */
function localName(dir: string, p: string): string | null {
  const rel = relative(resolve(dir), resolve(dir, p));
  return rel === basename(rel) ? rel : null;
}

/**
 * Stores the plan: its files inside `dir` go up under `prefix`, but for the narration's audio when
 * the narration was kept already (saveNarration); files elsewhere (FOOTAGE_DIR, MUSIC_DIR) stay
 * referenced by path.
 */
export async function savePlan(blobs: BlobStore, prefix: string, plan: VideoPlan, dir: string, o: { narrationKept?: boolean } = {}): Promise<void> {
  const uploads = new Map<string, string>();
  const portable = (p: string, upload = true) => {
    const rel = localName(dir, p);
    if (rel === null) return p;
    if (upload) uploads.set(rel, join(dir, rel));
    return rel;
  };
  const stored: VideoPlan = {
    ...plan,
    narration: { ...plan.narration, audioPath: portable(plan.narration.audioPath, !o.narrationKept) },
    clips: plan.clips.map((c): SourceClip => (c.kind === 'file' ? { ...c, path: portable(c.path) } : c)),
    music: plan.music ? { ...plan.music, path: portable(plan.music.path) } : null,
    ...(plan.logo ? { logo: { ...plan.logo, path: portable(plan.logo.path) } } : {}),
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
  /** The watermark's logo; fetched unless false. */
  logo?: boolean;
  /** Indices into the plan's clips; all of them when absent. */
  clips?: ReadonlySet<number>;
}

const ALL_FILES: PlanFiles = { narration: true, music: true };

/**
 * The stored plan with its files fetched into `dir`, or null when there is none (or it is of a
 * version this release does not read). Files not asked for keep their stored name and are not in `dir`.
 */
export async function loadPlan(blobs: BlobStore, prefix: string, dir: string, files: PlanFiles = ALL_FILES): Promise<VideoPlan | null> {
  if (!(await blobs.exists(`${prefix}${PLAN}`))) return null;
  const json = join(dir, PLAN);
  await blobs.get(`${prefix}${PLAN}`, json);
  const plan = JSON.parse(await readFile(json, 'utf8')) as VideoPlan;
  if (!READABLE_PLAN_VERSIONS.includes(plan.version)) return null;
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
  const [audioPath, clips, music, logo] = await Promise.all([
    files.narration ? fetch(plan.narration.audioPath) : plan.narration.audioPath,
    Promise.all(plan.clips.map(async (c, i): Promise<SourceClip> => (c.kind === 'file' && wanted(i) ? { ...c, path: await fetch(c.path) } : c))),
    plan.music && files.music ? fetch(plan.music.path).then((path) => ({ ...plan.music!, path })) : Promise.resolve(plan.music),
    plan.logo && files.logo !== false ? fetch(plan.logo.path).then((path) => ({ ...plan.logo!, path })) : Promise.resolve(plan.logo ?? null),
  ]);
  return { ...plan, narration: { ...plan.narration, audioPath }, clips, music, logo };
}

/** Keeps the narration (its audio and timings) under `prefix` as soon as it exists, with the warnings making it gave. */
export async function saveNarration(blobs: BlobStore, prefix: string, narration: Narration, warnings: string[], dir: string): Promise<void> {
  const name = localName(dir, narration.audioPath);
  if (name === null) throw new Error(`the narration's audio ${narration.audioPath} is not in the scratch dir`);
  // Typed as the sound it is: a storyboard's preview plays it in the browser.
  await blobs.put(`${prefix}${name}`, join(dir, name), { contentType: AUDIO_TYPES[extname(name).toLowerCase()] ?? 'application/octet-stream' });
  const kept: KeptNarration = { version: NARRATION_VERSION, narration: { ...narration, audioPath: name }, warnings };
  const json = join(dir, NARRATION);
  await writeFile(json, JSON.stringify(kept), 'utf8');
  // The timings last: a narration is either whole or absent.
  await blobs.put(`${prefix}${NARRATION}`, json, { contentType: 'application/json' });
}

/** The narration an earlier attempt kept under `prefix`, its audio fetched into `dir`, or null when there is none. */
export async function loadNarration(blobs: BlobStore, prefix: string, dir: string): Promise<{ narration: Narration; warnings: string[] } | null> {
  if (!(await blobs.exists(`${prefix}${NARRATION}`))) return null;
  const json = join(dir, NARRATION);
  await blobs.get(`${prefix}${NARRATION}`, json);
  const kept = JSON.parse(await readFile(json, 'utf8')) as KeptNarration;
  if (!READABLE_NARRATION_VERSIONS.includes(kept.version) || basename(kept.narration.audioPath) !== kept.narration.audioPath) return null;
  const audioPath = join(dir, kept.narration.audioPath);
  await blobs.get(`${prefix}${kept.narration.audioPath}`, audioPath);
  return { narration: { ...kept.narration, audioPath }, warnings: kept.warnings };
}
