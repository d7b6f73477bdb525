import { describe, expect, it } from 'vitest';
import { FakeClock } from '../clock.js';
import { OrchestratorError } from '../errors.js';
import { workflow } from '../sdk/builder.js';
import { createEngine, type EngineOptions } from './engine.js';
import type { EngineEvent } from './bus.js';

function engine(options: EngineOptions = {}) {
  return createEngine({ circuitBreaker: false, random: () => 0.5, ...options });
}

function statuses(result: {
  tasks: readonly { id: string; status: string }[];
}): Record<string, string> {
  return Object.fromEntries(result.tasks.map((t) => [t.id, t.status]));
}

describe('running a workflow', () => {
  it('runs a chain, passing outputs along, and maps the workflow outputs', async () => {
    const def = workflow('chain')
      .input('n', 'integer', { required: true })
      .task('a', { executor: 'expression', inputs: { value: '${{ workflow.inputs.n + 1 }}' } })
      .task('b', {
        executor: 'expression',
        dependsOn: ['a'],
        inputs: { value: '${{ tasks.a.outputs.result * 10 }}' },
      })
      .output('total', '${{ tasks.b.outputs.result }}')
      .build();
    const result = await engine().run(def, { n: 4 });
    expect(result.status).toBe('completed');
    expect(result.outputs).toEqual({ total: 50 });
    expect(statuses(result)).toEqual({ a: 'completed', b: 'completed' });
  });

  it('refuses bad inputs with every problem listed', () => {
    const def = workflow('inputs')
      .input('name', 'string', { required: true })
      .input('count', 'integer', { validation: { maximum: 3 } })
      .task('a', { executor: 'expression', inputs: { value: 1 } })
      .build();
    expect(() => engine().start(def, { count: 9, extra: true })).toThrow(
      /`extra` is not an input[\s\S]*`name` is required[\s\S]*`count` is above maximum 3/,
    );
  });

  it('gives a task that declares one output the executor primary result under that name', async () => {
    const e = engine().registerExecutor('test:upper', (inputs) => ({
      result: String(inputs.text).toUpperCase(),
    }));
    const def = workflow('rename')
      .task('p', {
        executor: 'test:upper',
        inputs: { text: 'hi' },
        outputs: { processed_prompt: 'string' },
      })
      .output('out', '${{ tasks.p.outputs.processed_prompt }}')
      .build();
    expect((await e.run(def)).outputs).toEqual({ out: 'HI' });
  });

  it('fails a task whose output has the wrong type, without retrying', async () => {
    let calls = 0;
    const e = engine().registerExecutor('test:num', () => {
      calls++;
      return { score: 'high' };
    });
    const def = workflow('typed')
      .task('s', {
        executor: 'test:num',
        outputs: { score: 'float' },
        retryPolicy: { maxAttempts: 3 },
      })
      .build();
    const result = await e.run(def);
    expect(result.status).toBe('failed');
    expect(result.tasks[0]?.error?.code).toBe('OutputTypeError');
    expect(calls).toBe(1);
  });
});

