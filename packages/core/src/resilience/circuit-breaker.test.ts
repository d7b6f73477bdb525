import { describe, expect, it } from 'vitest';
import { FakeClock } from '../clock.js';
import { OrchestratorError } from '../errors.js';
import {
  CircuitBreaker,
  type CircuitBreakerOptions,
  type CircuitStateChange,
} from './circuit-breaker.js';
import { CircuitOpenError } from './circuit-open-error.js';
import { CircuitBreakerRegistry } from './circuit-breaker-registry.js';

function setup(options: CircuitBreakerOptions = {}): { clock: FakeClock; cb: CircuitBreaker } {
  const clock = new FakeClock(1000);
  return { clock, cb: new CircuitBreaker(clock, options) };
}

function fail(cb: CircuitBreaker, times: number): void {
  for (let i = 0; i < times; i++) {
    expect(cb.tryAcquire()).toBe(true);
    cb.recordFailure();
  }
}

describe('CircuitBreaker', () => {
  it('opens after failureThreshold consecutive failures (default 5)', () => {
    const { cb } = setup();
    fail(cb, 4);
    expect(cb.state).toBe('closed');
    cb.recordSuccess(); // resets the streak
    fail(cb, 4);
    expect(cb.state).toBe('closed');
    fail(cb, 1);
    expect(cb.state).toBe('open');
    expect(cb.tryAcquire()).toBe(false);
    expect(cb.snapshot().totals.rejected).toBe(1);
  });

  it('turns half-open after resetTimeoutMs on the clock (default 30s)', async () => {
    const { clock, cb } = setup();
    fail(cb, 5);
    expect(cb.snapshot().openedAt).toBe(1000);
    await clock.advance(29_999);
    expect(cb.state).toBe('open');
    expect(cb.retryAfterMs()).toBe(1);
    await clock.advance(1);
    expect(cb.state).toBe('half-open');
    expect(cb.retryAfterMs()).toBe(0);
  });

  it('admits halfOpenMaxCalls trials at once; release frees a slot', async () => {
    const { clock, cb } = setup({ failureThreshold: 1, halfOpenMaxCalls: 2, successThreshold: 2 });
    fail(cb, 1);
    await clock.advance(30_000);
    expect(cb.tryAcquire()).toBe(true);
    expect(cb.tryAcquire()).toBe(true);
    expect(cb.tryAcquire()).toBe(false);
    cb.release();
    expect(cb.snapshot().halfOpenInFlight).toBe(1);
    expect(cb.tryAcquire()).toBe(true);
    cb.recordSuccess();
    expect(cb.state).toBe('half-open');
    cb.recordSuccess();
    expect(cb.state).toBe('closed');
    expect(cb.snapshot()).toMatchObject({ failures: 0, openedAt: null, halfOpenInFlight: 0 });
  });

  it('reopens on a trial failure, with a fresh timeout', async () => {
    const { clock, cb } = setup({ failureThreshold: 1, resetTimeoutMs: 1000 });
    fail(cb, 1);
    await clock.advance(1000);
    expect(cb.tryAcquire()).toBe(true);
    expect(cb.tryAcquire()).toBe(false); // one trial at a time by default
    await clock.advance(500);
    cb.recordFailure();
    expect(cb.state).toBe('open');
    expect(cb.snapshot().openedAt).toBe(2500);
    await clock.advance(999);
    expect(cb.tryAcquire()).toBe(false);
    await clock.advance(1);
    expect(cb.tryAcquire()).toBe(true);
  });

  it('opens on the failure rate once the window is full', () => {
    const { cb } = setup({
      failureThreshold: 100,
      failureRateWindow: { windowSize: 10, failureRate: 0.5 },
    });
    fail(cb, 4); // 4/4 failed, but the window is not full yet
    expect(cb.state).toBe('closed');
    for (let i = 0; i < 5; i++) cb.recordSuccess(); // 4 failures in 9
    expect(cb.state).toBe('closed');
    cb.recordSuccess(); // 4/10
    expect(cb.snapshot().window).toEqual({ calls: 10, failures: 4 });
    // The window slides: each new failure drops one of the four old failures first → still 4/10.
    for (let i = 0; i < 4; i++) cb.recordFailure();
    expect(cb.state).toBe('closed');
    expect(cb.snapshot().window).toEqual({ calls: 10, failures: 4 });
    cb.recordFailure(); // drops a success → 5/10 = 0.5
    expect(cb.state).toBe('open');
  });

  it('notifies state changes until unsubscribed', async () => {
    const { clock, cb } = setup({ failureThreshold: 1, resetTimeoutMs: 100 });
    const seen: CircuitStateChange[] = [];
    const off = cb.onStateChange((c) => seen.push(c));
    cb.onStateChange(() => {
      throw new Error('a broken listener');
    });
    fail(cb, 1);
    await clock.advance(100);
    expect(cb.state).toBe('half-open');
    cb.recordSuccess();
    off();
    fail(cb, 1);
    expect(seen).toEqual([
      { from: 'closed', to: 'open', at: 1000 },
      { from: 'open', to: 'half-open', at: 1100 },
      { from: 'half-open', to: 'closed', at: 1100 },
    ]);
  });

  it('ignores late outcomes while open', () => {
    const { cb } = setup({ failureThreshold: 1 });
    fail(cb, 1);
    cb.recordSuccess();
    cb.recordFailure();
    expect(cb.state).toBe('open');
    expect(cb.snapshot().openedAt).toBe(1000);
  });

  it('execute records outcomes and throws CircuitOpenError when open', async () => {
    const { clock, cb } = setup({ failureThreshold: 2, name: 'llm' });
    await expect(cb.execute(() => 'ok')).resolves.toBe('ok');
    const abort = new DOMException('stop', 'AbortError');
    await expect(cb.execute(() => Promise.reject(abort))).rejects.toBe(abort);
    expect(cb.snapshot().failures).toBe(0); // cancellation is neutral
    const boom = new Error('boom');
    await expect(cb.execute(() => Promise.reject(boom))).rejects.toBe(boom);
    await expect(cb.execute(() => Promise.reject(boom))).rejects.toBe(boom);
    await clock.advance(10_000);
    const err = await cb.execute(() => 'never').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CircuitOpenError);
    expect(err).toBeInstanceOf(OrchestratorError);
    expect(err).toMatchObject({
      code: 'CircuitOpenError',
      retryable: true,
      retryAfterMs: 20_000,
      breaker: 'llm',
    });
    expect((err as Error).message).toContain('"llm"');
  });

  it('snapshots as JSON', () => {
    const { cb } = setup({ failureThreshold: 2 });
    fail(cb, 2);
    const snap = cb.snapshot();
    expect(JSON.parse(JSON.stringify(snap))).toEqual(snap);
    expect(snap).toMatchObject({
      state: 'open',
      failures: 2,
      openedAt: 1000,
      retryAfterMs: 30_000,
    });
  });

  it.each<CircuitBreakerOptions>([
    { failureThreshold: 0 },
    { halfOpenMaxCalls: 1.5 },
    { successThreshold: -1 },
    { resetTimeoutMs: Number.NaN },
    { failureRateWindow: { windowSize: 10, failureRate: 0 } },
    { failureRateWindow: { windowSize: 0, failureRate: 0.5 } },
  ])('rejects invalid options %j', (options) => {
    expect(() => new CircuitBreaker(new FakeClock(), options)).toThrow(
      expect.objectContaining({ code: 'InvalidInputError' }),
    );
  });
});

