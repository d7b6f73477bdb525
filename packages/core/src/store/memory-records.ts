/**
 * The in-memory cache, audit log and usage log of a MemoryStore: the reference behaviour the
 * database stores match. Values are deep-copied in and out (`structuredClone`), as a durable store
 * serialises them, so that a caller changing an object afterwards does not change what is kept.
 */
import type {
  AuditEntry,
  AuditFilter,
  AuditLog,
  CacheEntry,
  CacheGetOptions,
  KeyValueCache,
  NewAuditEntry,
  UsageFilter,
  UsageLog,
  UsageRecord,
  UsageTotals,
} from './records.js';

/** The default `limit` of `AuditLog.list`. */
const DEFAULT_AUDIT_LIMIT = 100;

function expired(entry: CacheEntry, now: number): boolean {
  return entry.expiresAt !== undefined && entry.expiresAt <= now;
}

/**
 * Orders strings by Unicode code point: the order of their UTF-8 bytes, which is how the database
 * stores compare keys (SQLite's BINARY collation, PostgreSQL's "C"). Plain `<` compares UTF-16
 * code units, which differs for characters beyond U+FFFF.
 */
function byCodePoint(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n;) {
    const x = a.codePointAt(i) ?? 0;
    const y = b.codePointAt(i) ?? 0;
    if (x !== y) return x - y;
    i += x > 0xffff ? 2 : 1;
  }
  return a.length - b.length;
}

export class MemoryKeyValueCache implements KeyValueCache {
  private readonly entries = new Map<string, CacheEntry>();

  get(key: string, now: number, options: CacheGetOptions = {}): Promise<CacheEntry | undefined> {
    const entry = this.entries.get(key);
    if (entry === undefined || (options.includeExpired !== true && expired(entry, now)))
      return Promise.resolve(undefined);
    return Promise.resolve(structuredClone(entry));
  }

  put(key: string, value: unknown, now: number, ttlMs?: number): Promise<void> {
    return settle(() => {
      this.entries.set(key, {
        key,
        value: structuredClone(value),
        storedAt: now,
        expiresAt: ttlMs === undefined ? undefined : now + ttlMs,
      });
    });
  }

  delete(key: string): Promise<boolean> {
    return Promise.resolve(this.entries.delete(key));
  }

  purgeExpired(now: number): Promise<number> {
    let n = 0;
    for (const [key, entry] of this.entries) {
      if (!expired(entry, now)) continue;
      this.entries.delete(key);
      n++;
    }
    return Promise.resolve(n);
  }

  list(prefix: string, now: number): Promise<CacheEntry[]> {
    const out: CacheEntry[] = [];
    for (const [key, entry] of this.entries)
      if (key.startsWith(prefix) && !expired(entry, now)) out.push(structuredClone(entry));
    return Promise.resolve(out.sort((a, b) => byCodePoint(a.key, b.key)));
  }
}

export class MemoryAuditLog implements AuditLog {
  private readonly entries: AuditEntry[] = [];
  private nextId = 1;

  append(entry: NewAuditEntry): Promise<AuditEntry> {
    return settle(() => {
      const stored: AuditEntry = {
        id: this.nextId,
        at: entry.at,
        actor: entry.actor,
        action: entry.action,
        runId: entry.runId,
        taskId: entry.taskId,
        outcome: entry.outcome,
        details: structuredClone(entry.details),
      };
      this.nextId++;
      this.entries.push(stored);
      return structuredClone(stored);
    });
  }

  list(filter: AuditFilter = {}): Promise<AuditEntry[]> {
    const limit = Math.max(0, filter.limit ?? DEFAULT_AUDIT_LIMIT);
    const out: AuditEntry[] = [];
    for (const e of this.entries) {
      if (out.length >= limit) break;
      if (filter.runId !== undefined && e.runId !== filter.runId) continue;
      if (filter.action !== undefined && e.action !== filter.action) continue;
      if (filter.since !== undefined && e.at < filter.since) continue;
      if (filter.afterId !== undefined && e.id <= filter.afterId) continue;
      out.push(structuredClone(e));
    }
    return Promise.resolve(out);
  }
}

/** Whether a usage record matches a filter (as the database stores' WHERE clauses do). */
function usageMatches(r: UsageRecord, filter: UsageFilter): boolean {
  return (
    (filter.runId === undefined || r.runId === filter.runId) &&
    (filter.workflow === undefined || r.workflow === filter.workflow) &&
    (filter.label === undefined ||
      (Object.hasOwn(r.labels, filter.label[0]) &&
        r.labels[filter.label[0]] === filter.label[1])) &&
    (filter.provider === undefined || r.provider === filter.provider) &&
    (filter.model === undefined || r.model === filter.model) &&
    (filter.since === undefined || r.at >= filter.since) &&
    (filter.until === undefined || r.at < filter.until)
  );
}

/** Oldest first; records of the same time by id (the order of the database stores' indexes). */
function byTime(a: UsageRecord, b: UsageRecord): number {
  return a.at - b.at || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

export class MemoryUsageLog implements UsageLog {
  private readonly records = new Map<string, UsageRecord>();

  record(records: readonly UsageRecord[]): Promise<void> {
    return settle(() => {
      // Copied first: a record that cannot be copied fails the call before anything is kept.
      const copies = records.map((r) => copyRecord(r));
      for (const r of copies) this.records.set(r.id, r);
    });
  }

  list(filter: UsageFilter = {}, limit?: number): Promise<UsageRecord[]> {
    const matching = this.matching(filter).sort(byTime);
    const kept = limit === undefined ? matching : matching.slice(0, Math.max(0, limit));
    return Promise.resolve(kept.map((r) => copyRecord(r)));
  }

  totals(filter: UsageFilter = {}): Promise<UsageTotals> {
    let calls = 0;
    let inputTokens = 0;
    let outputTokens = 0;
    let costUsd = 0;
    for (const r of this.matching(filter)) {
      calls++;
      inputTokens += r.inputTokens;
      outputTokens += r.outputTokens;
      costUsd += r.costUsd;
    }
    return Promise.resolve({ calls, inputTokens, outputTokens, costUsd });
  }

  private matching(filter: UsageFilter): UsageRecord[] {
    return [...this.records.values()].filter((r) => usageMatches(r, filter));
  }
}

/** A copy with every field present (undefined when unset), as the database stores return it. */
function copyRecord(r: UsageRecord): UsageRecord {
  return {
    id: r.id,
    at: r.at,
    runId: r.runId,
    taskId: r.taskId,
    workflow: r.workflow,
    labels: { ...r.labels },
    provider: r.provider,
    model: r.model,
    inputTokens: r.inputTokens,
    outputTokens: r.outputTokens,
    costUsd: r.costUsd,
    latencyMs: r.latencyMs,
    quality: r.quality,
    cached: r.cached,
  };
}

/** Runs `fn`; its result, or what it threw, as a promise. */
function settle<T>(fn: () => T): Promise<T> {
  return new Promise((resolve) => {
    resolve(fn());
  });
}
