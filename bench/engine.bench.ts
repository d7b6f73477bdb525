/* Engine throughput on no-op tasks: wide DAGs, many short runs, fan-out/fan-in; heap; overhead. */
import { getHeapStatistics } from 'node:v8';
import { createEngine, workflow, type Engine } from '@llm-orchestrator/core';
import type { Benchmark, Figure } from './harness.js';

function engine(): Engine {
  return createEngine({ maxConcurrentTasks: 1024, circuitBreaker: false }).registerExecutor(
    'bench:noop',
    () => null,
  );
}

function wide(n: number) {
  const b = workflow(`wide-${n}`);
  for (let i = 0; i < n; i++) b.task(`t${i}`, { executor: 'bench:noop' });
  return b.build();
}

function chain(n: number) {
  const b = workflow(`chain-${n}`);
  for (let i = 0; i < n; i++) {
    b.task(`t${i}`, { executor: 'bench:noop', ...(i === 0 ? {} : { dependsOn: [`t${i - 1}`] }) });
  }
  return b.build();
}

function fanOutIn(n: number) {
  const b = workflow(`fan-${n}`).task('root', { executor: 'bench:noop' });
  const middle: string[] = [];
  for (let i = 0; i < n; i++) {
    middle.push(`m${i}`);
    b.task(`m${i}`, { executor: 'bench:noop', dependsOn: ['root'] });
  }
  return b.task('sink', { executor: 'bench:noop', dependsOn: middle }).build();
}

function heapMb(): number {
  return getHeapStatistics().used_heap_size / 2 ** 20;
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await fn();
  return performance.now() - start;
}

/** The best of `n` timings: the figure least disturbed by GC pauses and other processes. */
async function best(n: number, fn: () => Promise<unknown>): Promise<number> {
  let min = Number.POSITIVE_INFINITY;
  for (let i = 0; i < n; i++) min = Math.min(min, await timed(fn));
  return min;
}

export const benchmarks: Benchmark[] = [
  {
    name: 'engine (in memory, no-op tasks)',
    async run(): Promise<Figure[]> {
      const figures: Figure[] = [];
      // Warm-up.
      await engine().run(wide(1000));

      const def = wide(100_000);
      const e = engine();
      let peak = heapMb();
      const sampler = setInterval(() => {
        peak = Math.max(peak, heapMb());
      }, 5);
      const endToEnd = await timed(async () => {
        const result = await e.run(def);
        if (result.status !== 'completed') throw new Error(`wide run ${result.status}`);
      });
      peak = Math.max(peak, heapMb());
      clearInterval(sampler);
      const plan = e.load(def);
      const runOnly = await best(3, async () => {
        await e.run(plan);
      });
      const perSecond = 100_000 / (runOnly / 1000);
      figures.push(
        {
          name: '100,000-task wide DAG: end to end (validate + run)',
          value: endToEnd,
          unit: 'ms',
          target: 2000,
          better: 'lower',
        },
        {
          name: '100,000-task wide DAG: peak heap',
          value: peak,
          unit: 'MB',
          target: 500,
          better: 'lower',
        },
        {
          name: '100,000-task wide DAG: tasks per second (compiled)',
          value: perSecond,
          unit: 'tasks/s',
          target: 300_000,
          better: 'higher',
        },
        {
          name: 'scheduling overhead per task',
          value: 1e6 / perSecond,
          unit: 'µs',
          target: 1e6 / 300_000,
          better: 'lower',
        },
      );

      const chainPlan = e.load(chain(10));
      const runs = await best(3, async () => {
        const handles = [];
        for (let i = 0; i < 10_000; i++) handles.push(e.start(chainPlan).wait());
        await Promise.all(handles);
      });
      figures.push({
        name: '10,000 runs of a 10-task chain: tasks per second',
        value: 100_000 / (runs / 1000),
        unit: 'tasks/s',
        target: 300_000,
        better: 'higher',
      });

      const fanPlan = e.load(fanOutIn(10_000));
      // A single 10,002-task run takes tens of ms: more rounds, so one GC pause does not decide it.
      const fan = await best(10, async () => {
        await e.run(fanPlan);
      });
      figures.push({
        name: '1 -> 10,000 -> 1 fan-out/fan-in: tasks per second',
        value: 10_002 / (fan / 1000),
        unit: 'tasks/s',
        target: 300_000,
        better: 'higher',
      });
      return figures;
    },
  },
];
