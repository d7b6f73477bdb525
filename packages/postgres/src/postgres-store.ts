/**
 * The PostgreSQL store: many processes, on many nodes, share runs through one database. Journal
 * writes, lease releases and definitions are applied in batches (`write-queue.ts`, `batch.ts`);
 * the other writes run between two batches, so that every write is applied in the order it was
 * issued; a read first waits for the writes issued before it (a read of one run, for the writes to
 * that run and the unbatched writes). The cache, audit log and usage log
 * (`records.ts`) are independent of runs and kept in order beside that queue.
 */
import {
  DEFAULT_BLOB_THRESHOLD,
  OrchestratorError,
  blobNotFound,
  controlFromRow,
  RUN_COLUMNS,
  runFromRow,
  runNotFound,
  systemClock,
  versionExists,
  type ControlCommand,
  type ControlRequest,
  type JournalEntry,
  type Lease,
  type RunFilter,
  type RunRead,
  type ControlRow,
  type RunRecord,
  type RunRow,
  type Snapshot,
  type Store,
  type StoredDefinition,
  type StoredEntry,
  type StoreOptions,
  type WorkflowVersion,
} from '@llm-orchestrator/core';
import pg from 'pg';
import { writeBatch } from './batch.js';
import { DEFAULT_SCHEMA, tables, type Tables } from './db.js';
import { PostgresDeadLetterQueue } from './dead-letters.js';
import { claimRun, claimRuns, renewLeases } from './leases.js';
import { migrate } from './migrate.js';
import { appendOp, createOp, defineOp, type WriteOp } from './ops.js';
import {
  PostgresAuditLog,
  PostgresKeyValueCache,
  PostgresUsageLog,
  RecordsSequence,
} from './records.js';
import { WriteQueue } from './write-queue.js';

export type PostgresStoreOptions = StoreOptions & {
  /** Default `llm_orchestrator`; lower-case letters, digits and underscores. */
  readonly schema?: string;
} & (
    | {
        /** e.g. `postgres://user:password@host:5432/database`. */
        readonly connectionString: string;
        /** Connections of the pool the store creates; default 10. */
        readonly poolSize?: number;
      }
    | {
        /** A pool of the application's; the store does not end it on close. */
        readonly pool: pg.Pool;
      }
  );

/** Calls applied in one transaction at most; more wait for the next. */
const MAX_BATCH = 10_000;

type Created = Extract<JournalEntry, { type: 'run.created' }>;

/** Opens a store: connects, creates or migrates its schema. */
export async function openPostgresStore(options: PostgresStoreOptions): Promise<PostgresStore> {
  const t = tables(options.schema ?? DEFAULT_SCHEMA);
  const owned = !('pool' in options);
  const pool = owned
    ? new pg.Pool({
        connectionString: options.connectionString,
        max: options.poolSize ?? 10,
        // A database that stops answering fails calls in bounded time instead of hanging them:
        // connecting gives up after 5 s, and TCP keepalive notices a silent peer.
        connectionTimeoutMillis: 5000,
        keepAlive: true,
      })
    : options.pool;
  // An idle connection that breaks is dropped by the pool; the next query reports the failure.
  if (owned) pool.on('error', () => undefined);
  try {
    await migrate(pool, t);
  } catch (err) {
    if (owned) await pool.end();
    throw err;
  }
  return new PostgresStore(pool, t, owned, options);
}

export class PostgresStore implements Store {
  readonly durable = true;
  readonly deadLetters: PostgresDeadLetterQueue;
  readonly cache: PostgresKeyValueCache;
  readonly audit: PostgresAuditLog;
  readonly usage: PostgresUsageLog;
  /** The writes of the cache, audit log and usage log, in order, beside the write queue. */
  private readonly records: RecordsSequence;
  private readonly queue: WriteQueue<WriteOp>;
  private readonly threshold: number;
  private closed = false;

