/**
 * Per provider/model protection of model calls: a circuit breaker (opened by retryable failures:
 * rate limits, server and network errors, timeouts; never by a bad request) and rate limits in
 * requests and tokens per minute, configured per `provider` or per `provider/model` (the more
 * specific wins). A call waits for the rate limit (abortable) and fails at once with
 * `CircuitOpenError` (retryable) while the breaker is open.
 */
import {
  CircuitBreakerRegistry,
  DEFAULT_RETRY,
  isRetryable,
  OrchestratorError,
  RateLimiterRegistry,
  type CircuitBreakerOptions,
  type Clock,
} from '@llm-orchestrator/core';

function isStructuredOutputError(error: unknown): boolean {
  return error instanceof OrchestratorError && error.code === 'StructuredOutputError';
}

export interface CallGuardOptions {
  readonly clock: Clock;
  /** Per `provider` or `provider/model`. */
  readonly rateLimits?: Readonly<
    Record<string, { readonly requestsPerMinute?: number; readonly tokensPerMinute?: number }>
  >;
  /** `false` turns breakers off. */
  readonly circuitBreaker?: CircuitBreakerOptions | false;
}

/** What a caller holds while its call runs; `done` reports how it went. */
export interface CallPermit {
  done(error?: unknown, actualTokens?: number): void;
}

export class CallGuard {
  private readonly limiter: RateLimiterRegistry;
  private readonly breakers: CircuitBreakerRegistry | undefined;
  private readonly limited: ReadonlySet<string>;

  constructor(options: CallGuardOptions) {
    const limits = Object.fromEntries(
      Object.entries(options.rateLimits ?? {}).map(([key, l]) => [
        key,
        {
          ...(l.requestsPerMinute === undefined ? {} : { rpm: l.requestsPerMinute }),
          ...(l.tokensPerMinute === undefined ? {} : { tpm: l.tokensPerMinute }),
        },
      ]),
    );
    this.limiter = new RateLimiterRegistry(options.clock, limits);
    this.limited = new Set(Object.keys(limits));
    this.breakers =
      options.circuitBreaker === false
        ? undefined
        : new CircuitBreakerRegistry(options.clock, { defaults: options.circuitBreaker ?? {} });
  }

  private limitKey(provider: string, model: string): string | undefined {
    const specific = `${provider}/${model}`;
    if (this.limited.has(specific)) return specific;
    return this.limited.has(provider) ? provider : undefined;
  }

  /**
   * Waits for room under the rate limits (`estimatedTokens` against tokens per minute), then
   * passes the breaker. Rejects with the breaker's `CircuitOpenError`, or the signal's reason.
   */
  async acquire(
    provider: string,
    model: string,
    estimatedTokens: number,
    signal: AbortSignal,
  ): Promise<CallPermit> {
    const key = this.limitKey(provider, model);
    const request = { requests: 1, tokens: Math.max(1, Math.round(estimatedTokens)) };
    if (key !== undefined) await this.limiter.acquire(key, request, signal);
    const breaker = this.breakers?.get(`${provider}/${model}`);
    if (breaker !== undefined && !breaker.tryAcquire()) {
      if (key !== undefined) this.limiter.refund(key, request);
      throw breaker.openError();
    }
    let settled = false;
    return {
      done: (error, actualTokens) => {
        if (settled) return;
        settled = true;
        if (key !== undefined && actualTokens !== undefined && actualTokens < request.tokens) {
          this.limiter.refund(key, { requests: 0, tokens: request.tokens - actualTokens });
        }
        if (breaker === undefined) return;
        if (error === undefined) breaker.recordSuccess();
        // A malformed answer came from a provider that works: no reason to stop calling it.
        else if (isRetryable(DEFAULT_RETRY, error) && !isStructuredOutputError(error))
          breaker.recordFailure();
        else breaker.release();
      },
    };
  }
}
