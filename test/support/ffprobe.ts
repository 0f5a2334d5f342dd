// Read a media file's streams and duration with ffprobe, for assertions in tests.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';

export interface ProbedStream {
  codec_type: string;
  codec_name: string;
  width?: number;
  height?: number;
  duration?: string;
  r_frame_rate?: string;
}

export function ffprobe(path: string): { durationS: number; sizeBytes: number; formatName: string; streams: ProbedStream[] } {
  const out = execFileSync('ffprobe', ['-v', 'error', '-print_format', 'json', '-show_format', '-show_streams', path], {
    encoding: 'utf8',
  });
  const j = JSON.parse(out) as { format: { duration: string; size: string; format_name: string }; streams: ProbedStream[] };
  return { durationS: Number(j.format.duration), sizeBytes: Number(j.format.size), formatName: j.format.format_name, streams: j.streams };
}

/** True when the moov atom comes before mdat (+faststart), so players can start before the download ends. */
export function isFastStart(bytes: Buffer): boolean {
  const moov = bytes.indexOf('moov');
  const mdat = bytes.indexOf('mdat');
  return moov > 0 && mdat > 0 && moov < mdat;
}

/** Integrated loudness (LUFS) of a file's audio, from ffmpeg's ebur128 summary. */
export function integratedLufs(path: string): number {
  // ebur128 prints its summary on stderr; sh merges it into stdout (the path is passed as $1, not interpolated).
  const r = execFileSync('sh', ['-c', 'ffmpeg -hide_banner -nostats -i "$1" -map 0:a -af ebur128 -f null - 2>&1', 'sh', path], { encoding: 'utf8' });
  const m = [...r.matchAll(/I:\s+(-?[\d.]+) LUFS/g)].at(-1);
  if (!m) throw new Error(`ebur128 printed no summary for ${path}`);
  return Number(m[1]);
}

/** RMS level (dB) of the audio in a narrow band around `hz`, measured by ffmpeg's astats. */
export function bandLevel(path: string, hz: number): number {
  const { stderr } = spawnSync(
    'ffmpeg',
    ['-v', 'info', '-nostats', '-i', path, '-vn', '-af', `bandpass=f=${hz}:width_type=q:w=20,astats=measure_overall=RMS_level:measure_perchannel=none`, '-f', 'null', '-'],
    { encoding: 'utf8' },
  );
  const m = /RMS level dB: (-?[\d.]+|-inf)/.exec(stderr);
  assert.ok(m, `astats printed no level:\n${stderr.slice(-500)}`);
  return m[1] === '-inf' ? -Infinity : Number(m[1]);
}
