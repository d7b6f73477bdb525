import { describe, expect, it } from 'vitest';
import { flushMicrotasks } from '../clock.js';
import { OrchestratorError } from '../errors.js';
import { Backpressure, type BackpressureOptions } from './backpressure.js';

function track(log: string[], label: string, p: Promise<unknown>): void {
  p.then(
    () => log.push(label),
    (e: unknown) => log.push(`${label}!${e instanceof Error ? e.message : String(e)}`),
  );
}

describe('Backpressure', () => {
  it('saturates at the high watermark and recovers only at the low one', () => {
    const bp = new Backpressure({ highWatermark: 5, lowWatermark: 2, mode: 'reject' });
    bp.increment(4);
    expect(bp.isSaturated).toBe(false);
    bp.increment();
    expect(bp.isSaturated).toBe(true);
    bp.decrement(); // 4
    expect(bp.isSaturated).toBe(true);
    bp.decrement(); // 3
    expect(bp.isSaturated).toBe(true);
    bp.increment(); // 4: still between the watermarks
    expect(bp.isSaturated).toBe(true);
    bp.decrement(2); // 2
    expect(bp.isSaturated).toBe(false);
    bp.increment(2); // 4: between, from below
    expect(bp.isSaturated).toBe(false);
  });

  it('reject mode: admits and counts, then throws a retryable BackpressureError', async () => {
    const bp = new Backpressure({ highWatermark: 2, lowWatermark: 0, mode: 'reject' });
    await bp.admit();
    await bp.admit();
    expect(bp.currentDepth).toBe(2);
    const err = await bp.admit().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OrchestratorError);
    expect(err).toMatchObject({ code: 'BackpressureError', retryable: true });
    expect((err as OrchestratorError).message).toMatch(/depth 2.*high watermark 2.*resumes at 0/);
    expect((err as OrchestratorError).hint).toMatch(/retry later|raise/);
    bp.decrement(); // 1: above low, still saturated
    await expect(bp.admit()).rejects.toMatchObject({ code: 'BackpressureError' });
    bp.decrement();
    await expect(bp.admit()).resolves.toBeUndefined();
    expect(bp.stats()).toMatchObject({ depth: 1, admitted: 3, rejected: 2, saturated: false });
  });

  it('wait mode: waiters enter in order once depth falls to low, without overshooting', async () => {
    const bp = new Backpressure({ highWatermark: 3, lowWatermark: 1, mode: 'wait' });
    for (let i = 0; i < 3; i++) await bp.admit();
    const log: string[] = [];
    for (const name of ['a', 'b', 'c']) track(log, name, bp.admit());
    await flushMicrotasks();
    expect(bp.stats()).toMatchObject({ waiting: 3, depth: 3, saturated: true });
    bp.decrement(); // 2: not yet
    await flushMicrotasks();
    expect(log).toEqual([]);
    bp.decrement(); // 1: a and b enter, the depth is back at 3
    await flushMicrotasks();
    expect(log).toEqual(['a', 'b']);
    expect(bp.stats()).toMatchObject({ waiting: 1, depth: 3, saturated: true });
    bp.decrement(2);
    await flushMicrotasks();
    expect(log).toEqual(['a', 'b', 'c']);
    expect(bp.currentDepth).toBe(2);
  });

  it('wait mode: a newcomer queues behind waiters; abort leaves the queue', async () => {
    const bp = new Backpressure({ highWatermark: 1, lowWatermark: 0, mode: 'wait' });
    await bp.admit();
    const log: string[] = [];
    const ac = new AbortController();
    track(log, 'first', bp.admit(ac.signal));
    track(log, 'second', bp.admit());
    ac.abort(new Error('gone'));
    await flushMicrotasks();
    expect(log).toEqual(['first!gone']);
    expect(bp.stats().waiting).toBe(1);
    bp.decrement();
    await flushMicrotasks();
    expect(log).toEqual(['first!gone', 'second']);
    const pre = new AbortController();
    pre.abort();
    await expect(bp.admit(pre.signal)).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('catches accounting bugs and bad settings', () => {
    const bp = new Backpressure({ highWatermark: 1, lowWatermark: 1, mode: 'wait' });
    expect(() => {
      bp.decrement();
    }).toThrow(expect.objectContaining({ code: 'InternalError' }));
    expect(() => {
      bp.increment(-1);
    }).toThrow(expect.objectContaining({ code: 'InvalidInputError' }));
    const bad: BackpressureOptions[] = [
      { highWatermark: 0, lowWatermark: 0, mode: 'wait' },
      { highWatermark: 2, lowWatermark: 3, mode: 'wait' },
      { highWatermark: 2, lowWatermark: -1, mode: 'reject' },
      { highWatermark: 2, lowWatermark: 1, mode: 'drop' as 'wait' },
    ];
    for (const options of bad) {
      expect(() => new Backpressure(options)).toThrow(
        expect.objectContaining({ code: 'InvalidInputError' }),
      );
    }
  });
});
