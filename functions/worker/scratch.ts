// Scratch space: one dir per task attempt under SCRATCH_DIR, removed when the attempt ends; dirs
// left by a process that died mid-task are swept at start-up.
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../log.ts';

export const SCRATCH_PREFIX = 'reelsmith-task-';

export function makeTaskDir(scratchDir: string, taskId: string): Promise<string> {
  return mkdtemp(join(scratchDir, `${SCRATCH_PREFIX}${taskId}-`));
}

/** At start-up nothing of ours runs yet: every task dir there is a dead process's. */
export async function sweepScratch(dir: string, log: Logger): Promise<void> {
  await mkdir(dir, { recursive: true });
  const stale = (await readdir(dir).catch(() => [] as string[])).filter((n) => n.startsWith(SCRATCH_PREFIX));
  await Promise.all(stale.map((n) => rm(join(dir, n), { recursive: true, force: true })));
  if (stale.length) log.info({ count: stale.length }, 'removed stale scratch dirs');
}
