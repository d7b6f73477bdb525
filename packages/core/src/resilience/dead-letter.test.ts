import { describe, expect, it } from 'vitest';
import { FakeClock } from '../clock.js';
import { MemoryDeadLetterQueue, type NewDeadLetter } from './dead-letter.js';

function entry(overrides: Partial<NewDeadLetter> = {}): NewDeadLetter {
  return {
    kind: 'task',
    runId: 'run-1',
    taskId: 'summarize',
    workflow: { name: 'wf', version: '1.0.0' },
    inputs: { text: 'hello' },
    error: { code: 'TimeoutError', message: 'task timed out after 30s' },
    attempts: [
      { attempt: 1, startedAt: 0, endedAt: 10, error: { code: 'TimeoutError', message: 't' } },
    ],
    queue: 'default',
    ...overrides,
  };
}

function setup(): { clock: FakeClock; dlq: MemoryDeadLetterQueue } {
  const clock = new FakeClock(1000);
  let n = 0;
  return { clock, dlq: new MemoryDeadLetterQueue(clock, { newId: () => `dl-${++n}` }) };
}

describe('MemoryDeadLetterQueue', () => {
  it('stores entries with an id and the clock time', async () => {
    const { dlq } = setup();
    const added = await dlq.add(entry());
    expect(added).toMatchObject({ id: 'dl-1', createdAt: 1000, runId: 'run-1', queue: 'default' });
    expect(await dlq.get('dl-1')).toEqual(added);
    expect(await dlq.get('nope')).toBeUndefined();
  });

  it('copies on the way in and out', async () => {
    const { dlq } = setup();
    const inputs = { text: 'hello' };
    await dlq.add(entry({ inputs }));
    inputs.text = 'changed';
    const got = await dlq.get('dl-1');
    expect(got?.inputs).toEqual({ text: 'hello' });
    (got?.inputs as { text: string }).text = 'mutated';
    expect((await dlq.get('dl-1'))?.inputs).toEqual({ text: 'hello' });
  });

  it('lists oldest first, filtered by queue and run, limited', async () => {
    const { clock, dlq } = setup();
    await dlq.add(entry());
    await clock.advance(10);
    await dlq.add(entry({ queue: 'llm', runId: 'run-2' }));
    await clock.advance(10);
    await dlq.add(entry({ kind: 'run', runId: 'run-2' }));
    const ids = async (filter?: Parameters<MemoryDeadLetterQueue['list']>[0]): Promise<string[]> =>
      (await dlq.list(filter)).map((e) => e.id);
    expect(await ids()).toEqual(['dl-1', 'dl-2', 'dl-3']);
    expect(await ids({ queue: 'default' })).toEqual(['dl-1', 'dl-3']);
    expect(await ids({ runId: 'run-2' })).toEqual(['dl-2', 'dl-3']);
    expect(await ids({ queue: 'default', runId: 'run-2' })).toEqual(['dl-3']);
    expect(await ids({ limit: 2 })).toEqual(['dl-1', 'dl-2']);
    expect(await ids({ limit: 0 })).toEqual([]);
  });

  it('removes one entry', async () => {
    const { dlq } = setup();
    await dlq.add(entry());
    expect(await dlq.remove('dl-1')).toBe(true);
    expect(await dlq.remove('dl-1')).toBe(false);
    expect(dlq.size).toBe(0);
  });

  it('purges by queue and age', async () => {
    const { clock, dlq } = setup();
    await dlq.add(entry()); // t=1000
    await dlq.add(entry({ queue: 'llm' })); // t=1000
    await clock.advance(5000);
    await dlq.add(entry()); // t=6000
    await dlq.add(entry({ queue: 'llm' })); // t=6000
    await clock.advance(1000); // now 7000
    expect(await dlq.purge({ queue: 'llm', olderThanMs: 6000 })).toBe(1);
    expect((await dlq.list()).map((e) => e.id)).toEqual(['dl-1', 'dl-3', 'dl-4']);
    expect(await dlq.purge({ olderThanMs: 2000 })).toBe(1);
    expect((await dlq.list()).map((e) => e.id)).toEqual(['dl-3', 'dl-4']);
    expect(await dlq.purge()).toBe(2);
    expect(dlq.size).toBe(0);
  });

  it('generates unique ids by default', async () => {
    const dlq = new MemoryDeadLetterQueue(new FakeClock());
    const a = await dlq.add(entry());
    const b = await dlq.add(entry());
    expect(a.id).not.toBe(b.id);
    expect(a.id).toMatch(/^[0-9a-f-]{36}$/);
  });
});
