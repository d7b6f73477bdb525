import { describe, expect, it } from 'vitest';
import { FakeClock, flushMicrotasks } from '../clock.js';
import { OrchestratorError } from '../errors.js';
import { workflow } from '../sdk/builder.js';
import { createEngine } from './engine.js';

function fanOut(
  items: unknown,
  extra: Record<string, unknown> = {},
  template: Record<string, unknown> = {},
) {
  return workflow('fan')
    .task('each', {
      type: 'fan-out',
      inputs: {
        items,
        task_template: {
          executor: 'test:item',
          inputs: { value: '${{ item }}', position: '${{ index }}' },
          ...template,
        },
      },
      ...extra,
    })
    .task('sum', {
      type: 'fan-in',
      executor: 'aggregate:reduce',
      dependsOn: ['each'],
      inputs: { items: '${{ tasks.each.outputs.result }}', operation: 'sum' },
    })
    .output('results', '${{ tasks.each.outputs.result }}')
    .output('items', '${{ tasks.each.outputs.items }}')
    .output('sum', '${{ tasks.sum.outputs.result }}')
    .build();
}

describe('fan-out and fan-in', () => {
  it('maps the template over the items, keeping their order, and joins the results', async () => {
    const e = createEngine({ circuitBreaker: false }).registerExecutor(
      'test:item',
      async (inputs) => {
        await new Promise((r) => setTimeout(r, Number(inputs.value) % 3));
        return { result: Number(inputs.value) * 10, at: inputs.position };
      },
    );
    const result = await e.run(fanOut([3, 1, 2]));
    expect(result.status).toBe('completed');
    expect(result.outputs).toEqual({
      results: [30, 10, 20],
      items: [
        { result: 30, at: 0 },
        { result: 10, at: 1 },
        { result: 20, at: 2 },
      ],
      sum: 60,
    });
  });

  it('runs at most maxParallel items at a time and reports progress', async () => {
    let running = 0;
    let peak = 0;
    const release: (() => void)[] = [];
    const e = createEngine({ circuitBreaker: false }).registerExecutor('test:item', (inputs) => {
      running++;
      peak = Math.max(peak, running);
      return new Promise((resolve) =>
        release.push(() => {
          running--;
          resolve({ result: inputs.value });
        }),
      );
    });
    const progress: (number | undefined)[] = [];
    e.on((event) => {
      if (event.type === 'task.progress') progress.push(event.progress);
    });
    const handle = e.start(fanOut([1, 2, 3, 4, 5], { config: { maxParallel: 2 } }));
    while (handle.status() === 'running') {
      await flushMicrotasks();
      release.shift()?.();
    }
    expect(peak).toBe(2);
    expect(progress).toEqual([0.2, 0.4, 0.6, 0.8, 1]);
    expect((await handle.wait()).outputs).toMatchObject({ sum: 15 });
  });

  it('retries an item with the template retry policy, and fails the task when one fails for good', async () => {
    const clock = new FakeClock();
    const calls = new Map<unknown, number>();
    const e = createEngine({ clock, circuitBreaker: false }).registerExecutor(
      'test:item',
      (inputs) => {
        const n = (calls.get(inputs.value) ?? 0) + 1;
        calls.set(inputs.value, n);
        if (inputs.value === 'flaky' && n < 2)
          throw new OrchestratorError('ServerError', 'flaky', { retryable: true });
        if (inputs.value === 'broken')
          throw new OrchestratorError('InvalidInputError', 'broken item');
        return { result: 1 };
      },
    );
    const retry = { retryPolicy: { maxAttempts: 3, initialInterval: '1s' } };
    const ok = e.start(fanOut(['flaky', 'fine'], {}, retry));
    await clock.advance(1000);
    expect((await ok.wait()).outputs).toMatchObject({ sum: 2 });
    expect(calls.get('flaky')).toBe(2);
    const bad = await e.run(fanOut(['broken', 'fine'], {}, retry));
    expect(bad.status).toBe('failed');
    expect(bad.tasks[0]?.error).toMatchObject({
      code: 'InvalidInputError',
      message: 'broken item',
    });
  });

  it('refuses items that are not a list', async () => {
    const e = createEngine({ circuitBreaker: false }).registerExecutor('test:item', () => ({}));
    const def = workflow('bad')
      .input('things', 'object', { default: { a: 1 } })
      .task('each', {
        type: 'fan-out',
        inputs: {
          items: '${{ workflow.inputs.things }}',
          task_template: { executor: 'test:item' },
        },
      })
      .build();
    const result = await e.run(def);
    expect(result.tasks[0]?.error?.message).toBe(
      'fan-out `each`: items must be a list, got object',
    );
  });
});
