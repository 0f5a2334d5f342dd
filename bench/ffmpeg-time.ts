// CPU seconds (user + sys) and peak RSS of one ffmpeg run, from /usr/bin/time: the figures that
// hold on a shared machine, where wall time is whatever the neighbours leave.
import { execFileSync } from 'node:child_process';

export interface FfmpegCost {
  cpuS: number;
  rssKiB: number;
}

export function timedFfmpeg(args: string[], cwd?: string): FfmpegCost {
  const out = execFileSync('bash', ['-c', '/usr/bin/time -f "TIME %U %S %M" "$@" 2>&1 >/dev/null | grep -E "^TIME|rror|exited" || true', 'time', 'ffmpeg', '-v', 'error', '-nostdin', '-y', ...args], { encoding: 'utf8', ...(cwd ? { cwd } : {}) });
  const line = out.split('\n').find((l) => l.startsWith('TIME'));
  if (!line || /rror|exited/.test(out.replace(line, ''))) throw new Error(`ffmpeg failed: ${out.slice(0, 2000)}`);
  const [, u, s, m] = line.trim().split(/\s+/);
  return { cpuS: Number(u) + Number(s), rssKiB: Number(m) };
}
