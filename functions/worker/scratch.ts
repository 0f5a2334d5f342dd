// Scratch space: one dir per task attempt under SCRATCH_DIR, removed when the attempt ends; dirs
// left by a process that died mid-task are swept at start-up, after a probe file has shown that
// the dir is writable at all.
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, open, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigError } from '../errors.ts';
import type { Logger } from '../log.ts';

export const SCRATCH_PREFIX = 'reelsmith-task-';

export function makeTaskDir(scratchDir: string, taskId: string): Promise<string> {
  return mkdtemp(join(scratchDir, `${SCRATCH_PREFIX}${taskId}-`));
}

/** Removes a delivery's scratch dir at its end; a dir that stays (it holds chunks, clips) is logged, with where it is. */
export async function removeScratch(dir: string, log: Logger): Promise<void> {
  await rm(dir, { recursive: true, force: true }).catch((err: unknown) => log.error({ err: (err as Error).message, dir }, 'scratch cleanup failed'));
}

/** At start-up nothing of ours runs yet: every task dir there is a dead process's. */
export async function sweepScratch(dir: string, log: Logger): Promise<void> {
  await mkdir(dir, { recursive: true });
  const stale = (await readdir(dir).catch(() => [] as string[])).filter((n) => n.startsWith(SCRATCH_PREFIX));
  await Promise.all(stale.map((n) => rm(join(dir, n), { recursive: true, force: true })));
  if (stale.length) log.info({ count: stale.length }, 'removed stale scratch dirs');
}

/**
 * Writes, syncs and removes a probe file in the scratch dir, so a worker that could not render
 * (a read-only or missing volume, a non-root user without permission, a full disk) refuses to
 * start instead of failing its first task. Throws ConfigError naming the dir and the fix.
 */
export async function checkScratchWritable(dir: string): Promise<void> {
  const probe = join(dir, `.reelsmith-probe-${process.pid}-${randomBytes(4).toString('hex')}`);
  try {
    await mkdir(dir, { recursive: true });
    const fh = await open(probe, 'wx', 0o600);
    try {
      await fh.writeFile(randomBytes(4096));
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rm(probe);
  } catch (err) {
    await rm(probe, { force: true }).catch(() => {});
    const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    throw new ConfigError(
      `SCRATCH_DIR ${dir} is not writable by this process (${code}): renders write their files there. ` +
        `Point SCRATCH_DIR at a writable directory; on Cloud Run, check the in-memory volume mounted there and that the container's user ` +
        `(uid ${process.getuid?.() ?? '?'}) may write it`,
    );
  }
}