  /** Use `openPostgresStore`, which migrates the schema first. */
  constructor(
    private readonly pool: pg.Pool,
    private readonly t: Tables,
    private readonly ownsPool: boolean,
    options: StoreOptions,
  ) {
    this.threshold = options.blobThreshold ?? DEFAULT_BLOB_THRESHOLD;
    this.deadLetters = new PostgresDeadLetterQueue(pool, t, options.clock ?? systemClock);
    this.queue = new WriteQueue(
      (ops) => writeBatch(pool, t, ops),
      MAX_BATCH,
      (op) => ('runId' in op ? op.runId : undefined),
    );
    this.records = new RecordsSequence(pool, () => {
      if (this.closed) throw storeClosed();
    });
    this.cache = new PostgresKeyValueCache(this.records, t);
    this.audit = new PostgresAuditLog(this.records, t);
    this.usage = new PostgresUsageLog(this.records, t);
  }

  createRun(runId: string, entry: Created, lease?: Lease): Promise<void> {
    return this.enqueue(() => createOp(runId, entry, lease));
  }

  append(runId: string, entries: readonly JournalEntry[], owner?: string): Promise<void> {
    return this.enqueue(() => appendOp(runId, entries, owner, this.threshold));
  }

  async read(runId: string, afterSeq = 0, limit?: number): Promise<readonly StoredEntry[]> {
    const { rows } = await this.queryRun<{ seq: number; entry: string }>(
      runId,
      'read',
      `SELECT seq, entry FROM ${this.t.journal} WHERE run_id = $1 AND seq > $2 ORDER BY seq
       LIMIT $3`,
      [runId, afterSeq, limit ?? null],
    );
    return rows.map((r) => ({ seq: r.seq, entry: JSON.parse(r.entry) as JournalEntry }));
  }

  async readBlob(id: string): Promise<unknown> {
    const { rows } = await this.query<{ json: string }>(
      `SELECT json FROM ${this.t.blobs} WHERE id = $1`,
      [id],
    );
    const json = rows[0]?.json;
    if (json === undefined) throw blobNotFound(id);
    return JSON.parse(json) as unknown;
  }

  async flush(): Promise<void> {
    await Promise.all([this.queue.idle(), this.records.idle()]);
  }

  async getRun(runId: string): Promise<RunRecord | undefined> {
    const { rows } = await this.queryRun<RunRow>(
      runId,
      'getRun',
      `SELECT ${RUN_COLUMNS} FROM ${this.t.runs} WHERE id = $1`,
      [runId],
    );
    return rows[0] === undefined ? undefined : runFromRow(rows[0]);
  }

  /**
   * One statement: the run's row joined to its snapshot, with the journal after it as one JSON
   * array (PostgreSQL builds it from the entries' text; it is parsed here once, as a whole).
   */
  async readRun(runId: string): Promise<RunRead | undefined> {
    const t = this.t;
    const { rows } = await this.queryRun<
      RunRow & {
        snapshot_seq: number | null;
        snapshot_state: string | null;
        entries: StoredEntry[];
      }
    >(
      runId,
      'readRun',
      `SELECT ${RUN_COLUMNS}, s.seq AS snapshot_seq, s.state AS snapshot_state,
         (SELECT coalesce(json_agg(json_build_object('seq', j.seq, 'entry', j.entry::json)
                   ORDER BY j.seq), '[]'::json)
          FROM ${t.journal} j WHERE j.run_id = r.id AND j.seq > coalesce(s.seq, 0)) AS entries
       FROM ${t.runs} r LEFT JOIN ${t.snapshots} s ON s.run_id = r.id WHERE r.id = $1`,
      [runId],
    );
    const row = rows[0];
    if (row === undefined) return undefined;
    return {
      record: runFromRow(row),
      ...(row.snapshot_seq === null || row.snapshot_state === null
        ? {}
        : {
            snapshot: { seq: row.snapshot_seq, state: JSON.parse(row.snapshot_state) as unknown },
          }),
      entries: row.entries,
    };
  }

  async listRuns(filter: RunFilter = {}): Promise<readonly RunRecord[]> {
    const where: string[] = [];
    const values: unknown[] = [];
    const param = (value: unknown): string => `$${values.push(value)}`;
    if (filter.status !== undefined)
      where.push(
        `status = ANY(${param(typeof filter.status === 'string' ? [filter.status] : filter.status)}::text[])`,
      );
    if (filter.workflow !== undefined) where.push(`workflow_name = ${param(filter.workflow)}`);
    if (filter.createdBefore !== undefined)
      where.push(`created_at < ${param(filter.createdBefore)}`);
    const { rows } = await this.query<RunRow>(
      `SELECT ${RUN_COLUMNS} FROM ${this.t.runs}
       ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY created_at DESC, seq_order DESC LIMIT ${param(filter.limit ?? 100)}`,
      values,
    );
    return rows.map(runFromRow);
  }

