// The embedded task store: one SQLite file (node:sqlite, no dependency) under DATA_DIR. Every
// mutation reads, applies a pure transition from domain/task.ts and writes in one immediate
// transaction, so a crash never leaves half a change and two processes can share the file.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { ConfigError } from '../config.ts';
import * as T from '../domain/task.ts';
import { admit, type AdmissionCounts, type AdmissionLimits, type Refusal } from '../domain/admission.ts';
import type { CreateOutcome, TaskListQuery, TaskPage, TaskStore } from './ports.ts';

export interface LocalTaskStoreOptions {
  /** The database file; ':memory:' for tests. */
  path: string;
  now?: () => Date;
}

export class LocalTaskStore implements TaskStore {
  readonly #db: DatabaseSync;
  readonly #now: () => Date;

  constructor(opts: LocalTaskStoreOptions) {
    if (opts.path !== ':memory:') mkdirSync(dirname(opts.path), { recursive: true });
    this.#now = opts.now ?? (() => new Date());
    try {
      this.#db = new DatabaseSync(opts.path);
      this.#open();
    } catch (err) {
      throw unusableDatabase(opts.path, err);
    }
  }

  #open(): void {
    // A damaged file may open and fail only at the first query that reaches the damage: check
    // it all now (the store holds RETENTION_DAYS of tasks, so this is quick).
    const check = this.#db.prepare('PRAGMA quick_check').all() as { quick_check: string }[];
    if (check.length !== 1 || check[0]?.quick_check !== 'ok') {
      throw new Error(`database disk image is malformed: ${check.map((r) => r.quick_check).slice(0, 3).join('; ')}`);
    }
    this.#db.exec(`
      PRAGMA journal_mode = WAL;
      PRAGMA synchronous = FULL;
      PRAGMA busy_timeout = 5000;
      CREATE TABLE IF NOT EXISTS tasks (
        id TEXT PRIMARY KEY,
        owner TEXT,
        idempotency_key TEXT,
        status TEXT NOT NULL,
        created_at TEXT NOT NULL,
        doc TEXT NOT NULL
      );
      CREATE UNIQUE INDEX IF NOT EXISTS tasks_idempotency ON tasks (coalesce(owner, ''), idempotency_key)
        WHERE idempotency_key IS NOT NULL;
      CREATE INDEX IF NOT EXISTS tasks_status ON tasks (status, created_at);
      CREATE INDEX IF NOT EXISTS tasks_owner ON tasks (coalesce(owner, ''), created_at);
      CREATE INDEX IF NOT EXISTS tasks_owner_status ON tasks (coalesce(owner, ''), status, created_at);
      CREATE INDEX IF NOT EXISTS tasks_newest ON tasks (created_at DESC, id DESC);
    `);
  }

  #tx<R>(fn: () => R): R {
    this.#db.exec('BEGIN IMMEDIATE');
    try {
      const r = fn();
      this.#db.exec('COMMIT');
      return r;
    } catch (err) {
      this.#db.exec('ROLLBACK');
      throw err;
    }
  }

  #read(id: string): T.TaskRecord | null {
    const row = this.#db.prepare('SELECT doc FROM tasks WHERE id = ?').get(id) as { doc: string } | undefined;
    return row ? (JSON.parse(row.doc) as T.TaskRecord) : null;
  }

  #write(task: T.TaskRecord): void {
    this.#db
      .prepare('UPDATE tasks SET status = ?, doc = ? WHERE id = ?')
      .run(task.status, JSON.stringify(task), task.id);
  }

  /** Apply `change` to the task if `owner` holds its lease; null otherwise. */
  #asHolder(id: string, owner: string, change: (t: T.TaskRecord, now: Date) => T.TaskRecord): T.TaskRecord | null {
    return this.#tx(() => {
      const task = this.#read(id);
      if (!T.holdsLease(task, owner)) return null;
      const next = change(task, this.#now());
      this.#write(next);
      return next;
    });
  }

  async create(task: T.TaskRecord, limits?: AdmissionLimits): Promise<CreateOutcome> {
    return this.#tx(() => {
      if (task.idempotency_key) {
        const row = this.#db
          .prepare("SELECT doc FROM tasks WHERE coalesce(owner, '') = ? AND idempotency_key = ?")
          .get(task.owner ?? '', task.idempotency_key) as { doc: string } | undefined;
        if (row) {
          const existing = JSON.parse(row.doc) as T.TaskRecord;
          return existing.request_hash === task.request_hash
            ? { kind: 'existing' as const, task: existing }
            : { kind: 'conflict' as const, task: existing };
        }
      }
      if (limits) {
        // BEGIN IMMEDIATE holds the write lock: these counts cannot change before the insert.
        const refused = admit(this.#counts(task.owner), limits, this.#now().getTime());
        if (refused) return refused;
      }
      // A plain INSERT: a second create with the same id fails on the primary key, never overwrites.
      this.#db
        .prepare('INSERT INTO tasks (id, owner, idempotency_key, status, created_at, doc) VALUES (?, ?, ?, ?, ?, ?)')
        .run(task.id, task.owner, task.idempotency_key, task.status, task.created_at, JSON.stringify(task));
      return { kind: 'created' as const, task };
    });
  }

  async findByIdempotencyKey(owner: string | null, key: string): Promise<T.TaskRecord | null> {
    const row = this.#db
      .prepare("SELECT doc FROM tasks WHERE coalesce(owner, '') = ? AND idempotency_key = ?")
      .get(owner ?? '', key) as { doc: string } | undefined;
    return row ? (JSON.parse(row.doc) as T.TaskRecord) : null;
  }

  async previewAdmission(owner: string | null, limits: AdmissionLimits): Promise<Refusal | null> {
    return admit(this.#counts(owner), limits, this.#now().getTime());
  }

  #counts(owner: string | null): AdmissionCounts {
    const now = this.#now().getTime();
    const unfinished = "status IN ('queued', 'processing')";
    const n = (sql: string, ...args: (string | null)[]) => Number((this.#db.prepare(sql).get(...args) as { n: number }).n);
    return {
      unfinished: n(`SELECT count(*) AS n FROM tasks WHERE ${unfinished}`),
      ownerUnfinished: n(`SELECT count(*) AS n FROM tasks WHERE ${unfinished} AND coalesce(owner, '') = ?`, owner ?? ''),
      // A sliding minute: the window ends when the oldest submit in it leaves it.
      ownerRecent: n(`SELECT count(*) AS n FROM tasks WHERE coalesce(owner, '') = ? AND created_at > ?`, owner ?? '', new Date(now - 60_000).toISOString()),
      windowEndsAt:
        Date.parse(
          (this.#db
            .prepare(`SELECT min(created_at) AS t FROM tasks WHERE coalesce(owner, '') = ? AND created_at > ?`)
            .get(owner ?? '', new Date(now - 60_000).toISOString()) as { t: string | null }).t ?? new Date(now).toISOString(),
        ) + 60_000,
    };
  }

  async get(id: string): Promise<T.TaskRecord | null> {
    return this.#read(id);
  }

  async claim(id: string, owner: string, leaseMs: number): Promise<T.ClaimOutcome> {
    return this.#tx(() => {
      const outcome = T.claim(this.#read(id), owner, leaseMs, this.#now());
      if (outcome.kind === 'claimed') this.#write(outcome.task);
      return outcome;
    });
  }

  async renewLease(id: string, owner: string, leaseMs: number): Promise<T.TaskRecord | null> {
    return this.#asHolder(id, owner, (t, now) => T.renewLease(t, leaseMs, now));
  }

  async progress(id: string, owner: string, stage: T.Stage, progress: number): Promise<void> {
    this.#asHolder(id, owner, (t, now) => T.advance(t, stage, progress, now));
  }

  async complete(id: string, owner: string, output: T.TaskOutput, warnings: string[]): Promise<T.TaskRecord | null> {
    return this.#asHolder(id, owner, (t, now) => T.complete(t, output, warnings, now));
  }

  async fail(id: string, owner: string, error: T.TaskFailure, maxAttempts: number): Promise<T.TaskRecord | null> {
    return this.#asHolder(id, owner, (t, now) => T.failAttempt(t, error, maxAttempts, now));
  }

  async update<R>(id: string, decide: (task: T.TaskRecord | null, now: Date) => { write: T.TaskRecord | null; result: R }): Promise<R> {
    return this.#tx(() => {
      const { write, result } = decide(this.#read(id), this.#now());
      if (write) this.#write(write);
      return result;
    });
  }

  async listForSweep(): Promise<T.TaskRecord[]> {
    const rows = this.#db
      .prepare("SELECT doc FROM tasks WHERE status IN ('queued', 'processing') OR json_extract(doc, '$.callback.state') = 'pending' ORDER BY created_at, id")
      .all() as { doc: string }[];
    return rows.map((r) => JSON.parse(r.doc) as T.TaskRecord);
  }

  /**
   * Deletes the tasks whose retention ran out (Firestore's TTL policy does this in the cloud);
   * returns their ids so their files can go too.
   */
  async purgeExpired(): Promise<string[]> {
    return this.#tx(() => {
      const now = this.#now().toISOString();
      const rows = this.#db.prepare("SELECT id FROM tasks WHERE json_extract(doc, '$.expire_at') < ?").all(now) as { id: string }[];
      this.#db.prepare("DELETE FROM tasks WHERE json_extract(doc, '$.expire_at') < ?").run(now);
      return rows.map((r) => r.id);
    });
  }

  async cancel(id: string): Promise<T.TaskRecord | null> {
    return this.#tx(() => {
      const task = this.#read(id);
      if (!task) return null;
      const next = T.cancel(task, this.#now());
      if (next !== task) this.#write(next);
      return next;
    });
  }

  async countUnfinished(): Promise<number> {
    const row = this.#db
      .prepare("SELECT count(*) AS n FROM tasks WHERE status IN ('queued', 'processing')")
      .get() as { n: number };
    return Number(row.n);
  }

  async list(q: TaskListQuery): Promise<TaskPage> {
    const where: string[] = [];
    const args: (string | number | null)[] = [];
    if (q.owner !== undefined) {
      where.push("coalesce(owner, '') = ?");
      args.push(q.owner ?? '');
    }
    if (q.after) {
      where.push('(created_at < ? OR (created_at = ? AND id < ?))');
      args.push(q.after.created_at, q.after.created_at, q.after.id);
    }
    const rows = this.#db
      .prepare(`SELECT doc FROM tasks ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY created_at DESC, id DESC LIMIT ?`)
      .all(...args, q.limit + 1) as { doc: string }[];
    const tasks = rows.slice(0, q.limit).map((r) => JSON.parse(r.doc) as T.TaskRecord);
    const last = tasks.at(-1);
    return { tasks, next: rows.length > q.limit && last ? { created_at: last.created_at, id: last.id } : null };
  }

  async recentClipIds(owner: string | null, videos: number): Promise<string[]> {
    if (videos <= 0) return [];
    const rows = this.#db
      .prepare("SELECT doc FROM tasks WHERE coalesce(owner, '') = ? AND status = 'completed' ORDER BY created_at DESC, id DESC LIMIT ?")
      .all(owner ?? '', videos) as { doc: string }[];
    return [...new Set(rows.flatMap((r) => (JSON.parse(r.doc) as T.TaskRecord).output?.clip_ids ?? []))];
  }

  async close(): Promise<void> {
    if (this.#db.isOpen) this.#db.close();
  }
}

/** Start-up error for a task database that cannot be used, saying what to do about it. */
function unusableDatabase(path: string, err: unknown): ConfigError {
  const why = (err as Error).message;
  if (/not a database|malformed|corrupt/i.test(why)) {
    return new ConfigError(
      `the task database ${path} is damaged (${why}). Stop every reelsmith process that uses this DATA_DIR, ` +
        `move the file aside with its -wal and -shm files (e.g. mv ${path} ${path}.broken), and start again: ` +
        'a new, empty database is created, and the tasks in the old one are forgotten. ' +
        'Or put back a copy from a backup.',
    );
  }
  return new ConfigError(`the task database ${path} cannot be opened (${why}); check that DATA_DIR is writable by this user`);
}
