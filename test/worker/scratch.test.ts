// The worker checks, before it listens, that it can write its scratch dir.
import assert from 'node:assert/strict';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ConfigError } from '../../functions/errors.ts';
import { checkScratchWritable } from '../../functions/worker/scratch.ts';
import { startService } from '../support/service.ts';
import { tempDir } from '../support/temp-dir.ts';

describe('scratch dir probe', () => {
  it('writes and removes a probe file in a writable dir, creating the dir', async () => {
    const dir = join(tempDir('reelsmith-scratch-'), 'scratch');
    await checkScratchWritable(dir);
    assert.deepEqual(readdirSync(dir), []);
  });

  it('names the dir and the fix when it cannot write there', async () => {
    const file = join(tempDir('reelsmith-scratch-'), 'not-a-dir');
    writeFileSync(file, 'x');
    await assert.rejects(checkScratchWritable(join(file, 'scratch')), (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      assert.match(err.message, /SCRATCH_DIR .*not-a-dir\/scratch is not writable by this process \(ENOTDIR\)/);
      assert.match(err.message, /Point SCRATCH_DIR at a writable directory/);
      return true;
    });
  });

  it('a worker whose scratch dir is not writable refuses to start', async () => {
    const file = join(tempDir('reelsmith-scratch-'), 'not-a-dir');
    writeFileSync(file, 'x');
    await assert.rejects(
      startService({ FUNCTION_TARGET: 'worker', SCRATCH_DIR: join(file, 'scratch') }),
      /exited with 78 before listening[\s\S]*SCRATCH_DIR .* is not writable/,
    );
  });
});
