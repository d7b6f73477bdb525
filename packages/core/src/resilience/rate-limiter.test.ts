import { describe, expect, it } from 'vitest';
import { FakeClock, flushMicrotasks } from '../clock.js';
import { RateLimiterRegistry, TokenBucket } from './rate-limiter.js';

/** Records when (on the clock) and in which order promises settle. */
function tracker(clock: FakeClock): {
  log: string[];
  track: (label: string, p: Promise<unknown>) => void;
} {
  const log: string[] = [];
  return {
    log,
    track: (label, p) => {
      p.then(
        () => log.push(`${label}@${clock.now()}`),
        (e: unknown) => log.push(`${label}!${e instanceof Error ? e.message : String(e)}`),
      );
    },
  };
}

/** The `code` of what `fn` throws; fails when it does not throw. */
function codeOf(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return (err as { code?: unknown }).code;
  }
  throw new Error('expected a throw');
}

describe('TokenBucket', () => {
  it('starts full, empties, refills at the rate and never beyond capacity', async () => {
    const clock = new FakeClock();
    const b = new TokenBucket({ capacity: 3, refillPerSecond: 2 }, clock);
    expect(b.available).toBe(3);
    expect(b.tryTake(2)).toBe(true);
    expect(b.tryTake(2)).toBe(false);
    expect(b.tryTake()).toBe(true);
    expect(b.tryTake()).toBe(false);
    await clock.advance(500);
    expect(b.available).toBeCloseTo(1);
    expect(b.tryTake()).toBe(true);
    await clock.advance(60_000);
    expect(b.available).toBe(3);
  });

  it('tells how long a take would wait', async () => {
    const clock = new FakeClock();
    const b = new TokenBucket({ capacity: 10, refillPerSecond: 4 }, clock);
    expect(b.waitTimeMs(10)).toBe(0);
    expect(b.tryTake(10)).toBe(true);
    expect(b.waitTimeMs(1)).toBe(250);
    expect(b.waitTimeMs(10)).toBe(2500);
    void b.take(4); // queued: a new request waits behind it
    expect(b.waitTimeMs(2)).toBe(1500);
    await clock.advance(1000);
    expect(b.waiting).toBe(0);
    expect(b.waitTimeMs(2)).toBe(500);
  });

  it('take waits on the clock for the tokens', async () => {
    const clock = new FakeClock();
    const b = new TokenBucket({ capacity: 10, refillPerSecond: 1 }, clock);
    const { log, track } = tracker(clock);
    await b.take(10);
    track('five', b.take(5));
    await clock.advance(4999);
    expect(log).toEqual([]);
    await clock.advance(1);
    expect(log).toEqual(['five@5000']);
    expect(clock.pending).toBe(0);
  });

  it('serves waiters in arrival order: a small request does not overtake', async () => {
    const clock = new FakeClock();
    const b = new TokenBucket({ capacity: 10, refillPerSecond: 1 }, clock);
    const { log, track } = tracker(clock);
    expect(b.tryTake(10)).toBe(true);
    track('big', b.take(5));
    track('small', b.take(1));
    await clock.advance(1000);
    expect(b.available).toBeCloseTo(1);
    expect(b.tryTake(1)).toBe(false); // not past the queue either
    expect(log).toEqual([]);
    await clock.advance(10_000);
    expect(log).toEqual(['big@5000', 'small@6000']);
  });

  it('abort rejects, leaves the queue and lets the next waiter go', async () => {
    const clock = new FakeClock();
    const b = new TokenBucket({ capacity: 10, refillPerSecond: 1 }, clock);
    const { log, track } = tracker(clock);
    b.tryTake(10);
    const ac = new AbortController();
    track('big', b.take(8, ac.signal));
    track('small', b.take(2));
    await clock.advance(3000);
    ac.abort(new Error('cancelled'));
    await flushMicrotasks();
    expect(log).toEqual(['big!cancelled', 'small@3000']);
    expect(b.waiting).toBe(0);
    expect(clock.pending).toBe(0);
    expect(b.available).toBeCloseTo(1);
  });

  it('rejects a pre-aborted signal with an AbortError', async () => {
    const b = new TokenBucket({ capacity: 1, refillPerSecond: 1 }, new FakeClock());
    const ac = new AbortController();
    ac.abort();
    await expect(b.take(1, ac.signal)).rejects.toMatchObject({ name: 'AbortError' });
    expect(b.available).toBe(1);
  });

  it('refuses requests larger than the capacity, and bad settings', async () => {
    const clock = new FakeClock();
    const b = new TokenBucket({ capacity: 5, refillPerSecond: 1 }, clock);
    expect(codeOf(() => b.tryTake(6))).toBe('InvalidInputError');
    expect(codeOf(() => b.waitTimeMs(-1))).toBe('InvalidInputError');
    await expect(b.take(6)).rejects.toMatchObject({ code: 'InvalidInputError' });
    expect(codeOf(() => new TokenBucket({ capacity: 0, refillPerSecond: 1 }, clock))).toBe(
      'InvalidInputError',
    );
    expect(codeOf(() => new TokenBucket({ capacity: 1, refillPerSecond: 0 }, clock))).toBe(
      'InvalidInputError',
    );
  });

  it('refund gives tokens back to the head waiter', async () => {
    const clock = new FakeClock();
    const b = new TokenBucket({ capacity: 5, refillPerSecond: 1 }, clock);
    const { log, track } = tracker(clock);
    b.tryTake(5);
    track('w', b.take(3));
    b.refund(3);
    await flushMicrotasks();
    expect(log).toEqual(['w@0']);
    expect(clock.pending).toBe(0);
  });
});

