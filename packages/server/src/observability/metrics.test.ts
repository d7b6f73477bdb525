import { afterEach, describe, expect, it } from 'vitest';
import {
  createEngine,
  FakeClock,
  OrchestratorError,
  workflow,
  type Engine,
  type EngineOptions,
  type RunHandle,
} from '@llm-orchestrator/core';
import { createMetrics, type Metrics } from './metrics.js';
import { fakeLlm, sample } from './test-helpers.js';

const P = 'llm_orchestrator_';

const open: Metrics[] = [];
afterEach(() => {
  for (const m of open.splice(0)) m.close();
});

function engine(options: EngineOptions = {}): Engine {
  return createEngine({ circuitBreaker: false, random: () => 0.5, ...options }).registerExecutor(
    'test:llm',
    fakeLlm,
  );
}

function metrics(e: Engine, options: Parameters<typeof createMetrics>[1] = {}): Metrics {
  const m = createMetrics(e, { defaultMetrics: false, ...options });
  open.push(m);
  return m;
}

/** An executor that answers after `ms` on the engine's clock. */
function slow(ms: number, value: unknown = { result: 'ok' }) {
  return (_inputs: unknown, ctx: { clock: { setTimer(ms: number, fn: () => void): unknown } }) =>
    new Promise((resolve) => {
      ctx.clock.setTimer(ms, () => {
        resolve(value);
      });
    });
}

