/**
 * The Store conformance suite: every store implementation runs it (`@llm-orchestrator/core/testing`)
 * and must pass it unchanged. `open` makes a fresh, empty store for each test.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../clock.js';
import type { JournalEntry } from '../engine/journal.js';
import { describeRecordsConformance } from './conformance-records.js';
import { isBlobRef, type Store, type StoreOptions } from './port.js';

type Created = Extract<JournalEntry, { type: 'run.created' }>;

const created = (at: number, name = 'wf'): Created => ({
  type: 'run.created',
  at,
  workflow: { name, version: '1.0.0' },
  inputs: { topic: 'x' },
  definition: 'hash-1',
});

const started = (at: number, taskId: string, attempt = 1): JournalEntry => ({
  type: 'task.started',
  at,
  taskId,
  attempt,
});

const completed = (at: number, taskId: string, output: unknown): JournalEntry => ({
  type: 'task.completed',
  at,
  taskId,
  attempt: 1,
  output,
});

const status = (at: number, s: 'running' | 'paused' | 'completed' | 'failed'): JournalEntry => ({
  type: 'run.status',
  at,
  status: s,
  ...(s === 'failed' ? { error: { code: 'TaskFailed', message: 'boom' } } : {}),
});

async function code(promise: unknown): Promise<string | undefined> {
  try {
    await promise;
  } catch (err) {
    return (err as { code?: string }).code;
  }
  return undefined;
}

/** Calls a store method that may throw synchronously, as a promise. */
function call<T>(fn: () => T | Promise<T>): Promise<T> {
  try {
    return Promise.resolve(fn());
  } catch (err) {
    return Promise.reject(err instanceof Error ? err : new Error(String(err)));
  }
}

