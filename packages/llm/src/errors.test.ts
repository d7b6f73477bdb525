import { APICallError, InvalidPromptError } from 'ai';
import { describe, expect, it } from 'vitest';
import { LlmError, retryAfterFrom, toLlmError } from './errors.js';

function apiError(
  statusCode: number | undefined,
  body = '',
  headers: Record<string, string> = {},
): APICallError {
  return new APICallError({
    message: `status ${String(statusCode)}`,
    url: 'http://127.0.0.1/v1/chat/completions',
    requestBodyValues: {},
    ...(statusCode === undefined ? {} : { statusCode }),
    responseHeaders: headers,
    responseBody: body,
  });
}

const map = (err: unknown) => toLlmError(err, 'openai', 'gpt-test', 1_000_000) as LlmError;

describe('provider errors', () => {
  it('maps statuses to codes a retry policy can name, retryable or not', () => {
    expect(map(apiError(429, '', { 'Retry-After': '7' }))).toMatchObject({
      code: 'RateLimitError',
      retryable: true,
      retryAfterMs: 7000,
      status: 429,
    });
    expect(map(apiError(503))).toMatchObject({ code: 'ServerError', retryable: true });
    expect(map(apiError(529))).toMatchObject({ code: 'ServerError', retryable: true });
    expect(map(apiError(401))).toMatchObject({ code: 'AuthError', retryable: false });
    expect(map(apiError(403))).toMatchObject({ code: 'AuthError', retryable: false });
    expect(
      map(apiError(400, '{"error":{"code":"context_length_exceeded","message":"too long"}}')),
    ).toMatchObject({ code: 'ContextLengthError', retryable: false });
    expect(
      map(
        apiError(400, '{"type":"error","error":{"message":"prompt is too long: 300000 tokens"}}'),
      ),
    ).toMatchObject({ code: 'ContextLengthError', retryable: false });
    expect(map(apiError(400, '{"error":"bad temperature"}'))).toMatchObject({
      code: 'InvalidRequestError',
      retryable: false,
    });
    expect(map(apiError(undefined))).toMatchObject({ code: 'NetworkError', retryable: true });
    expect(map(new TypeError('fetch failed'))).toMatchObject({ code: 'NetworkError' });
    expect(
      map(new InvalidPromptError({ prompt: {}, message: 'messages must be an array' })),
    ).toMatchObject({ code: 'InvalidRequestError', retryable: false });
  });

  it('names the provider and model, never the request', () => {
    const err = map(apiError(401));
    expect(err.message).toBe('openai model gpt-test answered 401: the API key was refused');
    expect(err.provider).toBe('openai');
  });

  it('passes aborts and errors it already knows on as they are', () => {
    const abort = new DOMException('aborted', 'AbortError');
    expect(toLlmError(abort, 'openai', 'm')).toBe(abort);
    const known = map(apiError(500));
    expect(toLlmError(known, 'openai', 'm')).toBe(known);
  });

  it('reads retry-after-ms, seconds and HTTP dates', () => {
    expect(retryAfterFrom({ 'retry-after-ms': '250' }, 0)).toBe(250);
    expect(retryAfterFrom({ 'retry-after': '1.5' }, 0)).toBe(1500);
    expect(retryAfterFrom({ 'retry-after': new Date(61_000).toUTCString() }, 1000)).toBe(60_000);
    expect(retryAfterFrom({ 'retry-after': 'soon' }, 0)).toBeUndefined();
    expect(retryAfterFrom(undefined, 0)).toBeUndefined();
  });
});
