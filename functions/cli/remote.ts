// The commands that talk to a running service: submit, status, wait, download, cancel, list.
import { createWriteStream } from 'node:fs';
import { rename, rm, stat, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { ApiError } from '../api/api-error.ts';
import { ReelsmithClient, UnreachableError } from '../api/client.ts';
import { isFinal } from '../domain/task.ts';
import type { WrittenScript } from '../domain/script.ts';
import type { TaskView } from '../domain/task-view.ts';
import { CliError, EXIT } from './exit-codes.ts';
import { progressView } from './progress.ts';

export interface ServiceFlags {
  url: string;
  key?: string | undefined;
  json: boolean;
}

export const clientOf = (f: ServiceFlags) => new ReelsmithClient({ baseUrl: f.url, apiKey: f.key });

/** The service's errors as CLI errors: refused (4xx) or unreachable (network, 5xx). */
export async function calling<T>(what: Promise<T>): Promise<T> {
  try {
    return await what;
  } catch (err) {
    if (err instanceof ApiError) {
      // The service's message names its fields already when it has details; say each once, a line each.
      const message = err.details?.length ? `${err.message.replace(/:.*$/s, '')} (${err.status} ${err.code}):\n${err.details.map((d) => `  ${d.path}: ${d.message}`).join('\n')}` : `${err.message} (${err.status} ${err.code})`;
      throw new CliError(err.status >= 500 ? EXIT.unreachable : EXIT.refused, err.code, message);
    }
    if (err instanceof UnreachableError) throw new CliError(EXIT.unreachable, 'unreachable', err.message);
    throw err;
  }
}

/** Polls until the task ends, showing its progress; the final view. */
export async function waitFor(f: ServiceFlags, id: string, intervalS: number, signal: AbortSignal): Promise<TaskView> {
  const client = clientOf(f);
  const progress = progressView({ json: f.json, tty: !!process.stderr.isTTY });
  try {
    for (;;) {
      const view = await calling(client.get(id));
      progress.update(view.stage, view.progress, view.status);
      if (isFinal(view.status)) return view;
      await sleep(intervalS * 1000, undefined, { signal }).catch(() => {
        throw new CliError(EXIT.interrupted, 'interrupted', `stopped waiting; task ${id} goes on (reelsmith cancel ${id} stops it)`);
      });
    }
  } finally {
    progress.stop();
  }
}

/** Exit code for a finished task. */
export const exitOf = (view: TaskView) => (view.status === 'completed' ? EXIT.ok : view.status === 'cancelled' ? EXIT.cancelled : EXIT.failed);

/** Downloads the MP4 to `out` (written under a temporary name, then renamed). */
export async function download(f: ServiceFlags, id: string, out: string): Promise<{ path: string; size_bytes: number }> {
  const url = await calling(clientOf(f).downloadUrl(id));
  // The signed URL carries its own authorisation: the API key is not sent on to another host.
  const res = await fetch(url).catch((err: unknown) => {
    throw new CliError(EXIT.unreachable, 'unreachable', `cannot fetch the signed URL: ${(err as Error).message}`);
  });
  if (!res.ok || !res.body) throw new CliError(EXIT.unreachable, 'download_failed', `the signed URL answered ${res.status}`);
  const path = resolve(out);
  const partial = `${path}.partial-${process.pid}`;
  try {
    await pipeline(Readable.fromWeb(res.body as never), createWriteStream(partial));
    await rename(partial, path);
  } catch (err) {
    await rm(partial, { force: true });
    throw new CliError(EXIT.unreachable, 'download_failed', `the download broke off: ${(err as Error).message}`);
  }
  return { path, size_bytes: (await stat(path)).size };
}

/** A task view as a few lines for people. */
export function describeView(v: TaskView): string {
  const lines = [`${v.task_id}  ${v.status}  ${v.stage}  ${v.progress}%`];
  if (v.error) lines.push(`  error: ${v.error.code}: ${v.error.message}`);
  if (v.result) {
    lines.push(`  video: ${v.result.video_url}`, `  ${v.result.duration_s} s, ${v.result.width}×${v.result.height}, ${formatBytes(v.result.size_bytes)}`);
    if (v.result.captions_srt_url) lines.push(`  captions: ${v.result.captions_srt_url}`);
    if (v.result.thumbnail_url) lines.push(`  thumbnail: ${v.result.thumbnail_url}`);
    if (v.result.title) lines.push(`  title: ${v.result.title}`);
    if (v.result.description) lines.push(`  description: ${v.result.description}`);
    if (v.result.hashtags.length) lines.push(`  hashtags: ${v.result.hashtags.join(' ')}`);
    for (const [i, o] of v.result.outputs.entries()) {
      if (i > 0) lines.push(`  output ${i}: ${o.aspect_ratio} ${o.width}×${o.height}, ${formatBytes(o.size_bytes)}: ${o.video_url}`);
    }
  }
  for (const w of v.warnings) lines.push(`  warning: ${w}`);
  return lines.join('\n');
}

export function formatBytes(n: number): string {
  return n >= 1024 * 1024 ? `${(n / 1024 / 1024).toFixed(1)} MB` : `${(n / 1024).toFixed(0)} KB`;
}

/** A written script as lines for people: its title, scenes (with their searches) and posting words. */
export function describeScript(s: WrittenScript): string {
  const lines = [`${s.title}  (~${s.estimated_duration_s} s, ${s.length} ${s.unit}, ${s.model})`];
  s.scenes.forEach((scene, i) => lines.push(`  ${i + 1}. ${scene.text}`, `     footage: ${scene.search_query}`));
  lines.push(`  description: ${s.description}`, `  hashtags: ${s.hashtags.join(' ')}`);
  for (const w of s.warnings) lines.push(`  warning: ${w}`);
  return lines.join('\n');
}

/** Saves a written script as a request body `submit` and `render` take: its scenes as they are, and its posting words. */
export async function saveScript(s: WrittenScript, out: string): Promise<string> {
  const path = resolve(out);
  const body = { scenes: s.scenes, language: s.language, title: s.title, description: s.description, hashtags: s.hashtags };
  await writeFile(path, `${JSON.stringify(body, null, 2)}\n`);
  return path;
}
