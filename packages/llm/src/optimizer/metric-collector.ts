/**
 * `llm-auto-optimizer:metric-collector` (seed §7.3): records how well a task did — its quality, and
 * the latency, cost and tokens it is given — in the store's usage log, where `llm-orchestrator
 * metrics` reports it, and hands the same figures to LLM-Auto-Optimizer through an optional sender.
 *
 * Inputs (`null` is the same as absent):
 * - `metrics` (object, required): what was measured, an evaluator's `metrics` say; sent as is.
 * - `quality` or `score` (0..1): the quality. When neither is given, the first of `metrics.score`,
 *   `metrics.overall_score`, `metrics.cosine_similarity` that is a number in 0..1.
 * - `cost` (USD ≥ 0), `latency_ms` (≥ 0).
 * - `usage`: token counts (`input_tokens`/`output_tokens`, `prompt_tokens`/`completion_tokens` or
 *   `inputTokens`/`outputTokens`), with `provider` and `model` when the call reported them.
 * - `provider`, `model`: which model is measured (over `usage.provider` / `usage.model`; default
 *   `unknown`).
 * - `task`: the task measured (default: the collector's own task id).
 * - `context`: a free object sent along to the optimizer.
 * - `record_usage` (default false): see below.
 *
 * What is recorded: ONE usage record, id `<runId>:<collector task id>:quality`, so a collector run
 * again (a retry, a crash, `retry --from`) replaces its record instead of adding one. Cost and
 * tokens are normally recorded by the model call itself (`llm:chat`); a collector that recorded them
 * again would count them twice. So the record carries the quality and latency, with tokens and cost
 * 0, unless `record_usage: true` is given — for a model call made by an executor that records no
 * usage of its own — when it carries the given tokens and cost too. The sender always gets the
 * figures as given: the optimizer keeps no usage log of ours.
 *
 * Output: `{ collected: true, record: { id, task, provider, model, quality, latency_ms, cost_usd,
 * input_tokens, output_tokens, usage_recorded }, sent }`: the figures as recorded (`null` for no
 * quality or latency); `sent` is true when the metric was handed to the sender (which delivers it
 * later, in a batch), false without a sender.
 */
import {
  ExecutorInputError,
  type Clock,
  type Executor,
  type Store,
  type UsageRecord,
} from '@llm-orchestrator/core';
import { normaliseUsage, roundUsd } from '../pricing.js';
import type { OptimizerMetric, OptimizerSender } from './sender.js';

export const METRIC_COLLECTOR = 'llm-auto-optimizer:metric-collector';

export interface MetricCollectorOptions {
  /** Where the record goes: only `store.usage` is used. */
  readonly store: Pick<Store, 'usage'>;
  /** Hands each metric to LLM-Auto-Optimizer; without one, metrics are only recorded. */
  readonly sender?: OptimizerSender;
  /** The time of the record (default: the task context's clock). */
  readonly clock?: Clock;
}

/** What the collector returns as `record`. */
export interface CollectedRecord {
  readonly id: string;
  readonly task: string;
  readonly provider: string;
  readonly model: string;
  readonly quality: number | null;
  readonly latency_ms: number | null;
  readonly cost_usd: number;
  readonly input_tokens: number;
  readonly output_tokens: number;
  /** Whether cost and tokens were recorded (`record_usage: true`). */
  readonly usage_recorded: boolean;
}

export interface MetricCollectorOutput {
  readonly collected: true;
  readonly record: CollectedRecord;
  readonly sent: boolean;
}

type Inputs = Readonly<Record<string, unknown>>;

/** The `metrics` keys a quality is taken from when none is given, in this order. */
export const QUALITY_METRICS = ['score', 'overall_score', 'cosine_similarity'] as const;

