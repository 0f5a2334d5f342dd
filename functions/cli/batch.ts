// `reelsmith batch file.csv|file.jsonl`: every row a video, submitted as one batch (all of them or
// none: a refused row is named by its row), followed item by item until every one has ended, each
// video downloaded into a folder as it completes, named by its row and title, with batch.json
// beside them (the batch's view, and which file is which row's).
import { mkdir, writeFile } from 'node:fs/promises';
import { basename, extname, join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { MultiBar, Presets, type SingleBar } from 'cli-progress';
import { ApiError } from '../api/api-error.ts';
import type { BatchView } from '../domain/batch-view.ts';
import { batchRequests } from '../domain/batch.ts';
import { isFinal, type TaskStatus } from '../domain/task.ts';
import { readBatchFile, type BatchFileItem } from './batch-file.ts';
import { CliError, EXIT } from './exit-codes.ts';
import { calling, clientOf, download, type ServiceFlags } from './remote.ts';

export interface BatchFlags extends ServiceFlags {
  template?: string | undefined;
  callback?: string | undefined;
  idempotencyKey?: string | undefined;
  outDir?: string | undefined;
  download: boolean;
  interval: number;
}

export interface BatchRun {
  batch: BatchView;
  /** Item i's video, where it was saved (null when it did not complete, or downloads were off). */
  files: ({ row: string; path: string; size_bytes: number } | null)[];
}

/** `items.3.captions.style` → `row 4 (line 5): captions.style`. */
function byRow(items: BatchFileItem[], path: string): string {
  const m = /^items\.(\d+)(?:\.(.*))?$/.exec(path);
  const item = m ? items[Number(m[1])] : undefined;
  if (!m || !item) return path;
  return `${item.where}${m[2] ? `: ${m[2]}` : ''}`;
}

function refusedRows(items: BatchFileItem[], details: { path: string; message: string }[], file: string): CliError {
  const lines = details.map((d) => `  ${byRow(items, d.path)}: ${d.message}`);
  return new CliError(EXIT.usage, 'invalid_batch', `${file}: nothing was submitted; fix these and submit it again:\n${lines.join('\n')}`);
}

/** A file name for a video: its row and title, plain characters only. */
const fileName = (index: number, title: string | null, taskId: string) => {
  const slug = (title ?? taskId)
    .normalize('NFKD')
    .replace(/[^\w\s-]/g, '')
    .trim()
    .replace(/\s+/g, '-')
    .toLowerCase()
    .slice(0, 60);
  return `${String(index + 1).padStart(3, '0')}-${slug || taskId}.mp4`;
};

export async function runBatch(file: string, defaults: Record<string, unknown>, f: BatchFlags, signal: AbortSignal): Promise<BatchRun> {
  const items = readBatchFile(file);
  const body = {
    ...(Object.keys(defaults).length ? { defaults } : {}),
    items: items.map((i) => i.fields),
    ...(f.template ? { template_id: f.template } : {}),
    ...(f.callback ? { callback_url: f.callback } : {}),
  };
  // Checked here first when no template is involved (the service has the templates): a bad row
  // is named before anything is sent.
  if (!f.template && !items.some((i) => i.fields.template_id !== undefined) && defaults.template_id === undefined) {
    const local = batchRequests(body, new Map());
    if (!local.ok) throw refusedRows(items, local.details, file);
  }
  const client = clientOf(f);
  const submitted = await calling(
    client.createBatch(body, { idempotencyKey: f.idempotencyKey }).catch((err: unknown) => {
      throw err instanceof ApiError && err.status === 422 && err.details.length ? refusedRows(items, err.details, file) : err;
    }),
  );
  const dir = resolve(f.outDir ?? basename(file, extname(file)));
  if (f.download) await mkdir(dir, { recursive: true });
  const progress = batchProgress(items, { json: f.json, tty: !!process.stderr.isTTY });
  progress.log(`batch ${submitted.batch_id}: ${submitted.total} videos${f.download ? `, saved into ${dir}` : ''}`);
  const files: BatchRun['files'] = items.map(() => null);
  const saving = new Set<number>();
  let view: BatchView;
  try {
    for (;;) {
      view = await calling(client.getBatch(submitted.batch_id));
      for (const item of view.items) {
        progress.update(item.index, item.status, item.progress);
        if (item.status === 'completed' && f.download && !saving.has(item.index)) {
          saving.add(item.index);
          const saved = await download(f, item.task_id, join(dir, fileName(item.index, item.title, item.task_id)));
          files[item.index] = { row: items[item.index]!.where, ...saved };
          progress.log(`${items[item.index]!.where}: saved ${saved.path}`);
        } else if ((item.status === 'failed' || item.status === 'cancelled') && !saving.has(item.index)) {
          saving.add(item.index);
          progress.log(`${items[item.index]!.where}: ${item.status}${item.error ? `: ${item.error.code}: ${item.error.message}` : ''}`);
        }
      }
      if (view.status === 'completed' && view.items.every((i) => isFinal(i.status))) break;
      await sleep(f.interval * 1000, undefined, { signal }).catch(() => {
        throw new CliError(EXIT.interrupted, 'interrupted', `stopped waiting; batch ${submitted.batch_id} goes on (reelsmith batch-cancel ${submitted.batch_id} stops it)`);
      });
    }
  } finally {
    progress.stop();
  }
  if (f.download) await writeFile(join(dir, 'batch.json'), `${JSON.stringify({ ...view, files }, null, 2)}\n`);
  return { batch: view, files };
}

/** Exit code for a finished batch: 0 when every video was made, 5 when all were cancelled, 1 otherwise. */
export function batchExit(v: BatchView): number {
  if (v.counts.completed === v.total) return EXIT.ok;
  return v.counts.cancelled === v.total ? EXIT.cancelled : EXIT.failed;
}

/** The batch's items as lines for people. */
export function describeBatch(v: BatchView): string {
  const counts = Object.entries(v.counts)
    .filter(([, n]) => n > 0)
    .map(([s, n]) => `${n} ${s}`)
    .join(', ');
  const lines = [`batch ${v.batch_id}  ${v.status}  ${counts}`];
  for (const i of v.items) {
    lines.push(`  ${String(i.index + 1).padStart(3)}  ${i.task_id}  ${i.status.padEnd(10)} ${String(i.progress).padStart(3)}%${i.title ? `  ${i.title}` : ''}${i.error ? `  ${i.error.code}: ${i.error.message}` : ''}`);
  }
  return lines.join('\n');
}

interface BatchProgress {
  update(index: number, status: TaskStatus, progress: number): void;
  log(line: string): void;
  stop(): void;
}

/**
 * A bar per item on a terminal (a total bar when there are too many to show), a line per item's
 * change of status or tenth of progress when piped, nothing with --json (stdout then carries one
 * JSON document).
 */
function batchProgress(items: BatchFileItem[], mode: { json: boolean; tty: boolean }, err: NodeJS.WriteStream = process.stderr): BatchProgress {
  if (mode.json) return { update() {}, log() {}, stop() {} };
  if (!mode.tty) {
    const last = new Map<number, string>();
    return {
      update(i, status, progress) {
        const line = `${items[i]!.where}: ${status} ${Math.floor(progress / 10) * 10}%`;
        if (last.get(i) !== line) err.write(`${items[i]!.where}: ${status} ${progress}%\n`);
        last.set(i, line);
      },
      log: (line) => void err.write(`${line}\n`),
      stop() {},
    };
  }
  const multi = new MultiBar({ stream: err, format: ' {label} |{bar}| {percentage}% {status}', hideCursor: true, clearOnComplete: false, autopadding: true }, Presets.shades_classic);
  const perItem = items.length <= 20;
  const bars: SingleBar[] = perItem ? items.map((it) => multi.create(100, 0, { label: it.where.replace(/ \(.*\)$/, '').padEnd(8), status: 'queued' })) : [multi.create(items.length, 0, { label: 'videos  ', status: '' })];
  const state = new Map<number, { status: TaskStatus; progress: number }>();
  return {
    update(i, status, progress) {
      state.set(i, { status, progress });
      if (perItem) bars[i]!.update(progress, { status });
      else bars[0]!.update([...state.values()].filter((s) => isFinal(s.status)).length, { status: `${[...state.values()].filter((s) => s.status === 'completed').length} done` });
    },
    log: (line) => multi.log(`${line}\n`),
    stop: () => multi.stop(),
  };
}
