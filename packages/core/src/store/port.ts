/**
 * The persistence port. The engine writes every change of a run to a `Store` as journal entries and
 * keeps, through it, the run summaries, leases, control requests, snapshots, large outputs (blobs),
 * dead letters and the definition registry. The in-memory, SQLite and PostgreSQL stores implement it
 * and pass the same conformance suite (`@llm-orchestrator/core/testing`).
 *
 * Times are milliseconds since the epoch, given by the caller (the engine's clock), so that tests
 * can drive them; processes sharing a store must have clocks in step to well within a lease's TTL.
 *
 * Every method may return its result directly or as a promise (`Awaitable`): the in-memory store
 * answers synchronously, the database stores asynchronously. Writes issued by one process are
 * applied in the order they were issued (a store may batch them), so the engine can append without
 * waiting and still find the journal in order.
 */
import type { Clock } from '../clock.js';
import type { DeadLetterQueue } from '../resilience/dead-letter.js';
import type { ErrorInfo, JournalEntry } from '../engine/journal.js';
import type { RunStatus } from '../engine/states.js';
import type { AuditLog, KeyValueCache, UsageLog } from './records.js';

export type Awaitable<T> = T | Promise<T>;

export interface StoredEntry {
  /** 1-based, consecutive within a run. */
  readonly seq: number;
  readonly entry: JournalEntry;
}

/**
 * What a journal entry or run summary holds in place of a large value (a task's output or a run's
 * outputs whose JSON is longer than the store's blob threshold). `readBlob(id)` gives the value.
 */
export interface BlobRef {
  readonly $blob: string;
  /** The length of the value's JSON text, in UTF-16 code units. */
  readonly size: number;
}

export function isBlobRef(value: unknown): value is BlobRef {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { $blob?: unknown }).$blob === 'string' &&
    typeof (value as { size?: unknown }).size === 'number' &&
    Object.keys(value).length === 2
  );
}

/** The summary of a run, kept up to date by `append` from the entries it writes. */
export interface RunRecord {
  readonly id: string;
  readonly workflow: { readonly name: string; readonly version: string };
  /** The registry hash of the exact definition the run runs (`putDefinition`). */
  readonly definition: string;
  readonly status: RunStatus;
  readonly inputs: Readonly<Record<string, unknown>>;
  /** Set by a `run.outputs` entry; cleared when the run runs again. May be a BlobRef. */
  readonly outputs?: unknown;
  /** From the last `run.status` entry that carried one; cleared by one that did not. */
  readonly error?: ErrorInfo;
  readonly createdAt: number;
  /** The `at` of the last entry appended. */
  readonly updatedAt: number;
  /** The seq of the last entry appended. */
  readonly lastSeq: number;
  /** The lease holder, if any (an expired lease still names its last holder). */
  readonly owner?: string;
  readonly leaseExpiresAt?: number;
}

export interface RunFilter {
  readonly status?: RunStatus | readonly RunStatus[];
  readonly workflow?: string;
  /** Newest first; default 100. */
  readonly limit?: number;
  /** Only runs created strictly before this time (paging: the last record's createdAt). */
  readonly createdBefore?: number;
}

/** A definition as the registry keeps it: the exact source a run was started from. */
export interface StoredDefinition {
  /** YAML/JSON text, or the parsed document(s) when the definition was given as a value. */
  readonly source: string | Readonly<Record<string, unknown>> | readonly unknown[];
  /** Which workflow of the source (a file may hold several documents). */
  readonly workflow: string;
}

export interface WorkflowVersion {
  readonly name: string;
  readonly version: string;
  readonly definition: string;
  readonly registeredAt: number;
}

export type ControlCommand =
  | { readonly type: 'cancel'; readonly reason?: string }
  | { readonly type: 'pause' }
  | { readonly type: 'resume' }
  | { readonly type: 'retry'; readonly fromTask?: string }
  /** Decides a task waiting for approval (a policy's `require-approval`). */
  | {
      readonly type: 'approve' | 'reject';
      readonly taskId: string;
      /** Who decided (audit log). */
      readonly actor?: string;
      readonly comment?: string;
    };

export interface ControlRequest {
  /** Assigned by the store, increasing. */
  readonly id: number;
  readonly runId: string;
  readonly command: ControlCommand;
  readonly requestedAt: number;
}

/** What `readRun` gives. */
export interface RunRead {
  readonly record: RunRecord;
  readonly snapshot?: Snapshot;
  /** The journal entries after the snapshot's seq (all of them without one), in order. */
  readonly entries: readonly StoredEntry[];
}

export interface Snapshot {
  /** The journal seq the state includes (entries up to and including it). */
  readonly seq: number;
  /** JSON data. */
  readonly state: unknown;
}

export interface Lease {
  readonly owner: string;
  readonly expiresAt: number;
}

export interface Store {
  /**
   * Whether what is written survives the process. The engine forgets finished runs it no longer
   * retains from a store that is not durable (to bound its memory), never from one that is.
   */
  readonly durable: boolean;

