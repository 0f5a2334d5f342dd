// The embedded stores: one SQLite file per kind of record (node:sqlite, no dependency) under
// DATA_DIR, each record a JSON document. Every change reads, applies a pure decision and writes in
// one immediate transaction, so a crash never leaves half a change and two processes can share
// the file. The lease verbs are written once over update() (leased-store.ts).
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { ConfigError } from '../errors.ts';
import type { StoryboardRecord } from '../domain/storyboard.ts';
import type { LeasedRecord, TaskRecord } from '../domain/task.ts';
import { admit, admitRate, type AdmissionCounts, type AdmissionLimits, type Refusal } from '../domain/admission.ts';
import type { BatchRecord } from '../domain/batch.ts';
import type { BatchCreateOutcome, BatchStore, CreateOutcome, RecordStore, TaskListQuery, TaskPage, TaskRecordStore } from './ports.ts';

export interface LocalStoreOptions {
  /** The database file; ':memory:' for tests. */
  path: string;
  now?: () => Date;
}

/** How a kind of record is kept as a JSON document, and read back from what any version wrote. */
interface RowCodec<R> {
  toDoc(record: R): object;
  fromDoc(doc: Record<string, unknown>): R;
}

export class LocalRecordStore<R extends LeasedRecord> implements RecordStore<R> {
  protected readonly db: DatabaseSync;
  protected readonly now: () => Date;
  readonly #codec: RowCodec<R>;

  protected constructor(opts: LocalStoreOptions, codec: RowCodec<R>) {
    if (opts.path !== ':memory:') mkdirSync(dirname(opts.path), { recursive: true });
    this.now = opts.now ?? (() => new Date());
    this.#codec = codec;
    try {
      this.db = new DatabaseSync(opts.path);
      this.#open();
    } catch (err) {
      throw unusableDatabase(opts.path, err);
    }
  }

