import {
  createEngine,
  FakeClock,
  MemoryStore,
  workflow,
  type ExecutorContext,
  type UsageRecord,
} from '@llm-orchestrator/core';
import { describe, expect, it } from 'vitest';
import { createMetricCollector, METRIC_COLLECTOR } from './metric-collector.js';
import type { OptimizerMetric, OptimizerSender } from './sender.js';

const T0 = Date.UTC(2026, 2, 1, 12, 0, 0);

function context(over: Partial<ExecutorContext> = {}): ExecutorContext {
  const noop = (): void => undefined;
  return {
    runId: 'run-1',
    workflow: { name: 'pipeline', version: '1.2.0', labels: { team: 'ai' } },
    taskId: 'feedback',
    attempt: 1,
    idempotencyKey: 'run-1:feedback',
    signal: new AbortController().signal,
    logger: { debug: noop, info: noop, warn: noop, error: noop },
    clock: new FakeClock(T0),
    config: {},
    emit: noop,
    ...over,
  };
}

/** A sender that keeps what it is given. */
function recordingSender(): OptimizerSender & { readonly metrics: OptimizerMetric[] } {
  const metrics: OptimizerMetric[] = [];
  return {
    metrics,
    push: (m) => {
      metrics.push(m);
    },
    flush: () => Promise.resolve(true),
    close: () => Promise.resolve(true),
    get pending() {
      return 0;
    },
  };
}

async function collect(
  inputs: Record<string, unknown>,
  options: { store?: MemoryStore; sender?: OptimizerSender; ctx?: ExecutorContext } = {},
): Promise<{ output: Record<string, unknown>; records: UsageRecord[] }> {
  const store = options.store ?? new MemoryStore();
  const collector = createMetricCollector({
    store,
    ...(options.sender === undefined ? {} : { sender: options.sender }),
  });
  const output = (await collector.execute(inputs, options.ctx ?? context())) as Record<
    string,
    unknown
  >;
  return { output, records: await store.usage.list() };
}

