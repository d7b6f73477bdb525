/**
 * What every module of the store shares: the qualified table names of a schema, transactions on a
 * pooled connection, and the SQLSTATE of a failed statement.
 */
import { OrchestratorError } from '@llm-orchestrator/core';
import pg from 'pg';

export const DEFAULT_SCHEMA = 'llm_orchestrator';

const IDENTIFIER = /^[a-z_][a-z0-9_]*$/;

/**
 * The schema name as a quoted SQL identifier. Only `[a-z_][a-z0-9_]*` (at most 63 characters, the
 * PostgreSQL limit) is accepted: the name is the one value the store puts into SQL text.
 */
export function schemaIdentifier(schema: string): string {
  if (!IDENTIFIER.test(schema) || schema.length > 63)
    throw new OrchestratorError(
      'STORE_CONFIG',
      `invalid PostgreSQL schema name ${JSON.stringify(schema)}`,
      {
        hint: 'use lower-case letters, digits and underscores, not starting with a digit',
      },
    );
  return `"${schema}"`;
}

/** The store's tables, qualified with its schema, ready to go into SQL text. */
export interface Tables {
  readonly schema: string;
  readonly migrations: string;
  readonly runs: string;
  readonly journal: string;
  readonly blobs: string;
  readonly snapshots: string;
  readonly controls: string;
  readonly definitions: string;
  readonly workflows: string;
  readonly deadLetters: string;
  readonly cache: string;
  readonly auditLog: string;
  readonly usageLog: string;
}

export function tables(schema: string): Tables {
  const s = schemaIdentifier(schema);
  return {
    schema: s,
    migrations: `${s}.schema_migrations`,
    runs: `${s}.runs`,
    journal: `${s}.journal`,
    blobs: `${s}.blobs`,
    snapshots: `${s}.snapshots`,
    controls: `${s}.controls`,
    definitions: `${s}.definitions`,
    workflows: `${s}.workflows`,
    deadLetters: `${s}.dead_letters`,
    cache: `${s}.cache`,
    auditLog: `${s}.audit_log`,
    usageLog: `${s}.usage_log`,
  };
}

/** Runs `fn` in a transaction on one pooled connection; rolls back when it throws. */
export async function transaction<T>(
  pool: pg.Pool,
  fn: (client: pg.PoolClient) => Promise<T>,
): Promise<T> {
  const client = await pool.connect();
  let broken = false;
  try {
    await client.query('BEGIN');
    const result = await fn(client);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    try {
      await client.query('ROLLBACK');
    } catch {
      // The connection is gone: the pool must not hand it out again.
      broken = true;
    }
    throw err;
  } finally {
    client.release(broken);
  }
}

/** The SQLSTATE of an error PostgreSQL reported, if it is one. */
export function sqlState(err: unknown): string | undefined {
  return err instanceof pg.DatabaseError ? err.code : undefined;
}
