// A batch from a file: a CSV whose header names request fields (dotted for nested ones:
// captions.style, music.mood), one video a row; or JSON Lines, one request object a line. Each
// item remembers where it came from, so a refused item is named by its row. Values are read as
// the request schema types them: numbers for number fields, `none`/`false` for captions off,
// lists split on commas or spaces (outputs, hashtags, clip_urls); an empty cell leaves the field out.
import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { parse } from 'csv-parse/sync';
import type { z } from 'zod';
import { RequestFields } from '../domain/video-request.ts';
import { CliError, EXIT } from './exit-codes.ts';

export interface BatchFileItem {
  /** The request fields the row or line sends. */
  fields: Record<string, unknown>;
  /** Where it is in the file, for people: "row 3 (line 4)" or "line 7". */
  where: string;
}

/** Column names people write for a field, besides the field's own. */
const ALIASES: Record<string, string> = {
  script: 'script_text',
  text: 'script_text',
  voice: 'voice_id',
  model: 'model_id',
  aspect: 'aspect_ratio',
  format: 'script_format',
  duration: 'duration_s',
  search: 'search_query',
  template: 'template_id',
  music_url: 'music.url',
  music_mood: 'music.mood',
  music_volume: 'music.volume',
};

export function readBatchFile(path: string): BatchFileItem[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new CliError(EXIT.usage, 'unreadable_batch', `cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  const ext = extname(path).toLowerCase();
  const items = ext === '.csv' ? csvItems(path, text) : ext === '.jsonl' || ext === '.ndjson' ? jsonlItems(path, text) : null;
  if (!items) throw new CliError(EXIT.usage, 'invalid_batch', `${path}: a batch file is a .csv (a header of request fields, a video a row) or a .jsonl (a request a line)`);
  if (!items.length) throw new CliError(EXIT.usage, 'invalid_batch', `${path} has no videos in it`);
  return items;
}

function jsonlItems(path: string, text: string): BatchFileItem[] {
  const items: BatchFileItem[] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    if (!line.trim()) return;
    let v: unknown;
    try {
      v = JSON.parse(line);
    } catch (err) {
      throw new CliError(EXIT.usage, 'invalid_batch', `${path} line ${i + 1} is not JSON: ${(err as Error).message}`);
    }
    if (!v || typeof v !== 'object' || Array.isArray(v)) throw new CliError(EXIT.usage, 'invalid_batch', `${path} line ${i + 1} must be a JSON object (a video request)`);
    items.push({ fields: v as Record<string, unknown>, where: `line ${i + 1}` });
  });
  return items;
}

function csvItems(path: string, text: string): BatchFileItem[] {
  let records: { record: Record<string, string>; info: { lines: number } }[];
  try {
    records = parse(text, { columns: (header: string[]) => header.map((h) => fieldName(h.trim())), bom: true, skip_empty_lines: true, trim: true, info: true, relax_column_count: false });
  } catch (err) {
    throw new CliError(EXIT.usage, 'invalid_batch', `${path} is not a CSV file this can read: ${(err as Error).message}`);
  }
  return records.map(({ record, info }, i) => {
    const fields: Record<string, unknown> = {};
    for (const [column, raw] of Object.entries(record)) {
      if (raw === '') continue;
      setPath(fields, column, cellValue(column, raw));
    }
    return { fields, where: `row ${i + 1} (line ${info.lines})` };
  });
}

const fieldName = (h: string) => ALIASES[h] ?? h;

function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split('.');
  let at = target;
  for (const k of keys.slice(0, -1)) {
    if (typeof at[k] !== 'object' || at[k] === null) at[k] = {};
    at = at[k] as Record<string, unknown>;
  }
  at[keys.at(-1)!] = value;
}

/** What the request schema takes at a dotted path: number, boolean, array, object, or anything else (text). */
function kindAt(path: string): string {
  let schema: z.ZodType | undefined = RequestFields;
  for (const key of path.split('.')) {
    const obj = objectOf(schema);
    schema = obj?.shape[key];
    if (!schema) return 'unknown';
  }
  return baseKind(schema);
}

function unwrap(schema: z.ZodType): z.ZodType {
  let s = schema as z.ZodType & { def: { type: string; innerType?: z.ZodType; in?: z.ZodType } };
  while (['optional', 'default', 'nullable', 'pipe', 'prefault'].includes(s.def.type)) s = (s.def.innerType ?? s.def.in) as typeof s;
  return s;
}

function objectOf(schema: z.ZodType | undefined): z.ZodObject | undefined {
  if (!schema) return undefined;
  const s = unwrap(schema) as z.ZodType & { def: { type: string; options?: z.ZodType[] } };
  if (s.def.type === 'object') return s as unknown as z.ZodObject;
  if (s.def.type === 'union') return s.def.options!.map((o) => unwrap(o)).find((o) => (o as { def: { type: string } }).def.type === 'object') as z.ZodObject | undefined;
  return undefined;
}

function baseKind(schema: z.ZodType): string {
  const s = unwrap(schema) as z.ZodType & { def: { type: string; options?: z.ZodType[] } };
  if (s.def.type === 'union') return s.def.options!.some((o) => objectOf(o)) ? 'object' : 'text';
  return s.def.type;
}

/** A cell as its field's type: numbers, lists and captions off; anything the schema will refuse stays text, for it to say why. */
export function cellValue(column: string, raw: string): unknown {
  const kind = kindAt(column);
  if (kind === 'number' && raw.trim() !== '' && Number.isFinite(Number(raw))) return Number(raw);
  if (kind === 'array') {
    const parts = raw.split(/[\s,]+/).filter(Boolean);
    // outputs: aspect ratios, each an output of its own.
    return column === 'outputs' ? parts.map((a) => ({ aspect_ratio: a })) : parts;
  }
  if (kind === 'object' && /^(none|false|off)$/i.test(raw)) return false;
  return raw;
}
