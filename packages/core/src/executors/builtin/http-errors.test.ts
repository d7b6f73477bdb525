import { describe, expect, it } from 'vitest';
import { bodySnippet, networkDetail, parseRetryAfter, statusError } from './http-errors.js';

describe('parseRetryAfter', () => {
  const now = Date.parse('2030-01-01T00:00:00Z');
  it('reads delta seconds and HTTP dates', () => {
    expect(parseRetryAfter('120', now)).toBe(120_000);
    expect(parseRetryAfter(' 1.5 ', now)).toBe(1500);
    expect(parseRetryAfter('Tue, 01 Jan 2030 00:01:00 GMT', now)).toBe(60_000);
    expect(parseRetryAfter('Mon, 31 Dec 2029 00:00:00 GMT', now)).toBe(0);
  });
  it('ignores what it cannot read', () => {
    expect(parseRetryAfter(null, now)).toBeUndefined();
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter('-1', now)).toBeUndefined();
    expect(parseRetryAfter('', now)).toBeUndefined();
  });
});

describe('statusError', () => {
  it('chooses codes by status', () => {
    expect(statusError(429, 'GET x', 5, '')).toMatchObject({
      code: 'RateLimitError',
      retryable: true,
      retryAfterMs: 5,
    });
    expect(statusError(500, 'GET x', undefined, '')).toMatchObject({
      code: 'ServerError',
      retryable: true,
    });
    expect(statusError(502, 'GET x', undefined, '')).toMatchObject({ code: 'ServerError' });
    expect(statusError(400, 'GET x', undefined, 'bad')).toMatchObject({
      code: 'HttpError',
      retryable: false,
      message: 'GET x failed with status 400: bad',
    });
  });
});

describe('helpers', () => {
  it('shortens bodies and reads cause chains', () => {
    expect(bodySnippet('a\n\n b', 10)).toBe('a b');
    expect(bodySnippet('x'.repeat(20), 5)).toBe('xxxxx…');
    const err = new TypeError('fetch failed', {
      cause: Object.assign(new Error('connect'), { code: 'ECONNREFUSED' }),
    });
    expect(networkDetail(err)).toBe('fetch failed: connect (ECONNREFUSED)');
    expect(networkDetail('boom')).toBe('boom');
  });
});