  deleteRun(runId: string): Promise<void> {
    const t = this.t;
    return this.write(async () => {
      // One statement: atomic without a transaction of its own.
      await this.pool.query(
        `WITH j AS (DELETE FROM ${t.journal} WHERE run_id = $1),
              b AS (DELETE FROM ${t.blobs} WHERE run_id = $1),
              s AS (DELETE FROM ${t.snapshots} WHERE run_id = $1),
              c AS (DELETE FROM ${t.controls} WHERE run_id = $1)
         DELETE FROM ${t.runs} WHERE id = $1`,
        [runId],
      );
    }, [runId]);
  }

  claimRuns(owner: string, now: number, ttlMs: number, limit: number): Promise<readonly string[]> {
    // No read waits for a claim: which runs it takes is known only once it is done, and a read of
    // one of them that overlaps the claim may see the run before it, as if it had come first.
    // (Waiting would hold every read up behind the batch ahead of each poll.)
    return this.write(async () => {
      const ids = await claimRuns(this.pool, this.t, owner, now, ttlMs, limit);
      for (const id of ids) this.queue.forgive(id);
      return ids;
    }, []);
  }

  claimRun(runId: string, owner: string, now: number, ttlMs: number): Promise<boolean> {
    return this.write(async () => {
      const ok = await claimRun(this.pool, this.t, runId, owner, now, ttlMs);
      if (ok) this.queue.forgive(runId);
      return ok;
    }, [runId]);
  }

  renewLeases(
    owner: string,
    runIds: readonly string[],
    now: number,
    ttlMs: number,
  ): Promise<readonly string[]> {
    return this.write(() => renewLeases(this.pool, this.t, owner, runIds, now, ttlMs), runIds);
  }

  releaseLease(runId: string, owner: string): Promise<void> {
    return this.enqueue(() => ({ kind: 'release', runId, owner }));
  }

  requestControl(runId: string, command: ControlCommand, now: number): Promise<ControlRequest> {
    return this.write(async () => {
      const { rows } = await this.pool.query<ControlRow>(
        `INSERT INTO ${this.t.controls} (run_id, command, requested_at)
         SELECT id, $2, $3 FROM ${this.t.runs} WHERE id = $1
         RETURNING id, run_id, command, requested_at`,
        [runId, JSON.stringify(command), now],
      );
      if (rows[0] === undefined) throw runNotFound(runId);
      return controlFromRow(rows[0]);
    }, [runId]);
  }

  takeControls(owner: string): Promise<readonly ControlRequest[]> {
    // Polled every few hundred ms by a holder, which awaits it: no read of a run waits for it.
    return this.write(async () => {
      const { rows } = await this.pool.query<ControlRow>(
        `WITH taken AS (
           DELETE FROM ${this.t.controls} AS c USING ${this.t.runs} AS r
           WHERE r.id = c.run_id AND r.owner = $1
           RETURNING c.id, c.run_id, c.command, c.requested_at)
         SELECT * FROM taken ORDER BY id`,
        [owner],
      );
      return rows.map(controlFromRow);
    }, []);
  }

  async pendingControls(runId: string): Promise<readonly ControlRequest[]> {
    const { rows } = await this.queryRun<ControlRow>(
      runId,
      'pendingControls',
      `SELECT id, run_id, command, requested_at FROM ${this.t.controls}
       WHERE run_id = $1 ORDER BY id`,
      [runId],
    );
    return rows.map(controlFromRow);
  }

  saveSnapshot(runId: string, snapshot: Snapshot): Promise<void> {
    const t = this.t;
    return this.write(async () => {
      const { rows } = await this.pool.query(
        `WITH run AS (SELECT id FROM ${t.runs} WHERE id = $1),
              saved AS (
                INSERT INTO ${t.snapshots} AS s (run_id, seq, state) SELECT id, $2, $3 FROM run
                ON CONFLICT (run_id) DO UPDATE SET seq = excluded.seq, state = excluded.state
                WHERE s.seq <= excluded.seq)
         SELECT id FROM run`,
        [runId, snapshot.seq, JSON.stringify(snapshot.state)],
      );
      if (rows.length === 0) throw runNotFound(runId);
    }, [runId]);
  }

