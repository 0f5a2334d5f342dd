// Secrets of the embedded adapters (the URL signing key, the callback secret), kept as files under
// DATA_DIR: created once, read at every start, so restarts keep URLs and signatures valid.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** The file's bytes; a new file gets 32 random bytes, hex-encoded, readable only by this user. */
export function loadOrCreateSecret(file: string): Buffer {
  if (existsSync(file)) return readFileSync(file);
  mkdirSync(dirname(file), { recursive: true });
  const secret = Buffer.from(randomBytes(32).toString('hex'));
  // Written whole under another name and renamed: a crash never leaves half a key behind.
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, secret, { mode: 0o600 });
  renameSync(tmp, file);
  return secret;
}
