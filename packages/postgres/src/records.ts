/**
 * The cache, audit log and usage log of a PostgreSQL store, in its schema (tables `cache`,
 * `audit_log` and `usage_log`, migration 002). They are independent of runs: their writes need no
 * lease and do not go through the store's write queue, so they never wait for a batch of journal
 * writes. They are applied one after the other (`RecordsSequence`), in the order they were issued,
 * except that audit entries appended while earlier writes run join one INSERT (still in their own
 * order); a read waits for the record writes issued before it. JSON values are kept as text.
 */
import {
  auditFromRow,
  usageFromRow,
  type AuditEntry,
  type AuditFilter,
  type AuditLog,
  type AuditRow,
  type UsageRow,
  type CacheEntry,
  type CacheGetOptions,
  type KeyValueCache,
  type NewAuditEntry,
  type UsageFilter,
  type UsageLog,
  type UsageRecord,
  type UsageTotals,
} from '@llm-orchestrator/core';
import type pg from 'pg';
import type { Tables } from './db.js';

/** The default `limit` of `AuditLog.list`. */
const DEFAULT_AUDIT_LIMIT = 100;

/**
 * Orders the record writes of one store: each starts once the one issued before it has settled.
 * Reads wait for the writes issued before them, not for one another.
 */
export class RecordsSequence {
  private tail: Promise<void> = Promise.resolve();

  /** `check` throws when the store may not be used any more (it is closed). */
  constructor(
    private readonly pool: pg.Pool,
    private readonly check: () => void,
  ) {}

  /** Applies a write after those issued before it (a write issued before `close` is applied). */
  write<R extends pg.QueryResultRow>(text: string, values: unknown[]): Promise<pg.QueryResult<R>> {
    try {
      this.check();
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
    const result = this.tail.then(() => this.pool.query<R>(text, values));
    this.tail = result.then(nothing, nothing);
    return result;
  }

  /**
   * Runs `fn` (queries of its own) after the writes issued before it and before those issued
   * after it; for a batch of writes gathered while the writes before it run.
   */
  run(fn: (pool: pg.Pool) => Promise<void>): Promise<void> {
    const result = this.tail.then(() => fn(this.pool));
    this.tail = result.then(nothing, nothing);
    return result;
  }

  /** Throws when the store may not be used any more. */
  assertOpen(): void {
    this.check();
  }

  async read<R extends pg.QueryResultRow>(
    text: string,
    values: unknown[],
  ): Promise<pg.QueryResult<R>> {
    this.check();
    await this.tail;
    return this.pool.query<R>(text, values);
  }

  /** Resolves once every write issued so far has settled. */
  idle(): Promise<void> {
    return this.tail;
  }
}

function nothing(): void {
  // A failed write rejects its own call only.
}

interface CacheRow {
  value: string;
  stored_at: number;
  expires_at: number | null;
}

export class PostgresKeyValueCache implements KeyValueCache {
  constructor(
    private readonly db: RecordsSequence,
    private readonly t: Tables,
  ) {}

  async get(
    key: string,
    now: number,
    options: CacheGetOptions = {},
  ): Promise<CacheEntry | undefined> {
    const { rows } = await this.db.read<CacheRow>(
      `SELECT value, stored_at, expires_at FROM ${this.t.cache} WHERE key = $1`,
      [key],
    );
    const row = rows[0];
    if (row === undefined) return undefined;
    const expiresAt = row.expires_at ?? undefined;
    if (options.includeExpired !== true && expiresAt !== undefined && expiresAt <= now)
      return undefined;
    return { key, value: JSON.parse(row.value) as unknown, storedAt: row.stored_at, expiresAt };
  }

  async put(key: string, value: unknown, now: number, ttlMs?: number): Promise<void> {
    const json = toJson(value);
    await this.db.write(
      `INSERT INTO ${this.t.cache} (key, value, stored_at, expires_at) VALUES ($1, $2, $3, $4)
       ON CONFLICT (key) DO UPDATE SET
         value = excluded.value, stored_at = excluded.stored_at, expires_at = excluded.expires_at`,
      [key, json, now, ttlMs === undefined ? null : now + ttlMs],
    );
  }

  async delete(key: string): Promise<boolean> {
    const { rowCount } = await this.db.write(`DELETE FROM ${this.t.cache} WHERE key = $1`, [key]);
    return (rowCount ?? 0) > 0;
  }

  async purgeExpired(now: number): Promise<number> {
    const { rowCount } = await this.db.write(`DELETE FROM ${this.t.cache} WHERE expires_at <= $1`, [
      now,
    ]);
    return rowCount ?? 0;
  }