  async latestSnapshot(runId: string): Promise<Snapshot | undefined> {
    const { rows } = await this.queryRun<{ seq: number; state: string }>(
      runId,
      'latestSnapshot',
      `SELECT seq, state FROM ${this.t.snapshots} WHERE run_id = $1`,
      [runId],
    );
    const row = rows[0];
    return row === undefined
      ? undefined
      : { seq: row.seq, state: JSON.parse(row.state) as unknown };
  }

  putDefinition(hash: string, definition: StoredDefinition): Promise<void> {
    return this.enqueue(() => defineOp(hash, definition));
  }

  async getDefinition(hash: string): Promise<StoredDefinition | undefined> {
    const { rows } = await this.query<{ source: string; workflow: string }>(
      `SELECT source, workflow FROM ${this.t.definitions} WHERE hash = $1`,
      [hash],
    );
    const row = rows[0];
    return row === undefined
      ? undefined
      : { source: JSON.parse(row.source) as StoredDefinition['source'], workflow: row.workflow };
  }

  registerWorkflow(version: WorkflowVersion): Promise<void> {
    const t = this.t;
    return this.write(async () => {
      const { rowCount } = await this.pool.query(
        `INSERT INTO ${t.workflows} (name, version, definition, registered_at)
         VALUES ($1, $2, $3, $4) ON CONFLICT (name, version) DO NOTHING`,
        [version.name, version.version, version.definition, version.registeredAt],
      );
      if (rowCount === 1) return;
      const { rows } = await this.pool.query<{ definition: string }>(
        `SELECT definition FROM ${t.workflows} WHERE name = $1 AND version = $2`,
        [version.name, version.version],
      );
      if (rows[0]?.definition !== version.definition)
        throw versionExists(version.name, version.version);
    }, []);
  }

  async listWorkflows(name?: string): Promise<readonly WorkflowVersion[]> {
    const { rows } = await this.query<{
      name: string;
      version: string;
      definition: string;
      registered_at: number;
    }>(
      `SELECT name, version, definition, registered_at FROM ${this.t.workflows}
       WHERE $1::text IS NULL OR name = $1 ORDER BY registration`,
      [name ?? null],
    );
    return rows.map((r) => ({
      name: r.name,
      version: r.version,
      definition: r.definition,
      registeredAt: r.registered_at,
    }));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([this.queue.idle(), this.records.idle()]);
    if (this.ownsPool) await this.pool.end();
  }

  /** Queues a batched write; a value that cannot be serialised rejects this call only. */
  private enqueue(prepare: () => WriteOp): Promise<void> {
    try {
      if (this.closed) throw storeClosed();
      return this.queue.push(prepare());
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
  }

  /**
   * Runs another write in its turn among the batched ones; `runs`: the runs whose reads must wait
   * for it.
   */
  private async write<T>(fn: () => Promise<T>, runs: readonly string[]): Promise<T> {
    if (this.closed) throw storeClosed();
    return this.queue.task(fn, runs);
  }

  /** A read of one run, after the writes to it issued before it (not those of other runs). */
  private async queryRun<R extends pg.QueryResultRow>(
    runId: string,
    name: string,
    text: string,
    values: unknown[],
  ): Promise<pg.QueryResult<R>> {
    if (this.closed) throw storeClosed();
    await this.queue.idleFor(runId);
    // A named statement: parsed and planned once per connection (its name says which schema).
    return this.pool.query<R>({ name: `${this.t.schema}.${name}`, text, values });
  }

  /** A read, after the writes issued before it. */
  private async query<R extends pg.QueryResultRow>(
    text: string,
    values: unknown[],
  ): Promise<pg.QueryResult<R>> {
    if (this.closed) throw storeClosed();
    await this.queue.idle();
    return this.pool.query<R>(text, values);
  }
}

function storeClosed(): OrchestratorError {
  return new OrchestratorError('STORE_CLOSED', 'the PostgreSQL store is closed');
}
