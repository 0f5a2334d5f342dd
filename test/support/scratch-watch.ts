// What a render holds in its scratch dir, seen at the moments it can be largest: each ffmpeg
// process is run through a wrapper that lists the dir's files as the process starts and again as
// it exits (before node can remove what it wrote), and a test can take a listing of its own at
// any other point (after a blob is fetched). Files are counted once per inode, so a hard link
// (one soundtrack shared by outputs) is not counted twice.
import { chmodSync, lstatSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { MediaTools } from '../../functions/media/tools.ts';

export interface ScratchFile {
  /** Relative to the watched dir. */
  path: string;
  bytes: number;
  inode: number;
}

export interface ScratchSample {
  /** What was happening: `ffmpeg start`, `ffmpeg exit`, or the test's own label. */
  at: string;
  files: ScratchFile[];
  /** Bytes of the distinct files. */
  bytes: number;
}

/** The bytes of distinct files in a listing. */
export function distinctBytes(files: ScratchFile[]): number {
  const seen = new Map<number, number>();
  for (const f of files) seen.set(f.inode, f.bytes);
  return [...seen.values()].reduce((a, b) => a + b, 0);
}

export interface ScratchWatch {
  /** The tools to render with: ffmpeg is the wrapper. */
  tools: MediaTools;
  /** A listing taken now, in node. */
  sample(at: string): void;
  samples(): ScratchSample[];
}

/** Watches `dir` (created by the caller) through the ffmpeg runs of `tools`; the wrapper and its log live in `workDir`. */
export function watchScratch(tools: MediaTools, dir: string, workDir: string): ScratchWatch {
  const log = join(workDir, 'scratch-samples.log');
  const wrapper = join(workDir, 'ffmpeg-watched.sh');
  writeFileSync(log, '');
  // `find -printf` lists inode, size and path in one pass; the real ffmpeg keeps every fd the
  // wrapper was given (the join reads its chunks through inherited pipes).
  const list = (label: string) => `{ echo "@ ${label}"; find ${quote(dir)} -type f -printf '%i %s %P\\n' 2>/dev/null; } >> ${quote(log)}`;
  writeFileSync(wrapper, `#!/bin/sh\n${list('ffmpeg start')}\n${quote(tools.ffmpeg)} "$@"\nrc=$?\n${list('ffmpeg exit')}\nexit $rc\n`);
  chmodSync(wrapper, 0o755);
  const own: ScratchSample[] = [];
  return {
    tools: { ...tools, ffmpeg: wrapper },
    sample(at) {
      const files = listFiles(dir, dir);
      own.push({ at, files, bytes: distinctBytes(files) });
    },
    samples() {
      const out: ScratchSample[] = [];
      let current: ScratchSample | null = null;
      for (const line of readFileSync(log, 'utf8').split('\n')) {
        if (line.startsWith('@ ')) {
          current = { at: line.slice(2), files: [], bytes: 0 };
          out.push(current);
        } else if (line && current) {
          const [inode, bytes, ...path] = line.split(' ');
          current.files.push({ inode: Number(inode), bytes: Number(bytes), path: path.join(' ') });
        }
      }
      for (const s of out) s.bytes = distinctBytes(s.files);
      return [...out, ...own];
    },
  };
}

/** The files under `dir`; one removed while it is listed (a fetch renaming its part file) is left out. */
function listFiles(root: string, dir: string): ScratchFile[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return listFiles(root, p);
    if (!e.isFile()) return [];
    const s = lstatSync(p, { throwIfNoEntry: false });
    return s ? [{ path: relative(root, p), bytes: s.size, inode: s.ino }] : [];
  });
}

const quote = (s: string) => `'${s.replaceAll("'", "'\\''")}'`;
