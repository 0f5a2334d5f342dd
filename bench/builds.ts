// What the benchmark starts: each service compiled to JavaScript and run as its own Dockerfile's
// image runs it (the CMD's node flags and the ENV, local role), so node's memory is the deployed
// process's and not that of Node's TypeScript stripping, which `npm start` pays on top.
// - this checkout, compiled into bench/.cache/build/ at every run (uncommitted changes included);
// - "today's" service to compare with: another commit (by default 542e9e0, the renderer before
//   chunks: one ffmpeg process per task with an input per timeline piece), `git archive`d into
//   bench/.cache/baseline-<sha>/ and compiled there, once per commit. Its node_modules is this
//   checkout's when the two lock files are identical, else its own from `npm ci`.
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { runProcess } from '../functions/lib/run-process.ts';
import { imageCmd, imageEnv, parseDockerfile } from '../test/deploy/manifests.ts';
import { CACHE_DIR } from './workload.ts';

export const DEFAULT_BASELINE_REF = '542e9e0';

const REPO = resolve(import.meta.dirname, '..');
/** Written last: a copy without it was interrupted and is made again. */
const COMPLETE = '.bench-complete';

export interface Build {
  /** What was built: `this checkout` or the ref given. */
  ref: string;
  /** The commit, for a baseline. */
  sha: string | null;
  /** Arguments after `node` that start the service in local mode: the image's node flags, the compiled server. */
  entry: string[];
  /** The image's environment, but for what the benchmark sets itself (port, data dir, role). */
  env: Record<string, string>;
}

function run(label: string, bin: string, args: string[], cwd: string): Promise<unknown> {
  return runProcess(bin, args, { label, errorCode: 'bench_build', cwd, maxStdoutBytes: 64 * 1024 * 1024 });
}

/** tsc with the project's own build settings (tsconfig.build.json) into `outDir`. */
function compile(projectDir: string, outDir: string): Promise<unknown> {
  const tsc = join(REPO, 'node_modules', 'typescript', 'bin', 'tsc');
  return run('tsc', process.execPath, [tsc, '-p', join(projectDir, 'tsconfig.build.json'), '--outDir', outDir, '--sourceMap', 'false'], projectDir);
}

/** This checkout as it is on disk, compiled afresh. */
export async function currentBuild(log: (msg: string) => void): Promise<Build> {
  const out = join(CACHE_DIR, 'build');
  log('compiling this checkout (tsconfig.build.json)…');
  await rm(out, { recursive: true, force: true });
  await compile(REPO, out);
  return { ref: 'this checkout', sha: null, ...asTheImageRuns(REPO, join(out, 'functions', 'server.js')) };
}

/**
 * This checkout as `npm start` runs it: the TypeScript entry under Node's type stripping, node's
 * default flags and no image environment (issue 22 compared the two).
 */
export function npmStartBuild(): Build {
  return { ref: 'this checkout (npm start)', sha: null, entry: ['functions/local.ts'], env: {} };
}

/** The node flags of the Dockerfile's CMD in `projectDir`, and its ENV, around the compiled `server`. */
function asTheImageRuns(projectDir: string, server: string): Pick<Build, 'entry' | 'env'> {
  const df = parseDockerfile(join(projectDir, 'Dockerfile'));
  const cmd = imageCmd(df);
  if (cmd[0] !== 'node' || !cmd.at(-1)?.endsWith('server.js')) throw new Error(`${projectDir}/Dockerfile: CMD ${JSON.stringify(cmd)} is not node <flags> …server.js`);
  const { PORT: _port, DATA_DIR: _data, FUNCTION_TARGET: _role, ...env } = imageEnv(df);
  return { entry: [...cmd.slice(1, -1), server], env };
}

/** The baseline commit's copy, extracted and compiled if it is not there yet. */
export async function baselineBuild(ref: string, log: (msg: string) => void): Promise<Build> {
  const r = await runProcess('git', ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`], { label: 'git', errorCode: 'bench_build', cwd: REPO }).catch(() => null);
  const sha = r?.stdout.toString('utf8').trim() ?? '';
  if (!/^[0-9a-f]{40}$/.test(sha)) {
    throw new Error(`--baseline ${ref}: not a commit of this repository; give a commit id, tag or branch that \`git rev-parse\` knows`);
  }
  const dir = join(CACHE_DIR, `baseline-${sha.slice(0, 12)}`);
  const build = (): Build => ({ ref, sha, ...asTheImageRuns(dir, join(dir, 'dist', 'functions', 'server.js')) });
  if (existsSync(join(dir, COMPLETE))) return build();

  log(`extracting and compiling the baseline ${ref} (${sha.slice(0, 12)}) in ${dir} (once)…`);
  const tmp = `${dir}.partial`;
  await rm(tmp, { recursive: true, force: true });
  await mkdir(tmp, { recursive: true });
  const tar = `${tmp}.tar`;
  try {
    await run('git archive', 'git', ['archive', '--format=tar', '-o', tar, sha], REPO);
    await run('tar', 'tar', ['-xf', tar, '-C', tmp], REPO);
  } finally {
    await rm(tar, { force: true });
  }
  const [ours, theirs] = await Promise.all([readFile(join(REPO, 'package-lock.json')), readFile(join(tmp, 'package-lock.json'))]);
  if (ours.equals(theirs)) {
    await symlink(join(REPO, 'node_modules'), join(tmp, 'node_modules'), 'dir');
  } else {
    log(`the baseline's package-lock.json differs from this checkout's: npm ci in its copy…`);
    await run('npm ci', 'npm', ['ci', '--no-audit', '--no-fund', '--loglevel=error'], tmp);
  }
  await compile(tmp, join(tmp, 'dist'));
  await writeFile(join(tmp, COMPLETE), `${sha}\n`, 'utf8');
  await rm(dir, { recursive: true, force: true });
  await rename(tmp, dir);
  return build();
}
