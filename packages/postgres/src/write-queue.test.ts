import { describe, expect, it } from 'vitest';
import { WriteQueue } from './write-queue.js';

interface Op {
  readonly runId?: string;
  readonly name: string;
}

/** A queue whose batches are applied when the test says so, one at a time. */
function controlledQueue(): {
  queue: WriteQueue<Op>;
  applied: string[][];
  release: () => void;
} {
  const applied: string[][] = [];
  const gates: (() => void)[] = [];
  const queue = new WriteQueue<Op>(
    async (ops) => {
      await new Promise<void>((resolve) => gates.push(resolve));
      applied.push(ops.map((o) => o.name));
      return ops.map(() => undefined);
    },
    100,
    (op) => op.runId,
  );
  const release = (): void => {
    gates.shift()?.();
  };
  return { queue, applied, release };
}

const settled = async (p: Promise<void>): Promise<boolean> => {
  let done = false;
  void p.then(() => (done = true));
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
  return done;
};

describe('WriteQueue.idleFor', () => {
  it('waits for the writes to the run, not for a later batch of other runs', async () => {
    const { queue, applied, release } = controlledQueue();
    void queue.push({ runId: 'a', name: 'a1' });
    await new Promise((r) => setImmediate(r)); // the first batch is being applied
    void queue.push({ runId: 'b', name: 'b1' }); // the second batch, behind it
    const forA = queue.idleFor('a');
    const forB = queue.idleFor('b');
    expect(await settled(queue.idleFor('c'))).toBe(true);
    expect(await settled(forA)).toBe(false);
    release();
    expect(await settled(forA)).toBe(true);
    expect(await settled(forB)).toBe(false);
    release();
    expect(await settled(forB)).toBe(true);
    expect(applied).toEqual([['a1'], ['b1']]);
  });

  it('waits for a task queued before the read that names its run', async () => {
    const { queue, release } = controlledQueue();
    void queue.push({ runId: 'a', name: 'a1' });
    let taskDone = false;
    const task = queue.task(async () => {
      taskDone = true;
      await Promise.resolve();
    }, ['b']);
    const forB = queue.idleFor('b');
    // The task runs after the batch ahead of it, so a read of 'b' waits for both.
    expect(await settled(forB)).toBe(false);
    release();
    await task;
    expect(taskDone).toBe(true);
    expect(await settled(forB)).toBe(true);
    // Nothing queued any more: at once.
    expect(await settled(queue.idleFor('a'))).toBe(true);
  });

  it('lets a read pass a task that names no run (a claim)', async () => {
    const { queue, release } = controlledQueue();
    void queue.push({ runId: 'a', name: 'a1' });
    let finish = (): void => undefined;
    const claim = queue.task(() => new Promise<void>((resolve) => (finish = resolve)), []);
    expect(await settled(queue.idleFor('b'))).toBe(true);
    release();
    await new Promise((r) => setImmediate(r));
    expect(await settled(queue.idleFor('a'))).toBe(true);
    finish();
    await claim;
  });

  it('waits for a batch of the run queued after a task', async () => {
    const { queue, release } = controlledQueue();
    let finishTask = (): void => undefined;
    void queue.task(() => new Promise<void>((resolve) => (finishTask = resolve)), ['a']);
    void queue.push({ runId: 'a', name: 'a1' });
    const forA = queue.idleFor('a');
    await new Promise((r) => setImmediate(r));
    finishTask();
    expect(await settled(forA)).toBe(false);
    release();
    expect(await settled(forA)).toBe(true);
  });

  it('makes a read wait for a task only when the task may write to its run', async () => {
    const { queue, release } = controlledQueue();
    let finish = (): void => undefined;
    void queue.task(() => new Promise<void>((resolve) => (finish = resolve)), ['a']);
    void queue.task(() => Promise.resolve(), []);
    expect(await settled(queue.idleFor('b'))).toBe(true);
    const forA = queue.idleFor('a');
    expect(await settled(forA)).toBe(false);
    finish();
    expect(await settled(forA)).toBe(true);
    release();
  });
});
