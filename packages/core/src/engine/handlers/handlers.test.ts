import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../clock.js';
import type { EventHandler } from '../../definition/schema.js';
import type { ExecutorContext } from '../../executors/types.js';
import { runEventHandlers, type RunSummary } from './index.js';
import { contextOf, failedSummary, testDeps } from './test-helpers.js';

const NOW = 50_000;

function succeeded(): RunSummary {
  return {
    ...failedSummary(),
    status: 'completed',
    error: null,
    outputs: { answer: 42 },
    tasks: [{ id: 'a', status: 'completed', attempts: 1 }],
  };
}

describe('deadletter handler', () => {
  it('adds the run with its inputs, error and failed task attempts', async () => {
    const deps = testDeps(new FakeClock(NOW));
    const summary = failedSummary();
    const handlers: EventHandler[] = [
      { type: 'deadletter' },
      { type: 'deadletter', queue: 'failed-${{ workflow.metadata.name }}' },
    ];
    const outcomes = await runEventHandlers(
      'onFailure',
      handlers,
      summary,
      contextOf(summary),
      deps,
    );

    expect(outcomes.every((o) => o.ok)).toBe(true);
    const entries = await deps.deadLetters.list();
    expect(entries.map((e) => e.queue)).toEqual(['default', 'failed-demo']);
    expect(entries[0]).toEqual({
      id: 'dl-1',
      kind: 'run',
      runId: 'run-1',
      workflow: { name: 'demo', version: '1.2.3' },
      inputs: { question: 'why?' },
      error: { code: 'TASK_FAILED', message: 'task b failed: boom' },
      attempts: [
        {
          attempt: 3,
          startedAt: 1000,
          endedAt: 4000,
          error: { code: 'ExecutorError', message: 'task b: boom' },
        },
      ],
      queue: 'default',
      createdAt: NOW,
    });
  });

  it('describes a run that ended without an error by its status', async () => {
    const deps = testDeps(new FakeClock(NOW));
    const summary: RunSummary = { ...succeeded(), status: 'cancelled', outputs: null };
    delete summary.startedAt;
    delete summary.endedAt;
    await runEventHandlers('onCancel', [{ type: 'deadletter', queue: 'q' }], summary, {}, deps);
    const [entry] = await deps.deadLetters.list({ queue: 'q' });
    expect(entry?.error).toEqual({ code: 'CANCELLED', message: 'run cancelled' });
    expect(entry?.attempts).toEqual([
      {
        attempt: 1,
        startedAt: NOW,
        endedAt: NOW,
        error: { code: 'CANCELLED', message: 'run cancelled' },
      },
    ]);
  });
});

describe('custom handler', () => {
  it('runs the executor with evaluated inputs and a handler context', async () => {
    const clock = new FakeClock(NOW);
    const deps = testDeps(clock);
    const calls: { inputs: unknown; ctx: ExecutorContext }[] = [];
    deps.executors.register('audit:record', (inputs, ctx) => {
      calls.push({ inputs, ctx });
      ctx.logger.info('recorded', { n: 1 });
      return { ok: true };
    });
    const summary = { ...failedSummary(), status: 'cancelled', error: null };
    const handler: EventHandler = {
      type: 'custom',
      executor: 'audit:record',
      inputs: { run: '${{ workflow.id }}', b: '${{ tasks.b.status }}', fixed: [1, 2] },
    };
    const outcomes = await runEventHandlers(
      'onCancel',
      [{ type: 'alert' }, handler],
      summary,
      contextOf(summary),
      deps,
    );

    expect(outcomes).toEqual([
      { type: 'alert', ok: true },
      { type: 'custom', ok: true },
    ]);
    expect(calls).toHaveLength(1);
    const call = calls[0];
    expect(call?.inputs).toEqual({ run: 'run-1', b: 'failed', fixed: [1, 2] });
    expect(call?.ctx).toMatchObject({
      runId: 'run-1',
      taskId: 'events.onCancel[1]',
      attempt: 1,
      idempotencyKey: 'run-1:onCancel:1',
      config: {},
    });
    expect(call?.ctx.clock).toBe(clock);
    expect(call?.ctx.signal.aborted).toBe(false);
    expect(() => {
      call?.ctx.emit({ type: 'progress', progress: 1 });
    }).not.toThrow();
    expect(deps.lines).toContainEqual({
      level: 'info',
      message: 'recorded',
      fields: { runId: 'run-1', event: 'onCancel', handler: 1, n: 1 },
    });
  });

  it('reports an unknown executor or a throwing one as a failed handler', async () => {
    const deps = testDeps(new FakeClock(NOW));
    deps.executors.register('audit:record', () => {
      throw new Error('audit store unavailable');
    });
    const outcomes = await runEventHandlers(
      'onFailure',
      [
        { type: 'custom', executor: 'audit:recrd' },
        { type: 'custom', executor: 'audit:record' },
      ],
      failedSummary(),
      {},
      deps,
    );
    expect(outcomes).toEqual([
      { type: 'custom', ok: false, error: 'no executor named "audit:recrd" is registered' },
      { type: 'custom', ok: false, error: 'audit store unavailable' },
    ]);
    const errors = deps.lines.filter((l) => l.level === 'error');
    expect(errors.map((l) => l.fields)).toEqual([
      expect.objectContaining({
        runId: 'run-1',
        event: 'onFailure',
        handler: 0,
        code: 'EXECUTOR_NOT_FOUND',
      }),
      expect.objectContaining({ runId: 'run-1', event: 'onFailure', handler: 1, type: 'custom' }),
    ]);
  });
});

