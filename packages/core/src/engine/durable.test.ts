/**
 * Durable execution with one store shared by several engines (as several processes would share a
 * database): takeover, fencing, control requests through the store, workers, snapshots and blobs.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryStore } from '../store/memory-store.js';
import { isBlobRef } from '../store/port.js';
import { createEngine, type Engine, type EngineOptions } from './engine.js';
import { replayJournal } from './replay.js';
import { loadJournal } from './snapshot.js';

const chain = (ids: string[], executor = 'step'): Record<string, unknown> => ({
  apiVersion: 'orchestrator.llm/v1',
  kind: 'Workflow',
  metadata: { name: 'durable', version: '1.0.0' },
  spec: {
    tasks: ids.map((id, i) => ({
      id,
      executor,
      ...(i === 0 ? {} : { dependsOn: [ids[i - 1]] }),
    })),
    outputs: { last: `\${{ tasks.${ids.at(-1) ?? ''}.outputs.n }}` },
  },
});

interface Calls {
  runs: { taskId: string; key: string; attempt: number }[];
  gate: Map<string, () => void>;
}

/** An executor that counts calls, and waits at tasks named in `hold` until released. */
function engineFor(store: MemoryStore, calls: Calls, hold: Set<string>, extra: EngineOptions = {}) {
  const engine = createEngine({ store, leaseTtlMs: 300, controlPollMs: 20, ...extra });
  engine.registerExecutor('step', async (_inputs, ctx) => {
    calls.runs.push({ taskId: ctx.taskId, key: ctx.idempotencyKey, attempt: ctx.attempt });
    if (hold.has(ctx.taskId)) {
      await new Promise<void>((resolve, reject) => {
        calls.gate.set(ctx.taskId, resolve);
        ctx.signal.addEventListener('abort', () => {
          reject(new Error('aborted'));
        });
      });
    }
    return { n: calls.runs.length };
  });
  return engine;
}

const until = async (what: () => boolean, ms = 3000): Promise<void> => {
  const end = Date.now() + ms;
  while (!what()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 5));
  }
};

