/**
 * What only an admin may do, through the real server process (`serve --auth api-keys` on a SQLite
 * store): registering definitions and purging dead letters, refused to an operator, who may still
 * list and re-drive dead letters. Every call, refused or not, is in the audit log afterwards.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openSqliteStore } from '@llm-orchestrator/sqlite';
import { tempDir } from './cli-durable-helpers.js';
import { call, createKeys, serve } from './serve-helpers.js';

/** Fails its one task for good (the input is not a string), into the dead-letter queue. */
const dead = {
  apiVersion: 'orchestrator.llm/v1',
  kind: 'Workflow',
  metadata: { name: 'dead', version: '1.0.0' },
  spec: {
    config: { failurePolicy: { deadLetterQueue: true } },
    inputs: [{ name: 'value', type: 'number', default: 7 }],
    tasks: [
      {
        id: 'check',
        executor: 'validate:json-schema',
        inputs: {
          data: '${{ workflow.inputs.value }}',
          schema: { type: 'string' },
          failOnInvalid: true,
        },
      },
    ],
  },
};

interface Letter {
  readonly id: string;
  readonly runId: string;
  readonly taskId: string;
}

async function until<T>(read: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  let value = await read();
  for (let i = 0; i < 100 && !done(value); i++) {
    await new Promise((r) => setTimeout(r, 100));
    value = await read();
  }
  return value;
}

describe('admin-only operations through the server', () => {
  it('registers and purges only as admin; an operator lists and re-drives dead letters', async () => {
    const dir = tempDir('llmo-admin-');
    const { operator, admin } = await createKeys(dir, { operator: 'operator', admin: 'admin' });
    const server = await serve(dir, ['--auth', 'api-keys']);
    const api = `${server.url}/api/v1`;

    // The registry: an operator may read it, not write it.
    const refused = await call(`${api}/registry`, operator, 'POST', { definition: dead });
    expect(refused.status).toBe(403);
    expect(refused.body).toMatchObject({ error: { code: 'FORBIDDEN' } });
    expect((refused.body.error as { message: string }).message).toContain('admin');
    const registered = await call(`${api}/registry`, admin, 'POST', { definition: dead });
    expect(registered.status).toBe(201);
    expect(registered.body).toMatchObject({ name: 'dead', version: '1.0.0' });
    const listed = await call(`${api}/registry?name=dead`, operator);
    expect(listed.body.workflows).toMatchObject([{ name: 'dead', version: '1.0.0' }]);

    // A run started by name fails into the dead-letter queue.
    const started = await call(`${api}/workflows`, operator, 'POST', { workflow: 'dead@1.0.0' });
    expect(started.status).toBe(201);
    const runId = started.body.id as string;
    const letters = async (): Promise<Letter[]> =>
      (await call(`${api}/dlq`, operator)).body.deadLetters as Letter[];
    const first = await until(letters, (l) => l.length === 1);
    expect(first).toMatchObject([{ runId, taskId: 'check' }]);
    const failedOnce = await call(`${api}/workflows/${runId}`, operator);
    expect(failedOnce.body).toMatchObject({ status: 'failed' });

    // Re-driven by the operator: the letter goes, the run runs again and fails into a new one.
    const retried = await call(`${api}/dlq/${first[0]?.id ?? ''}/retry`, operator, 'POST');
    expect(retried.status).toBe(200);
    const second = await until(letters, (l) => l.length === 1 && l[0]?.id !== first[0]?.id);
    expect(second).toMatchObject([{ runId, taskId: 'check' }]);
    expect(second[0]?.id).not.toBe(first[0]?.id);
    const run = await call(`${api}/workflows/${runId}`, operator);
    expect(run.body).toMatchObject({
      status: 'failed',
      tasks: [{ id: 'check', status: 'failed' }],
    });
    // Its journal grew: it ran again.
    expect(run.body.seq as number).toBeGreaterThan(failedOnce.body.seq as number);
    expect((await call(`${api}/dlq/nope/retry`, operator, 'POST')).status).toBe(404);

    // Purging is an admin's.
    expect((await call(`${api}/dlq`, operator, 'DELETE')).status).toBe(403);
    const purged = await call(`${api}/dlq`, admin, 'DELETE');
    expect(purged).toMatchObject({ status: 200, body: { purged: 1 } });
    expect(await letters()).toEqual([]);

    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);

    // Who did what, refusals included.
    const store = openSqliteStore(join(dir, 'state.db'));
    try {
      const audit = await store.audit.list({ limit: 100 });
      const seen = audit.map((e) => `${e.actor} ${e.action} ${e.outcome}`);
      expect(seen).toEqual(
        expect.arrayContaining([
          'operator api.register denied',
          'admin api.register ok',
          'operator api.start ok',
          'operator api.dlq.retry ok',
          'operator api.dlq.retry error',
          'operator api.dlq.purge denied',
          'admin api.dlq.purge ok',
        ]),
      );
    } finally {
      await store.close();
    }
  }, 120_000);
});
