// Files under DATA_DIR that start-up trusts: the local key files and the task database. A bad one
// stops the process with a message that names the file and says what to do, before it serves.
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadConfig } from '../../functions/config.ts';
import { ConfigError } from '../../functions/errors.ts';
import { loadOrCreateSecret, MIN_SECRET_CHARS } from '../../functions/platform/local-secret.ts';
import { LocalTaskStore } from '../../functions/platform/local-task-store.ts';
import { startService } from '../support/service.ts';
import { tempDir } from '../support/temp-dir.ts';

describe('local key files', () => {
  it('a missing file gets a new 64-character key, readable by this user only, the same at the next start', () => {
    const file = join(tempDir('reelsmith-keys-'), 'sub', 'callback-secret');
    const key = loadOrCreateSecret(file);
    assert.match(key.toString(), /^[0-9a-f]{64}$/);
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.ok(loadOrCreateSecret(file).equals(key));
  });

  it('an empty, short or whitespace-only file is refused, naming the file and the fix', () => {
    const dir = tempDir('reelsmith-keys-');
    for (const [name, content] of [['empty', ''], ['short', 'abc123'], ['blank', ' \n\n  '], ['just-short', 'x'.repeat(MIN_SECRET_CHARS - 1) + '\n']] as const) {
      const file = join(dir, name);
      writeFileSync(file, content);
      assert.throws(
        () => loadOrCreateSecret(file),
        (err: unknown) =>
          err instanceof ConfigError &&
          err.message.includes(file) &&
          /at least 32/.test(err.message) &&
          /Delete the file to have a new one generated/.test(err.message),
        name,
      );
      assert.equal(readFileSync(file, 'utf8'), content, 'the file is left as it was');
    }
  });

  it('a long enough key of your own is used as written, minus surrounding whitespace', () => {
    const file = join(tempDir('reelsmith-keys-'), 'key');
    writeFileSync(file, `  ${'k'.repeat(40)}\n`);
    assert.equal(loadOrCreateSecret(file).toString(), 'k'.repeat(40));
  });

  it('leaves no temporary file behind', () => {
    const dir = tempDir('reelsmith-keys-');
    loadOrCreateSecret(join(dir, 'a'));
    assert.deepEqual(readdir(dir), ['a']);
  });
});

describe('CALLBACK_SECRET from the environment', () => {
  it('is refused when short or padded with whitespace', () => {
    assert.throws(() => loadConfig({ CALLBACK_SECRET: 'short' }), /CALLBACK_SECRET: must be at least 32 characters; make one with: openssl rand -hex 32/);
    assert.throws(() => loadConfig({ CALLBACK_SECRET: `${'a'.repeat(40)}\n` }), /CALLBACK_SECRET: must not start or end with whitespace/);
    assert.equal(loadConfig({ CALLBACK_SECRET: 'a'.repeat(32) }).CALLBACK_SECRET, 'a'.repeat(32));
  });
});

describe('the task database', () => {
  it('a file that is not a database is refused with what to do', () => {
    const path = join(tempDir('reelsmith-db-'), 'tasks.sqlite');
    writeFileSync(path, 'this is not SQLite '.repeat(300));
    assert.throws(
      () => new LocalTaskStore({ path }),
      (err: unknown) => err instanceof ConfigError && err.message.includes(path) && /is damaged/.test(err.message) && /move the file aside/.test(err.message),
    );
  });

  it('a database damaged inside (a page overwritten) is found at start-up, not at the first query', () => {
    const path = join(tempDir('reelsmith-db-'), 'tasks.sqlite');
    const store = new LocalTaskStore({ path });
    store.close();
    const bytes = readFileSync(path);
    // Page 2 onwards holds the table and its indexes: scribble over them, keep the header.
    bytes.fill(0x5a, 4096, Math.min(bytes.length, 4096 * 3));
    writeFileSync(path, bytes);
    assert.throws(() => new LocalTaskStore({ path }), (err: unknown) => err instanceof ConfigError && /is damaged/.test(err.message));
  });
});

describe('start-up with a bad file (the real process)', () => {
  it('exits before listening, naming the damaged database', async () => {
    const dataDir = tempDir('reelsmith-bad-db-');
    writeFileSync(join(dataDir, 'tasks.sqlite'), Buffer.alloc(8192, 0x42));
    await assert.rejects(startService({}, { dataDir }), (err: Error) => {
      assert.match(err.message, /exited with 78 before listening/);
      assert.match(err.message, /the task database .*tasks\.sqlite is damaged/);
      return true;
    });
  });

  it('exits before listening, naming an empty callback-secret file', async () => {
    const dataDir = tempDir('reelsmith-bad-key-');
    writeFileSync(join(dataDir, 'callback-secret'), '');
    await assert.rejects(startService({}, { dataDir }), /exited with 78 before listening[\s\S]*key file .*callback-secret holds a 0-character key/);
  });

  it('exits before listening, naming an empty URL-signing key', async () => {
    const dataDir = tempDir('reelsmith-bad-key-');
    mkdirSync(join(dataDir, 'blobs'), { recursive: true });
    writeFileSync(join(dataDir, 'blobs', '.signing-key'), '\n');
    await assert.rejects(startService({}, { dataDir }), /key file .*\.signing-key holds a 0-character key/);
  });
});

function readdir(dir: string): string[] {
  return readdirSync(dir).sort();
}
