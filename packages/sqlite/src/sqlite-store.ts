/**
 * The SQLite store (better-sqlite3): the embedded, durable default. Several processes may open the
 * same file: every write runs in an immediate transaction (the database's write lock is taken
 * before anything is read), so claims and fenced appends are race-free across processes. The
 * frequent writes (journal, lease releases, snapshots) are batched (`write-batch.ts`); every other
 * method first applies the queued ones, except a read of one run, which does so only when some of
 * them are the run's, reads of the registry, which the batch never writes, and the methods of the
 * cache, audit log and usage log (`records.ts`), which are independent of runs.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import BetterSqlite3, { type Database, type Statement } from 'better-sqlite3';
import {
  blobNotFound,
  controlFromRow,
  RUN_COLUMNS,
  runFromRow,
  DEFAULT_BLOB_THRESHOLD,
  runNotFound,
  systemClock,
  versionExists,
  type ControlCommand,
  type ControlRequest,
  type JournalEntry,
  type Lease,
  type RunFilter,
  type RunRead,
  type RunRecord,
  type RunRow,
  type Snapshot,
  type Store,
  type StoredDefinition,
  type StoredEntry,
  type StoreOptions,
  type WorkflowVersion,
} from '@llm-orchestrator/core';
import { SqliteDeadLetterQueue } from './dead-letters.js';
import { migrate } from './migrations.js';
import { SqliteAuditLog, SqliteKeyValueCache, SqliteUsageLog } from './records.js';
import { prepareStatements, type StoreStatements } from './statements.js';
import { WriteBatcher } from './write-batch.js';

export interface SqliteStoreOptions extends StoreOptions {
  /** How long to wait for another process's write lock before failing. Default 5000 ms. */
  readonly busyTimeoutMs?: number;
}

/** Opens (creating it and its directory if need be) a SQLite store at `path`, or `:memory:`. */
export function openSqliteStore(path: string, options: SqliteStoreOptions = {}): SqliteStore {
  return new SqliteStore(path, options);
}

export class SqliteStore implements Store {
  readonly durable: boolean;
  readonly deadLetters: SqliteDeadLetterQueue;
  readonly cache: SqliteKeyValueCache;
  readonly audit: SqliteAuditLog;
  readonly usage: SqliteUsageLog;
  private readonly db: Database;
  private readonly writes: WriteBatcher;
  private readonly immediate: <T>(fn: () => T) => T;
  private readonly deferred: <T>(fn: () => T) => T;
  private readonly listStatements = new Map<string, Statement<unknown[], RunRow>>();
  private readonly sql: StoreStatements;

  constructor(path: string, options: SqliteStoreOptions = {}) {
    const memory = path === ':memory:';
    this.durable = !memory;
    if (!memory) mkdirSync(dirname(path), { recursive: true });
    const clock = options.clock ?? systemClock;
    const db = new BetterSqlite3(path);
    this.db = db;
    try {
      db.pragma(`busy_timeout = ${String(options.busyTimeoutMs ?? 5000)}`);
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      db.pragma('foreign_keys = ON');
      migrate(db, clock.now());
    } catch (err) {
      db.close();
      throw err;
    }
    const tx = db.transaction((fn: () => unknown) => fn());
    this.immediate = <T>(fn: () => T): T => tx.immediate(fn) as T;
    this.deferred = <T>(fn: () => T): T => tx.deferred(fn) as T;
    this.writes = new WriteBatcher(db, options.blobThreshold ?? DEFAULT_BLOB_THRESHOLD);
    this.deadLetters = new SqliteDeadLetterQueue(
      db,
      clock,
      () => this.writes.applyQueued(),
      this.immediate,
    );
    this.sql = prepareStatements(db);
    // Beside runs: neither waiting for the queued writes nor applying them.
    this.cache = new SqliteKeyValueCache(db, this.immediate);
    this.audit = new SqliteAuditLog(db, this.immediate);
    this.usage = new SqliteUsageLog(db, this.immediate);
  }

  // ── journal ─────────────────────────────────────────────────────────────────────────────────
  createRun(
    runId: string,
    entry: Extract<JournalEntry, { type: 'run.created' }>,
    lease?: Lease,
  ): Promise<void> {
    return this.writes.createRun(runId, entry, lease);
  }