function kind(value: unknown): string {
  if (value === null) return 'null';
  return Array.isArray(value) ? 'array' : typeof value;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function optionalObject(inputs: Inputs, name: string): Record<string, unknown> | undefined {
  const value = inputs[name];
  if (value === undefined || value === null) return undefined;
  if (!isObject(value)) {
    throw new ExecutorInputError(`input \`${name}\` must be an object, got ${kind(value)}`, {
      input: name,
    });
  }
  return value;
}

function optionalString(inputs: Inputs, name: string): string | undefined {
  const value = inputs[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string' || value === '') {
    throw new ExecutorInputError(
      `input \`${name}\` must be a non-empty string, got ${kind(value)}`,
      {
        input: name,
      },
    );
  }
  return value;
}

function optionalNumber(
  inputs: Inputs,
  name: string,
  range: { min: number; max?: number },
): number | undefined {
  const value = inputs[name];
  if (value === undefined || value === null) return undefined;
  const within =
    typeof value === 'number' &&
    Number.isFinite(value) &&
    value >= range.min &&
    (range.max === undefined || value <= range.max);
  if (!within) {
    const wanted =
      range.max === undefined
        ? `a number ≥ ${range.min}`
        : `a number from ${range.min} to ${range.max}`;
    throw new ExecutorInputError(
      `input \`${name}\` must be ${wanted}, got ${typeof value === 'number' ? String(value) : kind(value)}`,
      { input: name },
    );
  }
  return value;
}

function optionalBoolean(inputs: Inputs, name: string): boolean {
  const value = inputs[name];
  if (value === undefined || value === null) return false;
  if (typeof value !== 'boolean') {
    throw new ExecutorInputError(`input \`${name}\` must be a boolean, got ${kind(value)}`, {
      input: name,
    });
  }
  return value;
}

/** `quality`, else `score`, else the first quality-like number in `metrics`. */
function qualityOf(inputs: Inputs, metrics: Readonly<Record<string, unknown>>): number | undefined {
  const quality = optionalNumber(inputs, 'quality', { min: 0, max: 1 });
  const score = optionalNumber(inputs, 'score', { min: 0, max: 1 });
  if (quality !== undefined && score !== undefined && quality !== score) {
    throw new ExecutorInputError(
      `inputs \`quality\` (${quality}) and \`score\` (${score}) disagree: give one of them`,
      { input: 'quality' },
    );
  }
  const given = quality ?? score;
  if (given !== undefined) return given;
  for (const key of QUALITY_METRICS) {
    const v = metrics[key];
    if (typeof v === 'number' && Number.isFinite(v) && v >= 0 && v <= 1) return v;
  }
  return undefined;
}

/** A usage object's `provider` or `model`, when it is a non-empty string. */
function usageName(usage: Readonly<Record<string, unknown>> | undefined, key: string) {
  const v = usage?.[key];
  return typeof v === 'string' && v !== '' ? v : undefined;
}

export function createMetricCollector(options: MetricCollectorOptions): Executor {
  const { store, sender } = options;
  return {
    name: METRIC_COLLECTOR,
    description: 'record a task quality (and, if asked, its usage); send it to the optimizer',
    async execute(inputs, ctx): Promise<MetricCollectorOutput> {
      if (inputs.metrics === undefined || inputs.metrics === null) {
        throw new ExecutorInputError('input `metrics` is required (an object)', {
          input: 'metrics',
        });
      }
      const metrics = optionalObject(inputs, 'metrics') ?? {};
      const quality = qualityOf(inputs, metrics);
      const cost = optionalNumber(inputs, 'cost', { min: 0 });
      const latencyMs = optionalNumber(inputs, 'latency_ms', { min: 0 });
      const rawUsage = optionalObject(inputs, 'usage');
      const tokens = normaliseUsage(rawUsage);
      const provider = optionalString(inputs, 'provider') ?? usageName(rawUsage, 'provider');
      const model = optionalString(inputs, 'model') ?? usageName(rawUsage, 'model');
      const task = optionalString(inputs, 'task') ?? ctx.taskId;
      const context = optionalObject(inputs, 'context') ?? {};
      const recordUsage = optionalBoolean(inputs, 'record_usage');

      const at = (options.clock ?? ctx.clock).now();
      const record: UsageRecord = {
        id: `${ctx.runId}:${ctx.taskId}:quality`,
        at,
        runId: ctx.runId,
        taskId: task,
        workflow: ctx.workflow.name,
        labels: ctx.workflow.labels,
        provider: provider ?? 'unknown',
        model: model ?? 'unknown',
        inputTokens: recordUsage ? (tokens?.inputTokens ?? 0) : 0,
        outputTokens: recordUsage ? (tokens?.outputTokens ?? 0) : 0,
        costUsd: recordUsage ? roundUsd(cost ?? 0) : 0,
        latencyMs,
        quality,
        cached: false,
      };
      await store.usage.record([record]);

      let sent = false;
      if (sender !== undefined) {
        const metric: OptimizerMetric = {
          run_id: ctx.runId,
          workflow: ctx.workflow.name,
          workflow_version: ctx.workflow.version,
          labels: ctx.workflow.labels,
          task_id: task,
          collector_task_id: ctx.taskId,
          timestamp: new Date(at).toISOString(),
          provider: record.provider,
          model: record.model,
          quality_score: quality ?? null,
          cost_usd: cost ?? null,
          input_tokens: tokens?.inputTokens ?? null,
          output_tokens: tokens?.outputTokens ?? null,
          latency_ms: latencyMs ?? null,
          custom: metrics,
          context,
        };
        sender.push(metric);
        sent = true;
      }

      return {
        collected: true,
        record: {
          id: record.id,
          task,
          provider: record.provider,
          model: record.model,
          quality: quality ?? null,
          latency_ms: latencyMs ?? null,
          cost_usd: record.costUsd,
          input_tokens: record.inputTokens,
          output_tokens: record.outputTokens,
          usage_recorded: recordUsage,
        },
        sent,
      };
    },
  };
}
