/**
 * The cache, audit log and usage log of a SqliteStore, in the same database (tables `cache`,
 * `audit_log` and `usage_log`, migration 2). They are independent of runs: their writes need no
 * lease and do not go through the store's write batch (`write-batch.ts`), which they neither wait
 * for nor flush. A cache or usage write is a statement (or, for a set of usage records, several)
 * in an immediate transaction of its own; audit entries, one per API call under load, are
 * committed together, those of a turn of the event loop in one transaction (`turn-batch.ts`).
 * JSON values are kept as text.
 */
import type { Database, Statement } from 'better-sqlite3';
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
import { TurnBatch, type Immediate } from './turn-batch.js';

/** The default `limit` of `AuditLog.list`. */
const DEFAULT_AUDIT_LIMIT = 100;

interface CacheRow {
  value: string;
  stored_at: number;
  expires_at: number | null;
}

export class SqliteKeyValueCache implements KeyValueCache {
  private readonly select: Statement<[string], CacheRow>;
  private readonly upsert: Statement<[string, string, number, number | null]>;
  private readonly remove: Statement<[string]>;
  private readonly purge: Statement<[number]>;
  private readonly listing: Statement<{ prefix: string; now: number }, CacheRow & { key: string }>;

  constructor(
    db: Database,
    private readonly immediate: Immediate,
  ) {
    this.select = db.prepare<[string], CacheRow>(
      'SELECT value, stored_at, expires_at FROM cache WHERE key = ?',
    );
    this.upsert = db.prepare<[string, string, number, number | null]>(
      `INSERT INTO cache (key, value, stored_at, expires_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (key) DO UPDATE SET
         value = excluded.value, stored_at = excluded.stored_at, expires_at = excluded.expires_at`,
    );
    this.remove = db.prepare<[string]>('DELETE FROM cache WHERE key = ?');
    this.purge = db.prepare<[number]>('DELETE FROM cache WHERE expires_at <= ?');
    // The prefix compared as text, never a LIKE pattern (`%` and `_` are plain characters);
    // `key >= prefix` lets the primary key's index skip the keys before it.
    this.listing = db.prepare<{ prefix: string; now: number }, CacheRow & { key: string }>(
      `SELECT key, value, stored_at, expires_at FROM cache
       WHERE key >= @prefix AND substr(key, 1, length(@prefix)) = @prefix
         AND (expires_at IS NULL OR expires_at > @now)
       ORDER BY key`,
    );
  }

  get(key: string, now: number, options: CacheGetOptions = {}): Promise<CacheEntry | undefined> {
    return settle(() => {
      const row = this.select.get(key);
      if (row === undefined) return undefined;
      const expiresAt = row.expires_at ?? undefined;
      if (options.includeExpired !== true && expiresAt !== undefined && expiresAt <= now)
        return undefined;
      return { key, value: JSON.parse(row.value) as unknown, storedAt: row.stored_at, expiresAt };
    });
  }

  put(key: string, value: unknown, now: number, ttlMs?: number): Promise<void> {
    return settle(() => {
      const json = toJson(value);
      const expiresAt = ttlMs === undefined ? null : now + ttlMs;
      this.immediate(() => this.upsert.run(key, json, now, expiresAt));
    });
  }

  delete(key: string): Promise<boolean> {
    return settle(() => this.immediate(() => this.remove.run(key).changes > 0));
  }

  purgeExpired(now: number): Promise<number> {
    return settle(() => this.immediate(() => this.purge.run(now).changes));
  }

  list(prefix: string, now: number): Promise<CacheEntry[]> {
    return settle(() =>
      this.listing.all({ prefix, now }).map((row) => ({
        key: row.key,
        value: JSON.parse(row.value) as unknown,
        storedAt: row.stored_at,
        expiresAt: row.expires_at ?? undefined,
      })),
    );
  }
}

export class SqliteAuditLog implements AuditLog {
  private readonly insert: Statement<
    [number, string, string, string | null, string | null, string, string]
  >;
  private readonly lists = new StatementCache<AuditRow>();
  private readonly batch: TurnBatch<AuditEntry>;

  constructor(
    private readonly db: Database,
    immediate: Immediate,
  ) {
    this.batch = new TurnBatch(immediate);
    this.insert = db.prepare(
      `INSERT INTO audit_log (at, actor, action, run_id, task_id, outcome, details)
       VALUES (?, ?, ?, ?, ?, ?, ?)`,
    );
  }

