/** Edge cases found while documenting the engine; each once hung a run or did the wrong thing. */
import { describe, expect, it } from 'vitest';
import { FakeClock, flushMicrotasks } from '../clock.js';
import { OrchestratorError } from '../errors.js';
import { workflow } from '../sdk/builder.js';
import { createEngine, type EngineOptions } from './engine.js';

function engine(options: EngineOptions = {}) {
  return createEngine({ circuitBreaker: false, random: () => 0.5, ...options })
    .registerExecutor('test:fail', () => {
      throw new OrchestratorError('ServerError', 'down', { retryable: true });
    })
    .registerExecutor('test:never', () => new Promise(() => undefined));
}

describe('fallbacks', () => {
  it('evaluates the expressions of a default value', async () => {
    const def = workflow('d')
      .input('q', 'string', { default: 'why?' })
      .task('a', {
        executor: 'test:fail',
        fallback: {
          strategy: 'default',
          value: { answer: 'no answer to ${{ workflow.inputs.q }}' },
        },
      })
      .output('answer', '${{ tasks.a.outputs.answer }}')
      .build();
    expect((await engine().run(def)).outputs).toEqual({ answer: 'no answer to why?' });
  });

  it('fails the task, with both reasons, when a default value does not fit its outputs', async () => {
    const def = workflow('d')
      .task('a', {
        executor: 'test:fail',
        outputs: { score: 'float' },
        fallback: { strategy: 'default', value: { score: 'high' } },
      })
      .build();
    const result = await engine().run(def);
    expect(result.status).toBe('failed');
    expect(result.tasks[0]?.error?.message).toMatch(
      /^down; its fallback failed too: .*expected a number/,
    );
  });

  it('gives the fallback executor the task timeout, like any attempt', async () => {
    const clock = new FakeClock();
    const def = workflow('alt')
      .task('a', {
        executor: 'test:fail',
        timeout: '5s',
        fallback: { strategy: 'executor', executor: 'test:never' },
      })
      .build();
    const run = engine({ clock }).start(def);
    await clock.advance(5000);
    const result = await run.wait();
    expect(result.tasks[0]?.status).toBe('timed_out');
    expect(result.tasks[0]?.error?.message).toMatch(
      /^down; the fallback executor test:never failed too: .*timeout/,
    );
    expect(result.tasks[0]?.attempts).toHaveLength(2);
  });
});

describe('expressions that fail at run time', () => {
  it('fail the task whose condition cannot be evaluated, and the run ends', async () => {
    const def = workflow('c')
      .task('a', { executor: 'expression', inputs: { value: null } })
      .task('b', {
        executor: 'expression',
        dependsOn: ['a'],
        condition: "${{ lower(tasks.a.outputs.result) == 'x' }}",
        inputs: { value: 1 },
      })
      .build();
    const result = await engine().run(def);
    expect(result.status).toBe('failed');
    expect(result.tasks[1]).toMatchObject({
      status: 'failed',
      error: { code: 'EXPRESSION_EVALUATION' },
    });
  });

  it('refuse inputs whose custom validation throws, and let it read env', () => {
    const e = engine({ allowEnv: ['MODE'], env: { MODE: 'strict' } });
    const def = workflow('v')
      .input('n', 'integer', {
        validation: { custom: "${{ env.MODE != 'strict' || value < 10 }}" },
      })
      .input('s', 'string', { validation: { custom: '${{ lower(value) }}' } })
      .task('a', { executor: 'expression', inputs: { value: 1 } })
      .build();
    expect(() => e.start(def, { n: 50 })).toThrow(/`n` fails its custom validation/);
    expect(() => e.start(def, { n: 1, s: 'ok' })).not.toThrow();
  });
});