describe('metrics fed by the engine', () => {
  it('counts runs, tasks, and LLM calls, tokens, cost, latency, cache hits by model', async () => {
    const e = engine();
    const m = metrics(e);
    const llm = (inputs: Record<string, unknown>) => ({ executor: 'test:llm', inputs });
    const def = workflow('llm-pipeline')
      .task(
        'a',
        llm({ provider: 'openai', model: 'gpt-4o', in: 10, out: 20, cost: 0.5, latency: 1500 }),
      )
      .task(
        'b',
        llm({ provider: 'openai', model: 'gpt-4o', in: 5, out: 7, cost: 0.25, latency: 300 }),
      )
      .task(
        'c',
        llm({ provider: 'anthropic', model: 'claude', in: 1, out: 2, cost: null, latency: 200 }),
      )
      .task(
        'd',
        llm({ provider: 'openai', model: 'gpt-4o', in: 10, out: 20, cost: 0, cached: true }),
      )
      .task('e', { executor: 'expression', inputs: { value: '${{ 1 + 1 }}' } })
      .build();
    const result = await e.run(def);
    expect(result.status).toBe('completed');
    const text = await m.render();

    expect(
      sample(text, `${P}workflow_executions_total`, {
        workflow: 'llm-pipeline',
        status: 'completed',
      }),
    ).toBe(1);
    expect(
      sample(text, `${P}task_executions_total`, { executor: 'test:llm', status: 'completed' }),
    ).toBe(4);
    expect(
      sample(text, `${P}task_executions_total`, { executor: 'expression', status: 'completed' }),
    ).toBe(1);

    const gpt = { provider: 'openai', model: 'gpt-4o' };
    const claude = { provider: 'anthropic', model: 'claude' };
    // The cached answer is no call: it spent nothing.
    expect(sample(text, `${P}llm_calls_total`, gpt)).toBe(2);
    expect(sample(text, `${P}llm_calls_total`, claude)).toBe(1);
    expect(sample(text, `${P}llm_cached_answers_total`, gpt)).toBe(1);
    expect(sample(text, `${P}llm_tokens_total`, { ...gpt, direction: 'input' })).toBe(15);
    expect(sample(text, `${P}llm_tokens_total`, { ...gpt, direction: 'output' })).toBe(27);
    expect(sample(text, `${P}llm_tokens_total`, { ...claude, direction: 'output' })).toBe(2);
    expect(sample(text, `${P}llm_cost_usd_total`, gpt)).toBe(0.75);
    // A model without a price costs 0.
    expect(sample(text, `${P}llm_cost_usd_total`, claude)).toBe(0);
    expect(sample(text, `${P}llm_latency_seconds_count`, gpt)).toBe(2);
    expect(sample(text, `${P}llm_latency_seconds_sum`, gpt)).toBeCloseTo(1.8);
    expect(sample(text, `${P}llm_latency_seconds_bucket`, { ...gpt, le: '0.25' })).toBe(0);
    expect(sample(text, `${P}llm_latency_seconds_bucket`, { ...gpt, le: '0.5' })).toBe(1);
    expect(sample(text, `${P}llm_latency_seconds_bucket`, { ...gpt, le: '2' })).toBe(2);
    expect(sample(text, `${P}llm_latency_seconds_bucket`, { ...gpt, le: '+Inf' })).toBe(2);

    // No run id in any label.
    expect(text).not.toContain(result.runId);
    expect(m.contentType).toMatch(/^text\/plain; version=0\.0\.4/);
  });

  it('times runs and attempts, counts retries, failures and skipped tasks', async () => {
    const clock = new FakeClock(1_000_000);
    let calls = 0;
    const e = engine({ clock })
      .registerExecutor('test:slow', slow(2000))
      .registerExecutor('test:flaky', (_inputs, ctx) => {
        calls++;
        if (calls < 3) {
          return new Promise((_resolve, reject) => {
            ctx.clock.setTimer(100, () => {
              reject(new OrchestratorError('RateLimitError', `try ${calls}`, { retryable: true }));
            });
          });
        }
        return { result: 'ok' };
      })
      .registerExecutor('test:broken', () => {
        throw new OrchestratorError('AuthError', 'bad key');
      });
    const m = metrics(e);
    const def = workflow('mixed')
      .config({ failurePolicy: { mode: 'continueOnError' } })
      .task('slow', { executor: 'test:slow' })
      .task('flaky', {
        executor: 'test:flaky',
        retryPolicy: {
          maxAttempts: 4,
          initialInterval: '1s',
          backoffMultiplier: 1,
          retryableErrors: ['RateLimitError'],
        },
      })
      .task('broken', { executor: 'test:broken' })
      .task('after', { executor: 'expression', dependsOn: ['broken'], inputs: { value: 1 } })
      .build();
    const handle = e.start(def);
    await clock.advance(10_000);
    const result = await handle.wait();
    expect(result.status).toBe('failed');
    expect(calls).toBe(3);
    const text = await m.render();

    expect(
      sample(text, `${P}workflow_executions_total`, { workflow: 'mixed', status: 'failed' }),
    ).toBe(1);
    expect(
      sample(text, `${P}task_executions_total`, { executor: 'test:slow', status: 'completed' }),
    ).toBe(1);
    expect(
      sample(text, `${P}task_executions_total`, { executor: 'test:flaky', status: 'completed' }),
    ).toBe(1);
    expect(
      sample(text, `${P}task_executions_total`, { executor: 'test:broken', status: 'failed' }),
    ).toBe(1);
    expect(
      sample(text, `${P}task_executions_total`, { executor: 'expression', status: 'skipped' }),
    ).toBe(1);
    expect(sample(text, `${P}task_retries_total`, { executor: 'test:flaky' })).toBe(2);
    expect(sample(text, `${P}task_retries_total`, { executor: 'test:slow' })).toBeUndefined();

    // Each attempt is timed, by how it ended: the slow one took 2 s.
    const slowDone = { executor: 'test:slow', status: 'completed' };
    expect(sample(text, `${P}task_duration_seconds_bucket`, { ...slowDone, le: '1' })).toBe(0);
    expect(sample(text, `${P}task_duration_seconds_bucket`, { ...slowDone, le: '2.5' })).toBe(1);
    expect(sample(text, `${P}task_duration_seconds_sum`, slowDone)).toBe(2);
    const flakyRetrying = { executor: 'test:flaky', status: 'retrying' };
    expect(sample(text, `${P}task_duration_seconds_count`, flakyRetrying)).toBe(2);
    expect(sample(text, `${P}task_duration_seconds_sum`, flakyRetrying)).toBeCloseTo(0.2);

    // The run: from 0 to the third flaky attempt (0.1 + 1 + 0.1 + 1 s) or the slow task (2 s).
    const run = { workflow: 'mixed', status: 'failed' };
    expect(sample(text, `${P}workflow_duration_seconds_count`, run)).toBe(1);
    expect(sample(text, `${P}workflow_duration_seconds_sum`, run)).toBeCloseTo(2.2);
    expect(sample(text, `${P}workflow_duration_seconds_bucket`, { ...run, le: '1' })).toBe(0);
    expect(sample(text, `${P}workflow_duration_seconds_bucket`, { ...run, le: '2.5' })).toBe(1);
  });

  it('counts the tasks a failing run cancels, and timeouts', async () => {
    const clock = new FakeClock();
    const e = engine({ clock })
      .registerExecutor('test:slow', slow(60_000))
      .registerExecutor('test:hang', () => new Promise(() => undefined))
      .registerExecutor('test:broken', (_inputs, ctx) => {
        return new Promise((_resolve, reject) => {
          ctx.clock.setTimer(5000, () => {
            reject(new OrchestratorError('AuthError', 'bad key'));
          });
        });
      });
    const m = metrics(e);
    const failing = workflow('fail-fast')
      .task('slow', { executor: 'test:slow' })
      .task('broken', { executor: 'test:broken' })
      .build();
    const timing = workflow('timing-out')
      .task('t', { executor: 'test:hang', timeout: '1s' })
      .build();
    const a = e.start(failing);
    const b = e.start(timing);
    await clock.advance(6000);
    expect((await a.wait()).status).toBe('failed');
    expect((await b.wait()).status).toBe('failed');
    const text = await m.render();
    expect(
      sample(text, `${P}task_executions_total`, { executor: 'test:slow', status: 'cancelled' }),
    ).toBe(1);
    expect(
      sample(text, `${P}task_executions_total`, { executor: 'test:broken', status: 'failed' }),
    ).toBe(1);
    expect(
      sample(text, `${P}task_executions_total`, { executor: 'test:hang', status: 'timed_out' }),
    ).toBe(1);
    expect(
      sample(text, `${P}task_duration_seconds_sum`, { executor: 'test:hang', status: 'timed_out' }),
    ).toBe(1);
    expect(
      sample(text, `${P}workflow_executions_total`, { workflow: 'fail-fast', status: 'failed' }),
    ).toBe(1);
  });

  it('counts no LLM call for outputs a default fallback gave', async () => {
    const e = engine().registerExecutor('test:down', () => {
      throw new OrchestratorError('ProviderError', 'down');
    });
    const m = metrics(e);
    const def = workflow('fallback')
      .task('t', {
        executor: 'test:down',
        fallback: {
          strategy: 'default',
          value: {
            provider: 'openai',
            model: 'gpt-4o',
            usage: { input_tokens: 1, output_tokens: 1 },
            cost: 1,
          },
        },
      })
      .build();
    expect((await e.run(def)).status).toBe('completed');
    const text = await m.render();
    expect(
      sample(text, `${P}task_executions_total`, { executor: 'test:down', status: 'completed' }),
    ).toBe(1);
    expect(
      sample(text, `${P}llm_calls_total`, { provider: 'openai', model: 'gpt-4o' }),
    ).toBeUndefined();
  });

  it('counts the LLM calls of a fan-out’s items', async () => {
    const e = engine();
    const m = metrics(e);
    const def = workflow('fan')
      .task('each', {
        type: 'fan-out',
        inputs: {
          items: ['x', 'y', 'z'],
          task_template: {
            executor: 'test:llm',
            inputs: { provider: 'openai', model: 'mini', in: 2, out: 3, cost: 0.125 },
          },
        },
      })
      .build();
    const result = await e.run(def);
    expect(result.status).toBe('completed');
    const text = await m.render();
    const mini = { provider: 'openai', model: 'mini' };
    expect(sample(text, `${P}llm_calls_total`, mini)).toBe(3);
    expect(sample(text, `${P}llm_tokens_total`, { ...mini, direction: 'output' })).toBe(9);
    expect(sample(text, `${P}llm_cost_usd_total`, mini)).toBe(0.375);
  });

  it('gauges active runs and the queue at scrape time, from the engine or the store', async () => {
    const releases: (() => void)[] = [];
    const e = engine().registerExecutor(
      'test:block',
      () =>
        new Promise((resolve) => {
          releases.push(() => {
            resolve({ result: 'ok' });
          });
        }),
    );
    const fromEngine = metrics(e);
    const fromStore = metrics(e, { store: e.store, prefix: 'store_' });
    const def = workflow('blocked').task('t', { executor: 'test:block' }).build();
    const a = e.start(def);
    const b = e.start(def);
    b.pause();
    // Created in the store for a worker; this engine does not run it.
    await e.submit(def);

    let text = await fromEngine.render();
    expect(sample(text, `${P}active_runs`, { status: 'running' })).toBe(1);
    expect(sample(text, `${P}active_runs`, { status: 'paused' })).toBe(1);
    expect(sample(text, `${P}queue_depth`)).toBe(0);
    text = await fromStore.render();
    expect(sample(text, 'store_active_runs', { status: 'running' })).toBe(1);
    expect(sample(text, 'store_active_runs', { status: 'paused' })).toBe(1);
    expect(sample(text, 'store_queue_depth')).toBe(1);

    b.resume();
    for (const release of releases.splice(0)) release();
    await a.wait();
    await b.wait();
    text = await fromEngine.render();
    expect(sample(text, `${P}active_runs`, { status: 'running' })).toBe(0);
    expect(sample(text, `${P}active_runs`, { status: 'paused' })).toBe(0);
  });

  it('finds the executor in the stored definition when the handle gives no plan', async () => {
    const e = engine();
    // A handle whose `workflow` is only the name and version.
    const narrowed = new Proxy(e, {
      get(target, key, receiver) {
        if (key === 'get') {
          return (id: string): RunHandle | undefined => {
            const h = target.get(id);
            if (h === undefined) return undefined;
            return Object.create(h, {
              workflow: { value: { name: h.workflow.name, version: h.workflow.version } },
            }) as RunHandle;
          };
        }
        const value: unknown = Reflect.get(target, key, receiver);
        return typeof value === 'function' ? (value as () => unknown).bind(target) : value;
      },
    });
    const m = metrics(narrowed);
    const def = workflow('stored')
      .task('t', { executor: 'test:llm', inputs: { provider: 'p', model: 'm', in: 1, out: 1 } })
      .build();
    await e.run(def);
    const text = await m.render();
    expect(
      sample(text, `${P}task_executions_total`, { executor: 'test:llm', status: 'completed' }),
    ).toBe(1);
    expect(sample(text, `${P}llm_calls_total`, { provider: 'p', model: 'm' })).toBe(1);
    expect(
      sample(text, `${P}workflow_executions_total`, { workflow: 'stored', status: 'completed' }),
    ).toBe(1);
  });

  it('caps the distinct values of a label', async () => {
    const e = engine();
    const m = metrics(e, { maxLabelValues: 2 });
    let def = workflow('models');
    for (const model of ['m1', 'm2', 'm3', 'm4']) {
      def = def.task(model, {
        executor: 'test:llm',
        inputs: { provider: 'p', model, in: 1, out: 1 },
      });
    }
    await e.run(def.build());
    const text = await m.render();
    const models = [...text.matchAll(/llm_calls_total\{[^}]*model="([^"]+)"/g)].map((x) => x[1]);
    expect(models).toHaveLength(3);
    expect(models).toContain('other');
    expect(sample(text, `${P}llm_calls_total`, { provider: 'p', model: 'other' })).toBe(2);
  });

  it('has Node’s default metrics, and stops counting once closed', async () => {
    const e = engine();
    const m = createMetrics(e);
    open.push(m);
    const def = workflow('once')
      .task('t', { executor: 'expression', inputs: { value: 1 } })
      .build();
    await e.run(def);
    const text = await m.render();
    expect(text).toContain('process_cpu_user_seconds_total');
    expect(text).toContain('nodejs_heap_size_used_bytes');
    expect(
      sample(text, `${P}workflow_executions_total`, { workflow: 'once', status: 'completed' }),
    ).toBe(1);
    m.close();
    await e.run(def);
    expect((await m.render()).trim()).toBe('');
  });
});