describe('durable execution on a shared store', () => {
  const engines: Engine[] = [];
  const make = (...args: Parameters<typeof engineFor>): Engine => {
    const e = engineFor(...args);
    engines.push(e);
    return e;
  };
  afterEach(async () => {
    for (const e of engines.splice(0)) await e.close();
  });

  it('continues a run on another engine: completed tasks never run again, the interrupted one does with the same key', async () => {
    const store = new MemoryStore({ durable: true });
    const calls: Calls = { runs: [], gate: new Map() };
    const a = make(store, calls, new Set(['b']));
    const handle = a.start(chain(['a', 'b', 'c']));
    await until(() => calls.gate.has('b'));
    const lost = handle.wait().catch((err: unknown) => err);
    await a.close();
    expect(await lost).toMatchObject({ code: 'ENGINE_CLOSED' });
    expect(store.getRun(handle.id)).toMatchObject({ status: 'running' });
    expect(store.getRun(handle.id)?.owner).toBeUndefined();

    const b = make(store, calls, new Set());
    const result = await (await b.attach(handle.id)).wait();
    expect(result.status).toBe('completed');
    expect(calls.runs.map((c) => c.taskId)).toEqual(['a', 'b', 'b', 'c']);
    const [first, second] = calls.runs.filter((c) => c.taskId === 'b');
    expect(second?.key).toBe(first?.key);
    expect(second?.attempt).toBe(2);
    expect(result.outputs).toEqual({ last: 4 });
    expect(store.getRun(handle.id)).toMatchObject({ status: 'completed', outputs: { last: 4 } });
  });

  it('refuses to take over a run whose holder is alive', async () => {
    const store = new MemoryStore({ durable: true });
    const calls: Calls = { runs: [], gate: new Map() };
    const a = make(store, calls, new Set(['a']));
    const handle = a.start(chain(['a']));
    await until(() => calls.gate.has('a'));
    const b = make(store, calls, new Set());
    await expect(b.attach(handle.id)).rejects.toMatchObject({ code: 'RUN_HELD' });
    // Heartbeats keep the lease past its TTL.
    await new Promise((r) => setTimeout(r, 500));
    await expect(b.attach(handle.id)).rejects.toMatchObject({ code: 'RUN_HELD' });
    calls.gate.get('a')?.();
    expect((await handle.wait()).status).toBe('completed');
  });

  it('fences a holder whose lease expired and was taken: it writes nothing more and gives up', async () => {
    const store = new MemoryStore({ durable: true });
    const calls: Calls = { runs: [], gate: new Map() };
    // No heartbeat within the TTL: the lease expires while the task runs.
    const a = make(store, calls, new Set(['a']), { heartbeatMs: 60_000 });
    const handle = a.start(chain(['a', 'b']));
    await until(() => calls.gate.has('a'));
    await new Promise((r) => setTimeout(r, 350));
    const b = make(store, calls, new Set());
    const taken = await b.attach(handle.id);
    calls.gate.get('a')?.();
    await expect(handle.wait()).rejects.toMatchObject({ code: 'LEASE_LOST' });
    expect((await taken.wait()).status).toBe('completed');
    const types = store.read(handle.id).map((e) => e.entry.type);
    expect(types.filter((t) => t === 'run.status')).toHaveLength(2); // running, completed
    expect(store.getRun(handle.id)?.status).toBe('completed');
  });

  it('delivers cancel, pause and resume to the holder through the store', async () => {
    const store = new MemoryStore({ durable: true });
    const calls: Calls = { runs: [], gate: new Map() };
    const a = make(store, calls, new Set(['a']));
    const handle = a.start(chain(['a', 'b']));
    await until(() => calls.gate.has('a'));
    const other = make(store, calls, new Set());
    expect(await other.control(handle.id, { type: 'pause' })).toBeUndefined();
    await until(() => handle.status() === 'paused');
    calls.gate.get('a')?.();
    await new Promise((r) => setTimeout(r, 50));
    expect(calls.runs.map((c) => c.taskId)).toEqual(['a']); // b waits while paused
    await other.control(handle.id, { type: 'resume' });
    expect((await handle.wait()).status).toBe('completed');

    const second = a.start(chain(['a', 'b']));
    await until(() => calls.gate.size === 1 && calls.runs.length === 3);
    await other.control(second.id, { type: 'cancel', reason: 'no longer needed' });
    const result = await second.wait();
    expect(result.status).toBe('cancelled');
    expect(store.getRun(second.id)).toMatchObject({
      status: 'cancelled',
      error: { message: 'no longer needed' },
    });
  });

  it('applies a control request itself when no process holds the run, before running anything', async () => {
    const store = new MemoryStore({ durable: true });
    const calls: Calls = { runs: [], gate: new Map() };
    const a = make(store, calls, new Set(['b']));
    const handle = a.start(chain(['a', 'b', 'c']));
    await until(() => calls.gate.has('b'));
    await a.close();
    const b = make(store, calls, new Set());
    const taken = await b.control(handle.id, { type: 'cancel' });
    expect(taken).toBeDefined();
    expect((await taken?.wait())?.status).toBe('cancelled');
    expect(calls.runs.map((c) => c.taskId)).toEqual(['a', 'b']);
    // No lease is left on a finished run.
    await until(() => store.getRun(handle.id)?.owner === undefined);
  });

  it('runs submitted runs on a worker, and retries a failed run from another engine', async () => {
    const store = new MemoryStore({ durable: true });
    const calls: Calls = { runs: [], gate: new Map() };
    const client = make(store, calls, new Set());
    const id = await client.submit(chain(['a', 'b']));
    expect(store.getRun(id)?.status).toBe('pending');
    expect(calls.runs).toHaveLength(0);
    const worker = make(store, calls, new Set());
    const stop = worker.work({ pollMs: 20 });
    await until(() => store.getRun(id)?.status === 'completed');
    stop();
    expect(calls.runs.map((c) => c.taskId)).toEqual(['a', 'b']);
    expect(store.getRun(id)?.owner).toBeUndefined();

    // A retry from a task of a finished run, requested by a third engine: it takes the run.
    const third = make(store, calls, new Set());
    const handle = await third.control(id, { type: 'retry', fromTask: 'b' });
    const retried = await handle?.wait();
    expect(retried?.error).toBeUndefined();
    expect(retried?.outputs).toEqual({ last: 3 });
    expect(calls.runs.map((c) => c.taskId)).toEqual(['a', 'b', 'b']);
  });

  it('restores a long run from its latest snapshot plus the entries after it', async () => {
    const store = new MemoryStore({ durable: true });
    const ids = Array.from({ length: 1500 }, (_, i) => `t${String(i)}`);
    const engine = createEngine({ store, snapshotEvery: 500, snapshotIntervalMs: 0 });
    engines.push(engine);
    engine.registerExecutor('step', () => ({ n: 1 }));
    const result = await engine.run(chain(ids));
    expect(result.status).toBe('completed');
    store.flush();
    const snapshot = store.latestSnapshot(result.runId);
    expect(snapshot?.seq).toBeGreaterThanOrEqual(2500);
    const loaded = await loadJournal(store, result.runId);
    expect(loaded.entriesRead).toBeLessThan(500);
    const full = replayJournal(store.read(result.runId).map((e) => e.entry));
    expect(loaded.replayed.status).toBe(full.status);
    expect(loaded.replayed.outputs).toEqual(full.outputs);
    for (const [id, t] of full.tasks) {
      const r = loaded.replayed.tasks.get(id);
      expect({ id, status: r?.status, outputs: r?.outputs, attempts: r?.attempts }).toEqual({
        id,
        status: t.status,
        outputs: t.outputs,
        attempts: t.attempts,
      });
    }
  });

  it('keeps a large output as a blob and hands it to a dependent after a takeover', async () => {
    const store = new MemoryStore({ durable: true, blobThreshold: 1024 * 1024 });
    const big = 'x'.repeat(2 * 1024 * 1024);
    const seen: number[] = [];
    const doc = {
      apiVersion: 'orchestrator.llm/v1',
      kind: 'Workflow',
      metadata: { name: 'blob', version: '1.0.0' },
      spec: {
        tasks: [
          { id: 'big', executor: 'big' },
          {
            id: 'use',
            executor: 'use',
            dependsOn: ['big'],
            inputs: { text: '${{ tasks.big.outputs.text }}' },
          },
        ],
      },
    };
    const a = createEngine({ store, leaseTtlMs: 300 });
    engines.push(a);
    let release: (() => void) | undefined;
    a.registerExecutor('big', () => ({ text: big }));
    a.registerExecutor(
      'use',
      () =>
        new Promise((resolve) => {
          release = () => {
            resolve({ ok: true });
          };
        }),
    );
    const handle = a.start(doc);
    await until(() => release !== undefined);
    await a.close();
    const entry = store.read(handle.id).find((e) => e.entry.type === 'task.completed')?.entry;
    expect(entry?.type === 'task.completed' && isBlobRef(entry.output)).toBe(true);
    const b = createEngine({ store });
    engines.push(b);
    b.registerExecutor('big', () => ({ text: 'again' }));
    b.registerExecutor('use', (inputs) => {
      seen.push((inputs as { text: string }).text.length);
      return { ok: true };
    });
    expect((await (await b.attach(handle.id)).wait()).status).toBe('completed');
    expect(seen).toEqual([big.length]);
  });

  it('retries a finished run in the process that ran it: the lease is claimed back and the store follows', async () => {
    const store = new MemoryStore({ durable: true });
    const calls: Calls = { runs: [], gate: new Map() };
    const a = make(store, calls, new Set());
    const handle = a.start(chain(['a', 'b']));
    expect((await handle.wait()).status).toBe('completed');
    await until(() => store.getRun(handle.id)?.owner === undefined);
    handle.retry('b');
    expect((await handle.wait()).outputs).toEqual({ last: 3 });
    expect(store.getRun(handle.id)).toMatchObject({ status: 'completed', outputs: { last: 3 } });
  });

  it('does not time a run out at once when a takeover retries it', async () => {
    const store = new MemoryStore({ durable: true });
    const calls: Calls = { runs: [], gate: new Map() };
    const doc = chain(['a']) as { spec: Record<string, unknown> };
    doc.spec.config = { timeout: '2s' };
    const a = make(store, calls, new Set());
    const first = await a.run(doc);
    await a.close();
    // Later than the workflow's timeout after its first start.
    await new Promise((r) => setTimeout(r, 2100));
    const b = make(store, calls, new Set());
    const taken = await b.control(first.runId, { type: 'retry', fromTask: 'a' });
    expect((await taken?.wait())?.status).toBe('completed');
  });

  it('pauses a submitted run before it starts, and starts it on resume', async () => {
    const store = new MemoryStore({ durable: true });
    const calls: Calls = { runs: [], gate: new Map() };
    const a = make(store, calls, new Set());
    const id = await a.submit(chain(['a', 'b']));
    const handle = await a.control(id, { type: 'pause' });
    expect(handle?.status()).toBe('paused');
    await new Promise((r) => setTimeout(r, 50));
    expect(calls.runs).toHaveLength(0);
    await a.control(id, { type: 'resume' });
    expect((await handle?.wait())?.status).toBe('completed');
    expect(calls.runs.map((c) => c.taskId)).toEqual(['a', 'b']);
  });
});