  async list(prefix: string, now: number): Promise<CacheEntry[]> {
    // starts_with compares text, never a LIKE pattern (`%` and `_` are plain characters); the key
    // column is COLLATE "C", so `key >= prefix` uses its index and ORDER BY is code point order.
    const { rows } = await this.db.read<CacheRow & { key: string }>(
      `SELECT key, value, stored_at, expires_at FROM ${this.t.cache}
       WHERE key >= $1::text AND starts_with(key, $1::text)
         AND (expires_at IS NULL OR expires_at > $2)
       ORDER BY key`,
      [prefix, now],
    );
    return rows.map((row) => ({
      key: row.key,
      value: JSON.parse(row.value) as unknown,
      storedAt: row.stored_at,
      expiresAt: row.expires_at ?? undefined,
    }));
  }
}

/** An audit entry waiting for its batch's INSERT. */
interface PendingAudit {
  readonly row: Omit<AuditRow, 'id'>;
  readonly resolve: (entry: AuditEntry) => void;
  readonly reject: (err: unknown) => void;
}

/** The audit columns but `id`, in the order of `AUDIT_TYPES`. */
const AUDIT_COLUMNS = ['at', 'actor', 'action', 'run_id', 'task_id', 'outcome', 'details'] as const;
const AUDIT_TYPES = ['float8', 'text', 'text', 'text', 'text', 'text', 'text'];

/**
 * Entries are inserted in batches: those appended while the record writes before them run share
 * one INSERT (one round trip for many API calls under load), in the order they were appended.
 */
export class PostgresAuditLog implements AuditLog {
  private pending: PendingAudit[] = [];

  constructor(
    private readonly db: RecordsSequence,
    private readonly t: Tables,
  ) {}

  append(entry: NewAuditEntry): Promise<AuditEntry> {
    let row: PendingAudit['row'];
    try {
      this.db.assertOpen();
      row = {
        at: entry.at,
        actor: entry.actor,
        action: entry.action,
        run_id: entry.runId ?? null,
        task_id: entry.taskId ?? null,
        outcome: entry.outcome,
        details: toJson(entry.details),
      };
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
    return new Promise((resolve, reject) => {
      this.pending.push({ row, resolve, reject });
      if (this.pending.length === 1) void this.db.run((pool) => this.insertPending(pool));
    });
  }

  /** One INSERT of the pending entries; settles each one's promise. Never rejects. */
  private async insertPending(pool: pg.Pool): Promise<void> {
    const batch = this.pending;
    this.pending = [];
    try {
      const columns = AUDIT_COLUMNS.map((c) => batch.map((p) => p.row[c]));
      const arrays = AUDIT_TYPES.map((type, i) => `$${String(i + 1)}::${type}[]`).join(', ');
      const { rows } = await pool.query<{ id: string }>(
        `INSERT INTO ${this.t.auditLog} (${AUDIT_COLUMNS.join(', ')})
         SELECT * FROM unnest(${arrays}) RETURNING id`,
        columns,
      );
      // The rows take their ids from the sequence in the order unnest gives them: the order given.
      const ids = rows.map((r) => BigInt(r.id)).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
      batch.forEach((p, i) => {
        p.resolve(auditFromRow({ id: String(ids[i] ?? 0n), ...p.row }));
      });
    } catch (err) {
      for (const p of batch) p.reject(err);
    }
  }

  /** Oldest first. */
  async list(filter: AuditFilter = {}): Promise<AuditEntry[]> {
    const where = new Where();
    if (filter.runId !== undefined) where.add((p) => `run_id = ${p(filter.runId)}`);
    if (filter.action !== undefined) where.add((p) => `action = ${p(filter.action)}`);
    if (filter.since !== undefined) where.add((p) => `at >= ${p(filter.since)}`);
    if (filter.afterId !== undefined) where.add((p) => `id > ${p(filter.afterId)}`);
    const limit = where.param(Math.max(0, filter.limit ?? DEFAULT_AUDIT_LIMIT));
    const { rows } = await this.db.read<AuditRow>(
      `SELECT id, at, actor, action, run_id, task_id, outcome, details FROM ${this.t.auditLog}
       ${where.sql()} ORDER BY id LIMIT ${limit}`,
      where.values,
    );
    return rows.map(auditFromRow);
  }
}

const USAGE_COLUMNS = `id, at, run_id, task_id, workflow, labels, provider, model, input_tokens,
  output_tokens, cost_usd, latency_ms, quality, cached`;

/** The SQL types of the usage columns, in USAGE_COLUMNS order, for `unnest`. */
const USAGE_TYPES = [
  'text',
  'float8',
  'text',
  'text',
  'text',
  'text',
  'text',
  'text',
  'int8',
  'int8',
  'float8',
  'float8',
  'float8',
  'bool',
];

export class PostgresUsageLog implements UsageLog {
  constructor(
    private readonly db: RecordsSequence,
    private readonly t: Tables,
  ) {}

