import * as fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { OrchestratorError } from '../errors.js';
import { CircuitOpenError } from './circuit-open-error.js';
import {
  DEFAULT_RETRY,
  errorCode,
  isRetryable,
  nextDelayMs,
  resolveRetrySettings,
  type RetrySettings,
  shouldRetry,
} from './retry-policy.js';

const retrying: RetrySettings = { ...DEFAULT_RETRY, maxAttempts: 3 };

describe('resolveRetrySettings', () => {
  it('defaults to a single attempt, 1s doubling up to 60s, no jitter', () => {
    expect(resolveRetrySettings()).toEqual({
      maxAttempts: 1,
      initialIntervalMs: 1000,
      backoffMultiplier: 2,
      maxIntervalMs: 60_000,
      jitter: 0,
      retryableErrors: undefined,
    });
    expect(resolveRetrySettings(undefined, undefined)).toEqual(DEFAULT_RETRY);
  });

  it('lets later policies override field by field and parses durations', () => {
    const s = resolveRetrySettings(
      { maxAttempts: 3, initialInterval: '2s', jitter: true, retryableErrors: ['A', 'B'] },
      undefined,
      { maxInterval: '1m30s', backoffMultiplier: 3, retryableErrors: ['C'] },
    );
    expect(s).toEqual({
      maxAttempts: 3,
      initialIntervalMs: 2000,
      backoffMultiplier: 3,
      maxIntervalMs: 90_000,
      jitter: 0.2,
      retryableErrors: ['C'],
    });
  });

  it('reads numbers as seconds and jitter as a fraction or boolean', () => {
    const s = resolveRetrySettings({ initialInterval: 1.5, jitter: 0.5 }, { jitter: false });
    expect(s.initialIntervalMs).toBe(1500);
    expect(s.jitter).toBe(0);
    expect(resolveRetrySettings({ jitter: 0.35 }).jitter).toBe(0.35);
  });
});

describe('errorCode', () => {
  it.each<[unknown, string]>([
    [new OrchestratorError('E_X', 'x'), 'E_X'],
    [Object.assign(new Error('net'), { code: 'ECONNRESET' }), 'ECONNRESET'],
    [new TypeError('t'), 'TypeError'],
    [new DOMException('aborted', 'AbortError'), 'AbortError'],
    [Object.assign(new Error('e'), { code: '' }), 'Error'],
    [{ code: 42, name: 'Named' }, 'Named'],
    ['a string', 'Error'],
    [null, 'Error'],
    [undefined, 'Error'],
  ])('%s → %s', (err, code) => {
    expect(errorCode(err)).toBe(code);
  });
});

class TimeoutError extends Error {
  override name = 'TimeoutError';
}

describe('isRetryable', () => {
  const listed: RetrySettings = {
    ...retrying,
    retryableErrors: ['RateLimitError', 'TimeoutError'],
  };
  it.each<[string, unknown, boolean, boolean]>([
    // [description, error, default rule, with the list]
    [
      'retryable OrchestratorError',
      new OrchestratorError('X', 'x', { retryable: true }),
      true,
      false,
    ],
    ['non-retryable OrchestratorError', new OrchestratorError('X', 'x'), false, false],
    ['listed code, flag false', new OrchestratorError('RateLimitError', 'r'), false, true],
    ['plain Error from user code', new Error('boom'), true, false],
    ['listed name', new TimeoutError('slow'), true, true],
    ['non-Error throw', 'oops', true, false],
    ['AuthError', new OrchestratorError('AuthError', 'a', { retryable: true }), false, false],
    ['ContextLengthError', new OrchestratorError('ContextLengthError', 'c'), false, false],
    [
      'InvalidInputError name',
      Object.assign(new Error('i'), { name: 'InvalidInputError' }),
      false,
      false,
    ],
    ['ValidationError', { code: 'ValidationError' }, false, false],
    ['Cancelled', new OrchestratorError('Cancelled', 'c', { retryable: true }), false, false],
    ['circuit open', new CircuitOpenError('x', 10), true, false],
  ])('%s', (_, err, byDefault, withList) => {
    expect(isRetryable(retrying, err)).toBe(byDefault);
    expect(isRetryable(listed, err)).toBe(withList);
  });

  it('never retries the fixed set even when listed', () => {
    const s = { ...retrying, retryableErrors: ['AuthError', 'Cancelled'] };
    expect(isRetryable(s, new OrchestratorError('AuthError', 'a', { retryable: true }))).toBe(
      false,
    );
    expect(isRetryable(s, { code: 'Cancelled' })).toBe(false);
  });

  it('retries nothing with an empty list', () => {
    expect(isRetryable({ ...retrying, retryableErrors: [] }, new Error('x'))).toBe(false);
  });
});

