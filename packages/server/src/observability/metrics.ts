/**
 * Prometheus metrics (seed §11.1), in a registry of their own, fed by the engine's events:
 *
 * - runs: `workflow_executions_total{workflow,status}` (final status), `workflow_duration_seconds`
 *   (from the run starting to run to its end), `active_runs{status}` (running, paused) and
 *   `queue_depth` (pending runs), the last two counted at scrape time;
 * - tasks: `task_executions_total{executor,status}` (completed, failed, timed_out, skipped,
 *   cancelled), `task_duration_seconds{executor,status}` (each attempt, by how it ended:
 *   completed, failed, timed_out or retrying), `task_retries_total{executor}`;
 * - LLM calls, read from the outputs of the tasks that made them: `llm_calls_total`,
 *   `llm_tokens_total{direction}` (input, output), `llm_cost_usd_total`, `llm_latency_seconds`
 *   and `llm_cached_answers_total`, all by provider and model;
 * - the Node process (prom-client's default metrics, unprefixed).
 *
 * Labels never carry run ids; workflow, executor, provider and model names are capped at
 * `maxLabelValues` distinct values each (the rest are reported as `other`).
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import {
  TERMINAL_RUN_STATES,
  type Engine,
  type EngineEvent,
  type RunStatus,
  type Store,
} from '@llm-orchestrator/core';
import type { MetricsSource } from '../contract.js';
import { BoundedLabel, Executors, llmCallsOf, type LlmCall } from './llm-usage.js';

export interface MetricsOptions {
  /** Count active runs and the queue in the store (every process's runs), not the engine. */
  readonly store?: Store;
  /** Prefix of every metric but Node's defaults. Default `llm_orchestrator_`. */
  readonly prefix?: string;
  /** Node's default metrics (CPU, memory, event loop, GC). Default true. */
  readonly defaultMetrics?: boolean;
  /** Distinct values kept per label (workflow, executor, provider, model). Default 100. */
  readonly maxLabelValues?: number;
  /** Most runs read from the store per status at a scrape. Default 10,000. */
  readonly scanLimit?: number;
}

export type Metrics = MetricsSource & {
  readonly registry: Registry;
  /** Stops listening to the engine and empties the registry. */
  close(): void;
};

const TASK_FINAL = new Set(['completed', 'failed', 'timed_out', 'skipped', 'cancelled']);
/** Task statuses that end an attempt (and carry its duration). */
const ATTEMPT_END = new Set(['completed', 'failed', 'timed_out', 'retrying']);
const LIVE_RUN_STATES: readonly RunStatus[] = ['pending', 'running', 'paused'];
/** Runs whose start time is kept (a run given up by this process never ends here). */
const MAX_TRACKED_RUNS = 10_000;

const RUN_BUCKETS = [0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600];
const TASK_BUCKETS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600];
const LLM_BUCKETS = [0.1, 0.25, 0.5, 1, 2, 4, 8, 16, 32, 64, 120];

