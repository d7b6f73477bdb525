/**
 * `llm-orchestrator metrics`: the store's usage log summed per model, workflow, day or provider —
 * calls, cached calls, tokens, cost, latency and quality.
 */
import { parseDuration, type UsageFilter } from '@llm-orchestrator/core';
import type { UsageGrouping, UsageSummaryRow } from '@llm-orchestrator/llm';
import { CliError, ExitCode } from '../exit-codes.js';
import { duration, iso } from '../format.js';
import { serialise, table, type OutputFormat } from '../output.js';
import { describeStore, withSession, type StoreOptions } from '../session.js';

/** What `--by` takes (the groupings of `summariseUsage`). */
export const METRICS_GROUPINGS = [
  'model',
  'workflow',
  'day',
  'provider',
] as const satisfies readonly UsageGrouping[];

export interface MetricsCommandOptions extends StoreOptions {
  readonly output: OutputFormat;
  readonly by: UsageGrouping;
  /** `--since`: an ISO 8601 date or time, or a duration (`7d`, `24h`) back from now. */
  readonly since?: string;
  readonly until?: string;
  readonly workflow?: string;
  readonly model?: string;
  readonly provider?: string;
  readonly run?: string;
  /** `--label key=value`. */
  readonly label?: string;
}

export function parseGrouping(value: string): UsageGrouping {
  if (!(METRICS_GROUPINGS as readonly string[]).includes(value)) {
    throw new CliError(
      `--by must be one of ${METRICS_GROUPINGS.join(', ')}; got "${value}"`,
      ExitCode.Usage,
    );
  }
  return value as UsageGrouping;
}

const DURATION = /^(\d+(\.\d+)?(ms|s|m|h|d))+$/;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

/**
 * A time for `--since` / `--until`: a duration (`7d`, `24h`, `1h30m`) back from `now`, or an ISO
 * 8601 date (`2026-01-31`: midnight UTC) or time (`2026-01-31T12:00:00Z`).
 */
export function parseTime(value: string, option: string, now: number): number {
  if (DURATION.test(value)) {
    const ms = parseDuration(value);
    if (ms !== undefined) return now - ms;
  }
  if (ISO_DATE.test(value)) {
    const at = Date.parse(value);
    if (Number.isFinite(at)) return at;
  }
  throw new CliError(
    `${option} must be an ISO 8601 date or time (2026-01-31, 2026-01-31T12:00:00Z) or a duration back from now (7d, 24h, 30m); got "${value}"`,
    ExitCode.Usage,
  );
}

function parseLabel(value: string): readonly [string, string] {
  const eq = value.indexOf('=');
  if (eq <= 0) {
    throw new CliError(`--label must be key=value; got "${value}"`, ExitCode.Usage);
  }
  return [value.slice(0, eq), value.slice(eq + 1)];
}

/** USD with at least 2 and at most 6 decimals: `0.00`, `1.50`, `0.000123`. */
export function usd(value: number): string {
  const fixed = value.toFixed(6).replace(/0+$/, '');
  const decimals = fixed.length - fixed.indexOf('.') - 1;
  return decimals >= 2 ? fixed : fixed + '0'.repeat(2 - decimals);
}

const HEAD = [
  'calls',
  'cached',
  'input tokens',
  'output tokens',
  'cost (USD)',
  'avg latency',
  'p95 latency',
  'avg quality',
] as const;

function cells(row: UsageSummaryRow): string[] {
  return [
    row.key,
    String(row.calls),
    String(row.cachedCalls),
    String(row.inputTokens),
    String(row.outputTokens),
    usd(row.costUsd),
    row.avgLatencyMs === null ? '-' : duration(row.avgLatencyMs),
    row.p95LatencyMs === null ? '-' : duration(row.p95LatencyMs),
    row.avgQuality === null ? '-' : row.avgQuality.toFixed(3),
  ];
}

/** Plain columns: the key left-aligned, figures right-aligned. */
function textTable(rows: readonly (readonly string[])[]): string {
  const widths: number[] = [];
  for (const row of rows) {
    row.forEach((c, i) => {
      widths[i] = Math.max(widths[i] ?? 0, c.length);
    });
  }
  return rows
    .map((row) =>
      row
        .map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0)))
        .join('  ')
        .trimEnd(),
    )
    .map((line) => `${line}\n`)
    .join('');
}

export async function metricsCommand(options: MetricsCommandOptions): Promise<number> {
  const now = Date.now();
  const since = options.since === undefined ? undefined : parseTime(options.since, '--since', now);
  const until = options.until === undefined ? undefined : parseTime(options.until, '--until', now);
  if (since !== undefined && until !== undefined && since >= until) {
    throw new CliError('--since must be before --until', ExitCode.Usage);
  }
  const label = options.label === undefined ? undefined : parseLabel(options.label);
  const filter: UsageFilter = {
    ...(since === undefined ? {} : { since }),
    ...(until === undefined ? {} : { until }),
    ...(options.workflow === undefined ? {} : { workflow: options.workflow }),
    ...(options.model === undefined ? {} : { model: options.model }),
    ...(options.provider === undefined ? {} : { provider: options.provider }),
    ...(options.run === undefined ? {} : { runId: options.run }),
    ...(label === undefined ? {} : { label }),
  };
  // Loaded here only: the LLM package (and its SDKs) is not needed by any other command.
  const { summariseRecords, summariseUsage } = await import('@llm-orchestrator/llm');
  return withSession(options, async ({ store, location }) => {
    const records = await store.usage.list(filter);
    const rows = summariseUsage(records, options.by);
    const total = summariseRecords('total', records);

    if (options.output === 'json' || options.output === 'yaml') {
      const data = {
        by: options.by,
        filter: {
          since: since === undefined ? null : iso(since),
          until: until === undefined ? null : iso(until),
          workflow: options.workflow ?? null,
          model: options.model ?? null,
          provider: options.provider ?? null,
          run: options.run ?? null,
          label: options.label ?? null,
        },
        rows,
        total,
      };
      process.stdout.write(serialise(data, options.output));
      return ExitCode.Ok;
    }

    if (rows.length === 0) {
      const filtered = Object.keys(filter).length > 0;
      process.stdout.write(
        filtered
          ? 'no model calls recorded that match these options\n'
          : `no model calls recorded yet in ${describeStore(location)}: llm:chat tasks and llm-auto-optimizer:metric-collector tasks record them\n`,
      );
      return ExitCode.Ok;
    }
    const body = rows.map(cells);
    // A total only says something new under more than one row.
    const withTotal = rows.length > 1 ? [...body, cells(total)] : body;
    process.stdout.write(
      options.output === 'table'
        ? table([options.by, ...HEAD], withTotal)
        : textTable([[options.by, ...HEAD], ...withTotal]),
    );
    return ExitCode.Ok;
  });
}
