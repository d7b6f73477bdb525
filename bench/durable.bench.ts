/*
 * Durable execution: no-op tasks journalled to SQLite, single-task workflows on PostgreSQL, and the
 * time to take over a 10,000-task run after its process stopped.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { createEngine, workflow, type Engine, type Store } from '@llm-orchestrator/core';
import { openSqliteStore } from '@llm-orchestrator/sqlite';
import { openPostgresStore } from '@llm-orchestrator/postgres';
import type { Benchmark, Figure } from './harness.js';

const PG_URL = process.env.LLMO_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

function engineOn(store: Store): Engine {
  return createEngine({ store, maxConcurrentTasks: 1024, circuitBreaker: false })
    .registerExecutor('bench:noop', () => null)
    .registerExecutor('bench:hang', () => new Promise(() => undefined));
}

function wide(n: number, last?: string) {
  const b = workflow(`wide-${String(n)}`);
  for (let i = 0; i < n; i++) b.task(`t${String(i)}`, { executor: 'bench:noop' });
  if (last !== undefined) b.task('last', { executor: last, dependsOn: ['t0'] });
  return b.build();
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await fn();
  return performance.now() - start;
}

/** Runs `n` tasks in one run and `runs` one-task runs; returns tasks per second, flushed. */
async function durableThroughput(store: Store, n: number): Promise<number> {
  const e = engineOn(store);
  await e.run(wide(100)); // warm-up
  await store.flush();
  const def = wide(n);
  const ms = await timed(async () => {
    const result = await e.run(def);
    if (result.status !== 'completed') throw new Error(`run ${result.status}`);
    await store.flush();
  });
  await e.close();
  return (n / ms) * 1000;
}

async function singleTaskRuns(store: Store, runs: number): Promise<number> {
  const e = engineOn(store);
  const def = wide(1);
  await Promise.all(Array.from({ length: 200 }, () => e.run(def))); // warm-up
  await store.flush();
  const ms = await timed(async () => {
    const results = await Promise.all(Array.from({ length: runs }, () => e.run(def)));
    if (results.some((r) => r.status !== 'completed')) throw new Error('a run failed');
    await store.flush();
  });
  await e.close();
  return (runs / ms) * 1000;
}

/** A 10,000-task run whose process stops before its last task: the time another takes it over. */
async function resumeTime(open: () => Promise<Store>): Promise<number> {
  const store = await open();
  const a = engineOn(store);
  const handle = a.start(wide(10_000, 'bench:hang'));
  while (((await store.getRun(handle.id))?.lastSeq ?? 0) < 20_000) {
    await store.flush();
    await new Promise((r) => setTimeout(r, 20));
  }
  await a.close();
  const b = createEngine({ store }).registerExecutor('bench:noop', () => null);
  b.registerExecutor('bench:hang', () => ({ done: true }));
  const ms = await timed(async () => {
    const taken = await b.attach(handle.id);
    const result = await taken.wait();
    if (result.status !== 'completed') throw new Error(`resumed run ${result.status}`);
  });
  await b.close();
  await store.close();
  return ms;
}

function freshSchema(): { schema: string; drop: () => Promise<void> } {
  const schema = `llmo_bench_${String(process.pid)}_${String(Date.now() % 100_000)}`;
  return {
    schema,
    drop: async () => {
      const client = new pg.Client({ connectionString: PG_URL });
      await client.connect();
      await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await client.end();
    },
  };
}

export const benchmarks: Benchmark[] = [
  {
    name: 'durable (SQLite)',
    async run(): Promise<Figure[]> {
      const dir = mkdtempSync(join(tmpdir(), 'llmo-bench-'));
      try {
        const store = openSqliteStore(join(dir, 'state.db'));
        const tasks = await durableThroughput(store, 20_000);
        const runs = await singleTaskRuns(store, 5_000);
        await store.close();
        const resume = await resumeTime(() =>
          Promise.resolve(openSqliteStore(join(dir, 'resume.db'))),
        );
        return [
          {
            name: 'durable tasks/s, 20,000-task run',
            value: tasks,
            unit: 'tasks/s',
            target: 10_000,
            better: 'higher',
          },
          { name: 'single-task workflows/s', value: runs, unit: 'runs/s' },
          {
            name: 'take over a 10,000-task run and finish it',
            value: resume,
            unit: 'ms',
            target: 1000,
            better: 'lower',
          },
        ];
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  },
  {
    name: 'durable (PostgreSQL)',
    async run(): Promise<Figure[]> {
      const { schema, drop } = freshSchema();
      try {
        const store = await openPostgresStore({ connectionString: PG_URL, schema });
        const runs = await singleTaskRuns(store, 10_000);
        const tasks = await durableThroughput(store, 20_000);
        await store.close();
        const resume = await resumeTime(() =>
          openPostgresStore({ connectionString: PG_URL, schema }),
        );
        return [
          {
            name: 'single-task workflows/s',
            value: runs,
            unit: 'runs/s',
            target: 3_000,
            better: 'higher',
          },
          { name: 'durable tasks/s, 20,000-task run', value: tasks, unit: 'tasks/s' },
          {
            name: 'take over a 10,000-task run and finish it',
            value: resume,
            unit: 'ms',
            target: 1000,
            better: 'lower',
          },
        ];
      } finally {
        await drop();
      }
    },
  },
];
