// Secrets of the embedded adapters (the URL signing key, the callback secret), kept as files under
// DATA_DIR: created once, read at every start, so restarts keep URLs and signatures valid. A file
// that is empty or short (truncated, hand-edited) would sign with a guessable key: the process
// refuses to start and says which file and what to do, rather than trust it.
import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, linkSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { ConfigError } from '../errors.ts';

/** A key shorter than this (after trimming whitespace) is refused: 32 characters, 128 bits or more. */
export const MIN_SECRET_CHARS = 32;

/**
 * The file's key (whitespace around it trimmed); a missing file gets 32 random bytes,
 * hex-encoded, readable only by this user. Throws ConfigError naming the file when it cannot be
 * read or holds too short a key.
 */
export function loadOrCreateSecret(file: string): Buffer {
  const existing = readSecret(file);
  if (existing) return existing;
  mkdirSync(dirname(file), { recursive: true });
  const secret = Buffer.from(randomBytes(32).toString('hex'));
  // Written whole and synced under another name, then linked into place: a crash never leaves
  // half a key, and of two processes starting at once the second keeps the first one's key
  // (link fails on an existing name where rename would replace it).
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  const fd = openSync(tmp, 'wx', 0o600);
  try {
    writeSync(fd, secret);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    linkSync(tmp, file);
    return secret;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw startupError(file, `cannot be written (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
    return readSecret(file) ?? secret;
  } finally {
    rmSync(tmp, { force: true });
  }
}

/** The key in `file`, null when there is no file. */
function readSecret(file: string): Buffer | null {
  let raw: Buffer;
  try {
    raw = readFileSync(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return null;
    throw startupError(file, `cannot be read (${code ?? (err as Error).message}); check its owner and permissions`);
  }
  const key = Buffer.from(raw.toString('utf8').trim());
  if (key.length < MIN_SECRET_CHARS) {
    throw startupError(
      file,
      `holds a ${key.length}-character key; a key needs at least ${MIN_SECRET_CHARS}. Delete the file to have a new one generated ` +
        'at the next start (links and callback signatures made with the old key stop being valid), or write a longer one',
    );
  }
  return key;
}

function startupError(file: string, what: string): ConfigError {
  return new ConfigError(`key file ${file} ${what}`);
}
