/**
 * Token buckets on the Clock: `capacity` tokens at most, refilled continuously at
 * `refillPerSecond`. Waiters are served strictly in arrival order, so a small request never
 * overtakes a large one that came first (no starvation of large requests).
 */
import type { Clock } from '../clock.js';
import { OrchestratorError } from '../errors.js';
import { abortReason } from './abort.js';

export interface TokenBucketOptions {
  /** Most tokens the bucket holds (the burst size). It starts full. */
  readonly capacity: number;
  /** Tokens added per second. */
  readonly refillPerSecond: number;
}

interface Waiter {
  readonly n: number;
  readonly resolve: () => void;
  readonly detach: () => void;
}

export class TokenBucket {
  readonly capacity: number;
  readonly refillPerSecond: number;
  private tokens: number;
  private last: number;
  private readonly waiters: Waiter[] = [];
  private cancelTimer: (() => void) | undefined;
  /** Tolerance for floating-point refill arithmetic. */
  private readonly eps: number;

  constructor(
    options: TokenBucketOptions,
    private readonly clock: Clock,
  ) {
    const { capacity, refillPerSecond } = options;
    if (!(Number.isFinite(capacity) && capacity > 0)) {
      throw new OrchestratorError('InvalidInputError', `token bucket capacity must be > 0`);
    }
    if (!(Number.isFinite(refillPerSecond) && refillPerSecond > 0)) {
      throw new OrchestratorError('InvalidInputError', `token bucket refill rate must be > 0`);
    }
    this.capacity = capacity;
    this.refillPerSecond = refillPerSecond;
    this.tokens = capacity;
    this.last = clock.now();
    this.eps = 1e-9 * Math.max(1, capacity);
  }

  /** Tokens available now (may be fractional); tokens promised to waiters are not subtracted. */
  get available(): number {
    this.refill();
    return this.tokens;
  }

  /** Number of `take` calls waiting. */
  get waiting(): number {
    return this.waiters.length;
  }

  /** Takes `n` tokens if they are there and nobody is waiting before us. */
  tryTake(n = 1): boolean {
    this.check(n);
    if (this.waiters.length > 0) return false;
    this.refill();
    if (this.tokens + this.eps < n) return false;
    this.tokens = Math.max(0, this.tokens - n);
    return true;
  }

  /** Milliseconds a `take(n)` made now would wait (behind the current waiters); 0 if none. */
  waitTimeMs(n = 1): number {
    this.check(n);
    this.refill();
    let deficit = n - this.tokens;
    for (const w of this.waiters) deficit += w.n;
    return deficit <= this.eps ? 0 : Math.ceil((deficit * 1000) / this.refillPerSecond);
  }

  /**
   * Resolves once `n` tokens were taken, after every earlier waiter. Aborting `signal` rejects with
   * its reason and gives the place in the queue up.
   */
  async take(n = 1, signal?: AbortSignal): Promise<void> {
    this.check(n);
    if (signal?.aborted === true) throw abortReason(signal);
    if (this.tryTake(n)) return;
    await new Promise<void>((resolve, reject) => {
      const onAbort = (): void => {
        reject(abortReason(signal as AbortSignal));
        this.removeWaiter(waiter);
      };
      const waiter: Waiter = {
        n,
        resolve,
        detach: () => signal?.removeEventListener('abort', onAbort),
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiters.push(waiter);
      if (this.waiters.length === 1) this.serve();
    });
  }

  /** Gives back tokens taken for work that did not happen (never beyond capacity). */
  refund(n: number): void {
    if (!(Number.isFinite(n) && n >= 0)) {
      throw new OrchestratorError('InvalidInputError', `cannot refund ${n} tokens`);
    }
    this.refill();
    this.tokens = Math.min(this.capacity, this.tokens + n);
    if (this.waiters.length > 0) this.serve();
  }

  private check(n: number): void {
    if (!(Number.isFinite(n) && n >= 0)) {
      throw new OrchestratorError('InvalidInputError', `cannot take ${n} tokens`);
    }
    if (n > this.capacity) {
      throw new OrchestratorError(
        'InvalidInputError',
        `cannot take ${n} tokens from a bucket of capacity ${this.capacity}: it would wait forever`,
        { hint: 'raise the limit, or split the request' },
      );
    }
  }

  private refill(): void {
    const now = this.clock.now();
    if (now > this.last) {
      this.tokens = Math.min(
        this.capacity,
        this.tokens + ((now - this.last) * this.refillPerSecond) / 1000,
      );
      this.last = now;
    }
  }

  /** Hands tokens to the waiters in order, then sets one timer for the new head, if any. */
  private serve(): void {
    this.cancelTimer?.();
    this.cancelTimer = undefined;
    this.refill();
    for (;;) {
      const head = this.waiters[0];
      if (head === undefined) return;
      if (this.tokens + this.eps < head.n) {
        const ms = Math.ceil(((head.n - this.tokens) * 1000) / this.refillPerSecond);
        this.cancelTimer = this.clock.setTimer(ms, () => {
          this.cancelTimer = undefined;
          this.serve();
        });
        return;
      }
      this.tokens = Math.max(0, this.tokens - head.n);
      this.waiters.shift();
      head.detach();
      head.resolve();
    }
  }

  private removeWaiter(waiter: Waiter): void {
    const i = this.waiters.indexOf(waiter);
    if (i < 0) return;
    this.waiters.splice(i, 1);
    waiter.detach();
    // The new head may fit right away (a large request gave up its place), or need another timer.
    if (i === 0) this.serve();
  }
}

/** Limits for one key. Each rate is per minute; a bucket holds one minute's worth (the burst). */
export interface RateLimit {
  /** Requests per minute. */
  readonly rpm?: number;
  /** Tokens (e.g. LLM tokens) per minute. */
  readonly tpm?: number;
}

export interface RateLimitRequest {
  /** Default 1. */
  readonly requests?: number;
  /** Estimated tokens; taken only when the key has a `tpm` limit. */
  readonly tokens?: number;
}

interface Buckets {
  readonly limit: RateLimit;
  readonly requests: TokenBucket | undefined;
  readonly tokens: TokenBucket | undefined;
}

export interface RateLimiterSnapshot {
  readonly rpm: number | null;
  readonly tpm: number | null;
  readonly availableRequests: number | null;
  readonly availableTokens: number | null;
  readonly waiting: number;
}

/**
 * Rate limits by key: an executor name, or any key a task names (`config.rateLimitKey`, e.g.
 * `llm:openai/gpt-4o`). Keys without a configured limit are unlimited. A request for more than one
 * minute's worth is clamped to the bucket's capacity: it waits for a full bucket and empties it.
 */
export class RateLimiterRegistry {
  private readonly limits = new Map<string, Buckets>();

