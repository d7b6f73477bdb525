/**
 * The CLI on PostgreSQL: `--store postgres://...?schema=<name>`, a schema of its own per test,
 * dropped afterwards. When the server cannot be reached the tests fail on CI (`CI=true`) and are
 * skipped elsewhere. `LLMO_TEST_POSTGRES_URL` points them at another server.
 */
import { expect, it } from 'vitest';
import {
  describePostgres,
  TEST_DATABASE_URL,
  useTestDatabase,
} from '../packages/postgres/src/test-database.js';
import { SLOW, StateDir, tempDir, writeFile } from './cli-durable-helpers.js';

const slow = writeFile(tempDir('llmo-pg-files-'), 'slow.yaml', SLOW);

describePostgres('llm-orchestrator on PostgreSQL', () => {
  const db = useTestDatabase();
  /** A store URL with a new schema, dropped after the tests. */
  const storeUrl = (): string => {
    const url = new URL(TEST_DATABASE_URL);
    url.searchParams.set('schema', db.schema());
    return url.toString();
  };

  it('runs --detach: a background worker completes the run; list and status read it back', async () => {
    const store = storeUrl();
    // The store comes from the environment here, as a deployment would set it.
    const state = new StateDir({ LLM_ORCHESTRATOR_STORE: store });
    const run = state.cli(['run', slow, '-i', 'step=100ms', '--detach']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const id = run.stdout.trim();
    const view = await state.waitFor(id, (v) => v.status === 'completed');
    expect(view.outputs).toEqual({ total: 400 });
    expect(view.tasks.map((t) => t.status)).toEqual([
      'completed',
      'completed',
      'completed',
      'completed',
    ]);

    const list = state.cli(['list', '--store', store, '-o', 'json']);
    expect(JSON.parse(list.stdout)).toMatchObject([
      { id, workflow: { name: 'slow', version: '1.0.0' }, status: 'completed' },
    ]);
    // Nothing went to the SQLite file of the state directory.
    const local = new StateDir({ LLM_ORCHESTRATOR_HOME: state.dir });
    expect(local.cli(['list', '-o', 'json']).stdout).toBe('[]\n');

    const history = state.history(id);
    expect(history.filter((h) => h.type === 'task.completed')).toHaveLength(4);
    expect(history.at(-1)).toMatchObject({ type: 'run.status', detail: 'completed' });
  }, 180_000);
});