describe('runEventHandlers', () => {
  it('runs every handler in order; a failing one stops neither the others nor the caller', async () => {
    const order: string[] = [];
    const deps = testDeps(new FakeClock(NOW), {
      alertSink: (a) => {
        order.push(`alert:${a.message}`);
        if (a.message === 'first') throw new Error('sink exploded');
      },
    });
    deps.executors.register('audit:record', () => {
      order.push('custom');
    });
    const summary = failedSummary();
    const handlers: EventHandler[] = [
      { type: 'alert', message: 'first' },
      { type: 'alert', message: '${{ 1 / 0 }}' },
      { type: 'webhook', url: 'not a url' },
      { type: 'deadletter' },
      { type: 'custom', executor: 'audit:record' },
      { type: 'alert', message: 'last' },
    ];
    const outcomes = await runEventHandlers(
      'onFailure',
      handlers,
      summary,
      contextOf(summary),
      deps,
    );

    expect(outcomes.map((o) => [o.type, o.ok])).toEqual([
      ['alert', false],
      ['alert', false],
      ['webhook', false],
      ['deadletter', true],
      ['custom', true],
      ['alert', true],
    ]);
    expect(outcomes[0]?.error).toBe('sink exploded');
    expect(outcomes[1]?.error).toMatch(/zero/i);
    expect(order).toEqual(['alert:first', 'custom', 'alert:last']);
    expect(deps.deadLetters.size).toBe(1);
    expect(deps.lines.filter((l) => l.level === 'error').map((l) => l.fields.handler)).toEqual([
      0, 1, 2,
    ]);
  });

  it('skips every handler once the signal is aborted', async () => {
    const deps = testDeps(new FakeClock(NOW));
    const controller = new AbortController();
    controller.abort();
    const outcomes = await runEventHandlers(
      'onFailure',
      [{ type: 'alert' }, { type: 'deadletter' }],
      failedSummary(),
      {},
      deps,
      controller.signal,
    );
    expect(outcomes).toEqual([
      { type: 'alert', ok: false, error: 'aborted' },
      { type: 'deadletter', ok: false, error: 'aborted' },
    ]);
    expect(deps.alerts).toEqual([]);
    expect(deps.deadLetters.size).toBe(0);
  });

  it('survives a throwing log sink', async () => {
    const deps = testDeps(new FakeClock(NOW), {
      log: () => {
        throw new Error('log down');
      },
    });
    const outcomes = await runEventHandlers(
      'onFailure',
      [{ type: 'custom', executor: 'nope' }, { type: 'alert' }],
      failedSummary(),
      {},
      deps,
    );
    expect(outcomes.map((o) => o.ok)).toEqual([false, true]);
  });
});