export function createMetrics(engine: Engine, options: MetricsOptions = {}): Metrics {
  const p = options.prefix ?? 'llm_orchestrator_';
  const registry = new Registry();
  const registers = [registry];
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry });

  const runs = new Counter({
    name: `${p}workflow_executions_total`,
    help: 'Runs that ended, by workflow and final status',
    labelNames: ['workflow', 'status'] as const,
    registers,
  });
  const runDuration = new Histogram({
    name: `${p}workflow_duration_seconds`,
    help: 'Time from a run starting to run to its end, by workflow and final status',
    labelNames: ['workflow', 'status'] as const,
    buckets: RUN_BUCKETS,
    registers,
  });
  const tasks = new Counter({
    name: `${p}task_executions_total`,
    help: 'Tasks that reached a final status, by executor and status',
    labelNames: ['executor', 'status'] as const,
    registers,
  });
  const taskDuration = new Histogram({
    name: `${p}task_duration_seconds`,
    help: 'Duration of each task attempt, by executor and outcome (completed, failed, ...)',
    labelNames: ['executor', 'status'] as const,
    buckets: TASK_BUCKETS,
    registers,
  });
  const retries = new Counter({
    name: `${p}task_retries_total`,
    help: 'Failed task attempts followed by another attempt, by executor',
    labelNames: ['executor'] as const,
    registers,
  });
  const llmCalls = new Counter({
    name: `${p}llm_calls_total`,
    help: 'Model calls made (answers not served from the response cache), by provider and model',
    labelNames: ['provider', 'model'] as const,
    registers,
  });
  const tokens = new Counter({
    name: `${p}llm_tokens_total`,
    help: 'Tokens spent by model calls, by provider, model and direction (input, output)',
    labelNames: ['provider', 'model', 'direction'] as const,
    registers,
  });
  const cost = new Counter({
    name: `${p}llm_cost_usd_total`,
    help: 'Cost of model calls in USD, by provider and model (models without a price count 0)',
    labelNames: ['provider', 'model'] as const,
    registers,
  });
  const latency = new Histogram({
    name: `${p}llm_latency_seconds`,
    help: 'Latency of model calls (cache hits excluded), by provider and model',
    labelNames: ['provider', 'model'] as const,
    buckets: LLM_BUCKETS,
    registers,
  });
  const cachedAnswers = new Counter({
    name: `${p}llm_cached_answers_total`,
    help: 'Answers served from the response cache, by provider and model',
    labelNames: ['provider', 'model'] as const,
    registers,
  });

  // Active runs and the queue, counted once per scrape for both gauges.
  const scanLimit = options.scanLimit ?? 10_000;
  let scan: Promise<Map<RunStatus, number>> | undefined;
  const countRuns = (): Promise<Map<RunStatus, number>> => {
    scan ??= (async () => {
      const counts = new Map<RunStatus, number>(LIVE_RUN_STATES.map((s) => [s, 0]));
      const store = options.store;
      const statuses =
        store === undefined
          ? engine.list().map((r) => r.status)
          : (await store.listRuns({ status: LIVE_RUN_STATES, limit: scanLimit })).map(
              (r) => r.status,
            );
      for (const s of statuses) if (counts.has(s)) counts.set(s, (counts.get(s) ?? 0) + 1);
      return counts;
    })().finally(() => {
      scan = undefined;
    });
    return scan;
  };
  new Gauge({
    name: `${p}active_runs`,
    help: 'Runs in progress, by status (running, paused)',
    labelNames: ['status'] as const,
    registers,
    async collect() {
      // On a store error, the gauge keeps its last values.
      const counts = await countRuns().catch(() => undefined);
      if (counts === undefined) return;
      this.set({ status: 'running' }, counts.get('running') ?? 0);
      this.set({ status: 'paused' }, counts.get('paused') ?? 0);
    },
  });
  new Gauge({
    name: `${p}queue_depth`,
    help: 'Runs waiting to start (pending)',
    registers,
    async collect() {
      const counts = await countRuns().catch(() => undefined);
      if (counts !== undefined) this.set(counts.get('pending') ?? 0);
    },
  });

  const limit = options.maxLabelValues ?? 100;
  const workflowLabel = new BoundedLabel(limit);
  const executorLabel = new BoundedLabel(limit);
  const providerLabel = new BoundedLabel(limit);
  const modelLabel = new BoundedLabel(limit);
  const executors = new Executors(engine);
  /** Counting that waits for an executor name from the store; `render` waits for it. */
  const pending = new Set<Promise<void>>();
  /** When each run started to run (this time round), for its duration. */
  const started = new Map<string, number>();

  const countLlm = (calls: readonly LlmCall[]): void => {
    for (const call of calls) {
      const labels = {
        provider: providerLabel.value(call.provider),
        model: modelLabel.value(call.model),
      };
      if (call.cached) {
        cachedAnswers.inc(labels);
        continue;
      }
      llmCalls.inc(labels);
      tokens.inc({ ...labels, direction: 'input' }, call.inputTokens);
      tokens.inc({ ...labels, direction: 'output' }, call.outputTokens);
      cost.inc(labels, call.cost ?? 0);
      if (call.latencyMs !== undefined) latency.observe(labels, call.latencyMs / 1000);
    }
  };

  const onRun = (e: Extract<EngineEvent, { type: 'run.status' }>): void => {
    if (e.status === 'running') {
      if (!started.has(e.runId)) {
        started.set(e.runId, e.at);
        if (started.size > MAX_TRACKED_RUNS) {
          const oldest = started.keys().next().value;
          if (oldest !== undefined) started.delete(oldest);
        }
      }
      return;
    }
    if (!TERMINAL_RUN_STATES.has(e.status)) return;
    const name = engine.get(e.runId)?.workflow.name;
    const labels = {
      workflow: name === undefined ? 'unknown' : workflowLabel.value(name),
      status: e.status,
    };
    runs.inc(labels);
    const start = started.get(e.runId);
    started.delete(e.runId);
    if (start !== undefined) runDuration.observe(labels, Math.max(0, e.at - start) / 1000);
  };

  const onTask = (e: Extract<EngineEvent, { type: 'task.status' }>): void => {
    const final = TASK_FINAL.has(e.status);
    const attemptEnd = ATTEMPT_END.has(e.status) && e.durationMs !== undefined;
    if (!final && !attemptEnd) return;
    const handle = engine.get(e.runId);
    // Read now: the run may go on (and be retried) while the executor name is looked up.
    const task =
      e.status === 'completed' ? handle?.result().tasks.find((t) => t.id === e.taskId) : undefined;
    const record = (executor: string): void => {
      const x = executorLabel.value(executor);
      if (attemptEnd) {
        taskDuration.observe({ executor: x, status: e.status }, (e.durationMs ?? 0) / 1000);
      }
      if (e.status === 'retrying') retries.inc({ executor: x });
      if (final) tasks.inc({ executor: x, status: e.status });
      if (task !== undefined) countLlm(llmCallsOf(task.outputs, executor, task.fallback));
    };
    const known = executors.now(handle, e.taskId);
    if (known !== undefined) {
      record(known);
      return;
    }
    const later = executors.later(e.runId, e.taskId).then(record);
    pending.add(later);
    void later.finally(() => pending.delete(later));
  };

  const off = engine.on((e) => {
    if (e.type === 'run.status') onRun(e);
    else if (e.type === 'task.status') onTask(e);
  });

  return {
    registry,
    get contentType() {
      return registry.contentType;
    },
    async render() {
      await Promise.all([...pending]);
      return registry.metrics();
    },
    close() {
      off();
      started.clear();
      registry.clear();
    },
  };
}
