// One copy of each generated fixture per test run. Test files make their media with ffmpeg (lavfi
// clips, tones, stills), and many make the same file: several files, or several tests of one file,
// ask for the same 1-second tone or 720p colour clip. Each ffmpeg start costs ~0.12-0.2 CPU s before
// it does anything, so each distinct fixture is made once per run, in a directory global-setup.ts
// creates (TEST_FIXTURE_CACHE_DIR) and removes at teardown, and copied to where each test wants it.
//
// A fixture's key is everything that decides its bytes: the generator's exact ffmpeg arguments
// with the output path abstracted (the output's extension kept: it picks the muxer), the ffmpeg
// binary, and its version (read once per run by global setup, TEST_FIXTURE_CACHE_TOOLS). Only
// generators whose inputs are all synthetic (lavfi) may be keyed by their arguments: an input file
// named in the arguments could hold other bytes the next time. A generator with a random source
// (anoisesrc) gives every user of a run the same draw, as one test making it once would.
//
// The file is written under a temporary name in the cache and renamed to its key, so two test
// processes making the same fixture at once each see a whole file (the last rename wins; both are
// the same media). Each caller gets a copy, never a hard link: tests truncate, rewrite, re-time or
// delete their fixtures, and a link would pass that on to every other user.
//
// Run without global setup (a file alone, `node --test file`), a process keeps a cache of its own
// in a temporary directory that it removes when it exits (its keys then leave the version out: a
// process does not see its ffmpeg change).
import { execFileSync } from 'node:child_process';
import { randomBytes, createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdtempSync, renameSync, rmSync, constants } from 'node:fs';
import { copyFile, rename, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { extname, join } from 'node:path';

const OUT = '\0out\0';

let ownDir: string | undefined;

function cacheDir(): string {
  const shared = process.env.TEST_FIXTURE_CACHE_DIR;
  if (shared) return shared;
  if (!ownDir) {
    const dir = mkdtempSync(join(tmpdir(), 'reelsmith-fixtures-'));
    ownDir = dir;
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  }
  return ownDir;
}

/** Cached files of this process, by key: a second ask in the same process waits for the first. */
const made = new Map<string, Promise<string>>();

/**
 * `out`, made by `make(path)` (which must write exactly that path) once per run for each `key`,
 * and copied from the run's cache otherwise. `key` must name everything the bytes depend on.
 */
export async function cachedFixture(key: readonly unknown[], out: string, make: (path: string) => Promise<void>): Promise<string> {
  const ext = extname(out);
  const hash = keyHash(key, ext);
  let cached = made.get(hash);
  if (!cached) {
    cached = build(hash, ext, make);
    made.set(hash, cached);
    // A failure is not remembered: the next ask tries again (and reports its own error).
    cached.catch(() => made.delete(hash));
  }
  await copyFile(await cached, out, constants.COPYFILE_FICLONE);
  return out;
}

/** Where the fixture of `hash` lives in the cache, and a name of this process's own to write it under first. */
function cachePaths(hash: string, ext: string): { final: string; tmp: string } {
  const dir = cacheDir();
  return { final: join(dir, `${hash}${ext}`), tmp: join(dir, `tmp-${hash}-${process.pid}-${randomBytes(6).toString('hex')}${ext}`) };
}

function keyHash(key: readonly unknown[], ext: string): string {
  return createHash('sha256')
    .update(JSON.stringify([process.env.TEST_FIXTURE_CACHE_TOOLS ?? '', ext, ...key]))
    .digest('hex')
    .slice(0, 32);
}

/** `cachedFixture` for synchronous code: `make(path)` writes `path` before it returns. */
export function cachedFixtureSync(key: readonly unknown[], out: string, make: (path: string) => void): string {
  const ext = extname(out);
  const hash = keyHash(key, ext);
  const { final, tmp } = cachePaths(hash, ext);
  if (!existsSync(final)) {
    try {
      make(tmp);
      renameSync(tmp, final);
    } finally {
      rmSync(tmp, { force: true });
    }
  }
  copyFileSync(final, out, constants.COPYFILE_FICLONE);
  return out;
}

/**
 * `out`, written by `ffmpeg args` (run synchronously) once per test run: `args` name `out` as
 * their output and read no file (lavfi sources only).
 */
export function ffmpegFixtureSync(args: readonly string[], out: string, bin = 'ffmpeg'): string {
  return cachedFixtureSync(ffmpegKey(bin, args, out), out, (tmp) => {
    execFileSync(bin, withOutput(args, out, tmp));
  });
}

async function build(hash: string, ext: string, make: (path: string) => Promise<void>): Promise<string> {
  const { final, tmp } = cachePaths(hash, ext);
  // Another process of this run may have made it already: a file under its key is always whole.
  if (await stat(final).then(() => true, () => false)) return final;
  try {
    await make(tmp);
    await rename(tmp, final);
  } finally {
    await rm(tmp, { force: true });
  }
  return final;
}

/**
 * ffmpeg arguments as a key: the output path (wherever it appears) replaced by a placeholder, so
 * the same fixture made for another test or directory has the same key.
 */
export function ffmpegKey(bin: string, args: readonly string[], out: string): string[] {
  return [bin, ...args.map((a) => (a === out ? OUT : a))];
}

/** `args` with the output path `out` replaced by `path`. */
export function withOutput(args: readonly string[], out: string, path: string): string[] {
  return args.map((a) => (a === out ? path : a));
}