  /** One statement for all the records: one array per column, unnested into rows. */
  async record(records: readonly UsageRecord[]): Promise<void> {
    if (records.length === 0) return;
    // One row per id, the last given: ON CONFLICT cannot update a row twice in one statement.
    const unique = [...new Map(records.map((r) => [r.id, r])).values()];
    const columns: unknown[][] = USAGE_TYPES.map(() => []);
    for (const r of unique) {
      const row = [
        r.id,
        r.at,
        r.runId,
        r.taskId,
        r.workflow,
        toJson(r.labels),
        r.provider,
        r.model,
        r.inputTokens,
        r.outputTokens,
        r.costUsd,
        r.latencyMs ?? null,
        r.quality ?? null,
        r.cached,
      ];
      for (const [i, value] of row.entries()) columns[i]?.push(value);
    }
    const arrays = USAGE_TYPES.map((type, i) => `$${String(i + 1)}::${type}[]`).join(', ');
    await this.db.write(
      `INSERT INTO ${this.t.usageLog} (${USAGE_COLUMNS}) SELECT * FROM unnest(${arrays})
       ON CONFLICT (id) DO UPDATE SET at = excluded.at, run_id = excluded.run_id,
         task_id = excluded.task_id, workflow = excluded.workflow, labels = excluded.labels,
         provider = excluded.provider, model = excluded.model,
         input_tokens = excluded.input_tokens, output_tokens = excluded.output_tokens,
         cost_usd = excluded.cost_usd, latency_ms = excluded.latency_ms,
         quality = excluded.quality, cached = excluded.cached`,
      columns,
    );
  }

  /** Oldest first (records of the same time by id). */
  async list(filter: UsageFilter = {}, limit?: number): Promise<UsageRecord[]> {
    const where = usageWhere(filter);
    const max = where.param(limit === undefined ? null : Math.max(0, limit));
    const { rows } = await this.db.read<UsageRow>(
      `SELECT ${USAGE_COLUMNS} FROM ${this.t.usageLog} ${where.sql()}
       ORDER BY at, id LIMIT ${max}`,
      where.values,
    );
    return rows.map(usageFromRow);
  }

  async totals(filter: UsageFilter = {}): Promise<UsageTotals> {
    const where = usageWhere(filter);
    // count and the sums of bigints come as strings from pg.
    const { rows } = await this.db.read<{
      calls: string;
      input_tokens: string;
      output_tokens: string;
      cost_usd: number;
    }>(
      `SELECT count(*) AS calls, coalesce(sum(input_tokens), 0) AS input_tokens,
         coalesce(sum(output_tokens), 0) AS output_tokens,
         coalesce(sum(cost_usd), 0)::float8 AS cost_usd
       FROM ${this.t.usageLog} ${where.sql()}`,
      where.values,
    );
    const row = rows[0];
    return {
      calls: Number(row?.calls ?? 0),
      inputTokens: Number(row?.input_tokens ?? 0),
      outputTokens: Number(row?.output_tokens ?? 0),
      costUsd: row?.cost_usd ?? 0,
    };
  }
}

function usageWhere(filter: UsageFilter): Where {
  const where = new Where();
  const { label } = filter;
  if (filter.runId !== undefined) where.add((p) => `run_id = ${p(filter.runId)}`);
  if (filter.workflow !== undefined) where.add((p) => `workflow = ${p(filter.workflow)}`);
  if (label !== undefined)
    where.add((p) => `(labels::jsonb ->> ${p(label[0])}::text) = ${p(label[1])}`);
  if (filter.provider !== undefined) where.add((p) => `provider = ${p(filter.provider)}`);
  if (filter.model !== undefined) where.add((p) => `model = ${p(filter.model)}`);
  if (filter.since !== undefined) where.add((p) => `at >= ${p(filter.since)}`);
  if (filter.until !== undefined) where.add((p) => `at < ${p(filter.until)}`);
  return where;
}

/** The conditions of a WHERE clause; values only ever go in as parameters (`$n`). */
class Where {
  private readonly conditions: string[] = [];
  readonly values: unknown[] = [];

  /** A parameter for `value`: its placeholder. */
  param(value: unknown): string {
    return `$${String(this.values.push(value))}`;
  }

  add(condition: (param: (value: unknown) => string) => string): void {
    this.conditions.push(condition((value) => this.param(value)));
  }

  sql(): string {
    return this.conditions.length === 0 ? '' : `WHERE ${this.conditions.join(' AND ')}`;
  }
}

/** JSON text for a column that must hold some (`undefined` is kept as `null`). */
function toJson(value: unknown): string {
  return JSON.stringify(value) ?? 'null';
}