describe('dependencies, conditions and joins', () => {
  it('skips a task whose condition is false and everything that needs it, but not completion dependents', async () => {
    const def = workflow('skips')
      .task('a', { executor: 'expression', inputs: { value: 1 } })
      .task('b', {
        executor: 'expression',
        dependsOn: ['a'],
        condition: '${{ tasks.a.outputs.result > 5 }}',
        inputs: { value: 2 },
      })
      .task('c', { executor: 'expression', dependsOn: ['b'], inputs: { value: 3 } })
      .task('d', {
        executor: 'expression',
        dependsOn: [{ task: 'b', kind: 'completion' }],
        inputs: { value: '${{ tasks.b.status }}' },
      })
      .output('d', '${{ tasks.d.outputs.result }}')
      .build();
    const result = await engine().run(def);
    expect(statuses(result)).toEqual({
      a: 'completed',
      b: 'skipped',
      c: 'skipped',
      d: 'completed',
    });
    expect(result.outputs).toEqual({ d: 'skipped' });
    expect(result.status).toBe('completed');
  });

  it('joins on any, at least n, or an expression', async () => {
    const e = engine().registerExecutor('test:fail', () => {
      throw new OrchestratorError('Boom', 'boom');
    });
    const def = workflow('joins')
      .config({ failurePolicy: { mode: 'continueOnError' } })
      .task('ok1', { executor: 'expression', inputs: { value: 1 } })
      .task('ok2', { executor: 'expression', inputs: { value: 2 } })
      .task('bad', { executor: 'test:fail' })
      .task('any', {
        executor: 'expression',
        dependsOn: ['bad', 'ok1'],
        join: 'any',
        inputs: { value: 'a' },
      })
      .task('two', {
        executor: 'expression',
        dependsOn: ['ok1', 'bad', 'ok2'],
        join: { atLeast: 2 },
        inputs: { value: 'b' },
      })
      .task('three', {
        executor: 'expression',
        dependsOn: ['ok1', 'bad', 'ok2'],
        join: { atLeast: 3 },
        inputs: { value: 'c' },
      })
      .task('expr', {
        executor: 'expression',
        dependsOn: ['bad', 'ok2'],
        join: "${{ tasks.bad.status == 'failed' && tasks.ok2.status == 'completed' }}",
        inputs: { value: 'd' },
      })
      .build();
    const result = await e.run(def);
    expect(statuses(result)).toMatchObject({
      any: 'completed',
      two: 'completed',
      three: 'skipped',
      expr: 'completed',
      bad: 'failed',
    });
    expect(result.status).toBe('failed');
  });

  it('runs a branch when its condition holds, and the else tasks when it does not', async () => {
    const build = (n: number) =>
      workflow('branches')
        .task('score', { executor: 'expression', inputs: { value: n } })
        .branch(
          '${{ tasks.score.outputs.result < 0.7 }}',
          [{ id: 'retry_model', executor: 'expression', inputs: { value: 'low' } }],
          [{ id: 'accept', executor: 'expression', inputs: { value: 'high' } }],
        )
        .output('route', {
          value: '${{ tasks.retry_model.outputs.result }}',
          fallback: '${{ tasks.accept.outputs.result }}',
        })
        .build();
    const low = await engine().run(build(0.2));
    expect(statuses(low)).toEqual({
      score: 'completed',
      retry_model: 'completed',
      accept: 'skipped',
    });
    expect(low.outputs).toEqual({ route: 'low' });
    const high = await engine().run(build(0.9));
    expect(statuses(high)).toEqual({
      score: 'completed',
      retry_model: 'skipped',
      accept: 'completed',
    });
    expect(high.outputs).toEqual({ route: 'high' });
  });
});

