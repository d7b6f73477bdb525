/**
 * Provider failures as errors with stable codes a retry policy can name (seed §7.1):
 * `RateLimitError` (429; its `Retry-After` is honoured), `ServerError` (5xx, overloaded),
 * `NetworkError` (no response) and `TimeoutError` are retryable; `AuthError` (401, 403),
 * `ContextLengthError` (the prompt does not fit the model) and `InvalidRequestError` (other 4xx)
 * are not. Messages never carry API keys: they name the provider, the model and the status.
 */
import { AISDKError, APICallError } from 'ai';
import { OrchestratorError } from '@llm-orchestrator/core';

export class LlmError extends OrchestratorError {
  readonly provider: string;
  readonly model: string;
  /** The response status, when there was a response. */
  readonly status: number | undefined;
  /** How long the provider asked to wait, in milliseconds (the retry policy honours it). */
  readonly retryAfterMs: number | undefined;

  constructor(
    code: string,
    message: string,
    options: {
      readonly provider: string;
      readonly model: string;
      readonly retryable: boolean;
      readonly status?: number | undefined;
      readonly retryAfterMs?: number | undefined;
      readonly cause?: unknown;
      readonly hint?: string;
    },
  ) {
    const { provider, model, status, retryAfterMs, ...rest } = options;
    super(code, message, rest);
    this.provider = provider;
    this.model = model;
    this.status = status;
    this.retryAfterMs = retryAfterMs;
  }
}

const CONTEXT_LENGTH =
  /context[_ ]length|maximum context|prompt is too long|too many tokens|context window/i;

/** `retry-after-ms`, or `retry-after` in seconds or as an HTTP date, in ms from `now`. */
export function retryAfterFrom(
  headers: Readonly<Record<string, string>> | undefined,
  now: number,
): number | undefined {
  if (headers === undefined) return undefined;
  const lower = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
  const ms = Number(lower['retry-after-ms']);
  if (lower['retry-after-ms'] !== undefined && Number.isFinite(ms) && ms >= 0) return ms;
  const value = lower['retry-after']?.trim();
  if (value === undefined || value === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(value)) return Math.round(Number(value) * 1000);
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** Turns what a provider call threw into an LlmError (an abort's reason is passed on as is). */
export function toLlmError(
  err: unknown,
  provider: string,
  model: string,
  now: number = Date.now(),
): unknown {
  if (err instanceof OrchestratorError) return err;
  const where = `${provider} model ${model}`;
  const base = { provider, model, cause: err };
  if (!APICallError.isInstance(err)) {
    if (err instanceof Error && err.name === 'AbortError') return err;
    const message = err instanceof Error ? err.message : String(err);
    // The SDK refused the call itself (an invalid prompt, say): trying again cannot help.
    if (AISDKError.isInstance(err)) {
      return new LlmError('InvalidRequestError', `${where}: ${message}`, {
        ...base,
        retryable: false,
      });
    }
    return new LlmError('NetworkError', `${where}: the call failed: ${message}`, {
      ...base,
      retryable: true,
    });
  }
  const status = err.statusCode;
  const detail = `${where} answered ${status === undefined ? 'nothing' : String(status)}`;
  const body = err.responseBody ?? '';
  if (status === undefined) {
    return new LlmError('NetworkError', `${where}: ${err.message}`, { ...base, retryable: true });
  }
  if (status === 429) {
    return new LlmError('RateLimitError', `${detail}: rate limited`, {
      ...base,
      status,
      retryable: true,
      retryAfterMs: retryAfterFrom(err.responseHeaders, now),
      hint: 'a retryPolicy with RateLimitError waits as long as the provider asks',
    });
  }
  if (status === 401 || status === 403) {
    return new LlmError('AuthError', `${detail}: the API key was refused`, {
      ...base,
      status,
      retryable: false,
      hint: `check the ${provider} API key (environment variable or configuration file)`,
    });
  }
  if (status >= 500 || status === 408) {
    return new LlmError('ServerError', `${detail}: ${err.message}`, {
      ...base,
      status,
      retryable: true,
      retryAfterMs: retryAfterFrom(err.responseHeaders, now),
    });
  }
  if (CONTEXT_LENGTH.test(body) || CONTEXT_LENGTH.test(err.message)) {
    return new LlmError('ContextLengthError', `${detail}: the prompt does not fit the model`, {
      ...base,
      status,
      retryable: false,
      hint: 'shorten the prompt, lower max_tokens, or use a model with a larger context window',
    });
  }
  return new LlmError('InvalidRequestError', `${detail}: ${err.message}`, {
    ...base,
    status,
    retryable: false,
  });
}
