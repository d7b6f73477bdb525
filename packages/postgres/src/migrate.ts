/**
 * Schema migrations: the numbered SQL files of `migrations/` (`001_init.sql`, ...), applied in
 * order when a store opens, each once, in one transaction under an advisory lock so that processes
 * opening the same schema at once do not race. `<schema>.schema_migrations` records which ran.
 */
import { readdir, readFile } from 'node:fs/promises';
import { OrchestratorError } from '@llm-orchestrator/core';
import type pg from 'pg';
import { transaction, type Tables } from './db.js';

interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

/** Beside `src/` in the sources and `dist/` in the package: the same relative path. */
const MIGRATIONS = new URL('../migrations/', import.meta.url);

const FILE = /^(\d+)_([a-z0-9_]+)\.sql$/;

async function loadMigrations(): Promise<Migration[]> {
  const migrations: Migration[] = [];
  for (const file of await readdir(MIGRATIONS)) {
    const match = FILE.exec(file);
    if (match === null) continue;
    const [, version = '', name = ''] = match;
    migrations.push({
      version: Number(version),
      name,
      sql: await readFile(new URL(file, MIGRATIONS), 'utf8'),
    });
  }
  return migrations.sort((a, b) => a.version - b.version);
}

/**
 * Brings the schema up to date. Rejects with `STORE_TOO_NEW` when the database has a migration
 * this code does not know (a newer version of the package migrated it).
 */
export async function migrate(pool: pg.Pool, t: Tables): Promise<void> {
  const migrations = await loadMigrations();
  await transaction(pool, async (client) => {
    // One lock per schema, held until the transaction ends.
    await client.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [
      `llm_orchestrator.migrate:${t.schema}`,
    ]);
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${t.schema}`);
    await client.query(
      `CREATE TABLE IF NOT EXISTS ${t.migrations} (
         version integer PRIMARY KEY,
         name text NOT NULL,
         applied_at timestamptz NOT NULL DEFAULT now()
       )`,
    );
    const { rows } = await client.query<{ version: number; name: string }>(
      `SELECT version, name FROM ${t.migrations} ORDER BY version`,
    );
    const known = new Set(migrations.map((m) => m.version));
    const unknown = rows.filter((r) => !known.has(r.version));
    if (unknown.length > 0)
      throw new OrchestratorError(
        'STORE_TOO_NEW',
        `schema ${t.schema} has migration${unknown.length === 1 ? '' : 's'} ${unknown
          .map((r) => `${r.version} (${r.name})`)
          .join(', ')} that this version of @llm-orchestrator/postgres does not know`,
        { hint: 'upgrade @llm-orchestrator/postgres to the version that migrated the database' },
      );
    const applied = new Set(rows.map((r) => r.version));
    // The migration files name their tables without a schema.
    await client.query(`SET LOCAL search_path TO ${t.schema}`);
    for (const m of migrations) {
      if (applied.has(m.version)) continue;
      await client.query(m.sql);
      await client.query(`INSERT INTO ${t.migrations} (version, name) VALUES ($1, $2)`, [
        m.version,
        m.name,
      ]);
    }
  });
}
