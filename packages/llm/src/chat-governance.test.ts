/**
 * What surrounds a model call in `llm:chat`, through a real engine and a local server speaking the
 * OpenAI wire protocol: the response cache, usage records, budgets, the circuit breaker, rate
 * limits, structured output, and API keys kept out of the journal.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createEngine, MemoryStore, workflow, type Store } from '@llm-orchestrator/core';
import { CallGuard } from './call-guard.js';
import { createChatExecutor, type ChatExecutorOptions } from './chat-executor.js';
import { Budgets } from './governance/budgets.js';
import { PricingTable } from './pricing.js';
import { startFakeLlmServer, type FakeLlmServer } from './testing/fake-llm-server.js';

const SECRET = 'sk-secret-never-in-the-journal';

describe('llm:chat governance', () => {
  let server: FakeLlmServer;
  beforeAll(async () => {
    server = await startFakeLlmServer();
  });
  afterAll(async () => {
    await server.close();
  });
  beforeEach(() => {
    server.reset();
  });

  const pricing = PricingTable.withOverrides([
    { provider: 'openai', model: 'gpt-4', price: { inputPer1K: 0.03, outputPer1K: 0.06 } },
  ]);

  function setup(
    extra: Partial<ChatExecutorOptions> = {},
    store: Store = new MemoryStore(),
    timeout?: number,
  ) {
    const engine = createEngine({ store, circuitBreaker: false });
    engine.registerExecutor(
      'llm:chat',
      createChatExecutor({
        providers: {
          openai: {
            kind: 'openai',
            baseUrl: server.v1BaseUrl,
            apiKey: SECRET,
            ...(timeout === undefined ? {} : { timeout }),
          },
        },
        pricing,
        store,
        ...extra,
      }),
    );
    return { engine, store };
  }

  const ask = (inputs: Record<string, unknown> = {}, retries = 1) =>
    workflow('ask')
      .input('q', 'string', { required: true })
      .task('answer', {
        executor: 'llm:chat',
        inputs: {
          provider: 'openai',
          model: 'gpt-4',
          prompt: '${{ workflow.inputs.q }}',
          max_tokens: 50,
          ...inputs,
        },
        retryPolicy: { maxAttempts: retries, initialInterval: '1ms' },
      })
      .output('answer', '${{ tasks.answer.outputs }}')
      .build();

  it('serves a repeated call from the cache: no request, no cost, cached: true', async () => {
    const { engine, store } = setup({ cacheTtlMs: 60_000 });
    const first = await engine.start(ask(), { q: 'what is 2+2?' }).wait();
    const second = await engine.start(ask(), { q: 'what is 2+2?' }).wait();
    const other = await engine.start(ask(), { q: 'what is 3+3?' }).wait();
    expect(server.requests).toHaveLength(2);
    const a = first.outputs.answer as Record<string, unknown>;
    const b = second.outputs.answer as Record<string, unknown>;
    expect(a).toMatchObject({ cached: false, text: 'echo: what is 2+2?' });
    expect(b).toMatchObject({ cached: true, text: a.text, cost: 0 });
    expect(other.outputs.answer).toMatchObject({ cached: false });
    const usage = await store.usage.list();
    expect(usage.map((u) => u.cached)).toEqual([false, true, false]);
    expect(usage[0]).toMatchObject({ workflow: 'ask', provider: 'openai', model: 'gpt-4' });
    expect(usage[0]?.costUsd).toBeGreaterThan(0);
  });

  it('a task may turn the cache off, or set its own TTL', async () => {
    const { engine } = setup({ cacheTtlMs: 60_000 });
    await engine.start(ask({ cache_ttl: 0 }), { q: 'x' }).wait();
    await engine.start(ask({ cache_ttl: 0 }), { q: 'x' }).wait();
    expect(server.requests).toHaveLength(2);
    const { engine: e2 } = setup();
    await e2.start(ask({ cache_ttl: '1h' }), { q: 'y' }).wait();
    const again = await e2.start(ask({ cache_ttl: '1h' }), { q: 'y' }).wait();
    expect(again.outputs.answer).toMatchObject({ cached: true });
  });

  it('refuses a call whose estimate does not fit a run budget, and audits it', async () => {
    const store = new MemoryStore();
    const budgets = new Budgets([{ scope: 'run', maxTokens: 40 }], store.usage, store.audit, () =>
      Date.now(),
    );
    const { engine } = setup({ budgets }, store);
    const result = await engine.start(ask(), { q: 'hello' }).wait();
    expect(result.status).toBe('failed');
    expect(result.error).toMatchObject({ code: 'BudgetExceededError' });
    expect(result.tasks[0]?.attempts).toHaveLength(1);
    expect(server.requests).toHaveLength(0);
    expect(await store.audit.list()).toMatchObject([
      { action: 'budget.check', outcome: 'denied', taskId: 'answer' },
    ]);
  });

  it('a workflow budget counts the spend of earlier runs of the workflow', async () => {
    const store = new MemoryStore();
    // One call here costs about $0.0006 with its 50-token estimate; two fit, the third does not.
    const budgets = new Budgets(
      [{ scope: 'workflow', workflow: 'ask', period: 'day', maxCostUsd: 0.0035 }],
      store.usage,
      store.audit,
      () => Date.now(),
    );
    const { engine } = setup({ budgets }, store);
    const statuses: string[] = [];
    for (let i = 0; i < 6; i++) {
      statuses.push((await engine.start(ask(), { q: `question ${String(i)}` }).wait()).status);
    }
    expect(statuses).toContain('completed');
    expect(statuses.at(-1)).toBe('failed');
    const spent = await store.usage.totals({ workflow: 'ask' });
    expect(spent.costUsd).toBeLessThanOrEqual(0.0035 + 0.001);
  });

  it('opens the circuit after repeated server errors: later calls fail fast without a request', async () => {
    const guard = new CallGuard({
      clock: { now: () => Date.now(), setTimer: () => () => undefined },
      circuitBreaker: { failureThreshold: 2, resetTimeoutMs: 60_000 },
    });
    const { engine } = setup({ guard });
    server.script({ kind: 'status', status: 500 }, { kind: 'status', status: 500 });
    const first = await engine.start(ask({}, 3), { q: 'x' }).wait();
    expect(first.status).toBe('failed');
    expect(first.error?.code).toBe('CircuitOpenError');
    expect(server.requests).toHaveLength(2);
  });

  it('waits for the rate limit rather than exceeding it', async () => {
    const guard = new CallGuard({
      clock: {
        now: () => Date.now(),
        setTimer: (ms, fn) => {
          const t = setTimeout(fn, ms);
          return () => {
            clearTimeout(t);
          };
        },
      },
      rateLimits: { openai: { requestsPerMinute: 6000 } },
    });
    const { engine } = setup({ guard });
    const results = await Promise.all(
      Array.from({ length: 5 }, (_, i) => engine.start(ask(), { q: `q${String(i)}` }).wait()),
    );
    expect(results.every((r) => r.status === 'completed')).toBe(true);
  });

  it('returns the structured value of a response_schema, validated', async () => {
    const { engine } = setup();
    const schema = {
      type: 'object',
      properties: { city: { type: 'string' }, population: { type: 'number' } },
      required: ['city', 'population'],
      additionalProperties: false,
    };
    server.script({ kind: 'reply', json: { city: 'Paris', population: 2100000 } });
    const ok = await engine.start(ask({ response_schema: schema }), { q: 'biggest city?' }).wait();
    expect(ok.status).toBe('completed');
    expect(ok.outputs.answer).toMatchObject({ value: { city: 'Paris', population: 2100000 } });
    expect(server.requests[0]?.structured).toMatchObject({ via: 'openai-json-schema' });

    server.script({ kind: 'reply', json: { city: 'Paris' } });
    const bad = await engine.start(ask({ response_schema: schema }), { q: 'biggest city?' }).wait();
    expect(bad.status).toBe('failed');
    expect(bad.error?.code).toBe('StructuredOutputError');
  });

  it('fails a call that takes longer than its provider timeout with TimeoutError, retried', async () => {
    const { engine } = setup({}, new MemoryStore(), 300);
    server.script({ kind: 'hang' });
    const result = await engine.start(ask({}, 2), { q: 'slow?' }).wait();
    expect(result.status).toBe('completed');
    const attempts = result.tasks[0]?.attempts ?? [];
    expect(attempts).toHaveLength(2);
    expect(attempts[0]?.error).toMatchObject({ code: 'TimeoutError' });
    expect(attempts[0]?.error?.message).toContain('did not finish within 300 ms');
  });

  it('keeps the API key out of the journal, even when the provider echoes it in an error', async () => {
    const store = new MemoryStore();
    const { engine } = setup({}, store);
    server.script({
      kind: 'status',
      status: 401,
      message: `Incorrect API key provided: ${SECRET}`,
    });
    const result = await engine.start(ask(), { q: 'x' }).wait();
    expect(result.error?.code).toBe('AuthError');
    const journal = JSON.stringify(store.read(result.runId));
    expect(journal).not.toContain(SECRET);
    expect(JSON.stringify(result)).not.toContain(SECRET);
  });
});
