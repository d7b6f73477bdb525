/**
 * Usage reports: the usage log's records summed per model, workflow, day or provider (what
 * `llm-orchestrator metrics` prints).
 *
 * The log holds two kinds of record. A model call (written by `llm:chat`, or by the metric
 * collector with `record_usage: true`) has tokens, cost, latency and maybe a quality. A quality
 * measurement (written by the metric collector) has an id ending in `:quality`, no tokens and no
 * cost: it only adds a quality to the figures, and is not a call. Precisely, a record is a
 * QUALITY-ONLY record when its id ends in `:quality` and its tokens and cost are all 0; every other
 * record is a CALL.
 */
import type { UsageRecord } from '@llm-orchestrator/core';
import { roundUsd } from '../pricing.js';

export type UsageGrouping = 'model' | 'workflow' | 'day' | 'provider';

export const USAGE_GROUPINGS: readonly UsageGrouping[] = ['model', 'workflow', 'day', 'provider'];

export interface UsageSummaryRow {
  /** `provider/model`, the workflow name, the UTC day (`YYYY-MM-DD`) or the provider. */
  readonly key: string;
  /** Records that are calls (not quality-only). */
  readonly calls: number;
  /** Calls served from the response cache. */
  readonly cachedCalls: number;
  readonly inputTokens: number;
  readonly outputTokens: number;
  /** USD, rounded to a billionth. */
  readonly costUsd: number;
  /** Over the calls that have a latency, rounded to 0.1 ms; null when none has. */
  readonly avgLatencyMs: number | null;
  /** The 95th percentile (nearest rank) over the same latencies; null when none. */
  readonly p95LatencyMs: number | null;
  /** Over every record with a quality (calls and quality-only records), to 4 decimals; or null. */
  readonly avgQuality: number | null;
  /** How many records had a quality. */
  readonly qualityCount: number;
}

/** Whether a record only carries a quality measurement (see the module comment). */
export function isQualityOnly(r: UsageRecord): boolean {
  return (
    r.id.endsWith(':quality') && r.inputTokens === 0 && r.outputTokens === 0 && r.costUsd === 0
  );
}

/** The UTC day of an epoch-ms time: `YYYY-MM-DD`. */
export function utcDay(at: number): string {
  return new Date(at).toISOString().slice(0, 10);
}

function keyOf(r: UsageRecord, by: UsageGrouping): string {
  switch (by) {
    case 'model':
      return `${r.provider}/${r.model}`;
    case 'workflow':
      return r.workflow;
    case 'day':
      return utcDay(r.at);
    case 'provider':
      return r.provider;
  }
}

function round(value: number, decimals: number): number {
  const f = 10 ** decimals;
  return Math.round(value * f) / f;
}

/** Nearest-rank percentile of sorted values (`p` in 0..100). */
function percentile(sorted: readonly number[], p: number): number | undefined {
  if (sorted.length === 0) return undefined;
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(rank, sorted.length) - 1];
}

/** The figures of one group of records, under `key`. */
export function summariseRecords(key: string, records: readonly UsageRecord[]): UsageSummaryRow {
  let calls = 0;
  let cachedCalls = 0;
  let inputTokens = 0;
  let outputTokens = 0;
  let costUsd = 0;
  const latencies: number[] = [];
  let qualitySum = 0;
  let qualityCount = 0;
  for (const r of records) {
    if (r.quality !== undefined) {
      qualitySum += r.quality;
      qualityCount++;
    }
    if (isQualityOnly(r)) continue;
    calls++;
    if (r.cached) cachedCalls++;
    inputTokens += r.inputTokens;
    outputTokens += r.outputTokens;
    costUsd += r.costUsd;
    if (r.latencyMs !== undefined) latencies.push(r.latencyMs);
  }
  latencies.sort((a, b) => a - b);
  const latencySum = latencies.reduce((sum, v) => sum + v, 0);
  return {
    key,
    calls,
    cachedCalls,
    inputTokens,
    outputTokens,
    costUsd: roundUsd(costUsd),
    avgLatencyMs: latencies.length === 0 ? null : round(latencySum / latencies.length, 1),
    p95LatencyMs: percentile(latencies, 95) ?? null,
    avgQuality: qualityCount === 0 ? null : round(qualitySum / qualityCount, 4),
    qualityCount,
  };
}

/** The records summed per `by`, one row per key, sorted by key. */
export function summariseUsage(
  records: readonly UsageRecord[],
  by: UsageGrouping,
): UsageSummaryRow[] {
  const groups = new Map<string, UsageRecord[]>();
  for (const r of records) {
    const key = keyOf(r, by);
    const group = groups.get(key);
    if (group === undefined) groups.set(key, [r]);
    else group.push(r);
  }
  return [...groups.keys()]
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
    .map((key) => summariseRecords(key, groups.get(key) ?? []));
}