  #open(): void {
    // A damaged file may open and fail only at the first query that reaches the damage: check
    // it all now (the store holds RETENTION_DAYS of records, so this is quick). The table is
    // `tasks` in every file, storyboards' too, as when storyboards were task records.
    const check = this.db.prepare('PRAGMA quick_check').all() as { quick_check: string }[];
    if (check.length !== 1 || check[0]?.quick_check !== 'ok') {
      throw new Error(`database disk image is malformed: ${check.map((r) => r.quick_check).slice(0, 3).join('; ')}`);
    }
    this.db.exec(`
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

  protected tx<X>(fn: () => X): X {
    this.db.exec('BEGIN IMMEDIATE');
    try {
      const r = fn();
      this.db.exec('COMMIT');
      return r;
    } catch (err) {
      this.db.exec('ROLLBACK');
      throw err;
    }
  }

  protected parse(doc: string): R {
    return this.#codec.fromDoc(JSON.parse(doc) as Record<string, unknown>);
  }

  #read(id: string): R | null {
    const row = this.db.prepare('SELECT doc FROM tasks WHERE id = ?').get(id) as { doc: string } | undefined;
    return row ? this.parse(row.doc) : null;
  }

  #write(record: R): void {
    this.db
      .prepare('UPDATE tasks SET status = ?, doc = ? WHERE id = ?')
      .run(record.status, JSON.stringify(this.#codec.toDoc(record)), record.id);
  }

  protected count(sql: string, ...args: (string | null)[]): number {
    return Number((this.db.prepare(sql).get(...args) as { n: number }).n);
  }

  /** The records a query's rows hold (each row's `doc`). */
  protected rows(sql: string, ...args: (string | number | null)[]): R[] {
    return (this.db.prepare(sql).all(...args) as { doc: string }[]).map((r) => this.parse(r.doc));
  }

  async create(task: R, limits?: AdmissionLimits): Promise<CreateOutcome<R>> {
    return this.tx(() => {
      const existing = task.idempotency_key ? this.#byKey(task.owner, task.idempotency_key) : null;
      if (existing) {
        return existing.request_hash === task.request_hash
          ? { kind: 'existing' as const, task: existing }
          : { kind: 'conflict' as const, task: existing };
      }
      if (limits) {
        // BEGIN IMMEDIATE holds the write lock: these counts cannot change before the insert.
        const refused = admit(this.counts(task.owner), limits, this.now().getTime());
        if (refused) return refused;
      }
      this.insert(task);
      return { kind: 'created' as const, task };
    });
  }

  /** A plain INSERT: a second create with the same id fails on the primary key, never overwrites. */
  protected insert(record: R): void {
    this.db
      .prepare('INSERT INTO tasks (id, owner, idempotency_key, status, created_at, doc) VALUES (?, ?, ?, ?, ?, ?)')
      .run(record.id, record.owner, record.idempotency_key, record.status, record.created_at, JSON.stringify(this.#codec.toDoc(record)));
  }

  async findByIdempotencyKey(owner: string | null, key: string): Promise<R | null> {
    return this.#byKey(owner, key);
  }

  #byKey(owner: string | null, key: string): R | null {
    const row = this.db
      .prepare("SELECT doc FROM tasks WHERE coalesce(owner, '') = ? AND idempotency_key = ?")
      .get(owner ?? '', key) as { doc: string } | undefined;
    return row ? this.parse(row.doc) : null;
  }

  async previewAdmission(owner: string | null, limits: AdmissionLimits): Promise<Refusal | null> {
    return admit(this.counts(owner), limits, this.now().getTime());
  }

  protected counts(owner: string | null): AdmissionCounts {
    const now = this.now().getTime();
    const unfinished = "status IN ('queued', 'processing')";
    const n = (sql: string, ...args: (string | null)[]) => this.count(sql, ...args);
    return {
      unfinished: n(`SELECT count(*) AS n FROM tasks WHERE ${unfinished}`),
      ownerUnfinished: n(`SELECT count(*) AS n FROM tasks WHERE ${unfinished} AND coalesce(owner, '') = ?`, owner ?? ''),
      // A sliding minute: the window ends when the oldest submit in it leaves it.
      ownerRecent: n(`SELECT count(*) AS n FROM tasks WHERE coalesce(owner, '') = ? AND created_at > ?`, owner ?? '', new Date(now - 60_000).toISOString()),
      windowEndsAt:
        Date.parse(
          (this.db
            .prepare(`SELECT min(created_at) AS t FROM tasks WHERE coalesce(owner, '') = ? AND created_at > ?`)
            .get(owner ?? '', new Date(now - 60_000).toISOString()) as { t: string | null }).t ?? new Date(now).toISOString(),
        ) + 60_000,
    };
  }

  async get(id: string): Promise<R | null> {
    return this.#read(id);
  }

  async update<X>(id: string, decide: (record: R | null, now: Date) => { write: R | null; result: X }): Promise<X> {
    return this.tx(() => {
      const { write, result } = decide(this.#read(id), this.now());
      if (write) this.#write(write);
      return result;
    });
  }

  async listForSweep(): Promise<R[]> {
    return this.rows("SELECT doc FROM tasks WHERE status IN ('queued', 'processing') OR json_extract(doc, '$.callback.state') = 'pending' ORDER BY created_at, id");
  }

  /**
   * Deletes the records whose retention ran out (Firestore's TTL policy does this in the cloud);
   * returns their ids so their files can go too.
   */
  async purgeExpired(): Promise<string[]> {
    return this.tx(() => {
      const now = this.now().toISOString();
      const rows = this.db.prepare("SELECT id FROM tasks WHERE json_extract(doc, '$.expire_at') < ?").all(now) as { id: string }[];
      this.db.prepare("DELETE FROM tasks WHERE json_extract(doc, '$.expire_at') < ?").run(now);
      return rows.map((r) => r.id);
    });
  }

  async close(): Promise<void> {
    if (this.db.isOpen) this.db.close();
  }
}

/**
 * Videos' tasks (DATA_DIR/tasks.sqlite), with the batches made of them in the same file (a batch
 * and its tasks are written in one transaction), and the submits that make no task (scripts),
 * counted in their key's minute.
 */
export class LocalTaskStore extends LocalRecordStore<TaskRecord> implements TaskRecordStore {
  constructor(opts: LocalStoreOptions) {
    super(opts, {
      toDoc: (task) => task,
      // Written before these fields existed: no storyboard, script or batch; a fan-out with no join begun.
      fromDoc: (doc) => {
        const task = doc as unknown as TaskRecord;
        return {
          ...task,
          script: task.script ?? null,
          batch: task.batch ?? null,
          from_storyboard: task.from_storyboard ?? null,
          fanout: task.fanout ? { ...task.fanout, joins: task.fanout.joins ?? 0 } : null,
        };
      },
    });
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS batches (
        id TEXT PRIMARY KEY,
        owner TEXT,
        idempotency_key TEXT,
        created_at TEXT NOT NULL,
        doc TEXT NOT NULL
      );
      CREATE UNIQUE INDEX IF NOT EXISTS batches_idempotency ON batches (coalesce(owner, ''), idempotency_key)
        WHERE idempotency_key IS NOT NULL;
      CREATE TABLE IF NOT EXISTS submits (owner TEXT NOT NULL, created_at TEXT NOT NULL);
      CREATE INDEX IF NOT EXISTS submits_owner ON submits (owner, created_at);
    `);
  }

  /** The key's minute counts its submits that made no task too (takeSubmit). */
  protected override counts(owner: string | null): AdmissionCounts {
    const c = super.counts(owner);
    const since = new Date(this.now().getTime() - 60_000).toISOString();
    const row = this.db.prepare('SELECT count(*) AS n, min(created_at) AS t FROM submits WHERE owner = ? AND created_at > ?').get(owner ?? '', since) as { n: number; t: string | null };
    if (!row.n) return c;
    const windowEndsAt = Math.min(c.ownerRecent ? c.windowEndsAt : Infinity, Date.parse(row.t!) + 60_000);
    return { ...c, ownerRecent: c.ownerRecent + Number(row.n), windowEndsAt };
  }

  async takeSubmit(owner: string | null, limits: AdmissionLimits): Promise<Refusal | null> {
    return this.tx(() => {
      const now = this.now();
      const refused = admitRate(this.counts(owner), limits, now.getTime());
      if (refused) return refused;
      this.db.prepare('DELETE FROM submits WHERE created_at <= ?').run(new Date(now.getTime() - 60_000).toISOString());
      this.db.prepare('INSERT INTO submits (owner, created_at) VALUES (?, ?)').run(owner ?? '', now.toISOString());
      return null;
    });
  }

  async createBatch(batch: BatchRecord, tasks: TaskRecord[], limits?: AdmissionLimits): Promise<BatchCreateOutcome> {
    return this.tx(() => {
      if (batch.idempotency_key) {
        const row = this.db
          .prepare("SELECT doc FROM batches WHERE coalesce(owner, '') = ? AND idempotency_key = ?")
          .get(batch.owner ?? '', batch.idempotency_key) as { doc: string } | undefined;
        if (row) {
          const existing = JSON.parse(row.doc) as BatchRecord;
          return existing.request_hash === batch.request_hash ? { kind: 'existing' as const, batch: existing } : { kind: 'conflict' as const, batch: existing };
        }
      }
      if (limits) {
        const refused = admit(this.counts(batch.owner), limits, this.now().getTime(), tasks.length);
        if (refused) return refused;
      }
      // Any failure below (a duplicate id) throws, and the transaction takes every row back.
      for (const t of tasks) this.insert(t);
      this.db
        .prepare('INSERT INTO batches (id, owner, idempotency_key, created_at, doc) VALUES (?, ?, ?, ?, ?)')
        .run(batch.id, batch.owner, batch.idempotency_key, batch.created_at, JSON.stringify(batch));
      return { kind: 'created' as const, batch };
    });
  }

  async getMany(ids: readonly string[]): Promise<(TaskRecord | null)[]> {
    if (!ids.length) return [];
    const found = new Map(this.rows(`SELECT doc FROM tasks WHERE id IN (${ids.map(() => '?').join(', ')})`, ...ids).map((t) => [t.id, t]));
    return ids.map((id) => found.get(id) ?? null);
  }

  /** The batches of this file. */
  batches(): BatchStore {
    const read = (id: string) => {
      const row = this.db.prepare('SELECT doc FROM batches WHERE id = ?').get(id) as { doc: string } | undefined;
      return row ? (JSON.parse(row.doc) as BatchRecord) : null;
    };
    return {
      get: async (id) => read(id),
      update: async (id, decide) =>
        this.tx(() => {
          const { write, result } = decide(read(id), this.now());
          if (write) this.db.prepare('UPDATE batches SET doc = ? WHERE id = ?').run(JSON.stringify(write), id);
          return result;
        }),
      listForSweep: async () =>
        (this.db.prepare("SELECT doc FROM batches WHERE json_extract(doc, '$.callback.state') = 'pending' ORDER BY created_at, id").all() as { doc: string }[]).map(
          (r) => JSON.parse(r.doc) as BatchRecord,
        ),
    };
  }

  /** Expired tasks (their ids returned, for their files) and expired batches. */
  override async purgeExpired(): Promise<string[]> {
    const ids = await super.purgeExpired();
    this.tx(() => this.db.prepare("DELETE FROM batches WHERE json_extract(doc, '$.expire_at') < ?").run(this.now().toISOString()));
    return ids;
  }

  async countUnfinished(): Promise<number> {
    return this.count("SELECT count(*) AS n FROM tasks WHERE status IN ('queued', 'processing')");
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
    const rows = this.rows(`SELECT doc FROM tasks ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY created_at DESC, id DESC LIMIT ?`, ...args, q.limit + 1);
    const tasks = rows.slice(0, q.limit);
    const last = tasks.at(-1);
    return { tasks, next: rows.length > q.limit && last ? { created_at: last.created_at, id: last.id } : null };
  }

  async recentClipIds(owner: string | null, videos: number): Promise<string[]> {
    if (videos <= 0) return [];
    const tasks = this.rows("SELECT doc FROM tasks WHERE coalesce(owner, '') = ? AND status = 'completed' ORDER BY created_at DESC, id DESC LIMIT ?", owner ?? '', videos);
    return [...new Set(tasks.flatMap((t) => t.output?.clip_ids ?? []))];
  }
}

/**
 * Storyboards (DATA_DIR/storyboards.sqlite). Their documents keep the layout they had when a
 * storyboard was a task record of this store (the result under `storyboard`), so a file written
 * by any version reads the same.
 */
export class LocalStoryboardStore extends LocalRecordStore<StoryboardRecord> {
  constructor(opts: LocalStoreOptions) {
    super(opts, {
      toDoc: ({ result, ...rest }) => ({ ...rest, ...(result ? { storyboard: result } : {}) }),
      fromDoc: (doc) => {
        // A video task's fields, which records written as task records carry (all null), are no storyboard's.
        const { storyboard, output: _o, callback: _c, fanout: _f, from_storyboard: _s, ...rest } = doc;
        const record = rest as unknown as Omit<StoryboardRecord, 'result'>;
        return { ...record, script: record.script ?? null, result: (storyboard as StoryboardRecord['result']) ?? null };
      },
    });
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
