/**
 * Leases: which process executes a run. A lease is the pair (owner, lease_expires_at) of the run's
 * row; every change of it is one conditional statement, so it is atomic between processes. (A
 * release is batched with the journal writes: `batch.ts`.)
 */
import type pg from 'pg';
import type { Tables } from './db.js';

/** Free or expired, oldest first; rows another transaction is claiming are skipped. */
export async function claimRuns(
  pool: pg.Pool,
  t: Tables,
  owner: string,
  now: number,
  ttlMs: number,
  limit: number,
): Promise<string[]> {
  const { rows } = await pool.query<{ id: string }>(
    `WITH claimed AS (
       UPDATE ${t.runs} SET owner = $1, lease_expires_at = $2
       WHERE id IN (
         SELECT id FROM ${t.runs}
         WHERE status IN ('pending', 'running', 'paused')
           AND (owner IS NULL OR lease_expires_at <= $3)
         ORDER BY created_at, seq_order
         LIMIT $4
         FOR UPDATE SKIP LOCKED)
       RETURNING id, created_at, seq_order)
     SELECT id FROM claimed ORDER BY created_at, seq_order`,
    [owner, now + ttlMs, now, limit],
  );
  return rows.map((r) => r.id);
}

export async function claimRun(
  pool: pg.Pool,
  t: Tables,
  runId: string,
  owner: string,
  now: number,
  ttlMs: number,
): Promise<boolean> {
  const { rowCount } = await pool.query(
    `UPDATE ${t.runs} SET owner = $2, lease_expires_at = $3
     WHERE id = $1 AND (owner IS NULL OR lease_expires_at <= $4 OR owner = $2)`,
    [runId, owner, now + ttlMs, now],
  );
  return rowCount === 1;
}

/** The ids `owner` still holds, in the order given. */
export async function renewLeases(
  pool: pg.Pool,
  t: Tables,
  owner: string,
  runIds: readonly string[],
  now: number,
  ttlMs: number,
): Promise<string[]> {
  if (runIds.length === 0) return [];
  const { rows } = await pool.query<{ id: string }>(
    `UPDATE ${t.runs} SET lease_expires_at = $3 WHERE id = ANY($2::text[]) AND owner = $1
     RETURNING id`,
    [owner, runIds, now + ttlMs],
  );
  const held = new Set(rows.map((r) => r.id));
  return runIds.filter((id) => held.has(id));
}
