/**
 * `llm-orchestrator metrics` on a SQLite store seeded with usage records: figures per model and per
 * day, the filters, and what it says when there is nothing to report.
 */
import { join } from 'node:path';
import type { UsageRecord } from '@llm-orchestrator/core';
import { openSqliteStore } from '@llm-orchestrator/sqlite';
import { beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from './cli-durable-helpers.js';
import { runCli, type CliRun } from './cli.js';

const DAY1 = Date.UTC(2024, 4, 1, 10, 0, 0);
const DAY2 = Date.UTC(2024, 4, 2, 23, 30, 0);

function rec(over: Partial<UsageRecord> & { id: string }): UsageRecord {
  return {
    at: DAY1,
    runId: 'r1',
    taskId: 'ask',
    workflow: 'summarise',
    labels: { team: 'ai' },
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
  rec({ id: 'r1:ask:1', inputTokens: 100, outputTokens: 50, costUsd: 0.001, latencyMs: 400 }),
  rec({
    id: 'r1:ask2:1',
    taskId: 'ask2',
    inputTokens: 200,
    outputTokens: 100,
    costUsd: 0.002,
    latencyMs: 800,
  }),
  rec({ id: 'r1:ask3:1', taskId: 'ask3', cached: true, latencyMs: 5 }),
  // The metric collector's record: a quality, no tokens, no cost — not a call.
  rec({ id: 'r1:feedback:quality', quality: 0.8, latencyMs: 400 }),
  rec({
    id: 'r2:label:1',
    at: DAY2,
    runId: 'r2',
    taskId: 'label',
    workflow: 'classify',
    labels: { team: 'ops' },
    provider: 'anthropic',
    model: 'claude-3-haiku',
    inputTokens: 1000,
    outputTokens: 10,
    costUsd: 0.0003,
    latencyMs: 1000,
  }),
  rec({
    id: 'r2:feedback:quality',
    at: DAY2,
    runId: 'r2',
    taskId: 'label',
    workflow: 'classify',
    labels: { team: 'ops' },
    provider: 'anthropic',
    model: 'claude-3-haiku',
    quality: 0.6,
  }),
];

interface Report {
  by: string;
  filter: Record<string, unknown>;
  rows: Record<string, unknown>[];
  total: Record<string, unknown>;
}

const dir = tempDir('llmo-metrics-');
const storeFile = join(dir, 'state.db');
const env = { LLM_ORCHESTRATOR_HOME: dir, LLM_ORCHESTRATOR_STORE: '' };

function metrics(args: readonly string[], store = storeFile): CliRun {
  return runCli(['metrics', '--store', store, ...args], { env });
}

function report(args: readonly string[]): Report {
  const run = metrics([...args, '-o', 'json']);
  expect(run.stderr).toBe('');
  expect(run.code).toBe(0);
  return JSON.parse(run.stdout) as Report;
}

beforeAll(async () => {
  const store = openSqliteStore(storeFile);
  await store.usage.record(RECORDS);
  await store.close();
});

describe('llm-orchestrator metrics', { timeout: 120_000 }, () => {
  it('sums calls, tokens, cost, latency and quality per model (-o json)', () => {
    const r = report(['--by', 'model']);
    expect(r.by).toBe('model');
    expect(r.rows).toEqual([
      {
        key: 'anthropic/claude-3-haiku',
        calls: 1,
        cachedCalls: 0,
        inputTokens: 1000,
        outputTokens: 10,
        costUsd: 0.0003,
        avgLatencyMs: 1000,
        p95LatencyMs: 1000,
        avgQuality: 0.6,
        qualityCount: 1,
      },
      {
        key: 'openai/gpt-4o',
        calls: 3,
        cachedCalls: 1,
        inputTokens: 300,
        outputTokens: 150,
        costUsd: 0.003,
        avgLatencyMs: 401.7,
        p95LatencyMs: 800,
        avgQuality: 0.8,
        qualityCount: 1,
      },
    ]);
    expect(r.total).toEqual({
      key: 'total',
      calls: 4,
      cachedCalls: 1,
      inputTokens: 1300,
      outputTokens: 160,
      costUsd: 0.0033,
      avgLatencyMs: 551.3,
      p95LatencyMs: 1000,
      avgQuality: 0.7,
      qualityCount: 2,
    });
    // The default grouping is per model.
    expect(report([]).rows.map((row) => row.key)).toEqual([
      'anthropic/claude-3-haiku',
      'openai/gpt-4o',
    ]);
  });

  it('prints one line per UTC day, and a total (-o text)', () => {
    const run = metrics(['--by', 'day', '-o', 'text']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const lines = run.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[0]).toMatch(
      /^day\s+calls\s+cached\s+input tokens\s+output tokens\s+cost \(USD\)\s+avg latency\s+p95 latency\s+avg quality$/,
    );
    expect(lines[1]?.split(/\s+/)).toEqual([
      '2024-05-01',
      '3',
      '1',
      '300',
      '150',
      '0.003',
      '402ms',
      '800ms',
      '0.800',
    ]);
    expect(lines[2]?.split(/\s+/)).toEqual([
      '2024-05-02',
      '1',
      '0',
      '1000',
      '10',
      '0.0003',
      '1.0s',
      '1.0s',
      '0.600',
    ]);
    expect(lines[3]?.split(/\s+/)).toEqual([
      'total',
      '4',
      '1',
      '1300',
      '160',
      '0.0033',
      '551ms',
      '1.0s',
      '0.700',
    ]);
  });

  it('groups per workflow and per provider, and prints a table by default', () => {
    expect(report(['--by', 'workflow']).rows.map((row) => [row.key, row.calls])).toEqual([
      ['classify', 1],
      ['summarise', 3],
    ]);
    expect(report(['--by', 'provider']).rows.map((row) => row.key)).toEqual([
      'anthropic',
      'openai',
    ]);
    const table = metrics(['--by', 'provider']);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/│ provider\s+│ calls │/);
    expect(table.stdout).toMatch(/│ openai\s+│ 3\s+│ 1\s+│ 300\s+│/);
    expect(table.stdout).toMatch(/│ total\s+│ 4\s+│/);
  });

  it('filters by workflow, model, provider, run, label and time', () => {
    const keys = (args: string[]) => report(args).rows.map((row) => row.key);
    expect(keys(['--workflow', 'classify'])).toEqual(['anthropic/claude-3-haiku']);
    expect(keys(['--model', 'gpt-4o'])).toEqual(['openai/gpt-4o']);
    expect(keys(['--provider', 'anthropic'])).toEqual(['anthropic/claude-3-haiku']);
    expect(keys(['--run', 'r1'])).toEqual(['openai/gpt-4o']);
    expect(keys(['--label', 'team=ops'])).toEqual(['anthropic/claude-3-haiku']);
    expect(keys(['--by', 'day', '--since', '2024-05-02'])).toEqual(['2024-05-02']);
    expect(keys(['--by', 'day', '--until', '2024-05-02T00:00:00Z'])).toEqual(['2024-05-01']);
    const r = report(['--since', '2024-05-01T12:00:00Z', '--until', '2024-05-03']);
    expect(r.filter).toMatchObject({
      since: '2024-05-01T12:00:00.000Z',
      until: '2024-05-03T00:00:00.000Z',
    });
    expect(r.total).toMatchObject({ calls: 1, qualityCount: 1 });
    // A duration is counted back from now.
    expect(keys(['--since', '36500d'])).toHaveLength(2);
    expect(keys(['--since', '24h'])).toEqual([]);
    const none = metrics(['--since', '24h', '-o', 'text']);
    expect(none.code).toBe(0);
    expect(none.stdout).toBe('no model calls recorded that match these options\n');
  });

  it('says so when nothing was recorded yet', () => {
    const empty = join(tempDir('llmo-metrics-empty-'), 'state.db');
    for (const output of ['table', 'text']) {
      const run = metrics(['-o', output], empty);
      expect(run.code).toBe(0);
      expect(run.stdout).toMatch(/^no model calls recorded yet in /);
    }
    const json = JSON.parse(metrics(['-o', 'json'], empty).stdout) as Report;
    expect(json.rows).toEqual([]);
    expect(json.total).toMatchObject({ calls: 0, costUsd: 0, avgQuality: null });
  });

  it('refuses a bad grouping or time with exit code 2', () => {
    const by = metrics(['--by', 'colour']);
    expect(by.code).toBe(2);
    expect(by.stderr).toContain("argument 'colour' is invalid");
    const since = metrics(['--since', 'last tuesday']);
    expect(since.code).toBe(2);
    expect(since.stderr).toContain('--since must be an ISO 8601 date or time');
    const order = metrics(['--since', '2024-05-02', '--until', '2024-05-01']);
    expect(order.code).toBe(2);
    expect(order.stderr).toBe('llm-orchestrator: --since must be before --until\n');
  });
});
