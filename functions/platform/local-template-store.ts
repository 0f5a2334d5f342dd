// The embedded template store: one SQLite file (DATA_DIR/templates.sqlite), each template a JSON
// document, its name unique among its owner's. Templates do not expire.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import type { TemplateRecord } from '../domain/template.ts';
import { ConfigError } from '../errors.ts';
import type { TemplateStore, TemplateWrite } from './ports.ts';

export class LocalTemplateStore implements TemplateStore {
  readonly #db: DatabaseSync;

  constructor(opts: { path: string }) {
    if (opts.path !== ':memory:') mkdirSync(dirname(opts.path), { recursive: true });
    try {
      this.#db = new DatabaseSync(opts.path);
      this.#db.exec(`
        PRAGMA journal_mode = WAL;
        PRAGMA synchronous = FULL;
        PRAGMA busy_timeout = 5000;
        CREATE TABLE IF NOT EXISTS templates (
          id TEXT PRIMARY KEY,
          owner TEXT NOT NULL,
          name TEXT NOT NULL,
          doc TEXT NOT NULL
        );
        CREATE UNIQUE INDEX IF NOT EXISTS templates_name ON templates (owner, name);
      `);
    } catch (err) {
      throw new ConfigError(`the template database ${opts.path} cannot be used (${(err as Error).message}); check that DATA_DIR is writable by this user`);
    }
  }

  #tx<X>(fn: () => X): X {
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

  #nameTaken(t: TemplateRecord): boolean {
    return !!this.#db.prepare('SELECT 1 FROM templates WHERE owner = ? AND name = ? AND id <> ?').get(t.owner ?? '', t.name, t.id);
  }

  async create(t: TemplateRecord, maxPerOwner: number): Promise<Exclude<TemplateWrite, 'missing'>> {
    return this.#tx(() => {
      if (this.#nameTaken(t)) return 'name_taken';
      const { n } = this.#db.prepare('SELECT count(*) AS n FROM templates WHERE owner = ?').get(t.owner ?? '') as { n: number };
      if (Number(n) >= maxPerOwner) return 'too_many';
      this.#db.prepare('INSERT INTO templates (id, owner, name, doc) VALUES (?, ?, ?, ?)').run(t.id, t.owner ?? '', t.name, JSON.stringify(t));
      return 'written';
    });
  }

  async get(id: string): Promise<TemplateRecord | null> {
    const row = this.#db.prepare('SELECT doc FROM templates WHERE id = ?').get(id) as { doc: string } | undefined;
    return row ? (JSON.parse(row.doc) as TemplateRecord) : null;
  }

  async list(owner: string | null): Promise<TemplateRecord[]> {
    return (this.#db.prepare('SELECT doc FROM templates WHERE owner = ? ORDER BY name, id').all(owner ?? '') as { doc: string }[]).map((r) => JSON.parse(r.doc) as TemplateRecord);
  }

  async replace(t: TemplateRecord): Promise<Exclude<TemplateWrite, 'too_many'>> {
    return this.#tx(() => {
      if (!this.#db.prepare('SELECT 1 FROM templates WHERE id = ?').get(t.id)) return 'missing';
      if (this.#nameTaken(t)) return 'name_taken';
      this.#db.prepare('UPDATE templates SET name = ?, doc = ? WHERE id = ?').run(t.name, JSON.stringify(t), t.id);
      return 'written';
    });
  }

  async delete(id: string): Promise<boolean> {
    return Number(this.#db.prepare('DELETE FROM templates WHERE id = ?').run(id).changes) > 0;
  }

  async close(): Promise<void> {
    if (this.#db.isOpen) this.#db.close();
  }
}