  append(runId: string, entries: readonly JournalEntry[], owner?: string): Promise<void> {
    return this.writes.append(runId, entries, owner);
  }

  read(runId: string, afterSeq = 0, limit?: number): Promise<readonly StoredEntry[]> {
    return this.useRun(runId, () =>
      this.sql.readJournal
        .all(runId, afterSeq, limit === undefined ? -1 : Math.max(0, limit))
        .map(([seq, entry]) => ({ seq, entry: JSON.parse(entry) as JournalEntry })),
    );
  }

  readBlob(id: string): Promise<unknown> {
    return this.use(() => {
      const json = this.sql.readBlob.get(id);
      if (json === undefined) throw blobNotFound(id);
      return JSON.parse(json) as unknown;
    });
  }

  /** Resolves once the writes issued so far are committed (with the next batch). */
  flush(): Promise<void> {
    return this.writes.flush();
  }

  // ── runs ────────────────────────────────────────────────────────────────────────────────────
  getRun(runId: string): Promise<RunRecord | undefined> {
    return this.useRun(runId, () => {
      const row = this.sql.getRun.get(runId);
      return row === undefined ? undefined : runFromRow(row);
    });
  }

  readRun(runId: string): Promise<RunRead | undefined> {
    return this.useRun(runId, () =>
      // A read transaction: the three reads see the same state, whatever another process commits.
      this.deferred(() => {
        const row = this.sql.getRun.get(runId);
        if (row === undefined) return undefined;
        const snapshot = this.sql.latestSnapshot.get(runId);
        const entries = this.sql.readJournal
          .all(runId, snapshot?.seq ?? 0, -1)
          .map(([seq, entry]) => ({ seq, entry: JSON.parse(entry) as JournalEntry }));
        return {
          record: runFromRow(row),
          ...(snapshot === undefined
            ? {}
            : { snapshot: { seq: snapshot.seq, state: JSON.parse(snapshot.state) as unknown } }),
          entries,
        };
      }),
    );
  }

  listRuns(filter: RunFilter = {}): Promise<readonly RunRecord[]> {
    return this.use(() => {
      const statuses =
        filter.status === undefined
          ? []
          : typeof filter.status === 'string'
            ? [filter.status]
            : [...filter.status];
      const where: string[] = [];
      const params: unknown[] = [];
      if (filter.status !== undefined) {
        where.push(`status IN (${statuses.map(() => '?').join(', ') || 'NULL'})`);
        params.push(...statuses);
      }
      if (filter.workflow !== undefined) {
        where.push('workflow_name = ?');
        params.push(filter.workflow);
      }
      if (filter.createdBefore !== undefined) {
        where.push('created_at < ?');
        params.push(filter.createdBefore);
      }
      params.push(Math.max(0, filter.limit ?? 100));
      const sql = `SELECT ${RUN_COLUMNS} FROM runs ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
        ORDER BY created_at DESC, num DESC LIMIT ?`;
      let statement = this.listStatements.get(sql);
      if (statement === undefined) {
        statement = this.db.prepare<unknown[], RunRow>(sql);
        this.listStatements.set(sql, statement);
      }
      return statement.all(...params).map(runFromRow);
    });
  }

  deleteRun(runId: string): Promise<void> {
    return this.use(() => {
      // Journal, blobs, snapshot and control requests go with it (ON DELETE CASCADE).
      this.immediate(() => this.sql.deleteRun.run(runId));
    });
  }

  // ── leases ──────────────────────────────────────────────────────────────────────────────────
  claimRuns(owner: string, now: number, ttlMs: number, limit: number): Promise<readonly string[]> {
    return this.use(() =>
      this.immediate(() => {
        const ids = this.sql.claimable.all(now, Math.max(0, limit));
        for (const id of ids) {
          this.sql.hold.run(owner, now + ttlMs, id);
          this.writes.forgive(id);
        }
        return ids;
      }),
    );
  }

  claimRun(runId: string, owner: string, now: number, ttlMs: number): Promise<boolean> {
    return this.use(() =>
      this.immediate(() => {
        const ok = this.sql.claimOne.run({ owner, expiresAt: now + ttlMs, runId, now }).changes > 0;
        if (ok) this.writes.forgive(runId);
        return ok;
      }),
    );
  }

