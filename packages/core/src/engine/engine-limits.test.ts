import { describe, expect, it } from 'vitest';
import { FakeClock, flushMicrotasks } from '../clock.js';
import { OrchestratorError } from '../errors.js';
import { workflow } from '../sdk/builder.js';
import { MemoryStore } from '../store/memory-store.js';
import { createEngine, type EngineOptions } from './engine.js';

function engine(options: EngineOptions = {}) {
  return createEngine({ circuitBreaker: false, random: () => 0.5, ...options });
}

/** An executor whose calls wait until released, recording the order they started in. */
function gate() {
  const started: string[] = [];
  const release: (() => void)[] = [];
  const fn = (inputs: Readonly<Record<string, unknown>>) =>
    new Promise((resolve) => {
      started.push(String(inputs.name));
      release.push(() => {
        resolve({ result: inputs.name });
      });
    });
  return { started, release, fn, inFlight: () => release.length };
}

function many(name: string, n: number, extra: Record<string, unknown> = {}) {
  const b = workflow(name);
  for (let i = 0; i < n; i++)
    b.task(`t${i}`, { executor: 'test:gate', inputs: { name: `t${i}` }, ...extra });
  return b;
}

describe('limits', () => {
  it('keeps at most maxConcurrentTasks in flight across runs, and maxParallel per run', async () => {
    const g = gate();
    const e = engine({ maxConcurrentTasks: 3 }).registerExecutor('test:gate', g.fn);
    const a = e.start(many('a', 5).build());
    const b = e.start(
      many('b', 5)
        .config({ concurrency: { maxParallel: 1 } })
        .build(),
    );
    expect(g.started).toHaveLength(3);
    while (g.release.length > 0) {
      g.release.shift()?.();
      await flushMicrotasks();
      expect(g.release.length).toBeLessThanOrEqual(3);
    }
    await Promise.all([a.wait(), b.wait()]);
    expect(g.started).toHaveLength(10);
  });

  it('starts higher-priority tasks first', async () => {
    const g = gate();
    const e = engine({ maxConcurrentTasks: 1 }).registerExecutor('test:gate', g.fn);
    const def = workflow('prio')
      .task('low', { executor: 'test:gate', inputs: { name: 'low' }, priority: 'low' })
      .task('normal', { executor: 'test:gate', inputs: { name: 'normal' } })
      .task('critical', {
        executor: 'test:gate',
        inputs: { name: 'critical' },
        priority: 'critical',
      })
      .task('high', { executor: 'test:gate', inputs: { name: 'high' }, priority: 80 })
      .build();
    const run = e.start(def);
    while (run.status() === 'running') {
      g.release.shift()?.();
      await flushMicrotasks();
    }
    expect(g.started).toEqual(['critical', 'high', 'normal', 'low']);
  });

  it('admits tasks against the engine capacity and refuses what can never fit', async () => {
    const g = gate();
    const e = engine({ capacity: { cpu: 2, memory: '1Gi' } }).registerExecutor('test:gate', g.fn);
    const def = many('res', 3, { resources: { cpu: 1, memory: '512Mi' } })
      .task('huge', {
        executor: 'test:gate',
        inputs: { name: 'huge' },
        resources: { gpu: 1, cpu: 4 },
      })
      .config({ failurePolicy: { mode: 'continueOnError' } })
      .build();
    const run = e.start(def);
    expect(g.inFlight()).toBe(2);
    g.release.shift()?.();
    await flushMicrotasks();
    expect(g.started).toEqual(['t0', 't1', 't2']);
    while (g.release.length > 0) {
      g.release.shift()?.();
      await flushMicrotasks();
    }
    const result = await run.wait();
    expect(result.tasks.find((t) => t.id === 'huge')?.error?.code).toBe('ResourceUnavailable');
  });

  it('rate-limits an executor with a token bucket on the clock', async () => {
    const clock = new FakeClock();
    const calls: number[] = [];
    const e = engine({ clock, rateLimits: { 'test:tick': { rpm: 2 } } }).registerExecutor(
      'test:tick',
      () => {
        calls.push(clock.now());
        return {};
      },
    );
    const b = workflow('rate');
    for (let i = 0; i < 4; i++) b.task(`t${i}`, { executor: 'test:tick' });
    const run = e.start(b.build());
    expect(calls).toEqual([0, 0]);
    await clock.advance(30_000);
    expect(calls).toEqual([0, 0, 30_000]);
    await clock.advance(30_000);
    expect((await run.wait()).status).toBe('completed');
    expect(calls).toEqual([0, 0, 30_000, 60_000]);
  });
});