  append(entry: NewAuditEntry): Promise<AuditEntry> {
    let details: string;
    try {
      details = toJson(entry.details);
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
    const runId = entry.runId ?? null;
    const taskId = entry.taskId ?? null;
    return this.batch.add(() => {
      const { at, actor, action, outcome } = entry;
      const { lastInsertRowid } = this.insert.run(
        at,
        actor,
        action,
        runId,
        taskId,
        outcome,
        details,
      );
      return auditFromRow({
        id: Number(lastInsertRowid),
        at,
        actor,
        action,
        run_id: runId,
        task_id: taskId,
        outcome,
        details,
      });
    });
  }

  /** Commits the entries appended so far (before a read, and on close). */
  flush(): void {
    this.batch.flush();
  }

  /** Oldest first. */
  list(filter: AuditFilter = {}): Promise<AuditEntry[]> {
    return settle(() => {
      this.batch.flush();
      const where = new Where();
      if (filter.runId !== undefined) where.add('run_id = ?', filter.runId);
      if (filter.action !== undefined) where.add('action = ?', filter.action);
      if (filter.since !== undefined) where.add('at >= ?', filter.since);
      if (filter.afterId !== undefined) where.add('id > ?', filter.afterId);
      const sql = `SELECT id, at, actor, action, run_id, task_id, outcome, details FROM audit_log
        ${where.sql()} ORDER BY id LIMIT ?`;
      const limit = Math.max(0, filter.limit ?? DEFAULT_AUDIT_LIMIT);
      return this.lists
        .prepare(this.db, sql)
        .all(...where.params, limit)
        .map(auditFromRow);
    });
  }
}

interface TotalsRow {
  calls: number;
  input_tokens: number;
  output_tokens: number;
  cost_usd: number;
}

const USAGE_COLUMNS = `id, at, run_id, task_id, workflow, labels, provider, model, input_tokens,
  output_tokens, cost_usd, latency_ms, quality, cached`;

type UsageParams = [
  string,
  number,
  string,
  string,
  string,
  string,
  string,
  string,
  number,
  number,
  number,
  number | null,
  number | null,
  number,
];

export class SqliteUsageLog implements UsageLog {
  private readonly upsert: Statement<UsageParams>;
  private readonly lists = new StatementCache<UsageRow>();
  private readonly sums = new StatementCache<TotalsRow>();

  constructor(
    private readonly db: Database,
    private readonly immediate: Immediate,
  ) {
    this.upsert = db.prepare<UsageParams>(
      `INSERT INTO usage_log (${USAGE_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET at = excluded.at, run_id = excluded.run_id,
         task_id = excluded.task_id, workflow = excluded.workflow, labels = excluded.labels,
         provider = excluded.provider, model = excluded.model,
         input_tokens = excluded.input_tokens, output_tokens = excluded.output_tokens,
         cost_usd = excluded.cost_usd, latency_ms = excluded.latency_ms,
         quality = excluded.quality, cached = excluded.cached`,
    );
  }

  record(records: readonly UsageRecord[]): Promise<void> {
    return settle(() => {
      if (records.length === 0) return;
      const rows = records.map(usageParams);
      this.immediate(() => {
        for (const row of rows) this.upsert.run(...row);
      });
    });
  }

  /** Oldest first (records of the same time by id). */
  list(filter: UsageFilter = {}, limit?: number): Promise<UsageRecord[]> {
    return settle(() => {
      const where = usageWhere(filter);
      const sql = `SELECT ${USAGE_COLUMNS} FROM usage_log ${where.sql()} ORDER BY at, id LIMIT ?`;
      return this.lists
        .prepare(this.db, sql)
        .all(...where.params, limit === undefined ? -1 : Math.max(0, limit))
        .map(usageFromRow);
    });
  }

  totals(filter: UsageFilter = {}): Promise<UsageTotals> {
    return settle(() => {
      const where = usageWhere(filter);
      const sql = `SELECT count(*) AS calls, coalesce(sum(input_tokens), 0) AS input_tokens,
          coalesce(sum(output_tokens), 0) AS output_tokens, coalesce(sum(cost_usd), 0) AS cost_usd
        FROM usage_log ${where.sql()}`;
      const row = this.sums.prepare(this.db, sql).get(...where.params);
      return {
        calls: row?.calls ?? 0,
        inputTokens: row?.input_tokens ?? 0,
        outputTokens: row?.output_tokens ?? 0,
        costUsd: row?.cost_usd ?? 0,
      };
    });
  }
}

function usageWhere(filter: UsageFilter): Where {
  const where = new Where();
  if (filter.runId !== undefined) where.add('run_id = ?', filter.runId);
  if (filter.workflow !== undefined) where.add('workflow = ?', filter.workflow);
  if (filter.label !== undefined) {
    // The key, JSON-quoted, is part of the path (a bound value): `$."<key>"` names exactly that
    // member, whatever characters the key holds.
    const [key, value] = filter.label;
    where.add('json_extract(labels, ?) = ?', `$.${JSON.stringify(key)}`, value);
  }
  if (filter.provider !== undefined) where.add('provider = ?', filter.provider);
  if (filter.model !== undefined) where.add('model = ?', filter.model);
  if (filter.since !== undefined) where.add('at >= ?', filter.since);
  if (filter.until !== undefined) where.add('at < ?', filter.until);
  return where;
}

function usageParams(r: UsageRecord): UsageParams {
  return [
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
    r.cached ? 1 : 0,
  ];
}

/** The conditions of a WHERE clause and their bound values; only fixed SQL text goes in `sql`. */
class Where {
  private readonly conditions: string[] = [];
  readonly params: unknown[] = [];

  add(condition: string, ...params: unknown[]): void {
    this.conditions.push(condition);
    this.params.push(...params);
  }

  sql(): string {
    return this.conditions.length === 0 ? '' : `WHERE ${this.conditions.join(' AND ')}`;
  }
}

/** Statements prepared once per distinct SQL text (one per combination of filters). */
class StatementCache<Row> {
  private readonly statements = new Map<string, Statement<unknown[], Row>>();

  prepare(db: Database, sql: string): Statement<unknown[], Row> {
    let statement = this.statements.get(sql);
    if (statement === undefined) {
      statement = db.prepare<unknown[], Row>(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }
}

/** JSON text for a column that must hold some (`undefined` is kept as `null`). */
function toJson(value: unknown): string {
  return JSON.stringify(value) ?? 'null';
}

/** Runs `fn`; its result, or what it threw, as a promise. */
function settle<T>(fn: () => T): Promise<T> {
  return new Promise((resolve) => {
    resolve(fn());
  });
}
