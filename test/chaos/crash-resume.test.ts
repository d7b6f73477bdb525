/**
 * Chaos on the embedded default (SQLite): a 50-task workflow is run by the real CLI, SIGKILLed at
 * random moments many times, and resumed each time with `llm-orchestrator resume`. It must complete
 * with the right outputs, and no task may run again once its completion is in the journal.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openSqliteStore } from '@llm-orchestrator/sqlite';
import { checkRun, progressed, startCli } from './harness.js';
import { layeredWorkflow, startRecorder } from './recorder.js';

const KILLS = 8;

describe('chaos: SIGKILL and resume on SQLite', () => {
  const dir = mkdtempSync(join(tmpdir(), 'llmo-chaos-'));
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('completes every run exactly once per task across many crashes', async () => {
    const { doc, expected } = layeredWorkflow(10, 5);
    const file = join(dir, 'chaos.json');
    writeFileSync(file, JSON.stringify(doc));
    const recorder = await startRecorder(join(dir, 'executions.jsonl'), () =>
      Math.floor(5 + Math.random() * 30),
    );
    const env = { LLM_ORCHESTRATOR_HOME: dir, LLM_ORCHESTRATOR_LEASE_TTL_MS: '600' };
    const runId = 'chaos-sqlite';
    let kills = 0;
    let finished = false;
    try {
      const status = async (): Promise<string | undefined> => {
        const store = openSqliteStore(join(dir, 'state.db'));
        try {
          return (await store.getRun(runId))?.status;
        } finally {
          await store.close();
        }
      };
      for (let round = 0; round < KILLS + 5 && !finished; round++) {
        // Killed after the run completed but before the process exited: nothing left to resume.
        if (round > 0 && (await status()) === 'completed') {
          finished = true;
          break;
        }
        const child = startCli(
          round === 0
            ? ['run', file, '--run-id', runId, '-i', `base=${recorder.base}`, '-o', 'json', '-q']
            : ['resume', runId, '-o', 'json', '-q'],
          env,
        );
        // Kill at a random moment once the run is under way in this process.
        if (
          kills < KILLS &&
          (await progressed(recorder, 1 + Math.floor(Math.random() * 6), child, 60_000))
        ) {
          child.process.kill('SIGKILL');
          kills++;
        }
        const code = await child.exited;
        if (code === 0) finished = true;
        else if (code !== null) throw new Error(`exit ${String(code)}:\n${child.output()}`);
      }
      expect(kills).toBe(KILLS);
      expect(finished).toBe(true);
      const store = openSqliteStore(join(dir, 'state.db'));
      try {
        await checkRun(store, runId, recorder, expected, 50);
      } finally {
        await store.close();
      }
    } finally {
      await recorder.close();
    }
  }, 180_000);
});
