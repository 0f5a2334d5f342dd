// WebVTT and SRT caption files from the same lines that are burned in, for players and uploads.
import type { CaptionLine } from './layout.ts';

function clock(seconds: number, sep: '.' | ','): string {
  const ms = Math.max(0, Math.round(seconds * 1000));
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor((ms % 3_600_000) / 60_000);
  const s = Math.floor((ms % 60_000) / 1000);
  const r = ms % 1000;
  return `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}:${String(s).padStart(2, '0')}${sep}${String(r).padStart(3, '0')}`;
}

export function buildVtt(lines: CaptionLine[]): string {
  const cues = lines.map((l, i) => {
    // A cue payload must not contain "-->" or a blank line; & and < start entities and tags.
    const text = l.text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\s*\n\s*/g, ' ');
    return `${i + 1}\n${clock(l.start, '.')} --> ${clock(l.end, '.')}\n${text}\n`;
  });
  return ['WEBVTT', '', ...cues.map((c) => `${c}`)].join('\n');
}

export function buildSrt(lines: CaptionLine[]): string {
  return lines
    .map((l, i) => `${i + 1}\n${clock(l.start, ',')} --> ${clock(l.end, ',')}\n${l.text.replace(/\s*\n\s*/g, ' ')}\n`)
    .join('\n');
}
