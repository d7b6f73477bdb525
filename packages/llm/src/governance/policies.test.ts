/** Policies as the engine's task gate, through createLlmPlugin and a real engine. */
import { describe, expect, it } from 'vitest';
import { createEngine, MemoryStore, workflow } from '@llm-orchestrator/core';
import { parseLlmConfig } from '../config.js';
import { createLlmPlugin } from '../plugin.js';
import { globMatches } from './policies.js';

function setup(policies: unknown[], labels: Record<string, string> = {}) {
  const store = new MemoryStore();
  const llm = createLlmPlugin({
    store,
    config: parseLlmConfig({
      policies,
      pricing: [{ provider: 'test', model: 'pricey', inputPer1K: 10, outputPer1K: 10 }],
    }),
  });
  const engine = createEngine({ store, taskGate: llm.taskGate });
  llm.install(engine);
  const def = (model: string) => {
    const w = workflow('policed')
      .task('prep', { executor: 'llm-forge:text-transform', inputs: { prompt: ' hi ' } })
      .task('ask', {
        executor: 'llm:chat',
        dependsOn: ['prep'],
        inputs: { provider: 'test', model, prompt: 'hello', max_tokens: 100 },
      })
      .output('text', '${{ tasks.ask.outputs.text }}')
      .build() as { metadata: Record<string, unknown> };
    w.metadata.labels = labels;
    return w;
  };
  return { engine, store, def };
}

describe('policies', () => {
  it('matches models by glob', () => {
    expect(globMatches('gpt-4*', 'gpt-4o')).toBe(true);
    expect(globMatches('gpt-4*', 'gpt-3.5')).toBe(false);
    expect(globMatches('claude-3.5', 'claude-305')).toBe(false);
  });

  it('denies by model; the first matching policy decides; every LLM decision is audited', async () => {
    const { engine, store, def } = setup([
      { name: 'allow-echo', action: 'allow', when: { model: 'test-echo' } },
      { name: 'no-test', action: 'deny', when: { provider: 'test' }, reason: 'not here' },
    ]);
    const ok = await engine.start(def('test-echo')).wait();
    expect(ok.status).toBe('completed');
    const denied = await engine.start(def('other')).wait();
    expect(denied.status).toBe('failed');
    expect(denied.error).toMatchObject({ code: 'PolicyDenied' });
    expect(denied.error?.message).toContain('policy no-test: not here');
    const audit = await store.audit.list({ action: 'policy.decision' });
    // The text transform is no LLM call: only the two `ask` tasks were decided.
    expect(audit.map((a) => [a.taskId, a.outcome, a.actor])).toEqual([
      ['ask', 'allowed', 'policy:allow-echo'],
      ['ask', 'denied', 'policy:no-test'],
    ]);
  });

  it('requires approval by estimated cost and by label', async () => {
    const { engine, def } = setup(
      [
        { name: 'big-spend', action: 'require-approval', when: { minEstimatedCostUsd: 0.5 } },
        { name: 'prod', action: 'require-approval', when: { labels: { env: 'prod' } } },
      ],
      { env: 'dev' },
    );
    const cheap = await engine.start(def('test-echo')).wait();
    expect(cheap.status).toBe('completed');
    // 100 max tokens at $10/1K: about $1 estimated.
    const handle = engine.start(def('pricey'));
    for (let i = 0; i < 100 && handle.result().tasks[1]?.status !== 'waiting_approval'; i++) {
      await new Promise((r) => setTimeout(r, 5));
    }
    expect(handle.result().tasks[1]).toMatchObject({
      status: 'waiting_approval',
      approval: { reason: expect.stringContaining('big-spend') as string },
    });
    await engine.approve(handle.id, 'ask', { actor: 'ops' });
    expect((await handle.wait()).status).toBe('completed');
  });
});
