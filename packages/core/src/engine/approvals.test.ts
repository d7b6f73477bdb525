/**
 * Policy gates and approvals: a task held for approval waits (journalled, across engines) until it
 * is approved (it runs) or rejected (it fails, or its fallback applies); a denied task fails at once.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryStore } from '../store/memory-store.js';
import type { GateDecision, GateRequest } from './approvals.js';
import { createEngine, type Engine, type EngineOptions } from './engine.js';
import { replayJournal } from './replay.js';

const workflow = (task: Record<string, unknown> = {}): Record<string, unknown> => ({
  apiVersion: 'orchestrator.llm/v1',
  kind: 'Workflow',
  metadata: { name: 'gated', version: '1.0.0', labels: { team: 'ml' } },
  spec: {
    tasks: [
      { id: 'prep', executor: 'step' },
      {
        id: 'call',
        executor: 'step',
        dependsOn: ['prep'],
        inputs: { model: 'big' },
        retryPolicy: { maxAttempts: 3, initialInterval: '1ms' },
        ...task,
      },
    ],
    outputs: { n: '${{ tasks.call.outputs.n }}' },
  },
});

const until = async (what: () => boolean, ms = 3000): Promise<void> => {
  const end = Date.now() + ms;
  while (!what()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 5));
  }
};

describe('policy gates and approvals', () => {
  const engines: Engine[] = [];
  const asked: GateRequest[] = [];
  let calls = 0;
  const make = (decide: (r: GateRequest) => GateDecision, extra: EngineOptions = {}): Engine => {
    const engine = createEngine({
      leaseTtlMs: 300,
      controlPollMs: 20,
      taskGate: (r) => {
        asked.push(r);
        return decide(r);
      },
      ...extra,
    });
    engine.registerExecutor('step', () => ({ n: ++calls }));
    engines.push(engine);
    return engine;
  };
  const holdCalls = (r: GateRequest): GateDecision =>
    r.taskId === 'call'
      ? { kind: 'require-approval', reason: 'model big needs approval', details: { model: 'big' } }
      : { kind: 'allow' };
  afterEach(async () => {
    for (const e of engines.splice(0)) await e.close();
    asked.length = 0;
    calls = 0;
  });

  it('asks the gate once per task with the resolved inputs, workflow and labels', async () => {
    const engine = make(() => ({ kind: 'allow' }));
    const result = await engine.start(workflow()).wait();
    expect(result.status).toBe('completed');
    expect(asked.map((r) => r.taskId)).toEqual(['prep', 'call']);
    expect(asked[1]).toMatchObject({
      workflow: { name: 'gated', version: '1.0.0' },
      labels: { team: 'ml' },
      executor: 'step',
      inputs: { model: 'big' },
    });
  });

  it('holds a task until it is approved, then runs it', async () => {
    const engine = make(holdCalls);
    const handle = engine.start(workflow());
    await until(() => handle.result().tasks[1]?.status === 'waiting_approval');
    expect(handle.status()).toBe('running');
    expect(handle.result().tasks[1]?.approval).toMatchObject({
      state: 'waiting',
      reason: 'model big needs approval',
    });
    expect(calls).toBe(1);
    await engine.approve(handle.id, 'call', { actor: 'alice', comment: 'fine' });
    const result = await handle.wait();
    expect(result.status).toBe('completed');
    expect(result.outputs).toEqual({ n: 2 });
    expect(result.tasks[1]?.approval).toMatchObject({ state: 'approved', actor: 'alice' });
    expect(asked.filter((r) => r.taskId === 'call')).toHaveLength(1);
    const audit = await engine.store.audit.list({ runId: handle.id });
    expect(audit).toMatchObject([
      { actor: 'alice', action: 'task.approve', taskId: 'call', outcome: 'approved' },
    ]);
  });

  it('a rejected task fails with ApprovalRejected and is not retried', async () => {
    const engine = make(holdCalls);
    const handle = engine.start(workflow());
    await until(() => handle.result().tasks[1]?.status === 'waiting_approval');
    await engine.reject(handle.id, 'call', { actor: 'bob', comment: 'too expensive' });
    const result = await handle.wait();
    expect(result.status).toBe('failed');
    expect(result.error?.code).toBe('ApprovalRejected');
    expect(result.error?.message).toContain('rejected by bob: too expensive');
    expect(result.tasks[1]?.attempts).toHaveLength(1);
    expect(calls).toBe(1);
  });

  it('a rejected task with a fallback completes through it', async () => {
    const engine = make(holdCalls);
    const handle = engine.start(workflow({ fallback: { strategy: 'default', value: { n: -1 } } }));
    await until(() => handle.result().tasks[1]?.status === 'waiting_approval');
    await engine.reject(handle.id, 'call');
    const result = await handle.wait();
    expect(result.status).toBe('completed');
    expect(result.outputs).toEqual({ n: -1 });
    expect(result.tasks[1]).toMatchObject({ fallback: 'default' });
  });

  it('a denied task fails at once with the code the gate gives, never retried', async () => {
    const engine = make((r) =>
      r.taskId === 'call'
        ? { kind: 'deny', code: 'PolicyDenied', message: 'model big is not allowed' }
        : { kind: 'allow' },
    );
    const result = await engine.start(workflow()).wait();
    expect(result.status).toBe('failed');
    expect(result.error).toMatchObject({ code: 'PolicyDenied' });
    expect(result.tasks[1]?.attempts).toHaveLength(1);
    expect(calls).toBe(1);
  });

  it('asks again before every attempt: a denial listed as retryable is still never retried', async () => {
    let asks = 0;
    const engine = make((r) => {
      if (r.taskId !== 'call') return { kind: 'allow' };
      asks++;
      return { kind: 'deny', message: 'no' };
    });
    const result = await engine
      .start(
        workflow({
          retryPolicy: {
            maxAttempts: 3,
            initialInterval: '1ms',
            retryableErrors: ['PolicyDenied'],
          },
        }),
      )
      .wait();
    expect(result.error?.code).toBe('PolicyDenied');
    expect(result.tasks[1]?.attempts).toHaveLength(1);
    expect(asks).toBe(1);
  });

  it('a decision made on the handle is audited by the engine that applies it', async () => {
    const engine = make(holdCalls);
    const handle = engine.start(workflow());
    await until(() => handle.result().tasks[1]?.status === 'waiting_approval');
    handle.approve('call', { actor: 'dana' });
    await handle.wait();
    await until(() => true);
    const audit = await engine.store.audit.list({ runId: handle.id });
    expect(audit).toMatchObject([{ actor: 'dana', action: 'task.approve', outcome: 'approved' }]);
  });

  it('refuses to decide a task that is not waiting, or an unknown run', async () => {
    const engine = make(() => ({ kind: 'allow' }));
    const handle = engine.start(workflow());
    await handle.wait();
    await expect(engine.approve(handle.id, 'call')).rejects.toMatchObject({ code: 'NOT_WAITING' });
    await expect(engine.approve('nope', 'call')).rejects.toMatchObject({ code: 'RUN_NOT_FOUND' });
  });

  it('cancelling a run cancels its waiting task', async () => {
    const engine = make(holdCalls);
    const handle = engine.start(workflow());
    await until(() => handle.result().tasks[1]?.status === 'waiting_approval');
    handle.cancel();
    const result = await handle.wait();
    expect(result.status).toBe('cancelled');
    expect(result.tasks[1]?.status).toBe('cancelled');
  });

  it('a waiting task survives its engine: another engine takes the run over and the approval reaches it', async () => {
    const store = new MemoryStore({ durable: true });
    const a = make(holdCalls, { store });
    const handle = a.start(workflow());
    await until(() => handle.result().tasks[1]?.status === 'waiting_approval');
    await a.store.flush();
    await a.close();

    const entries = store.read(handle.id).map((e) => e.entry);
    expect(replayJournal(entries).tasks.get('call')?.status).toBe('waiting_approval');

    const b = make(holdCalls, { store });
    const attached = await b.attach(handle.id);
    await until(() => attached.result().tasks[1]?.status === 'waiting_approval');
    const askedBefore = asked.length;
    // A third engine, which holds nothing, decides: the request goes through the store.
    const c = make(holdCalls, { store });
    await c.approve(handle.id, 'call', { actor: 'carol' });
    const result = await attached.wait();
    expect(result.status).toBe('completed');
    expect(asked.length).toBe(askedBefore); // approved: the gate is not asked again
    expect(calls).toBe(2); // prep ran once, call once
  });
});