describe('backpressure', () => {
  const slow = () => new Promise(() => undefined);
  const def = workflow('bp').task('t', { executor: 'test:slow' }).build();

  it('refuses a start above the high watermark, with a clear error', async () => {
    const e = engine({
      backpressure: { highWatermark: 2, lowWatermark: 1, mode: 'reject' },
    }).registerExecutor('test:slow', slow);
    e.start(def);
    e.start(def);
    await flushMicrotasks();
    expect(() => e.start(def)).toThrow(/2 runs in progress: at its high watermark/);
  });

  it('or lets the run wait, pending, until runs finish', async () => {
    const finishers: (() => void)[] = [];
    const e = engine({
      backpressure: { highWatermark: 1, lowWatermark: 0, mode: 'wait' },
    }).registerExecutor(
      'test:slow',
      () =>
        new Promise((resolve) =>
          finishers.push(() => {
            resolve({});
          }),
        ),
    );
    const first = e.start(def);
    await flushMicrotasks();
    const second = e.start(def);
    await flushMicrotasks();
    expect(first.status()).toBe('running');
    expect(second.status()).toBe('pending');
    finishers.shift()?.();
    await first.wait();
    await flushMicrotasks();
    expect(second.status()).toBe('running');
    finishers.shift()?.();
    expect((await second.wait()).status).toBe('completed');
  });
});