describe('nextDelayMs', () => {
  it('grows exponentially up to the cap without jitter', () => {
    const s = { ...retrying, initialIntervalMs: 1000, backoffMultiplier: 2, maxIntervalMs: 10_000 };
    expect([1, 2, 3, 4, 5, 6, 1000].map((n) => nextDelayMs(s, n))).toEqual([
      1000, 2000, 4000, 8000, 10_000, 10_000, 10_000,
    ]);
  });

  it('spreads by ±jitter and caps after jitter', () => {
    const s = { ...retrying, initialIntervalMs: 1000, maxIntervalMs: 5000, jitter: 0.5 };
    expect(nextDelayMs(s, 1, undefined, () => 0)).toBe(500);
    expect(nextDelayMs(s, 1, undefined, () => 0.5)).toBe(1000);
    expect(nextDelayMs(s, 1, undefined, () => 1)).toBe(1500);
    expect(nextDelayMs(s, 3, undefined, () => 1)).toBe(5000); // 4000 × 1.5 capped
    expect(nextDelayMs(s, 3, undefined, () => 0)).toBe(2000);
  });

  it('honours retryAfterMs, up to ten times the cap', () => {
    const s = { ...retrying, initialIntervalMs: 1000, maxIntervalMs: 2000 };
    expect(nextDelayMs(s, 1, { retryAfterMs: 7000 })).toBe(7000);
    expect(nextDelayMs(s, 1, { retryAfterMs: 500 })).toBe(1000);
    expect(nextDelayMs(s, 1, { retryAfterMs: 1e9 })).toBe(20_000);
    expect(nextDelayMs(s, 1, { retryAfterMs: -5 })).toBe(1000);
    expect(nextDelayMs(s, 1, new CircuitOpenError('llm', 4500))).toBe(4500);
  });

  it('stays finite for zero intervals and huge attempts', () => {
    const s = { ...retrying, initialIntervalMs: 0, backoffMultiplier: 10 };
    expect(nextDelayMs(s, 10_000)).toBe(0);
  });

  it('stays within [d(1−j), d(1+j)] ∩ [0, max] (property)', () => {
    fc.assert(
      fc.property(
        fc.record({
          initial: fc.integer({ min: 0, max: 100_000 }),
          multiplier: fc.double({ min: 1, max: 10, noNaN: true }),
          max: fc.integer({ min: 0, max: 1_000_000 }),
          jitter: fc.double({ min: 0, max: 1, noNaN: true }),
        }),
        fc.integer({ min: 1, max: 200 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        ({ initial, multiplier, max, jitter }, attempt, r) => {
          const s: RetrySettings = {
            ...retrying,
            initialIntervalMs: initial,
            backoffMultiplier: multiplier,
            maxIntervalMs: max,
            jitter,
          };
          const d = Math.min(initial * multiplier ** (attempt - 1), max);
          const delay = nextDelayMs(s, attempt, undefined, () => r);
          expect(delay).toBeGreaterThanOrEqual(0);
          expect(delay).toBeLessThanOrEqual(max);
          expect(delay).toBeGreaterThanOrEqual(d * (1 - jitter) - 1e-6);
          expect(delay).toBeLessThanOrEqual(d * (1 + jitter) + 1e-6);
        },
      ),
    );
  });
});

describe('shouldRetry', () => {
  it('needs attempts left and a retryable error', () => {
    const err = new Error('flaky');
    expect([1, 2, 3].map((n) => shouldRetry(retrying, n, err))).toEqual([true, true, false]);
    expect(shouldRetry(DEFAULT_RETRY, 1, err)).toBe(false);
    expect(shouldRetry(retrying, 1, new OrchestratorError('AuthError', 'no'))).toBe(false);
  });
});
