import { isBlobRef, type JournalEntry } from '@llm-orchestrator/core';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { openPostgresStore, type PostgresStore } from './postgres-store.js';
import { TEST_DATABASE_URL, describePostgres, useTestDatabase } from './test-database.js';

const created = (at: number): Extract<JournalEntry, { type: 'run.created' }> => ({
  type: 'run.created',
  at,
  workflow: { name: 'wf', version: '1.0.0' },
  inputs: { n: at },
  definition: 'hash-1',
});
const started = (at: number, taskId: string): JournalEntry => ({
  type: 'task.started',
  at,
  taskId,
  attempt: 1,
});

async function code(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
  } catch (err) {
    return (err as { code?: string }).code;
  }
  return undefined;
}

describePostgres('PostgresStore', () => {
  const db = useTestDatabase();
  const open = (schema = db.schema(), poolSize = 4): Promise<PostgresStore> =>
    openPostgresStore({ connectionString: TEST_DATABASE_URL, schema, poolSize });

  it('never gives a run to two processes claiming at once, and together they claim all', async () => {
    const schema = db.schema();
    const [a, b] = await Promise.all([open(schema), open(schema)]);
    if (a === undefined || b === undefined) throw new Error('stores');
    await Promise.all(Array.from({ length: 200 }, (_, i) => a.createRun(`r${i}`, created(i))));
    const claimAll = async (s: PostgresStore, owner: string): Promise<string[]> => {
      const mine: string[] = [];
      for (;;) {
        const ids = await s.claimRuns(owner, 1000, 60_000, 7);
        if (ids.length === 0) return mine;
        mine.push(...ids);
      }
    };
    const [byA, byB] = await Promise.all([claimAll(a, 'a'), claimAll(b, 'b')]);
    expect(byA.length).toBeGreaterThan(0);
    expect(byB.length).toBeGreaterThan(0);
    expect(byA.filter((id) => byB.includes(id))).toEqual([]);
    expect(new Set([...byA, ...byB]).size).toBe(200);
    expect((await a.getRun(byB[0] ?? ''))?.owner).toBe('b');
    await Promise.all([a.close(), b.close()]);
  });

  it('fails only the calls of a batch that may not write, and writes nothing for them', async () => {
    const s = await open();
    await s.createRun('r1', created(10), { owner: 'w1', expiresAt: 100 });
    await s.createRun('r2', created(11));
    expect(await s.claimRun('r1', 'w2', 100, 100)).toBe(true);
    // Issued together: one batch.
    const calls = [
      s.append('r1', [started(101, 'stale')], 'w1'),
      s.append('r1', [started(102, 'a')], 'w2'),
      s.createRun('r2', created(12)),
      s.append('ghost', [started(103, 'x')]),
      s.append('r2', [started(104, 'b'), started(105, 'c')]),
      s.createRun('r3', created(13)),
      s.append('r3', [started(106, 'd')], 'w3'),
      s.append('r3', [started(107, 'e')]),
    ];
    expect(await Promise.all(calls.map(code))).toEqual([
      'LEASE_LOST',
      undefined,
      'RUN_EXISTS',
      'RUN_NOT_FOUND',
      undefined,
      undefined,
      'LEASE_LOST',
      undefined,
    ]);
    expect(await s.read('r1')).toEqual([
      { seq: 1, entry: created(10) },
      { seq: 2, entry: started(102, 'a') },
    ]);
    expect((await s.read('r2')).map((e) => e.entry)).toEqual([
      created(11),
      started(104, 'b'),
      started(105, 'c'),
    ]);
    expect((await s.read('r3')).map((e) => e.entry)).toEqual([created(13), started(107, 'e')]);
    expect(await s.getRun('r3')).toMatchObject({ lastSeq: 2, updatedAt: 107, status: 'pending' });
    await s.close();
  });

  it('releases leases and keeps definitions in their turn among the journal writes', async () => {
    const s = await open();
    await s.createRun('old', created(1), { owner: 'w1', expiresAt: 100 });
    const calls = [
      s.createRun('new', created(2), { owner: 'w1', expiresAt: 100 }),
      s.append('new', [started(3, 'a')], 'w1'),
      s.releaseLease('new', 'w1'),
      s.append('new', [started(4, 'b')], 'w1'),
      s.append('old', [started(5, 'c')], 'w1'),
      s.releaseLease('old', 'w2'),
      s.releaseLease('old', 'w1'),
      s.releaseLease('ghost', 'w1'),
      s.putDefinition('h1', { source: 'first', workflow: 'wf' }),
      s.putDefinition('h1', { source: 'second', workflow: 'wf' }),
    ];
    expect(await Promise.all(calls.map(code))).toEqual([
      undefined,
      undefined,
      undefined,
      'LEASE_LOST',
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
    ]);
    for (const id of ['new', 'old']) {
      const run = await s.getRun(id);
      expect(run).toMatchObject({ lastSeq: 2 });
      expect(run?.owner).toBeUndefined();
      expect(run?.leaseExpiresAt).toBeUndefined();
    }
    expect(await s.getDefinition('h1')).toEqual({ source: 'first', workflow: 'wf' });
    await s.close();
  });

  it('rejects every call of a batch whose transaction fails, and applies none', async () => {
    const schema = db.schema();
    const s = await open(schema);
    await s.createRun('r1', created(10));
    await db.pool.query(`ALTER TABLE "${schema}".journal RENAME TO journal_away`);
    const calls = [s.append('r1', [started(11, 'a')]), s.createRun('r2', created(12))];
    expect(await Promise.all(calls.map(code))).toEqual(['42P01', '42P01']);
    await db.pool.query(`ALTER TABLE "${schema}".journal_away RENAME TO journal`);
    expect(await s.getRun('r2')).toBeUndefined();
    expect(await s.getRun('r1')).toMatchObject({ lastSeq: 1 });
    // Later entries of r1 would leave a gap where the lost one was: refused until r1 is claimed.
    expect(await code(s.append('r1', [started(13, 'b')]))).toBe('42P01');
    expect(await s.claimRun('r1', 'w1', 14, 1000)).toBe(true);
    await s.append('r1', [started(15, 'c')]);
    expect((await s.read('r1')).map((e) => e.seq)).toEqual([1, 2]);
    await s.close();
  });

  it('fails only the call holding a value PostgreSQL refuses', async () => {
    const s = await open();
    const calls = [
      s.createRun('ok1', created(1)),
      s.createRun('bad\u0000id', created(2)),
      s.createRun('ok2', created(3)),
    ];
    expect(await Promise.all(calls.map(code))).toEqual([undefined, '22021', undefined]);
    expect((await s.listRuns()).map((r) => r.id)).toEqual(['ok2', 'ok1']);
    await s.close();
  });

  it('keeps JSON exactly as written, NUL characters and key order included', async () => {
    const s = await open();
    const output = { z: 'a\u0000b', a: [1.5, -0, 1e300], '\u2028': null, nested: { y: 1, b: 2 } };
    await s.createRun('r1', { ...created(1), inputs: { b: 1, a: '\u0000' } });
    await s.append('r1', [
      { type: 'task.completed', at: 2, taskId: 'a', attempt: 1, output },
      { type: 'run.outputs', at: 3, outputs: output },
    ]);
    const entry = (await s.read('r1'))[1]?.entry;
    expect(JSON.stringify(entry)).toBe(
      JSON.stringify({ type: 'task.completed', at: 2, taskId: 'a', attempt: 1, output }),
    );
    const run = await s.getRun('r1');
    expect(JSON.stringify(run?.outputs)).toBe(JSON.stringify(output));
    expect(JSON.stringify(run?.inputs)).toBe('{"b":1,"a":"\\u0000"}');
    await s.close();
  });

  it('round-trips a 50 MB output through a blob', async () => {
    const s = await open();
    const output = { text: 'x'.repeat(50 * 1024 * 1024), quote: '"\\' };
    await s.createRun('r1', created(1));
    await s.append('r1', [{ type: 'task.completed', at: 2, taskId: 'a', attempt: 1, output }]);
    const entry = (await s.read('r1'))[1]?.entry;
    if (entry?.type !== 'task.completed' || !isBlobRef(entry.output)) throw new Error('no blob');
    expect(entry.output.size).toBe(JSON.stringify(output).length);
    const back = (await s.readBlob(entry.output.$blob)) as typeof output;
    expect(back.text.length).toBe(output.text.length);
    expect(back).toEqual(output);
    await s.deleteRun('r1');
    expect(await code(Promise.resolve(s.readBlob(entry.output.$blob)))).toBe('BLOB_NOT_FOUND');
    await s.close();
  }, 60_000);

  it('applies many appends issued without waiting in order; a read sees them all', async () => {
    const s = await open();
    const runs = Array.from({ length: 20 }, (_, i) => `r${i}`);
    const calls: Promise<void>[] = runs.map((id, i) => s.createRun(id, created(i)));
    for (let k = 0; k < 100; k++)
      for (const id of runs) calls.push(s.append(id, [started(1000 + k, `t${k}`)]));
    // Issued after the appends, without waiting for them: sees every one.
    const entries = await s.read('r7');
    expect(entries.map((e) => e.seq)).toEqual(Array.from({ length: 101 }, (_, i) => i + 1));
    expect(entries.slice(1).map((e) => (e.entry as { taskId: string }).taskId)).toEqual(
      Array.from({ length: 100 }, (_, k) => `t${k}`),
    );
    expect(await s.getRun('r19')).toMatchObject({ lastSeq: 101, updatedAt: 1099 });
    await Promise.all(calls);
    await s.close();
  });

  describe('closing', () => {
    it('commits queued writes, then refuses more', async () => {
      const schema = db.schema();
      const s = await open(schema);
      const writes = [s.createRun('r1', created(1)), s.append('r1', [started(2, 'a')])];
      await s.close();
      await Promise.all(writes);
      expect(await code(s.append('r1', [started(3, 'b')]))).toBe('STORE_CLOSED');
      expect(await code(s.getRun('r1'))).toBe('STORE_CLOSED');
      const again = await open(schema);
      expect((await again.getRun('r1'))?.lastSeq).toBe(2);
      await again.close();
    });

    it('leaves an application pool open', async () => {
      const pool = new pg.Pool({ connectionString: TEST_DATABASE_URL, max: 2 });
      const s = await openPostgresStore({ pool, schema: db.schema() });
      await s.createRun('r1', created(1));
      await s.close();
      expect((await pool.query<{ one: number }>('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
      await pool.end();
    });
  });
});
