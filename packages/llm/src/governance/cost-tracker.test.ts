/** `llm-governance:cost-tracker`: the seed's figures, overrides, and where a run stands. */
import { describe, expect, it } from 'vitest';
import { createEngine, MemoryStore, workflow } from '@llm-orchestrator/core';
import { PricingTable } from '../pricing.js';
import { Budgets } from './budgets.js';
import { createCostTracker } from './cost-tracker.js';

function setup(budget?: number) {
  const store = new MemoryStore();
  const budgets =
    budget === undefined
      ? undefined
      : new Budgets([{ scope: 'run', maxCostUsd: budget }], store.usage, store.audit, Date.now);
  const engine = createEngine({ store });
  const tracker = createCostTracker({
    pricing: new PricingTable(),
    ...(budgets === undefined ? {} : { budgets }),
  });
  engine.registerExecutor(tracker.name, tracker);
  return { engine, store };
}

const track = (inputs: Record<string, unknown>) =>
  workflow('costs')
    .task('cost', { executor: 'llm-governance:cost-tracker', inputs })
    .output('out', '${{ tasks.cost.outputs }}')
    .build();

describe('llm-governance:cost-tracker', () => {
  it("reproduces the seed's example: 1000 + 500 tokens of Claude 3 Opus cost $0.0525", async () => {
    const { engine } = setup();
    const result = await engine.run(
      track({
        usage: { prompt_tokens: 1000, completion_tokens: 500, total_tokens: 1500 },
        model: 'claude-3-opus-20240229',
      }),
    );
    expect(result.outputs.out).toMatchObject({
      cost: 0.0525,
      within_budget: true,
      budget_remaining: null,
      input_tokens: 1000,
      output_tokens: 500,
    });
  });

  it('takes the model from llm:chat usage, and a pricing override', async () => {
    const { engine } = setup();
    const usage = { input_tokens: 2000, output_tokens: 0, provider: 'acme', model: 'x-1' };
    const priced = await engine.run(track({ usage, pricing: { inputPer1M: 5, outputPer1M: 10 } }));
    expect(priced.outputs.out).toMatchObject({ cost: 0.01, provider: 'acme', model: 'x-1' });
    const unpriced = await engine.run(track({ usage }));
    expect(unpriced.error?.message).toContain('no price for acme/x-1');
  });

  it('tells how much of the run budget is left, and when it is overrun', async () => {
    const { engine, store } = setup(0.05);
    await store.usage.record([
      {
        id: 'call-1',
        at: Date.now(),
        runId: 'run-1',
        taskId: 'ask',
        workflow: 'costs',
        labels: {},
        provider: 'anthropic',
        model: 'claude-3-opus',
        inputTokens: 1000,
        outputTokens: 100,
        costUsd: 0.0225,
        latencyMs: 10,
        quality: undefined,
        cached: false,
      },
    ]);
    const def = track({ usage: { input_tokens: 10, output_tokens: 10 }, model: 'claude-3-opus' });
    const result = await engine.start(def, {}, { runId: 'run-1' }).wait();
    expect(result.outputs.out).toMatchObject({ within_budget: true, budget_remaining: 0.0275 });
    await store.usage.record([
      {
        id: 'call-2',
        at: Date.now(),
        runId: 'run-2',
        taskId: 'ask',
        workflow: 'costs',
        labels: {},
        provider: 'anthropic',
        model: 'claude-3-opus',
        inputTokens: 0,
        outputTokens: 1000,
        costUsd: 0.075,
        latencyMs: 10,
        quality: undefined,
        cached: false,
      },
    ]);
    const over = await engine.start(def, {}, { runId: 'run-2' }).wait();
    expect(over.outputs.out).toMatchObject({ within_budget: false, budget_remaining: 0 });
  });
});