describe('llm-auto-optimizer:metric-collector', () => {
  it('records one quality measurement, without the usage llm:chat records itself', async () => {
    const { output, records } = await collect({
      metrics: { cosine_similarity: 0.82, embedding_distance: 0.18 },
      cost: 0.0123,
      latency_ms: 850,
      usage: { input_tokens: 120, output_tokens: 40, provider: 'anthropic', model: 'claude-3' },
      task: 'model_inference',
    });
    expect(records).toEqual([
      {
        id: 'run-1:feedback:quality',
        at: T0,
        runId: 'run-1',
        taskId: 'model_inference',
        workflow: 'pipeline',
        labels: { team: 'ai' },
        provider: 'anthropic',
        model: 'claude-3',
        inputTokens: 0,
        outputTokens: 0,
        costUsd: 0,
        latencyMs: 850,
        quality: 0.82,
        cached: false,
      },
    ]);
    expect(output).toEqual({
      collected: true,
      record: {
        id: 'run-1:feedback:quality',
        task: 'model_inference',
        provider: 'anthropic',
        model: 'claude-3',
        quality: 0.82,
        latency_ms: 850,
        cost_usd: 0,
        input_tokens: 0,
        output_tokens: 0,
        usage_recorded: false,
      },
      sent: false,
    });
  });

  it('records cost and tokens too with record_usage: true', async () => {
    const { output, records } = await collect({
      metrics: {},
      score: 0.4,
      cost: 0.0123,
      usage: { prompt_tokens: 120, completion_tokens: 40 },
      provider: 'openai',
      model: 'gpt-4o',
      record_usage: true,
    });
    expect(records[0]).toMatchObject({
      taskId: 'feedback',
      provider: 'openai',
      model: 'gpt-4o',
      inputTokens: 120,
      outputTokens: 40,
      costUsd: 0.0123,
      quality: 0.4,
      latencyMs: undefined,
    });
    expect(output.record).toMatchObject({
      usage_recorded: true,
      cost_usd: 0.0123,
      latency_ms: null,
    });
  });

  it('replaces its record when run again (a retry or a crash), never adds one', async () => {
    const store = new MemoryStore();
    await collect({ metrics: { score: 0.2 } }, { store });
    const { records } = await collect({ metrics: { score: 0.9 } }, { store });
    expect(records.map((r) => [r.id, r.quality])).toEqual([['run-1:feedback:quality', 0.9]]);
    expect(await store.usage.totals()).toMatchObject({ calls: 1, costUsd: 0, inputTokens: 0 });
  });

  it('takes the quality from quality, score, then metrics.score, overall_score, cosine_similarity', async () => {
    const quality = async (inputs: Record<string, unknown>) =>
      (await collect(inputs)).records[0]?.quality;
    expect(await quality({ metrics: { score: 0.1 }, quality: 0.3 })).toBe(0.3);
    expect(await quality({ metrics: { score: 0.1 }, score: 0.3 })).toBe(0.3);
    expect(await quality({ metrics: { score: 0.1, overall_score: 0.2 } })).toBe(0.1);
    expect(await quality({ metrics: { overall_score: 0.2, cosine_similarity: 0.5 } })).toBe(0.2);
    expect(await quality({ metrics: { cosine_similarity: 0.5 } })).toBe(0.5);
    // Not a number in 0..1: the next one, or none.
    expect(
      await quality({ metrics: { score: '0.9', overall_score: 7, cosine_similarity: -0.2 } }),
    ).toBeUndefined();
    expect(await quality({ metrics: { score: 85, cosine_similarity: 0.6 } })).toBe(0.6);
  });

  it('names the model unknown when nothing says which', async () => {
    const { records } = await collect({ metrics: { score: 1 } });
    expect(records[0]).toMatchObject({ provider: 'unknown', model: 'unknown' });
  });

  it('prefers the provider and model inputs over those in usage', async () => {
    const { records } = await collect({
      metrics: {},
      usage: { provider: 'a', model: 'm1' },
      model: 'm2',
    });
    expect(records[0]).toMatchObject({ provider: 'a', model: 'm2' });
  });

  it('treats null as not given (an unpriced model has cost: null)', async () => {
    const { records } = await collect({ metrics: { score: 0.5 }, cost: null, usage: null });
    expect(records[0]).toMatchObject({ costUsd: 0, quality: 0.5 });
  });

  it('hands the figures as given, with metrics and context, to the sender', async () => {
    const sender = recordingSender();
    const { output } = await collect(
      {
        metrics: { cosine_similarity: 0.82 },
        cost: 0.0123,
        latency_ms: 850,
        usage: { input_tokens: 120, output_tokens: 40, provider: 'anthropic', model: 'claude-3' },
        task: 'model_inference',
        context: { prompt_version: 'v3' },
      },
      { sender },
    );
    expect(output.sent).toBe(true);
    expect(sender.metrics).toEqual([
      {
        run_id: 'run-1',
        workflow: 'pipeline',
        workflow_version: '1.2.0',
        labels: { team: 'ai' },
        task_id: 'model_inference',
        collector_task_id: 'feedback',
        timestamp: '2026-03-01T12:00:00.000Z',
        provider: 'anthropic',
        model: 'claude-3',
        quality_score: 0.82,
        cost_usd: 0.0123,
        input_tokens: 120,
        output_tokens: 40,
        latency_ms: 850,
        custom: { cosine_similarity: 0.82 },
        context: { prompt_version: 'v3' },
      },
    ]);
  });

  it('uses its own clock when given one', async () => {
    const store = new MemoryStore();
    const collector = createMetricCollector({ store, clock: new FakeClock(42) });
    await collector.execute({ metrics: {} }, context());
    expect((await store.usage.list())[0]?.at).toBe(42);
  });

  it.each([
    [{}, 'metrics', /`metrics` is required/],
    [{ metrics: [1] }, 'metrics', /`metrics` must be an object, got array/],
    [{ metrics: {}, cost: -1 }, 'cost', /`cost` must be a number ≥ 0, got -1/],
    [{ metrics: {}, cost: '3' }, 'cost', /got string/],
    [{ metrics: {}, score: 1.5 }, 'score', /from 0 to 1, got 1.5/],
    [{ metrics: {}, quality: 0.2, score: 0.3 }, 'quality', /disagree/],
    [{ metrics: {}, latency_ms: Number.NaN }, 'latency_ms', /must be a number/],
    [{ metrics: {}, usage: 'lots' }, 'usage', /`usage` must be an object/],
    [{ metrics: {}, model: 3 }, 'model', /`model` must be a non-empty string/],
    [{ metrics: {}, context: 'x' }, 'context', /`context` must be an object/],
    [{ metrics: {}, record_usage: 'yes' }, 'record_usage', /must be a boolean/],
  ])('refuses bad inputs: %j', async (inputs, input, message) => {
    const store = new MemoryStore();
    const collector = createMetricCollector({ store });
    const err = await Promise.resolve()
      .then(() => collector.execute(inputs, context()))
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(err).toMatchObject({ code: 'InvalidInputError', input, retryable: false });
    expect((err as Error).message).toMatch(message);
    expect(await store.usage.list()).toEqual([]);
  });

  it('works in a workflow: the example pipeline wiring, with the run workflow and labels', async () => {
    const store = new MemoryStore();
    const engine = createEngine({ store, circuitBreaker: false })
      .registerExecutor('fake:chat', {
        name: 'fake:chat',
        execute: () => ({
          text: 'hi',
          usage: { input_tokens: 10, output_tokens: 5, provider: 'openai', model: 'gpt-4o' },
          latency_ms: 320,
          cost: 0.002,
        }),
      })
      .registerExecutor('fake:eval', {
        name: 'fake:eval',
        execute: () => ({ score: 0.9, passed: true, metrics: { cosine_similarity: 0.9 } }),
      })
      .registerExecutor(METRIC_COLLECTOR, createMetricCollector({ store }));
    const def = workflow('scored')
      .version('2.0.0')
      .label('team', 'ai')
      .task('model_inference', { executor: 'fake:chat', inputs: {} })
      .task('response_evaluation', {
        executor: 'fake:eval',
        dependsOn: ['model_inference'],
        inputs: {},
      })
      .task('optimization_feedback', {
        executor: METRIC_COLLECTOR,
        dependsOn: ['response_evaluation'],
        inputs: {
          metrics: '${{ tasks.response_evaluation.outputs.metrics }}',
          cost: '${{ tasks.model_inference.outputs.cost }}',
          usage: '${{ tasks.model_inference.outputs.usage }}',
          latency_ms: '${{ tasks.model_inference.outputs.latency_ms }}',
          task: 'model_inference',
        },
      })
      .output('collected', '${{ tasks.optimization_feedback.outputs.collected }}')
      .output('quality', '${{ tasks.optimization_feedback.outputs.record.quality }}')
      .build();
    const result = await engine.run(def, {}, { runId: 'run-42' });
    await engine.close();
    expect(result.status).toBe('completed');
    expect(result.outputs).toEqual({ collected: true, quality: 0.9 });
    expect(await store.usage.list()).toMatchObject([
      {
        id: 'run-42:optimization_feedback:quality',
        runId: 'run-42',
        taskId: 'model_inference',
        workflow: 'scored',
        labels: { team: 'ai' },
        provider: 'openai',
        model: 'gpt-4o',
        inputTokens: 0,
        costUsd: 0,
        latencyMs: 320,
        quality: 0.9,
      },
    ]);
  });
});