describe('failures', () => {
  it('retries with backoff on the clock, keeping every attempt', async () => {
    const clock = new FakeClock(1000);
    let calls = 0;
    const e = engine({ clock }).registerExecutor('test:flaky', () => {
      calls++;
      if (calls < 3)
        throw new OrchestratorError('RateLimitError', `try ${calls}`, { retryable: true });
      return { result: 'ok' };
    });
    const def = workflow('retry')
      .task('t', {
        executor: 'test:flaky',
        retryPolicy: {
          maxAttempts: 4,
          initialInterval: '1s',
          backoffMultiplier: 2,
          retryableErrors: ['RateLimitError'],
        },
      })
      .build();
    const handle = e.start(def);
    await clock.advance(999);
    expect(calls).toBe(1);
    await clock.advance(1);
    expect(calls).toBe(2);
    await clock.advance(2000);
    const result = await handle.wait();
    expect(result.status).toBe('completed');
    const attempts = result.tasks[0]?.attempts ?? [];
    expect(attempts.map((a) => [a.attempt, a.startedAt, a.error?.code])).toEqual([
      [1, 1000, 'RateLimitError'],
      [2, 2000, 'RateLimitError'],
      [3, 4000, undefined],
    ]);
  });

  it('does not retry errors the policy does not name', async () => {
    let calls = 0;
    const e = engine().registerExecutor('test:auth', () => {
      calls++;
      throw new OrchestratorError('AuthError', 'bad key');
    });
    const def = workflow('noretry')
      .task('t', { executor: 'test:auth', retryPolicy: { maxAttempts: 5 } })
      .build();
    expect((await e.run(def)).status).toBe('failed');
    expect(calls).toBe(1);
  });

  it('times a task out through its AbortSignal', async () => {
    const clock = new FakeClock();
    let aborted: unknown;
    const e = engine({ clock }).registerExecutor('test:hang', (_inputs, ctx) => {
      return new Promise((_resolve, reject) => {
        ctx.signal.addEventListener('abort', () => {
          aborted = ctx.signal.reason;
          reject(ctx.signal.reason instanceof Error ? ctx.signal.reason : new Error('aborted'));
        });
      });
    });
    const def = workflow('timeout').task('t', { executor: 'test:hang', timeout: '5s' }).build();
    const handle = e.start(def);
    await clock.advance(5000);
    const result = await handle.wait();
    expect(result.status).toBe('failed');
    expect(statuses(result)).toEqual({ t: 'timed_out' });
    expect((aborted as OrchestratorError).code).toBe('TimeoutError');
  });

  it('times the whole workflow out and cancels what runs', async () => {
    const clock = new FakeClock();
    const e = engine({ clock }).registerExecutor(
      'test:slow',
      (_i, ctx) =>
        new Promise((r) => {
          ctx.clock.setTimer(60_000, () => {
            r({});
          });
        }),
    );
    const def = workflow('wf-timeout')
      .config({ timeout: '10s' })
      .task('t', { executor: 'test:slow' })
      .task('u', { executor: 'test:slow', dependsOn: ['t'] })
      .build();
    const handle = e.start(def);
    await clock.advance(10_000);
    const result = await handle.wait();
    expect(result.status).toBe('timed_out');
    expect(statuses(result)).toEqual({ t: 'cancelled', u: 'cancelled' });
  });

  it('stops at the first failure by default, and goes on with continueOnError', async () => {
    const e = engine().registerExecutor('test:fail', () => {
      throw new OrchestratorError('Boom', 'boom');
    });
    const base = () =>
      workflow('policy')
        .task('bad', { executor: 'test:fail' })
        .task('after', { executor: 'expression', dependsOn: ['bad'], inputs: { value: 1 } })
        .task('other', { executor: 'expression', inputs: { value: 2 } });
    const fast = await e.run(base().build());
    expect(fast.status).toBe('failed');
    expect(fast.error?.message).toBe('task `bad` failed: boom');
    const cont = await e.run(
      base()
        .config({ failurePolicy: { mode: 'continueOnError' } })
        .build(),
    );
    expect(statuses(cont)).toEqual({ bad: 'failed', after: 'skipped', other: 'completed' });
    expect(cont.status).toBe('failed');
  });

  it('degrades to a default value or a skip', async () => {
    const e = engine().registerExecutor('test:fail', () => {
      throw new OrchestratorError('ServerError', 'down', { retryable: true });
    });
    const def = workflow('fallbacks')
      .task('d', {
        executor: 'test:fail',
        fallback: { strategy: 'default', value: { answer: 'n/a' } },
      })
      .task('s', { executor: 'test:fail', fallback: { strategy: 'skip' } })
      .task('after', {
        executor: 'expression',
        dependsOn: ['d'],
        inputs: { value: '${{ tasks.d.outputs.answer }}' },
      })
      .output('answer', '${{ tasks.after.outputs.result }}')
      .build();
    const result = await e.run(def);
    expect(result.status).toBe('completed');
    expect(statuses(result)).toEqual({ d: 'completed', s: 'skipped', after: 'completed' });
    expect(result.outputs).toEqual({ answer: 'n/a' });
    expect(result.tasks[0]?.fallback).toBe('default');
  });
});

