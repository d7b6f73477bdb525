/**
 * The schema, as numbered migrations. Applied in order at open, pending ones in one transaction;
 * a database that has a migration this code does not know was written by a newer version.
 */
import type { Database } from 'better-sqlite3';
import { OrchestratorError } from '@llm-orchestrator/core';

export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'initial schema',
    sql: `
      CREATE TABLE runs (
        num INTEGER PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        workflow_name TEXT NOT NULL,
        workflow_version TEXT NOT NULL,
        definition TEXT NOT NULL,
        status TEXT NOT NULL,
        inputs TEXT NOT NULL,
        outputs TEXT,
        error TEXT,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        last_seq INTEGER NOT NULL,
        owner TEXT,
        lease_expires_at INTEGER
      );
      CREATE INDEX runs_created ON runs (created_at, num);
      CREATE INDEX runs_status ON runs (status, created_at, num);
      CREATE INDEX runs_workflow ON runs (workflow_name, created_at, num);

      CREATE TABLE journal (
        run_id TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
        seq INTEGER NOT NULL,
        entry TEXT NOT NULL,
        PRIMARY KEY (run_id, seq)
      ) WITHOUT ROWID;

      CREATE TABLE blobs (
        id TEXT PRIMARY KEY,
        run_id TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
        json TEXT NOT NULL
      );
      CREATE INDEX blobs_run ON blobs (run_id);

      CREATE TABLE snapshots (
        run_id TEXT PRIMARY KEY REFERENCES runs (id) ON DELETE CASCADE,
        seq INTEGER NOT NULL,
        state TEXT NOT NULL
      );

      CREATE TABLE controls (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        run_id TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
        command TEXT NOT NULL,
        requested_at INTEGER NOT NULL
      );
      CREATE INDEX controls_run ON controls (run_id, id);

      CREATE TABLE definitions (
        hash TEXT PRIMARY KEY,
        source TEXT NOT NULL,
        workflow TEXT NOT NULL
      );

      CREATE TABLE workflows (
        num INTEGER PRIMARY KEY,
        name TEXT NOT NULL,
        version TEXT NOT NULL,
        definition TEXT NOT NULL,
        registered_at INTEGER NOT NULL,
        UNIQUE (name, version)
      );

      CREATE TABLE dead_letters (
        num INTEGER PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        queue TEXT NOT NULL,
        run_id TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        body TEXT NOT NULL
      );
      CREATE INDEX dead_letters_queue ON dead_letters (queue, num);
      CREATE INDEX dead_letters_run ON dead_letters (run_id, num);
    `,
  },
  {
    version: 2,
    name: 'cache, audit log and usage log',
    // Beside runs: no foreign key to them, as audit and usage records outlive their runs.
    sql: `
      CREATE TABLE cache (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL,
        stored_at INTEGER NOT NULL,
        expires_at INTEGER
      );

      CREATE TABLE audit_log (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        at INTEGER NOT NULL,
        actor TEXT NOT NULL,
        action TEXT NOT NULL,
        run_id TEXT,
        task_id TEXT,
        outcome TEXT NOT NULL,
        details TEXT NOT NULL
      );
      CREATE INDEX audit_log_run ON audit_log (run_id, id);
      CREATE INDEX audit_log_at ON audit_log (at);

      CREATE TABLE usage_log (
        id TEXT PRIMARY KEY,
        at INTEGER NOT NULL,
        run_id TEXT NOT NULL,
        task_id TEXT NOT NULL,
        workflow TEXT NOT NULL,
        labels TEXT NOT NULL,
        provider TEXT NOT NULL,
        model TEXT NOT NULL,
        input_tokens INTEGER NOT NULL,
        output_tokens INTEGER NOT NULL,
        cost_usd REAL NOT NULL,
        latency_ms INTEGER,
        quality REAL,
        cached INTEGER NOT NULL
      );
      CREATE INDEX usage_log_run ON usage_log (run_id);
      CREATE INDEX usage_log_workflow ON usage_log (workflow, at);
      CREATE INDEX usage_log_at ON usage_log (at);
    `,
  },
];

/**
 * Brings the schema up to date, in one immediate transaction (several processes may open the same
 * file at once). Throws `STORE_TOO_NEW` for a database with a migration unknown here.
 */
export function migrate(db: Database, now: number): void {
  db.transaction(() => {
    db.exec(
      'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)',
    );
    const done = new Set(
      db.prepare<[], number>('SELECT version FROM schema_migrations').pluck().all(),
    );
    const known = new Set(MIGRATIONS.map((m) => m.version));
    const unknown = [...done].filter((v) => !known.has(v));
    if (unknown.length > 0) {
      throw new OrchestratorError(
        'STORE_TOO_NEW',
        `the database has schema migration ${Math.max(...unknown)}, newer than this version of llm-orchestrator knows (up to ${Math.max(0, ...known)})`,
        { hint: 'open it with a newer version of llm-orchestrator' },
      );
    }
    const record = db.prepare<[number, string, number]>(
      'INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)',
    );
    for (const m of MIGRATIONS) {
      if (done.has(m.version)) continue;
      db.exec(m.sql);
      record.run(m.version, m.name, now);
    }
  }).immediate();
}
