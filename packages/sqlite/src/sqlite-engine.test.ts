/** The engine on a SQLite file: a 50 MB task output survives a takeover by another connection. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createEngine, isBlobRef, workflow } from '@llm-orchestrator/core';
import { openSqliteStore } from './sqlite-store.js';

describe('the engine on SQLite', () => {
  const dir = mkdtempSync(join(tmpdir(), 'llmo-sqlite-engine-'));
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('hands a 50 MB output to its dependent after another process takes the run over', async () => {
    const file = join(dir, 'state.db');
    const big = 'x'.repeat(50 * 1024 * 1024);
    const def = workflow('big-output')
      .task('big', { executor: 'big' })
      .task('use', {
        executor: 'use',
        dependsOn: ['big'],
        inputs: { text: '${{ tasks.big.outputs.text }}' },
      })
      .output('length', '${{ tasks.use.outputs.length }}')
      .build();

    const first = openSqliteStore(file);
    let started = false;
    const a = createEngine({ store: first })
      .registerExecutor('big', () => ({ text: big }))
      .registerExecutor('use', () => {
        started = true;
        return new Promise(() => undefined);
      });
    const handle = a.start(def);
    while (!started) await new Promise((r) => setTimeout(r, 10));
    await a.close();
    await first.close();

    const second = openSqliteStore(file);
    try {
      const completed = (await second.read(handle.id)).find(
        (e) => e.entry.type === 'task.completed',
      )?.entry;
      expect(completed?.type === 'task.completed' && isBlobRef(completed.output)).toBe(true);
      const b = createEngine({ store: second })
        .registerExecutor('big', () => {
          throw new Error('a completed task ran again');
        })
        .registerExecutor('use', (inputs) => ({ length: String(inputs.text).length }));
      const result = await (await b.attach(handle.id)).wait();
      expect(result.status).toBe('completed');
      expect(result.outputs).toEqual({ length: big.length });
      await b.close();
    } finally {
      await second.close();
    }
  }, 60_000);
});
