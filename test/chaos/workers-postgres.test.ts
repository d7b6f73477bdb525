/**
 * Chaos on PostgreSQL: runs submitted with `run --detach --no-spawn` are executed by two
 * `llm-orchestrator worker` processes; one of them is SIGKILLed at random moments (and started
 * again) while the other goes on. Every run must complete with the right outputs, no task may run
 * again once its completion is in the journal, and no task may ever run on both workers at once.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { openPostgresStore } from '@llm-orchestrator/postgres';
import {
  describePostgres,
  TEST_DATABASE_URL,
  useTestDatabase,
} from '../../packages/postgres/src/test-database.js';
import { runCli } from '../cli.js';
import { checkRun, pause, progressed, startCli, type Child } from './harness.js';
import { layeredWorkflow, startRecorder } from './recorder.js';

const RUNS = 3;
const KILLS = 4;

describePostgres('chaos: two workers on PostgreSQL, one killed', () => {
  const db = useTestDatabase();
  const dir = mkdtempSync(join(tmpdir(), 'llmo-chaos-pg-'));
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('completes every run, each task once, never on both workers at once', async () => {
    const schema = db.schema();
    const url = new URL(TEST_DATABASE_URL);
    url.searchParams.set('schema', schema);
    const store = url.toString();
    const { doc, expected } = layeredWorkflow(10, 5);
    const file = join(dir, 'chaos.json');
    writeFileSync(file, JSON.stringify(doc));
    const recorder = await startRecorder(join(dir, 'executions.jsonl'), () =>
      Math.floor(10 + Math.random() * 40),
    );
    const env = { LLM_ORCHESTRATOR_HOME: dir, LLM_ORCHESTRATOR_LEASE_TTL_MS: '800' };
    const workers: Child[] = [];
    const worker = (): Child => {
      const w = startCli(['worker', '--store', store, '--poll', '100'], env);
      workers.push(w);
      return w;
    };
    try {
      const ids: string[] = [];
      for (let i = 0; i < RUNS; i++) {
        const id = `chaos-pg-${String(i)}`;
        const submitted = runCli(
          [
            'run',
            file,
            '--store',
            store,
            '--run-id',
            id,
            '-i',
            `base=${recorder.base}`,
            '--detach',
            '--no-spawn',
          ],
          { env },
        );
        expect(submitted.code, submitted.stderr).toBe(0);
        expect(submitted.stdout.trim()).toBe(id);
        ids.push(id);
      }
      const steady = worker();
      let victim = worker();
      const s = await openPostgresStore({ connectionString: TEST_DATABASE_URL, schema });
      try {
        const done = async (): Promise<boolean> => {
          const records = await Promise.all(ids.map((id) => s.getRun(id)));
          return records.every((r) => r?.status === 'completed');
        };
        for (let k = 0; k < KILLS && !(await done()); k++) {
          await progressed(recorder, 2 + Math.floor(Math.random() * 10), victim);
          victim.process.kill('SIGKILL');
          await victim.exited;
          await pause(Math.random() * 300);
          victim = worker();
        }
        const deadline = Date.now() + 120_000;
        while (!(await done())) {
          if (Date.now() > deadline) throw new Error('the runs did not complete');
          await pause(100);
        }
        for (const id of ids) await checkRun(s, id, recorder, expected, 50);
        expect(recorder.overlaps).toEqual([]);
        expect(steady.process.exitCode).toBeNull(); // the other worker lived through it all
      } finally {
        await s.close();
      }
    } finally {
      for (const w of workers) if (w.process.exitCode === null) w.process.kill('SIGTERM');
      await Promise.all(workers.map((w) => w.exited));
      await recorder.close();
    }
  }, 240_000);
});
