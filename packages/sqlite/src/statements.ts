/** The SQLite store's prepared statements and how its rows become records. */
import type { Database, Statement } from 'better-sqlite3';
import { RUN_COLUMNS, type ControlRow, type RunRow } from '@llm-orchestrator/core';

interface WorkflowRow {
  name: string;
  version: string;
  definition: string;
  registered_at: number;
}

const CONTROL_COLUMNS = 'id, run_id, command, requested_at';
const WORKFLOW_COLUMNS = 'name, version, definition, registered_at';

type Controls = Statement<[string], ControlRow>;

export interface StoreStatements {
  readonly readJournal: Statement<[string, number, number], [number, string]>;
  readonly readBlob: Statement<[string], string>;
  readonly getRun: Statement<[string], RunRow>;
  readonly runExists: Statement<[string], number>;
  readonly deleteRun: Statement<[string]>;
  readonly claimable: Statement<[number, number], string>;
  readonly hold: Statement<[string, number, string]>;
  readonly claimOne: Statement<{ owner: string; expiresAt: number; runId: string; now: number }>;
  readonly renew: Statement<[number, string, string]>;
  readonly insertControl: Statement<[string, string, number]>;
  readonly controlsOf: Controls;
  readonly deleteControl: Statement<[number]>;
  readonly pendingControls: Controls;
  readonly latestSnapshot: Statement<[string], { seq: number; state: string }>;
  readonly putDefinition: Statement<[string, string, string]>;
  readonly getDefinition: Statement<[string], { source: string; workflow: string }>;
  readonly registeredDefinition: Statement<[string, string], string>;
  readonly register: Statement<[string, string, string, number]>;
  readonly listWorkflows: Statement<{ name: string | null }, WorkflowRow>;
}

export function prepareStatements(db: Database): StoreStatements {
  return {
    readJournal: db
      .prepare<[string, number, number], [number, string]>(
        'SELECT seq, entry FROM journal WHERE run_id = ? AND seq > ? ORDER BY seq LIMIT ?',
      )
      .raw(),
    readBlob: db.prepare<[string], string>('SELECT json FROM blobs WHERE id = ?').pluck(),
    getRun: db.prepare<[string], RunRow>(`SELECT ${RUN_COLUMNS} FROM runs WHERE id = ?`),
    runExists: db.prepare<[string], number>('SELECT 1 FROM runs WHERE id = ?').pluck(),
    deleteRun: db.prepare<[string]>('DELETE FROM runs WHERE id = ?'),
    claimable: db
      .prepare<[number, number], string>(
        `SELECT id FROM runs WHERE status IN ('pending', 'running', 'paused')
           AND (owner IS NULL OR coalesce(lease_expires_at, 0) <= ?)
         ORDER BY created_at, num LIMIT ?`,
      )
      .pluck(),
    hold: db.prepare<[string, number, string]>(
      'UPDATE runs SET owner = ?, lease_expires_at = ? WHERE id = ?',
    ),
    claimOne: db.prepare<{ owner: string; expiresAt: number; runId: string; now: number }>(
      `UPDATE runs SET owner = @owner, lease_expires_at = @expiresAt WHERE id = @runId
         AND (owner IS NULL OR owner = @owner OR coalesce(lease_expires_at, 0) <= @now)`,
    ),
    renew: db.prepare<[number, string, string]>(
      'UPDATE runs SET lease_expires_at = ? WHERE id = ? AND owner = ?',
    ),
    insertControl: db.prepare<[string, string, number]>(
      'INSERT INTO controls (run_id, command, requested_at) VALUES (?, ?, ?)',
    ),
    // Pending requests are few: scan them, then look their runs up.
    controlsOf: db.prepare<[string], ControlRow>(
      `SELECT c.id, c.run_id, c.command, c.requested_at FROM controls c CROSS JOIN runs r
       WHERE r.id = c.run_id AND r.owner = ? ORDER BY c.id`,
    ),
    deleteControl: db.prepare<[number]>('DELETE FROM controls WHERE id = ?'),
    pendingControls: db.prepare<[string], ControlRow>(
      `SELECT ${CONTROL_COLUMNS} FROM controls WHERE run_id = ? ORDER BY id`,
    ),
    latestSnapshot: db.prepare<[string], { seq: number; state: string }>(
      'SELECT seq, state FROM snapshots WHERE run_id = ?',
    ),
    putDefinition: db.prepare<[string, string, string]>(
      'INSERT INTO definitions (hash, source, workflow) VALUES (?, ?, ?) ON CONFLICT DO NOTHING',
    ),
    getDefinition: db.prepare<[string], { source: string; workflow: string }>(
      'SELECT source, workflow FROM definitions WHERE hash = ?',
    ),
    registeredDefinition: db
      .prepare<[string, string], string>(
        'SELECT definition FROM workflows WHERE name = ? AND version = ?',
      )
      .pluck(),
    register: db.prepare<[string, string, string, number]>(
      'INSERT INTO workflows (name, version, definition, registered_at) VALUES (?, ?, ?, ?)',
    ),
    listWorkflows: db.prepare<{ name: string | null }, WorkflowRow>(
      `SELECT ${WORKFLOW_COLUMNS} FROM workflows WHERE @name IS NULL OR name = @name ORDER BY num`,
    ),
  };
}
