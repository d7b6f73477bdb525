import { describe, expect, it } from 'vitest';
import { FakeClock, flushMicrotasks } from '../../clock.js';
import { containing, run, testContext } from '../test-helpers.js';
import { durationMs } from './duration.js';
import { sleepExecutor } from './sleep.js';

describe('sleep', () => {
  it('waits on the context clock', async () => {
    const clock = new FakeClock();
    let done: unknown;
    const p = run(sleepExecutor, { duration: '2s' }, testContext({ clock })).then(
      (v) => (done = v),
    );
    await clock.advance(1999);
    expect(done).toBeUndefined();
    await clock.advance(1);
    await p;
    expect(done).toEqual({ slept: 2000 });
  });

  it('reads a number as milliseconds', async () => {
    const clock = new FakeClock();
    const p = run(sleepExecutor, { duration: 250 }, testContext({ clock }));
    await clock.advance(250);
    expect(await p).toEqual({ slept: 250 });
  });

  it('rejects with the abort reason when the signal aborts', async () => {
    const clock = new FakeClock();
    const ac = new AbortController();
    const p = run(sleepExecutor, { duration: '1h' }, testContext({ clock, signal: ac.signal }));
    await flushMicrotasks();
    expect(clock.pending).toBe(1);
    const reason = new Error('cancelled');
    ac.abort(reason);
    await expect(p).rejects.toBe(reason);
    expect(clock.pending).toBe(0);
  });

  it('fails with InvalidInputError for a bad duration', async () => {
    for (const duration of [undefined, 'soon', -5, '5 s', true, Number.NaN]) {
      await expect(run(sleepExecutor, { duration }), String(duration)).rejects.toMatchObject({
        code: 'InvalidInputError',
        message: containing('`duration`'),
      });
    }
  });
});

describe('durationMs', () => {
  it('parses units, numbers as milliseconds, and zero', () => {
    expect(durationMs('250ms', 'd')).toBe(250);
    expect(durationMs('1m30s', 'd')).toBe(90_000);
    expect(durationMs(1.5, 'd')).toBe(1.5);
    expect(durationMs(0, 'd')).toBe(0);
    expect(durationMs('0s', 'd')).toBe(0);
  });
});