describe('CircuitBreakerRegistry', () => {
  it('creates one breaker per key with defaults and per-key overrides', () => {
    const clock = new FakeClock();
    const reg = new CircuitBreakerRegistry(clock, {
      defaults: { failureThreshold: 3 },
      overrides: { flaky: { failureThreshold: 1 } },
    });
    const a = reg.get('llm:openai');
    expect(reg.get('llm:openai')).toBe(a);
    fail(a, 2);
    expect(a.state).toBe('closed');
    fail(a, 1);
    expect(a.state).toBe('open');
    fail(reg.get('flaky'), 1);
    expect(reg.get('flaky').state).toBe('open');
    expect(reg.get('toString').state).toBe('closed'); // not an own override
    expect(reg.keys()).toEqual(['llm:openai', 'flaky', 'toString']);
    const snap = reg.snapshot();
    expect(snap['flaky']).toMatchObject({ name: 'flaky', state: 'open' });
    expect(JSON.parse(JSON.stringify(snap))).toEqual(snap);
  });

  it('reports state changes with their key', () => {
    const reg = new CircuitBreakerRegistry(new FakeClock(), { defaults: { failureThreshold: 1 } });
    const seen: string[] = [];
    const off = reg.onStateChange((key, c) => seen.push(`${key}:${c.to}`));
    fail(reg.get('a'), 1);
    off();
    fail(reg.get('b'), 1);
    expect(seen).toEqual(['a:open']);
    expect(reg.delete('a')).toBe(true);
    expect(reg.get('a').state).toBe('closed');
  });
});
