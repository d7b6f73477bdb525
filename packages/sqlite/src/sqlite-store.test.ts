import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isBlobRef, type JournalEntry } from '@llm-orchestrator/core';
import { MIGRATIONS } from './migrations.js';
import { openSqliteStore, type SqliteStore } from './sqlite-store.js';

const created = (at: number): Extract<JournalEntry, { type: 'run.created' }> => ({
  type: 'run.created',
  at,
  workflow: { name: 'wf', version: '1' },
  inputs: { q: 1 },
  definition: 'h1',
});
const started = (at: number, taskId: string): JournalEntry => ({
  type: 'task.started',
  at,
  taskId,
  attempt: 1,
});
const completed = (at: number, taskId: string, output: unknown): JournalEntry => ({
  type: 'task.completed',
  at,
  taskId,
  attempt: 1,
  output,
});

let dir: string;
let stores: SqliteStore[];
const open = (file = 'store.db'): SqliteStore => {
  const s = openSqliteStore(join(dir, file));
  stores.push(s);
  return s;
};

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'llmo-sqlite-'));
  stores = [];
});
afterEach(async () => {
  for (const s of stores) await s.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('opening', () => {
  it('creates missing directories; a file is durable, :memory: is not', async () => {
    const s = open('a/b/store.db');
    expect(s.durable).toBe(true);
    const m = openSqliteStore(':memory:');
    expect(m.durable).toBe(false);
    await m.createRun('r1', created(1));
    expect((await m.getRun('r1'))?.lastSeq).toBe(1);
    await m.close();
  });

  it('applies the migrations once', async () => {
    await open().close();
    const db = new BetterSqlite3(join(dir, 'store.db'));
    const rows = () => db.prepare('SELECT version, applied_at FROM schema_migrations').all();
    const first = rows();
    expect(first.map((r) => (r as { version: number }).version)).toEqual(
      MIGRATIONS.map((m) => m.version),
    );
    await open().close();
    expect(rows()).toEqual(first);
    db.close();
  });

  it('refuses a database written by a newer version', async () => {
    await open().close();
    const db = new BetterSqlite3(join(dir, 'store.db'));
    db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(
      999,
      'from the future',
      0,
    );
    db.close();
    expect(() => open()).toThrow(expect.objectContaining({ code: 'STORE_TOO_NEW' }));
  });

  it('keeps everything across close and reopen', async () => {
    const s = open();
    await s.createRun('r1', created(10), { owner: 'w1', expiresAt: 500 });
    await s.append('r1', [started(11, 'a'), completed(12, 'a', { text: 'hi' })]);
    await s.saveSnapshot('r1', { seq: 3, state: { done: ['a'] } });
    await s.requestControl('r1', { type: 'pause' }, 13);
    await s.putDefinition('h1', { source: 'kind: Workflow', workflow: 'wf' });
    await s.registerWorkflow({ name: 'wf', version: '1', definition: 'h1', registeredAt: 5 });
    const dead = await s.deadLetters.add({
      kind: 'run',
      runId: 'r1',
      workflow: { name: 'wf', version: '1' },
      inputs: {},
      error: { code: 'X', message: 'x' },
      attempts: [],
      queue: 'default',
    });
    await s.close();

    const again = open();
    expect(await again.getRun('r1')).toMatchObject({
      lastSeq: 3,
      updatedAt: 12,
      owner: 'w1',
      leaseExpiresAt: 500,
    });
    expect((await again.read('r1')).map((e) => e.entry.type)).toEqual([
      'run.created',
      'task.started',
      'task.completed',
    ]);
    expect(await again.latestSnapshot('r1')).toEqual({ seq: 3, state: { done: ['a'] } });
    expect(await again.pendingControls('r1')).toHaveLength(1);
    expect(await again.getDefinition('h1')).toEqual({ source: 'kind: Workflow', workflow: 'wf' });
    expect(await again.listWorkflows()).toHaveLength(1);
    expect(await again.deadLetters.get(dead.id)).toEqual(dead);
  });
});

describe('batched writes', () => {
  it('applies appends issued without waiting, in order, before a read', async () => {
    const s = open();
    const writes: Promise<void>[] = [s.createRun('r1', created(0))];
    for (let i = 1; i <= 1000; i++) writes.push(s.append('r1', [started(i, `t${String(i)}`)]));
    // Read in the same tick: the queued writes are applied first.
    const read = s.read('r1');
    await Promise.all(writes);
    const entries = await read;
    expect(entries.map((e) => e.seq)).toEqual(Array.from({ length: 1001 }, (_, i) => i + 1));
    expect(entries.map((e) => e.entry.at)).toEqual(Array.from({ length: 1001 }, (_, i) => i));
    expect(await s.getRun('r1')).toMatchObject({ lastSeq: 1001, updatedAt: 1000 });
  });

  it('commits a write before its promise resolves, and all before flush resolves', async () => {
    const s = open();
    const other = open();
    await s.createRun('r1', created(0));
    await s.append('r1', [started(1, 'a')]);
    expect((await other.read('r1')).length).toBe(2);
    void s.append('r1', [started(2, 'b')]);
    void s.saveSnapshot('r1', { seq: 3, state: { n: 3 } });
    await s.flush();
    expect((await other.read('r1')).length).toBe(3);
    expect(await other.latestSnapshot('r1')).toEqual({ seq: 3, state: { n: 3 } });
  });

  it('fences an append queued after a lease release in the same batch', async () => {
    const s = open();
    await s.createRun('r1', created(0), { owner: 'w1', expiresAt: 100 });
    const release = s.releaseLease('r1', 'w1');
    const late = s.append('r1', [started(1, 'a')], 'w1');
    const snapshot = s.saveSnapshot('ghost', { seq: 1, state: {} });
    await release;
    await expect(late).rejects.toMatchObject({ code: 'LEASE_LOST' });
    await expect(snapshot).rejects.toMatchObject({ code: 'RUN_NOT_FOUND' });
    const r = await s.getRun('r1');
    expect(r?.owner).toBeUndefined();
    expect(r?.lastSeq).toBe(1);
  });

  it('fails only the writes that cannot be made', async () => {
    const s = open();
    await s.createRun('r1', created(0), { owner: 'w1', expiresAt: 100 });
    const results = await Promise.allSettled([
      s.append('r1', [started(1, 'a')], 'w1'),
      s.append('ghost', [started(2, 'b')]),
      s.append('r1', [started(3, 'c')], 'w2'),
      s.createRun('r1', created(4)),
      s.append('r1', [completed(5, 'x', 10n)]),
      s.createRun('r2', created(6)),
      s.append('r1', [completed(7, 'a', 'ok')], 'w1'),
    ]);
    expect(results.map((r) => r.status)).toEqual([
      'fulfilled',
      'rejected',
      'rejected',
      'rejected',
      'rejected',
      'fulfilled',
      'fulfilled',
    ]);
    const codes = results.map((r) =>
      r.status === 'rejected' ? (r.reason as { code?: string }).code : undefined,
    );
    expect(codes.slice(1, 4)).toEqual(['RUN_NOT_FOUND', 'LEASE_LOST', 'RUN_EXISTS']);
    expect((results[4] as PromiseRejectedResult).reason).toBeInstanceOf(TypeError);
    expect((await s.read('r1')).map((e) => e.entry.at)).toEqual([0, 1, 7]);
    expect(await s.getRun('r1')).toMatchObject({ lastSeq: 3, updatedAt: 7, owner: 'w1' });
    expect(await s.getRun('r2')).toMatchObject({ lastSeq: 1 });
  });

  it('refuses the later appends of a run whose batch was lost, until it is claimed again', async () => {
    const s = open();
    await s.createRun('r1', created(10));
    const other = new BetterSqlite3(join(dir, 'store.db'));
    other.exec('ALTER TABLE journal RENAME TO journal_away');
    const lost = s.append('r1', [started(11, 'a')]);
    await expect(lost).rejects.toThrow(/journal/);
    other.exec('ALTER TABLE journal_away RENAME TO journal');
    other.close();
    // A later entry would leave a gap where the lost one was.
    await expect(s.append('r1', [started(12, 'b')])).rejects.toThrow(/journal/);
    expect(await s.claimRun('r1', 'w1', 13, 1000)).toBe(true);
    await s.append('r1', [started(14, 'c')]);
    expect((await s.read('r1')).map((e) => e.seq)).toEqual([1, 2]);
  });

  it('keeps a 50 MB output as a blob', async () => {
    const s = open();
    const output = { text: 'x'.repeat(50 * 1024 * 1024) };
    await s.createRun('r1', created(0));
    await s.append('r1', [completed(1, 'a', output)]);
    await s.close();
    const again = open();
    const entry = (await again.read('r1'))[1]?.entry;
    if (entry?.type !== 'task.completed' || !isBlobRef(entry.output)) throw new Error('no blob');
    expect(entry.output.size).toBe(JSON.stringify(output).length);
    const value = (await again.readBlob(entry.output.$blob)) as { text: string };
    expect(value.text.length).toBe(output.text.length);
    expect(value.text === output.text).toBe(true);
  });
});

describe('several connections to one file', () => {
  it('never lets two stores claim the same run', async () => {
    const a = open();
    const b = open();
    for (let i = 0; i < 50; i++) await a.createRun(`r${String(i)}`, created(i));
    const claims = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        (i % 2 === 0 ? a : b).claimRuns(`w${String(i)}`, 1, 1000, 3),
      ),
    );
    const ids = claims.flat();
    expect(ids.length).toBe(50);
    expect(new Set(ids).size).toBe(50);
  });

  it('never lets two processes claim the same run', async () => {
    const s = open();
    await Promise.all(
      Array.from({ length: 400 }, (_, i) => s.createRun(`r${String(i)}`, created(i))),
    );
    const entry = fileURLToPath(new URL('./index.ts', import.meta.url));
    const script = `
      import { openSqliteStore } from ${JSON.stringify(entry)};
      const store = openSqliteStore(process.argv[1]);
      // All start together, whatever their start-up time.
      await new Promise((resolve) => setTimeout(resolve, Number(process.argv[3]) - Date.now()));
      const mine = [];
      for (;;) {
        const ids = await store.claimRuns(process.argv[2], 1, 60_000, 1);
        if (ids.length === 0) break;
        mine.push(...ids);
        await new Promise((resolve) => setTimeout(resolve, 0));
      }
      await store.close();
      process.stdout.write(JSON.stringify(mine));
    `;
    const run = promisify(execFile);
    const startAt = String(Date.now() + 3000);
    const outputs = await Promise.all(
      ['p1', 'p2', 'p3', 'p4'].map((owner) =>
        run(
          process.execPath,
          [
            '--conditions=llm-orchestrator-source',
            '--import',
            'tsx',
            '--input-type=module',
            '-e',
            script,
            join(dir, 'store.db'),
            owner,
            startAt,
          ],
          { cwd: fileURLToPath(new URL('.', import.meta.url)) },
        ),
      ),
    );
    const claimed = outputs.map((o) => JSON.parse(o.stdout) as string[]);
    const all = claimed.flat();
    expect(all.length).toBe(400);
    expect(new Set(all).size).toBe(400);
    // Each run is held by the process that says it claimed it.
    for (const [i, ids] of claimed.entries()) {
      for (const id of ids.slice(0, 5))
        expect((await s.getRun(id))?.owner).toBe(`p${String(i + 1)}`);
    }
  });
});