describe('dead letters, fallbacks, breakers and hooks', () => {
  it('puts a failed task in the dead-letter queue, and retries the run from it', async () => {
    let fail = true;
    const e = engine().registerExecutor('test:maybe', () => {
      if (fail) throw new OrchestratorError('ServerError', 'down');
      return { result: 'ok' };
    });
    const def = workflow('dlq')
      .config({ failurePolicy: { deadLetterQueue: true } })
      .task('t', { executor: 'test:maybe', inputs: { x: 1 } })
      .build();
    const run = e.start(def);
    await run.wait();
    await flushMicrotasks();
    const [entry, ...rest] = await e.deadLetters.list();
    expect(rest).toEqual([]);
    expect(entry).toMatchObject({
      kind: 'task',
      runId: run.id,
      taskId: 't',
      error: { code: 'ServerError' },
      workflow: { name: 'dlq' },
    });
    fail = false;
    await e.retryDeadLetter(entry?.id ?? '');
    expect((await run.wait()).status).toBe('completed');
    expect(await e.deadLetters.list()).toEqual([]);
  });

  it('serves the last good output of a task as its cached fallback', async () => {
    let down = false;
    const e = engine().registerExecutor('test:weather', () => {
      if (down) throw new OrchestratorError('ServerError', 'down', { retryable: true });
      return { result: 'sunny' };
    });
    const def = workflow('cache')
      .task('w', { executor: 'test:weather', fallback: { strategy: 'cached', maxAge: '1h' } })
      .output('w', '${{ tasks.w.outputs.result }}')
      .build();
    expect((await e.run(def)).outputs).toEqual({ w: 'sunny' });
    down = true;
    const second = await e.run(def);
    expect(second.outputs).toEqual({ w: 'sunny' });
    expect(second.tasks[0]?.fallback).toBe('cached');
  });

  it('serves a cached fallback from a durable store in another engine (another process)', async () => {
    const store = new MemoryStore({ durable: true });
    const def = workflow('cache')
      .task('w', { executor: 'test:weather', fallback: { strategy: 'cached', maxAge: '1h' } })
      .output('w', '${{ tasks.w.outputs.result }}')
      .build();
    const first = createEngine({ store }).registerExecutor('test:weather', () => ({
      result: 'sunny',
    }));
    expect((await first.run(def)).outputs).toEqual({ w: 'sunny' });
    await first.close();
    const second = createEngine({ store }).registerExecutor('test:weather', async () => {
      await new Promise((r) => setTimeout(r, 5));
      throw new OrchestratorError('ServerError', 'down', { retryable: false });
    });
    const result = await second.run(def);
    await second.close();
    expect(result.outputs).toEqual({ w: 'sunny' });
    expect(result.tasks[0]?.fallback).toBe('cached');
  });

  it('runs the alternative executor once when the primary fails for good', async () => {
    const e = engine()
      .registerExecutor('test:primary', () => {
        throw new OrchestratorError('ServerError', 'primary down', { retryable: true });
      })
      .registerExecutor('test:backup', async () => {
        await Promise.resolve();
        return { result: 'from backup' };
      });
    const def = workflow('alt')
      .task('a', {
        executor: 'test:primary',
        retryPolicy: { maxAttempts: 1 },
        fallback: { strategy: 'executor', executor: 'test:backup' },
      })
      .output('a', '${{ tasks.a.outputs.result }}')
      .build();
    const result = await e.run(def);
    expect(result.outputs).toEqual({ a: 'from backup' });
    expect(result.tasks[0]?.fallback).toBe('executor');
  });

  it('opens the circuit of an executor after repeated failures', async () => {
    let calls = 0;
    const e = createEngine({ circuitBreaker: { failureThreshold: 2 } }).registerExecutor(
      'test:down',
      () => {
        calls++;
        throw new OrchestratorError('ServerError', 'down', { retryable: true });
      },
    );
    const def = workflow('breaker').config({ failurePolicy: { mode: 'continueOnError' } });
    for (let i = 0; i < 4; i++) def.task(`t${i}`, { executor: 'test:down' });
    const result = await e.run(def.build());
    expect(calls).toBe(2);
    expect(result.tasks.map((t) => t.error?.code)).toEqual([
      'ServerError',
      'ServerError',
      'CircuitOpenError',
      'CircuitOpenError',
    ]);
  });

  it('calls the integration hooks, and a hook that throws never breaks the run', async () => {
    const seen: string[] = [];
    const logged: string[] = [];
    const e = engine({
      log: (level, message) => logged.push(`${level}:${message}`),
      hooks: {
        onTaskStart: ({ taskId, attempt }) => seen.push(`start ${taskId}#${attempt}`),
        onTaskComplete: ({ taskId, task }) => {
          seen.push(`done ${taskId} ${task.status}`);
          throw new Error('hook bug');
        },
        onWorkflowComplete: ({ status, outputs }) =>
          seen.push(`workflow ${status} ${JSON.stringify(outputs)}`),
      },
    });
    const def = workflow('hooks')
      .task('a', { executor: 'expression', inputs: { value: 1 } })
      .output('a', '${{ tasks.a.outputs.result }}')
      .build();
    expect((await e.run(def)).status).toBe('completed');
    expect(seen).toEqual(['start a#1', 'done a completed', 'workflow completed {"a":1}']);
    expect(logged).toEqual(['error:onTaskComplete hook failed']);
  });
});

describe('workflow event handlers', () => {
  it('runs the handlers of how the run ended, with the final outputs and error', async () => {
    const alerts: string[] = [];
    const e = engine({
      alertSink: (a) => {
        alerts.push(`${a.event} ${a.severity} ${a.message}`);
      },
    }).registerExecutor('test:fail', () => {
      throw new OrchestratorError('Boom', 'it broke');
    });
    const ok = workflow('events-ok')
      .task('a', { executor: 'expression', inputs: { value: 42 } })
      .output('answer', '${{ tasks.a.outputs.result }}')
      .on('onSuccess', {
        type: 'alert',
        channel: 'log',
        message: 'answer ${{ workflow.outputs.answer }}',
      })
      .on('onFailure', { type: 'alert', message: 'never' })
      .build();
    const bad = workflow('events-bad')
      .task('b', { executor: 'test:fail' })
      .on('onFailure', {
        type: 'alert',
        severity: 'critical',
        message: '${{ workflow.error.message }}',
      })
      .on('onFailure', { type: 'deadletter', queue: 'failed-runs' })
      .build();
    await e.run(ok);
    const failed = await e.run(bad);
    await e.idle();
    expect(alerts).toEqual([
      'onSuccess low answer 42',
      'onFailure critical task `b` failed: it broke',
    ]);
    const letters = await e.deadLetters.list({ queue: 'failed-runs' });
    expect(letters).toMatchObject([
      { kind: 'run', runId: failed.runId, workflow: { name: 'events-bad' } },
    ]);
  });
});