export function describeStoreConformance(
  name: string,
  open: (options: StoreOptions) => Store | Promise<Store>,
): void {
  describe(`Store conformance: ${name}`, () => {
    const clock = new FakeClock(1_000_000);
    let stores: Store[] = [];
    const fresh = async (): Promise<Store> => {
      const s = await open({ blobThreshold: 1000, clock });
      stores.push(s);
      return s;
    };
    afterEach(async () => {
      for (const s of stores) await s.close();
      stores = [];
    });

    it('creates a run with its first entry and refuses a second with the same id', async () => {
      const s = await fresh();
      await s.createRun('r1', created(10));
      const r = await s.getRun('r1');
      expect(r).toMatchObject({
        id: 'r1',
        status: 'pending',
        workflow: { name: 'wf', version: '1.0.0' },
        definition: 'hash-1',
        inputs: { topic: 'x' },
        createdAt: 10,
        updatedAt: 10,
        lastSeq: 1,
      });
      expect(r?.owner).toBeUndefined();
      expect(await s.read('r1')).toEqual([{ seq: 1, entry: created(10) }]);
      expect(await code(call(() => s.createRun('r1', created(11))))).toBe('RUN_EXISTS');
      expect(await s.getRun('nope')).toBeUndefined();
    });

    it('appends in order with consecutive seqs and keeps the summary up to date', async () => {
      const s = await fresh();
      await s.createRun('r1', created(10));
      // Issued without waiting: the store applies writes in the order they were issued.
      const writes = [
        call(() => s.append('r1', [status(11, 'running'), started(12, 'a')])),
        call(() => s.append('r1', [completed(13, 'a', { text: 'hi' })])),
        call(() =>
          s.append('r1', [
            { type: 'run.outputs', at: 14, outputs: { out: 'hi' } },
            status(15, 'completed'),
          ]),
        ),
      ];
      await Promise.all(writes);
      const entries = await s.read('r1');
      expect(entries.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6]);
      expect(entries.map((e) => e.entry.type)).toEqual([
        'run.created',
        'run.status',
        'task.started',
        'task.completed',
        'run.outputs',
        'run.status',
      ]);
      expect(entries[3]?.entry).toEqual(completed(13, 'a', { text: 'hi' }));
      expect((await s.read('r1', 4)).map((e) => e.seq)).toEqual([5, 6]);
      expect((await s.read('r1', 2, 2)).map((e) => e.seq)).toEqual([3, 4]);
      expect(await s.read('r1', 6)).toEqual([]);
      const r = await s.getRun('r1');
      expect(r).toMatchObject({
        status: 'completed',
        outputs: { out: 'hi' },
        updatedAt: 15,
        lastSeq: 6,
      });
      expect(r?.error).toBeUndefined();
    });

    it("a read of a run sees the writes to it issued before the read, whatever other runs' writes", async () => {
      const s = await fresh();
      await s.createRun('r1', created(10));
      // Writes to another run around a write to r1, none of them waited for before the reads.
      const writes = [
        call(() => s.createRun('r2', created(11))),
        call(() => s.append('r1', [status(12, 'running')])),
        call(() => s.append('r2', [status(13, 'running'), started(14, 'a')])),
      ];
      const [r1, entries1, r2, snapshot] = await Promise.all([
        call(() => s.getRun('r1')),
        call(() => s.read('r1')),
        call(() => s.getRun('r2')),
        call(() => s.latestSnapshot('r2')),
      ]);
      expect(r1).toMatchObject({ status: 'running', lastSeq: 2, updatedAt: 12 });
      expect(entries1.map((e) => e.entry.type)).toEqual(['run.created', 'run.status']);
      expect(r2).toMatchObject({ status: 'running', lastSeq: 3 });
      expect(snapshot).toBeUndefined();
      await Promise.all(writes);
      // A snapshot saved without waiting is seen by the next read of it.
      const saved = call(() => s.saveSnapshot('r2', { seq: 3, state: { n: 1 } }));
      expect(await s.latestSnapshot('r2')).toEqual({ seq: 3, state: { n: 1 } });
      await saved;
    });

    it('records and clears a run error; running again clears the outputs', async () => {
      const s = await fresh();
      await s.createRun('r1', created(10));
      await s.append('r1', [
        status(11, 'running'),
        { type: 'run.outputs', at: 12, outputs: { partial: 1 } },
        status(13, 'failed'),
      ]);
      expect(await s.getRun('r1')).toMatchObject({
        status: 'failed',
        error: { code: 'TaskFailed', message: 'boom' },
        outputs: { partial: 1 },
      });
      await s.append('r1', [status(14, 'running')]);
      const r = await s.getRun('r1');
      expect(r?.status).toBe('running');
      expect(r?.error).toBeUndefined();
      expect(r?.outputs).toBeUndefined();
    });

    it('rejects an append to an unknown run', async () => {
      const s = await fresh();
      expect(await code(call(() => s.append('ghost', [status(1, 'running')])))).toBe(
        'RUN_NOT_FOUND',
      );
    });

    it('keeps large outputs as blobs and the journal a reference', async () => {
      const s = await fresh();
      await s.createRun('r1', created(10));
      const big = { text: 'y'.repeat(5000) };
      await s.append('r1', [completed(11, 'a', big), completed(12, 'b', { small: true })]);
      await s.append('r1', [{ type: 'run.outputs', at: 13, outputs: { all: big.text } }]);
      const entries = await s.read('r1');
      const a = entries[1]?.entry;
      const b = entries[2]?.entry;
      if (a?.type !== 'task.completed' || b?.type !== 'task.completed') throw new Error('types');
      expect(isBlobRef(a.output)).toBe(true);
      expect(b.output).toEqual({ small: true });
      if (!isBlobRef(a.output)) return;
      expect(a.output.size).toBe(JSON.stringify(big).length);
      expect(await s.readBlob(a.output.$blob)).toEqual(big);
      const r = await s.getRun('r1');
      expect(isBlobRef(r?.outputs)).toBe(true);
      if (isBlobRef(r?.outputs))
        expect(await s.readBlob(r.outputs.$blob)).toEqual({ all: big.text });
      expect(await code(call(() => s.readBlob('missing')))).toBe('BLOB_NOT_FOUND');
    });

    it('lists runs newest first, filtered by status and workflow, with a limit and paging', async () => {
      const s = await fresh();
      await s.createRun('a', created(10, 'alpha'));
      await s.createRun('b', created(20, 'beta'));
      await s.createRun('c', created(30, 'alpha'));
      await s.createRun('d', created(30, 'alpha'));
      await s.append('b', [status(21, 'running')]);
      expect((await s.listRuns()).map((r) => r.id)).toEqual(['d', 'c', 'b', 'a']);
      expect((await s.listRuns({ status: 'running' })).map((r) => r.id)).toEqual(['b']);
      expect((await s.listRuns({ status: ['pending', 'running'] })).length).toBe(4);
      expect((await s.listRuns({ workflow: 'alpha', limit: 2 })).map((r) => r.id)).toEqual([
        'd',
        'c',
      ]);
      expect((await s.listRuns({ createdBefore: 30 })).map((r) => r.id)).toEqual(['b', 'a']);
    });

    it('deletes a run with everything it has', async () => {
      const s = await fresh();
      await s.createRun('r1', created(10));
      await s.append('r1', [completed(11, 'a', { text: 'z'.repeat(3000) })]);
      const entry = (await s.read('r1'))[1]?.entry;
      await s.saveSnapshot('r1', { seq: 2, state: { x: 1 } });
      await s.requestControl('r1', { type: 'pause' }, 12);
      await s.deleteRun('r1');
      expect(await s.getRun('r1')).toBeUndefined();
      expect(await s.read('r1')).toEqual([]);
      expect(await s.latestSnapshot('r1')).toBeUndefined();
      expect(await s.pendingControls('r1')).toEqual([]);
      if (entry?.type === 'task.completed' && isBlobRef(entry.output)) {
        expect(await code(call(() => s.readBlob((entry.output as { $blob: string }).$blob)))).toBe(
          'BLOB_NOT_FOUND',
        );
      } else {
        throw new Error('expected a blob reference');
      }
    });

    describe('leases', () => {
      it('claims runs that are free or expired, oldest first, never twice', async () => {
        const s = await fresh();
        await s.createRun('old', created(10));
        await s.createRun('mid', created(20));
        await s.createRun('new', created(30));
        await s.createRun('done', created(5));
        await s.append('done', [status(6, 'running'), status(7, 'completed')]);
        await s.append('mid', [status(21, 'running'), status(22, 'paused')]);
        expect(await s.claimRuns('w1', 100, 50, 2)).toEqual(['old', 'mid']);
        expect(await s.claimRuns('w2', 100, 50, 10)).toEqual(['new']);
        expect(await s.claimRuns('w3', 149, 50, 10)).toEqual([]);
        expect(await s.getRun('old')).toMatchObject({ owner: 'w1', leaseExpiresAt: 150 });
        // Expired at 150: another process takes them over.
        expect(await s.claimRuns('w3', 150, 50, 10)).toEqual(['old', 'mid', 'new']);
      });

      it('claims one run by id when free, expired or already held', async () => {
        const s = await fresh();
        await s.createRun('r1', created(10), { owner: 'w1', expiresAt: 100 });
        expect(await s.getRun('r1')).toMatchObject({ owner: 'w1', leaseExpiresAt: 100 });
        expect(await s.claimRun('r1', 'w2', 50, 10)).toBe(false);
        expect(await s.claimRun('r1', 'w1', 50, 100)).toBe(true);
        expect(await s.claimRun('r1', 'w2', 150, 10)).toBe(true);
        expect(await s.getRun('r1')).toMatchObject({ owner: 'w2', leaseExpiresAt: 160 });
        expect(await s.claimRun('ghost', 'w2', 150, 10)).toBe(false);
        // Any status: a finished run can be taken to retry it.
        await s.append('r1', [status(151, 'running'), status(152, 'completed')]);
        await s.releaseLease('r1', 'w2');
        expect(await s.claimRun('r1', 'w3', 153, 10)).toBe(true);
      });

      it('renews only the leases still held and releases only its own', async () => {
        const s = await fresh();
        await s.createRun('a', created(10), { owner: 'w1', expiresAt: 100 });
        await s.createRun('b', created(11), { owner: 'w1', expiresAt: 100 });
        expect(await s.claimRun('b', 'w2', 100, 50)).toBe(true);
        expect(await s.renewLeases('w1', ['a', 'b', 'ghost'], 90, 100)).toEqual(['a']);
        expect(await s.getRun('a')).toMatchObject({ leaseExpiresAt: 190 });
        await s.releaseLease('b', 'w1');
        expect(await s.getRun('b')).toMatchObject({ owner: 'w2' });
        await s.releaseLease('b', 'w2');
        const b = await s.getRun('b');
        expect(b?.owner).toBeUndefined();
        expect(b?.leaseExpiresAt).toBeUndefined();
      });

      it('fences appends: a process that lost the lease writes nothing', async () => {
        const s = await fresh();
        await s.createRun('r1', created(10), { owner: 'w1', expiresAt: 100 });
        await s.append('r1', [status(11, 'running')], 'w1');
        expect(await s.claimRun('r1', 'w2', 100, 100)).toBe(true);
        const lost = call(() => s.append('r1', [started(101, 'a')], 'w1'));
        const ok = call(() => s.append('r1', [started(102, 'b')], 'w2'));
        expect(await code(lost)).toBe('LEASE_LOST');
        await ok;
        const entries = await s.read('r1');
        expect(entries.map((e) => e.entry.type)).toEqual([
          'run.created',
          'run.status',
          'task.started',
        ]);
        expect(entries[2]?.entry).toEqual(started(102, 'b'));
        // Without an owner, an append is not fenced (a store used by one process).
        await s.append('r1', [started(103, 'c')]);
        expect((await s.getRun('r1'))?.lastSeq).toBe(4);
      });
    });

    it('passes control requests to the run holder, once, oldest first', async () => {
      const s = await fresh();
      await s.createRun('r1', created(10), { owner: 'w1', expiresAt: 1000 });
      await s.createRun('r2', created(11), { owner: 'w2', expiresAt: 1000 });
      const first = await s.requestControl('r1', { type: 'pause' }, 20);
      const second = await s.requestControl('r1', { type: 'cancel', reason: 'stop' }, 21);
      await s.requestControl('r2', { type: 'retry', fromTask: 'a' }, 22);
      expect(second.id).toBeGreaterThan(first.id);
      expect((await s.pendingControls('r1')).map((c) => c.command.type)).toEqual([
        'pause',
        'cancel',
      ]);
      const taken = await s.takeControls('w1');
      expect(taken).toEqual([
        { id: first.id, runId: 'r1', command: { type: 'pause' }, requestedAt: 20 },
        {
          id: second.id,
          runId: 'r1',
          command: { type: 'cancel', reason: 'stop' },
          requestedAt: 21,
        },
      ]);
      expect(await s.takeControls('w1')).toEqual([]);
      expect(await s.pendingControls('r1')).toEqual([]);
      expect((await s.takeControls('w2')).map((c) => c.command)).toEqual([
        { type: 'retry', fromTask: 'a' },
      ]);
      expect(await code(call(() => s.requestControl('ghost', { type: 'pause' }, 1)))).toBe(
        'RUN_NOT_FOUND',
      );
    });

    it('reads a run whole: its record, latest snapshot and the journal after it', async () => {
      const s = await fresh();
      expect(await s.readRun('nope')).toBeUndefined();
      await s.createRun('r1', created(10));
      const writes = [
        call(() => s.append('r1', [status(11, 'running'), started(12, 'a')])),
        call(() => s.append('r1', [completed(13, 'a', { text: 'x'.repeat(2000) })])),
      ];
      // Issued before the writes settle: it sees them.
      const whole = await s.readRun('r1');
      await Promise.all(writes);
      expect(whole?.record).toMatchObject({ id: 'r1', status: 'running', lastSeq: 4 });
      expect(whole?.snapshot).toBeUndefined();
      expect(whole?.entries.map((e) => [e.seq, e.entry.type])).toEqual([
        [1, 'run.created'],
        [2, 'run.status'],
        [3, 'task.started'],
        [4, 'task.completed'],
      ]);
      // A large output is a BlobRef in the journal, as `read` gives it.
      expect(whole?.entries[3]).toEqual((await s.read('r1', 3))[0]);
      await s.saveSnapshot('r1', { seq: 3, state: { upTo: 3 } });
      const after = await s.readRun('r1');
      expect(after?.snapshot).toEqual({ seq: 3, state: { upTo: 3 } });
      expect(after?.entries.map((e) => e.seq)).toEqual([4]);
      expect(after?.record).toEqual(await s.getRun('r1'));
    });

    it('keeps the latest snapshot of a run', async () => {
      const s = await fresh();
      await s.createRun('r1', created(10));
      expect(await s.latestSnapshot('r1')).toBeUndefined();
      await s.saveSnapshot('r1', { seq: 5, state: { tasks: [1, 2] } });
      await s.saveSnapshot('r1', { seq: 9, state: { tasks: [1, 2, 3] } });
      await s.saveSnapshot('r1', { seq: 7, state: { stale: true } });
      expect(await s.latestSnapshot('r1')).toEqual({ seq: 9, state: { tasks: [1, 2, 3] } });
    });

    it('keeps definitions by hash and immutable workflow versions', async () => {
      const s = await fresh();
      const def = { source: 'apiVersion: x\nkind: Workflow\n', workflow: 'wf' };
      await s.putDefinition('h1', def);
      await s.putDefinition('h1', def);
      await s.putDefinition('h2', { source: { kind: 'Workflow' }, workflow: 'wf' });
      expect(await s.getDefinition('h1')).toEqual(def);
      expect(await s.getDefinition('h2')).toEqual({ source: { kind: 'Workflow' }, workflow: 'wf' });
      expect(await s.getDefinition('h3')).toBeUndefined();
      await s.registerWorkflow({ name: 'wf', version: '1.0.0', definition: 'h1', registeredAt: 1 });
      await s.registerWorkflow({ name: 'wf', version: '1.0.0', definition: 'h1', registeredAt: 2 });
      await s.registerWorkflow({ name: 'wf', version: '1.1.0', definition: 'h2', registeredAt: 3 });
      await s.registerWorkflow({ name: 'other', version: '1', definition: 'h2', registeredAt: 4 });
      expect(
        await code(
          call(() =>
            s.registerWorkflow({ name: 'wf', version: '1.0.0', definition: 'h2', registeredAt: 5 }),
          ),
        ),
      ).toBe('VERSION_EXISTS');
      expect(await s.listWorkflows('wf')).toEqual([
        { name: 'wf', version: '1.0.0', definition: 'h1', registeredAt: 1 },
        { name: 'wf', version: '1.1.0', definition: 'h2', registeredAt: 3 },
      ]);
      expect((await s.listWorkflows()).length).toBe(3);
    });

    it('keeps dead letters', async () => {
      const s = await fresh();
      const entry = {
        kind: 'task' as const,
        runId: 'r1',
        taskId: 'a',
        workflow: { name: 'wf', version: '1' },
        inputs: { q: 1 },
        error: { code: 'ServerError', message: '500' },
        attempts: [{ attempt: 1, startedAt: 1, endedAt: 2 }],
        queue: 'default',
      };
      const t0 = clock.now();
      const added = await s.deadLetters.add(entry);
      await clock.advance(1000);
      await s.deadLetters.add({ ...entry, runId: 'r2', queue: 'other' });
      expect(added).toMatchObject({ ...entry, createdAt: t0 });
      expect(await s.deadLetters.get(added.id)).toEqual(added);
      expect((await s.deadLetters.list()).map((d) => d.runId)).toEqual(['r1', 'r2']);
      expect((await s.deadLetters.list({ queue: 'other' })).map((d) => d.runId)).toEqual(['r2']);
      expect((await s.deadLetters.list({ runId: 'r1' })).length).toBe(1);
      expect(await s.deadLetters.purge({ olderThanMs: 500 })).toBe(1);
      expect(await s.deadLetters.remove(added.id)).toBe(false);
      const rest = await s.deadLetters.list();
      expect(rest.length).toBe(1);
      expect(await s.deadLetters.remove(rest[0]?.id ?? '')).toBe(true);
      expect(await s.deadLetters.purge()).toBe(0);
    });

    describe('beside runs', () => {
      describeRecordsConformance(fresh);
    });
  });
}