  // ── journal ─────────────────────────────────────────────────────────────────────────────────
  /**
   * Creates a run: its summary (status `pending`) and its first journal entry (`entry`, seq 1), in
   * one transaction, held under `lease` when given. Rejects with an OrchestratorError of code
   * `RUN_EXISTS` when the id is taken.
   */
  createRun(
    runId: string,
    entry: Extract<JournalEntry, { type: 'run.created' }>,
    lease?: Lease,
  ): Awaitable<void>;
  /**
   * Appends entries to a run's journal, all or none, with the next seqs, and updates the run's
   * summary from them (status, error, outputs, updatedAt, lastSeq). Outputs of `task.completed` and
   * `run.outputs` entries whose JSON is longer than the blob threshold are stored as blobs and the
   * entry keeps a BlobRef. With `owner`, appends only while `owner` holds the run's lease (expired
   * or not, as long as no one else took it) and otherwise rejects with code `LEASE_LOST`, writing
   * nothing. Rejects with `RUN_NOT_FOUND` for an unknown run.
   */
  append(runId: string, entries: readonly JournalEntry[], owner?: string): Awaitable<void>;
  /**
   * The entries after `afterSeq` (default 0), in order, at most `limit` of them (default: all);
   * BlobRefs are left as they are.
   */
  read(runId: string, afterSeq?: number, limit?: number): Awaitable<readonly StoredEntry[]>;
  /** The value a BlobRef stands for; rejects with `BLOB_NOT_FOUND` when there is none. */
  readBlob(id: string): Awaitable<unknown>;
  /** Waits until every write issued so far is durable (a no-op for a synchronous store). */
  flush(): Awaitable<void>;

  // ── runs ────────────────────────────────────────────────────────────────────────────────────
  getRun(runId: string): Awaitable<RunRecord | undefined>;
  /**
   * A run's record, its latest snapshot and the journal after that snapshot, read together: one
   * consistent view in one round trip (what a status read or a takeover needs).
   */
  readRun(runId: string): Awaitable<RunRead | undefined>;
  listRuns(filter?: RunFilter): Awaitable<readonly RunRecord[]>;
  /** Deletes a run: its summary, journal, snapshots, control requests and blobs. */
  deleteRun(runId: string): Awaitable<void>;

  // ── leases: who executes a run ──────────────────────────────────────────────────────────────
  /**
   * Claims up to `limit` runs that are `pending`, `running` or `paused` and have no holder or an
   * expired lease (`leaseExpiresAt <= now`), oldest first, for `owner` until `now + ttlMs`. Two
   * concurrent callers never get the same run (PostgreSQL: `FOR UPDATE SKIP LOCKED`).
   */
  claimRuns(owner: string, now: number, ttlMs: number, limit: number): Awaitable<readonly string[]>;
  /**
   * Claims one run, whatever its status, when it has no holder, an expired lease, or `owner` holds
   * it already. Returns whether `owner` now holds it. False for an unknown run.
   */
  claimRun(runId: string, owner: string, now: number, ttlMs: number): Awaitable<boolean>;
  /** Extends `owner`'s leases on `runIds` to `now + ttlMs`; returns the ids it still holds. */
  renewLeases(
    owner: string,
    runIds: readonly string[],
    now: number,
    ttlMs: number,
  ): Awaitable<readonly string[]>;
  /** Gives a run up, if `owner` holds it: no holder afterwards. */
  releaseLease(runId: string, owner: string): Awaitable<void>;

  // ── control requests: cancel, pause, resume or retry a run another process executes ──────────
  requestControl(runId: string, command: ControlCommand, now: number): Awaitable<ControlRequest>;
  /** Takes (returns and deletes) the pending requests for runs `owner` holds, oldest first. */
  takeControls(owner: string): Awaitable<readonly ControlRequest[]>;
  /** The pending requests of a run, oldest first (without taking them). */
  pendingControls(runId: string): Awaitable<readonly ControlRequest[]>;

  // ── snapshots ───────────────────────────────────────────────────────────────────────────────
  /** Keeps a run's state as of `snapshot.seq`; only the latest per run needs to be kept. */
  saveSnapshot(runId: string, snapshot: Snapshot): Awaitable<void>;
  latestSnapshot(runId: string): Awaitable<Snapshot | undefined>;

  // ── definition registry ─────────────────────────────────────────────────────────────────────
  /** Keeps a definition under its content hash (idempotent). */
  putDefinition(hash: string, definition: StoredDefinition): Awaitable<void>;
  getDefinition(hash: string): Awaitable<StoredDefinition | undefined>;
  /**
   * Registers `name@version` for a stored definition. Registering the same hash again is a no-op;
   * another hash under a registered name@version rejects with code `VERSION_EXISTS`.
   */
  registerWorkflow(version: WorkflowVersion): Awaitable<void>;
  /** Registered versions (of `name`, or all), oldest registration first. */
  listWorkflows(name?: string): Awaitable<readonly WorkflowVersion[]>;

  // ── dead letters ────────────────────────────────────────────────────────────────────────────
  readonly deadLetters: DeadLetterQueue;

  // ── beside runs (records.ts) ────────────────────────────────────────────────────────────────
  /** Values with a time to live: LLM responses, the `cached` fallback's last good outputs. */
  readonly cache: KeyValueCache;
  /** Policy decisions, approvals and mutating calls: who, what, when, outcome. */
  readonly audit: AuditLog;
  /** Model calls and quality scores: what budgets sum and `llm-orchestrator metrics` reports. */
  readonly usage: UsageLog;

  /** Flushes and closes connections; the store is unusable afterwards. */
  close(): Awaitable<void>;
}

/** Options every store implementation accepts. */
export interface StoreOptions {
  /** JSON longer than this (UTF-16 code units) goes to a blob. Default 1 MiB (1,048,576). */
  readonly blobThreshold?: number;
  /** Gives dead letters their `createdAt` (and ages for `purge`). Default: the system clock. */
  readonly clock?: Clock;
}

export const DEFAULT_BLOB_THRESHOLD = 1024 * 1024;
