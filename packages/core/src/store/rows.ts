/**
 * The row shapes the SQL stores (SQLite, PostgreSQL) share: their tables have the same columns,
 * with JSON kept as text, and rows become port records the same way.
 */
import type { ErrorInfo } from '../engine/journal.js';
import type { RunStatus } from '../engine/states.js';
import type { ControlCommand, ControlRequest, RunRecord } from './port.js';
import type { AuditEntry, AuditOutcome, UsageRecord } from './records.js';

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

/** An `audit_log` row as the SQL stores read it (PostgreSQL's bigserial id arrives as a string). */
export interface AuditRow {
  id: number | string;
  at: number;
  actor: string;
  action: string;
  run_id: string | null;
  task_id: string | null;
  outcome: string;
  details: string;
}

export function auditFromRow(row: AuditRow): AuditEntry {
  return {
    id: Number(row.id),
    at: row.at,
    actor: row.actor,
    action: row.action,
    runId: row.run_id ?? undefined,
    taskId: row.task_id ?? undefined,
    outcome: row.outcome as AuditOutcome,
    details: JSON.parse(row.details) as AuditEntry['details'],
  };
}

/** A `usage_log` row (token counts are bigint strings from pg; `cached` 0/1 in SQLite). */
export interface UsageRow {
  id: string;
  at: number;
  run_id: string;
  task_id: string;
  workflow: string;
  labels: string;
  provider: string;
  model: string;
  input_tokens: number | string;
  output_tokens: number | string;
  cost_usd: number;
  latency_ms: number | null;
  quality: number | null;
  cached: boolean | number;
}

export function usageFromRow(row: UsageRow): UsageRecord {
  return {
    id: row.id,
    at: row.at,
    runId: row.run_id,
    taskId: row.task_id,
    workflow: row.workflow,
    labels: JSON.parse(row.labels) as UsageRecord['labels'],
    provider: row.provider,
    model: row.model,
    inputTokens: Number(row.input_tokens),
    outputTokens: Number(row.output_tokens),
    costUsd: row.cost_usd,
    latencyMs: row.latency_ms ?? undefined,
    quality: row.quality ?? undefined,
    cached: row.cached === true || row.cached === 1,
  };
}
