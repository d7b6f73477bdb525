import type { UsageRecord } from '@llm-orchestrator/core';
import { describe, expect, it } from 'vitest';
import { isQualityOnly, summariseRecords, summariseUsage, utcDay } from './report.js';

const DAY1 = Date.UTC(2026, 0, 31, 23, 59, 59, 999);
const DAY2 = Date.UTC(2026, 1, 1, 0, 0, 0, 0);

function rec(over: Partial<UsageRecord> & { id: string }): UsageRecord {
  return {
    at: DAY1,
    runId: 'r1',
    taskId: 't1',
    workflow: 'wf-a',
    labels: {},
    provider: 'openai',
    model: 'gpt-4o',
    inputTokens: 0,
    outputTokens: 0,
    costUsd: 0,
    latencyMs: undefined,
    quality: undefined,
    cached: false,
    ...over,
  };
}

const RECORDS: UsageRecord[] = [
  rec({ id: 'r1:ask:1', inputTokens: 100, outputTokens: 50, costUsd: 0.1, latencyMs: 100 }),
  rec({ id: 'r1:ask2:1', inputTokens: 200, outputTokens: 20, costUsd: 0.2, latencyMs: 300 }),
  rec({ id: 'r1:ask3:1', cached: true, latencyMs: 2 }),
  rec({ id: 'r1:score:quality', quality: 0.9, latencyMs: 100 }),
  rec({
    id: 'r2:ask:1',
    at: DAY2,
    runId: 'r2',
    workflow: 'wf-b',
    provider: 'anthropic',
    model: 'claude-3-opus',
    inputTokens: 1000,
    outputTokens: 100,
    costUsd: 0.0225,
    latencyMs: 1200,
    quality: 0.5,
  }),
  rec({
    id: 'r2:collect:quality',
    at: DAY2,
    runId: 'r2',
    workflow: 'wf-b',
    provider: 'anthropic',
    model: 'claude-3-opus',
    quality: 0.7,
  }),
];

describe('isQualityOnly', () => {
  it('is a :quality id with no tokens and no cost', () => {
    expect(isQualityOnly(rec({ id: 'r:t:quality', quality: 1 }))).toBe(true);
    expect(isQualityOnly(rec({ id: 'r:t:quality', quality: 1, inputTokens: 3 }))).toBe(false);
    expect(isQualityOnly(rec({ id: 'r:t:quality', costUsd: 0.01 }))).toBe(false);
    // A cached call: no tokens, no cost, but a call.
    expect(isQualityOnly(rec({ id: 'r:t:1', cached: true }))).toBe(false);
  });
});

describe('utcDay', () => {
  it('is the UTC date', () => {
    expect(utcDay(DAY1)).toBe('2026-01-31');
    expect(utcDay(DAY2)).toBe('2026-02-01');
  });
});

describe('summariseUsage', () => {
  it('groups by provider/model, sorted by key', () => {
    const rows = summariseUsage(RECORDS, 'model');
    expect(rows.map((r) => r.key)).toEqual(['anthropic/claude-3-opus', 'openai/gpt-4o']);
    expect(rows[1]).toEqual({
      key: 'openai/gpt-4o',
      calls: 3,
      cachedCalls: 1,
      inputTokens: 300,
      outputTokens: 70,
      costUsd: 0.3,
      // Over the calls only (2, 100, 300): the quality record's latency is not a call's.
      avgLatencyMs: 134,
      p95LatencyMs: 300,
      avgQuality: 0.9,
      qualityCount: 1,
    });
    expect(rows[0]).toEqual({
      key: 'anthropic/claude-3-opus',
      calls: 1,
      cachedCalls: 0,
      inputTokens: 1000,
      outputTokens: 100,
      costUsd: 0.0225,
      avgLatencyMs: 1200,
      p95LatencyMs: 1200,
      avgQuality: 0.6,
      qualityCount: 2,
    });
  });

  it('groups by UTC day, workflow and provider', () => {
    expect(summariseUsage(RECORDS, 'day').map((r) => [r.key, r.calls])).toEqual([
      ['2026-01-31', 3],
      ['2026-02-01', 1],
    ]);
    expect(summariseUsage(RECORDS, 'workflow').map((r) => [r.key, r.calls, r.costUsd])).toEqual([
      ['wf-a', 3, 0.3],
      ['wf-b', 1, 0.0225],
    ]);
    expect(summariseUsage(RECORDS, 'provider').map((r) => r.key)).toEqual(['anthropic', 'openai']);
  });

  it('sums cost without floating-point drift', () => {
    const many = Array.from({ length: 10 }, (_, i) => rec({ id: `c${i}`, costUsd: 0.1 }));
    expect(summariseRecords('all', many).costUsd).toBe(1);
  });

  it('gives null averages when nothing was measured, and no rows for no records', () => {
    expect(summariseUsage([], 'model')).toEqual([]);
    const row = summariseRecords('x', [rec({ id: 'a', inputTokens: 1 })]);
    expect(row).toMatchObject({ calls: 1, avgLatencyMs: null, p95LatencyMs: null });
    expect(row.avgQuality).toBeNull();
    expect(summariseRecords('none', [])).toMatchObject({ calls: 0, costUsd: 0, qualityCount: 0 });
  });

  it('takes the nearest-rank 95th percentile', () => {
    const records = Array.from({ length: 20 }, (_, i) =>
      rec({ id: `l${i}`, latencyMs: (20 - i) * 10 }),
    );
    // 20 latencies 10..200: rank ceil(0.95 × 20) = 19 → 190.
    expect(summariseRecords('x', records)).toMatchObject({ avgLatencyMs: 105, p95LatencyMs: 190 });
  });

  it('counts a collector record that carries usage (record_usage) as a call', () => {
    const row = summariseRecords('x', [
      rec({ id: 'r:t:quality', inputTokens: 10, outputTokens: 5, costUsd: 0.01, quality: 0.8 }),
    ]);
    expect(row).toMatchObject({ calls: 1, inputTokens: 10, avgQuality: 0.8 });
  });
});