describe('run control', () => {
  it('fails a paused failFast run when work still in flight fails', async () => {
    const release: ((v: unknown) => void)[] = [];
    const e = engine().registerExecutor(
      'test:gate',
      () => new Promise((_resolve, reject) => release.push(reject)),
    );
    const run = e.start(
      workflow('p')
        .task('a', { executor: 'test:gate' })
        .task('b', { executor: 'expression', dependsOn: ['a'], inputs: { value: 1 } })
        .build(),
    );
    run.pause();
    release.shift()?.(new OrchestratorError('Boom', 'failed while paused'));
    const result = await run.wait();
    expect(result.status).toBe('failed');
    expect(result.tasks.map((t) => t.status)).toEqual(['failed', 'cancelled']);
  });

  it('counts a retried run as in progress again under backpressure', async () => {
    let fail = true;
    const release: (() => void)[] = [];
    const e = engine({
      backpressure: { highWatermark: 1, lowWatermark: 0, mode: 'reject' },
    }).registerExecutor('test:maybe', () => {
      if (fail) throw new OrchestratorError('Boom', 'boom');
      return new Promise((resolve) => {
        release.push(() => {
          resolve({});
        });
      });
    });
    const def = workflow('bp').task('a', { executor: 'test:maybe' }).build();
    const run = e.start(def);
    await run.wait();
    await flushMicrotasks();
    fail = false;
    run.retry();
    await flushMicrotasks();
    expect(run.status()).toBe('running');
    expect(() => e.start(def)).toThrow(/high watermark/);
    release.shift()?.();
    expect((await run.wait()).status).toBe('completed');
    await flushMicrotasks();
    expect(() => e.start(def)).not.toThrow();
  });

  it('gives each run its own system.timestamp', async () => {
    const clock = new FakeClock(Date.UTC(2026, 0, 1));
    const e = engine({ clock });
    const def = workflow('t')
      .task('a', { executor: 'expression', inputs: { value: '${{ system.timestamp }}' } })
      .output('at', '${{ tasks.a.outputs.result }}')
      .build();
    const first = await e.run(def);
    await clock.advance(60_000);
    const second = await e.run(def);
    expect([first.outputs.at, second.outputs.at]).toEqual([
      '2026-01-01T00:00:00.000Z',
      '2026-01-01T00:01:00.000Z',
    ]);
  });
});

describe('fan-out tasks', () => {
  it('run the executor they name instead of the built-in fan-out', async () => {
    const e = engine().registerExecutor('test:my-fan-out', (inputs) => ({
      result: `custom ${String(inputs.items)}`,
    }));
    const def = workflow('f')
      .task('f', { type: 'fan-out', executor: 'test:my-fan-out', inputs: { items: 'abc' } })
      .output('r', '${{ tasks.f.outputs.result }}')
      .build();
    expect((await e.run(def)).outputs).toEqual({ r: 'custom abc' });
  });

  it('do not share a circuit breaker between unrelated fan-outs', async () => {
    const e = createEngine({ circuitBreaker: { failureThreshold: 1 } })
      .registerExecutor('test:bad-item', () => {
        throw new OrchestratorError('ServerError', 'bad item', { retryable: true });
      })
      .registerExecutor('test:good-item', () => ({ result: 1 }));
    const fan = (name: string, executor: string) =>
      workflow(name)
        .task('f', { type: 'fan-out', inputs: { items: [1], task_template: { executor } } })
        .build();
    expect((await e.run(fan('bad', 'test:bad-item'))).status).toBe('failed');
    expect((await e.run(fan('good', 'test:good-item'))).status).toBe('completed');
  });
});

describe('memory of a long-lived engine', () => {
  it('keeps no scheduling state for ended runs, and only the last finished runs', async () => {
    const e = engine({ retainFinishedRuns: 5 });
    const def = workflow('m')
      .task('a', { executor: 'expression', inputs: { value: 1 } })
      .build();
    const ids: string[] = [];
    for (let i = 0; i < 20; i++) ids.push((await e.run(def)).runId);
    const scheduler: unknown = Reflect.get(e, 'scheduler');
    const controls = Reflect.get(scheduler as object, 'controls') as Map<unknown, unknown>;
    expect(controls.size).toBe(0);
    expect(e.list()).toHaveLength(5);
    expect(e.get(ids[0] ?? '')).toBeUndefined();
    expect(e.get(ids[19] ?? '')?.status()).toBe('completed');
  });
});