  renewLeases(
    owner: string,
    runIds: readonly string[],
    now: number,
    ttlMs: number,
  ): Promise<readonly string[]> {
    return this.use(() =>
      this.immediate(() =>
        runIds.filter((id) => this.sql.renew.run(now + ttlMs, id, owner).changes > 0),
      ),
    );
  }

  releaseLease(runId: string, owner: string): Promise<void> {
    return this.writes.releaseLease(runId, owner);
  }

  // ── control requests ────────────────────────────────────────────────────────────────────────
  requestControl(runId: string, command: ControlCommand, now: number): Promise<ControlRequest> {
    return this.use(() =>
      this.immediate(() => {
        if (this.sql.runExists.get(runId) === undefined) throw runNotFound(runId);
        const { lastInsertRowid } = this.sql.insertControl.run(runId, JSON.stringify(command), now);
        return { id: Number(lastInsertRowid), runId, command, requestedAt: now };
      }),
    );
  }

  takeControls(owner: string): Promise<readonly ControlRequest[]> {
    return this.use(() =>
      this.immediate(() => {
        const rows = this.sql.controlsOf.all(owner);
        for (const row of rows) this.sql.deleteControl.run(Number(row.id));
        return rows.map(controlFromRow);
      }),
    );
  }

  pendingControls(runId: string): Promise<readonly ControlRequest[]> {
    return this.useRun(runId, () => this.sql.pendingControls.all(runId).map(controlFromRow));
  }

  // ── snapshots ───────────────────────────────────────────────────────────────────────────────
  saveSnapshot(runId: string, snapshot: Snapshot): Promise<void> {
    return this.writes.saveSnapshot(runId, snapshot);
  }

  latestSnapshot(runId: string): Promise<Snapshot | undefined> {
    return this.useRun(runId, () => {
      const row = this.sql.latestSnapshot.get(runId);
      return row === undefined
        ? undefined
        : { seq: row.seq, state: JSON.parse(row.state) as unknown };
    });
  }

  // ── definition registry ─────────────────────────────────────────────────────────────────────
  putDefinition(hash: string, definition: StoredDefinition): Promise<void> {
    return this.use(() => {
      const source = JSON.stringify(definition.source);
      this.immediate(() => this.sql.putDefinition.run(hash, source, definition.workflow));
    });
  }

  getDefinition(hash: string): Promise<StoredDefinition | undefined> {
    return this.direct(() => {
      const row = this.sql.getDefinition.get(hash);
      return row === undefined
        ? undefined
        : { source: JSON.parse(row.source) as StoredDefinition['source'], workflow: row.workflow };
    });
  }

  registerWorkflow(version: WorkflowVersion): Promise<void> {
    const { name, version: v, definition, registeredAt } = version;
    return this.use(() => {
      this.immediate(() => {
        const existing = this.sql.registeredDefinition.get(name, v);
        if (existing === undefined) this.sql.register.run(name, v, definition, registeredAt);
        else if (existing !== definition) throw versionExists(name, v);
      });
    });
  }

  listWorkflows(name?: string): Promise<readonly WorkflowVersion[]> {
    return this.direct(() =>
      this.sql.listWorkflows.all({ name: name ?? null }).map((row) => ({
        name: row.name,
        version: row.version,
        definition: row.definition,
        registeredAt: row.registered_at,
      })),
    );
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      if (!this.db.open) {
        resolve();
        return;
      }
      const failed = this.writes.applyQueued();
      this.audit.flush();
      this.db.close();
      if (failed !== undefined) throw failed;
      resolve();
    });
  }

  /** Applies the queued writes, then runs `fn`; its result or error as a promise. */
  private use<T>(fn: () => T): Promise<T> {
    return new Promise((resolve) => {
      this.writes.applyQueued();
      resolve(fn());
    });
  }

  /**
   * A read of one run: applies the queued writes first only when some are the run's, so that a
   * read sees the run's own writes without cutting short the batch of the others.
   */
  private useRun<T>(runId: string, fn: () => T): Promise<T> {
    return new Promise((resolve) => {
      if (this.writes.hasQueued(runId)) this.writes.applyQueued();
      resolve(fn());
    });
  }

  /** A read of what the batch never writes (the registry): at once. */
  private direct<T>(fn: () => T): Promise<T> {
    return new Promise((resolve) => {
      resolve(fn());
    });
  }
}