describe('run control', () => {
  function gated() {
    const gates: (() => void)[] = [];
    const e = engine().registerExecutor(
      'test:gate',
      (inputs) =>
        new Promise((resolve) =>
          gates.push(() => {
            resolve({ result: inputs.v });
          }),
        ),
    );
    return { e, gates };
  }

  it('cancels a run, aborting what runs', async () => {
    const clock = new FakeClock();
    let signal: AbortSignal | undefined;
    const e = engine({ clock }).registerExecutor('test:wait', (_i, ctx) => {
      signal = ctx.signal;
      return new Promise(() => undefined);
    });
    const handle = e.start(workflow('cancel').task('t', { executor: 'test:wait' }).build());
    handle.cancel('no longer needed');
    const result = await handle.wait();
    expect(result.status).toBe('cancelled');
    expect(signal?.aborted).toBe(true);
    expect(result.error).toEqual({ code: 'Cancelled', message: 'no longer needed' });
  });

  it('starts nothing new while paused', async () => {
    const { e, gates } = gated();
    const def = workflow('pause')
      .task('a', { executor: 'test:gate', inputs: { v: 1 } })
      .task('b', { executor: 'test:gate', dependsOn: ['a'], inputs: { v: 2 } })
      .build();
    const handle = e.start(def);
    handle.pause();
    gates.shift()?.();
    await new Promise((r) => setTimeout(r, 5));
    expect(handle.status()).toBe('paused');
    expect(gates.length).toBe(0);
    handle.resume();
    expect(gates.length).toBe(1);
    gates.shift()?.();
    expect((await handle.wait()).status).toBe('completed');
  });

  it('retries a failed run from a task, keeping the outputs upstream of it', async () => {
    let fail = true;
    let upstreamCalls = 0;
    const e = engine()
      .registerExecutor('test:count', () => ({ result: ++upstreamCalls }))
      .registerExecutor('test:maybe', (inputs) => {
        if (fail) throw new OrchestratorError('Boom', 'boom');
        return { result: inputs.v };
      });
    const def = workflow('retry-from')
      .task('up', { executor: 'test:count' })
      .task('mid', {
        executor: 'test:maybe',
        dependsOn: ['up'],
        inputs: { v: '${{ tasks.up.outputs.result }}' },
      })
      .output('v', '${{ tasks.mid.outputs.result }}')
      .build();
    const handle = e.start(def);
    expect((await handle.wait()).status).toBe('failed');
    fail = false;
    handle.retry('mid');
    const result = await handle.wait();
    expect(result.status).toBe('completed');
    expect(result.outputs).toEqual({ v: 1 });
    expect(upstreamCalls).toBe(1);
  });

  it('streams the run events to the end', async () => {
    const e = engine().registerExecutor('test:stream', async (_i, ctx) => {
      await Promise.resolve();
      ctx.emit({ type: 'chunk', data: 'Hel' });
      ctx.emit({ type: 'chunk', data: 'lo' });
      return { result: 'Hello' };
    });
    const handle = e.start(workflow('events').task('s', { executor: 'test:stream' }).build());
    const seen: EngineEvent[] = [];
    for await (const event of handle.events()) seen.push(event);
    const describe = (x: EngineEvent): string =>
      x.type === 'task.chunk'
        ? `chunk:${x.data}`
        : x.type === 'run.status' || x.type === 'task.status'
          ? `${x.type}:${x.status}`
          : x.type;
    expect(seen.map(describe)).toEqual([
      'chunk:Hel',
      'chunk:lo',
      'task.status:completed',
      'run.status:completed',
    ]);
    // A run that already ended still tells how it ended.
    const late: EngineEvent[] = [];
    for await (const event of handle.events()) late.push(event);
    expect(late.map(describe)).toEqual(['run.status:completed']);
  });
});