  constructor(
    private readonly clock: Clock,
    limits: Readonly<Record<string, RateLimit>> = {},
  ) {
    for (const [key, limit] of Object.entries(limits)) this.set(key, limit);
  }

  /** Sets or (with undefined) removes a key's limit. Current waiters stay on the old buckets. */
  set(key: string, limit: RateLimit | undefined): void {
    if (limit === undefined) {
      this.limits.delete(key);
      return;
    }
    const bucket = (perMinute: number | undefined): TokenBucket | undefined =>
      perMinute === undefined
        ? undefined
        : new TokenBucket({ capacity: perMinute, refillPerSecond: perMinute / 60 }, this.clock);
    this.limits.set(key, { limit, requests: bucket(limit.rpm), tokens: bucket(limit.tpm) });
  }

  has(key: string): boolean {
    return this.limits.has(key);
  }

  /** Waits (FIFO per bucket) until the request fits every limit of `key`; abortable. */
  async acquire(key: string, request: RateLimitRequest = {}, signal?: AbortSignal): Promise<void> {
    const b = this.limits.get(key);
    if (b === undefined) {
      if (signal?.aborted === true) throw abortReason(signal);
      return;
    }
    const [r, t] = amounts(b, request);
    if (b.requests !== undefined) await b.requests.take(r, signal);
    if (b.tokens !== undefined) {
      try {
        await b.tokens.take(t, signal);
      } catch (err) {
        b.requests?.refund(r);
        throw err;
      }
    }
  }

  /** Takes from every bucket of `key` at once, or from none. */
  tryAcquire(key: string, request: RateLimitRequest = {}): boolean {
    const b = this.limits.get(key);
    if (b === undefined) return true;
    const [r, t] = amounts(b, request);
    if (b.requests !== undefined && !b.requests.tryTake(r)) return false;
    if (b.tokens !== undefined && !b.tokens.tryTake(t)) {
      b.requests?.refund(r);
      return false;
    }
    return true;
  }

  /** Milliseconds an `acquire` made now would wait at least. */
  waitTimeMs(key: string, request: RateLimitRequest = {}): number {
    const b = this.limits.get(key);
    if (b === undefined) return 0;
    const [r, t] = amounts(b, request);
    return Math.max(b.requests?.waitTimeMs(r) ?? 0, b.tokens?.waitTimeMs(t) ?? 0);
  }

  /** Gives back what was acquired for work that did not happen, or tokens estimated too high. */
  refund(key: string, request: RateLimitRequest): void {
    const b = this.limits.get(key);
    if (b === undefined) return;
    const [r, t] = amounts(b, request);
    b.requests?.refund(r);
    b.tokens?.refund(t);
  }

  snapshot(): Record<string, RateLimiterSnapshot> {
    const out: Record<string, RateLimiterSnapshot> = {};
    for (const [key, b] of this.limits) {
      const value: RateLimiterSnapshot = {
        rpm: b.limit.rpm ?? null,
        tpm: b.limit.tpm ?? null,
        availableRequests: b.requests?.available ?? null,
        availableTokens: b.tokens?.available ?? null,
        waiting: (b.requests?.waiting ?? 0) + (b.tokens?.waiting ?? 0),
      };
      Object.defineProperty(out, key, { value, enumerable: true, writable: true });
    }
    return out;
  }
}

function amounts(b: Buckets, request: RateLimitRequest): [requests: number, tokens: number] {
  const r = Math.min(request.requests ?? 1, b.requests?.capacity ?? Number.POSITIVE_INFINITY);
  const t = Math.min(request.tokens ?? 0, b.tokens?.capacity ?? Number.POSITIVE_INFINITY);
  return [r, t];
}