describe('RateLimiterRegistry', () => {
  it('leaves keys without a limit unlimited', async () => {
    const reg = new RateLimiterRegistry(new FakeClock(), { 'llm:openai/gpt-4o': { rpm: 1 } });
    for (let i = 0; i < 1000; i++) await reg.acquire('other', { requests: 1, tokens: 1e9 });
    expect(reg.tryAcquire('other')).toBe(true);
    expect(reg.waitTimeMs('other')).toBe(0);
  });

  it('limits requests per minute', async () => {
    const clock = new FakeClock();
    const reg = new RateLimiterRegistry(clock, { exec: { rpm: 60 } });
    const { log, track } = tracker(clock);
    for (let i = 0; i < 60; i++) expect(reg.tryAcquire('exec')).toBe(true);
    expect(reg.tryAcquire('exec')).toBe(false);
    expect(reg.waitTimeMs('exec')).toBe(1000);
    track('61st', reg.acquire('exec'));
    await clock.advance(1000);
    expect(log).toEqual(['61st@1000']);
  });

  it('takes requests and tokens from both buckets', async () => {
    const clock = new FakeClock();
    const reg = new RateLimiterRegistry(clock, { llm: { rpm: 100, tpm: 6000 } });
    const { log, track } = tracker(clock);
    await reg.acquire('llm', { tokens: 6000 });
    track('a', reg.acquire('llm', { tokens: 300 })); // 100 tokens/s → 3s
    await clock.advance(2999);
    expect(log).toEqual([]);
    await clock.advance(1);
    expect(log).toEqual(['a@3000']);
    expect(reg.snapshot()['llm']).toMatchObject({ rpm: 100, tpm: 6000, waiting: 0 });
    expect(reg.snapshot()['llm']?.availableTokens).toBeCloseTo(0);
    expect(reg.snapshot()['llm']?.availableRequests).toBe(100); // 98 + 5 refilled, capped
  });

  it('gives the request back when a token wait is aborted', async () => {
    const clock = new FakeClock();
    const reg = new RateLimiterRegistry(clock, { llm: { rpm: 2, tpm: 100 } });
    await reg.acquire('llm', { tokens: 100 });
    const ac = new AbortController();
    const p = reg.acquire('llm', { tokens: 50 }, ac.signal);
    ac.abort(new Error('stop'));
    await expect(p).rejects.toThrow('stop');
    expect(reg.snapshot()['llm']?.availableRequests).toBeCloseTo(1);
    expect(reg.tryAcquire('llm', { tokens: 200 })).toBe(false); // clamped to 100, not there yet
    expect(reg.snapshot()['llm']?.availableRequests).toBeCloseTo(1); // all or nothing
  });

  it('clamps a request larger than a minute of tokens to a full bucket', async () => {
    const clock = new FakeClock();
    const reg = new RateLimiterRegistry(clock, { llm: { tpm: 60 } });
    const { log, track } = tracker(clock);
    reg.tryAcquire('llm', { tokens: 30 });
    track('huge', reg.acquire('llm', { tokens: 10_000 }));
    await clock.advance(30_000);
    expect(log).toEqual(['huge@30000']);
  });

  it('can change and remove limits', () => {
    const reg = new RateLimiterRegistry(new FakeClock());
    reg.set('k', { rpm: 1 });
    expect(reg.tryAcquire('k')).toBe(true);
    expect(reg.tryAcquire('k')).toBe(false);
    reg.set('k', undefined);
    expect(reg.has('k')).toBe(false);
    expect(reg.tryAcquire('k')).toBe(true);
  });
});
