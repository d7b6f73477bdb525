/**
 * The row shapes the SQL stores (SQLite, PostgreSQL) share: their tables have the same columns,
 * with JSON kept as text, and rows become port records the same way.
 */
import type { ErrorInfo } from '../engine/journal.js';
import type { RunStatus } from '../engine/states.js';
import type { ControlCommand, ControlRequest, RunRecord } from './port.js';

export interface RunRow {
  id: string;
  workflow_name: string;
  workflow_version: string;
  definition: string;
  status: RunStatus;
  inputs: string;
  outputs: string | null;
  error: string | null;
  created_at: number;
  updated_at: number;
  last_seq: number;
  owner: string | null;
  lease_expires_at: number | null;
}

export interface ControlRow {
  /** A number, or a string for a PostgreSQL bigserial. */
  id: number | string;
  run_id: string;
  command: string;
  requested_at: number;
}

/** The columns of a RunRow, in order, for SELECT lists. */
export const RUN_COLUMNS = `id, workflow_name, workflow_version, definition, status, inputs, outputs, error,
  created_at, updated_at, last_seq, owner, lease_expires_at`;

/** A run row as a RunRecord; empty columns are left out. */
export function runFromRow(row: RunRow): RunRecord {
  return {
    id: row.id,
    workflow: { name: row.workflow_name, version: row.workflow_version },
    definition: row.definition,
    status: row.status,
    inputs: JSON.parse(row.inputs) as Record<string, unknown>,
    ...(row.outputs === null ? {} : { outputs: JSON.parse(row.outputs) as unknown }),
    ...(row.error === null ? {} : { error: JSON.parse(row.error) as ErrorInfo }),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    lastSeq: row.last_seq,
    ...(row.owner === null ? {} : { owner: row.owner }),
    ...(row.lease_expires_at === null ? {} : { leaseExpiresAt: row.lease_expires_at }),
  };
}

export function controlFromRow(row: ControlRow): ControlRequest {
  return {
    id: Number(row.id),
    runId: row.run_id,
    command: JSON.parse(row.command) as ControlCommand,
    requestedAt: row.requested_at,
  };
}
