/**
 * What a store keeps beside runs: a cache of values with a time to live (LLM responses, the
 * `cached` fallback's last good outputs), an audit log of decisions and mutating calls, and a usage
 * log of model calls (latency, tokens, cost, quality) that budgets sum and `metrics` reports.
 */

/** A cached value and its times (epoch ms). */
export interface CacheEntry {
  readonly key: string;
  /** JSON data. */
  readonly value: unknown;
  readonly storedAt: number;
  /** Undefined: never expires. */
  readonly expiresAt: number | undefined;
}

export interface CacheGetOptions {
  /** Return an entry even when it has expired (the `cached` fallback serves stale values). */
  readonly includeExpired?: boolean;
}

export interface KeyValueCache {
  /** The entry under `key`; undefined when there is none or (unless asked) it expired at `now`. */
  get(key: string, now: number, options?: CacheGetOptions): Promise<CacheEntry | undefined>;
  /** Stores `value` under `key` (replacing any), expiring at `now + ttlMs` (never without ttlMs). */
  put(key: string, value: unknown, now: number, ttlMs?: number): Promise<void>;
  /** Removes `key`; true when it was there. */
  delete(key: string): Promise<boolean>;
  /** Removes every entry expired at `now`; returns how many. */
  purgeExpired(now: number): Promise<number>;
  /**
   * The entries unexpired at `now` whose key starts with `prefix` (matched literally: no character
   * is a wildcard), in key order (by Unicode code point, as UTF-8 bytes compare).
   */
  list(prefix: string, now: number): Promise<CacheEntry[]>;
}

export type AuditOutcome =
  'allowed' | 'denied' | 'approval_required' | 'approved' | 'rejected' | 'ok' | 'error';

/** One audit record: who did what to what, when, and how it ended. */
export interface AuditEntry {
  /** Assigned by the store, increasing. */
  readonly id: number;
  readonly at: number;
  /** A user, an API key's name, `engine` or `policy:<name>`. */
  readonly actor: string;
  /** What happened: `policy.decision`, `budget.check`, `task.approve`, `run.cancel`, ... */
  readonly action: string;
  readonly runId: string | undefined;
  readonly taskId: string | undefined;
  readonly outcome: AuditOutcome;
  /** JSON data: the reason, the policy, the figures. */
  readonly details: Readonly<Record<string, unknown>>;
}

export type NewAuditEntry = Omit<AuditEntry, 'id' | 'runId' | 'taskId'> & {
  readonly runId?: string;
  readonly taskId?: string;
};

export interface AuditFilter {
  readonly runId?: string;
  readonly action?: string;
  /** Entries at or after this time. */
  readonly since?: number;
  /** Entries with an id greater than this (for paging). */
  readonly afterId?: number;
  /** Default 100. */
  readonly limit?: number;
}

export interface AuditLog {
  append(entry: NewAuditEntry): Promise<AuditEntry>;
  /** Matching entries, oldest first. */
  list(filter?: AuditFilter): Promise<AuditEntry[]>;
}

/** One model call, or one quality measurement, as the usage log keeps it. */
export interface UsageRecord {
  /** Unique: recording the same id again replaces the record (a retried write is not counted twice). */
  readonly id: string;
  readonly at: number;
  readonly runId: string;
  readonly taskId: string;
  readonly workflow: string;
  /** The run's labels, for budgets and reports per label. */
  readonly labels: Readonly<Record<string, string>>;
  readonly provider: string;
  readonly model: string;
  readonly inputTokens: number;
  readonly outputTokens: number;
  /** USD; 0 when the model has no price. */
  readonly costUsd: number;
  readonly latencyMs: number | undefined;
  /** 0..1, from an evaluator; undefined for a plain call. */
  readonly quality: number | undefined;
  /** Served from the response cache: no tokens were spent. */
  readonly cached: boolean;
}

export interface UsageFilter {
  readonly runId?: string;
  readonly workflow?: string;
  /** Records whose labels have this key with this value. */
  readonly label?: readonly [key: string, value: string];
  readonly provider?: string;
  readonly model?: string;
  /** At or after. */
  readonly since?: number;
  /** Before. */
  readonly until?: number;
}

export interface UsageTotals {
  readonly calls: number;
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly costUsd: number;
}

export interface UsageLog {
  record(records: readonly UsageRecord[]): Promise<void>;
  /** Matching records, oldest first, at most `limit` (default: all). */
  list(filter?: UsageFilter, limit?: number): Promise<UsageRecord[]>;
  /** Sums over the matching records (what budgets check). */
  totals(filter?: UsageFilter): Promise<UsageTotals>;
}
