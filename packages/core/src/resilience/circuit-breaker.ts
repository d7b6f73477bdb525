/**
 * Circuit breaker: stops calling a dependency (an executor, a provider) that keeps failing, and
 * lets a few trial calls through after a cool-down to find out whether it recovered.
 *
 *   closed ──(failureThreshold consecutive failures, or failure rate over the window)──▶ open
 *   open ──(resetTimeoutMs elapsed on the clock, noticed lazily on the next read)──▶ half-open
 *   half-open ──(successThreshold successes)──▶ closed;  half-open ──(any failure)──▶ open
 */
import type { Clock } from '../clock.js';
import { OrchestratorError } from '../errors.js';
import { CircuitOpenError, type CircuitState } from './circuit-open-error.js';

/** Opens the circuit when, over the last `windowSize` calls, `failures / windowSize >= failureRate`. */
export interface FailureRateWindow {
  /** Number of most recent outcomes considered; the rule applies only once that many were seen. */
  readonly windowSize: number;
  /** 0 < rate <= 1. */
  readonly failureRate: number;
}

export interface CircuitBreakerOptions {
  /** Consecutive failures that open a closed circuit. Default 5. */
  readonly failureThreshold?: number;
  /** Optional second opening rule, on the failure rate of the last calls. */
  readonly failureRateWindow?: FailureRateWindow;
  /** Time spent open before trial calls are let through. Default 30 000 ms. */
  readonly resetTimeoutMs?: number;
  /** Trial calls admitted at once while half-open. Default 1. */
  readonly halfOpenMaxCalls?: number;
  /** Trial successes that close a half-open circuit. Default 1. */
  readonly successThreshold?: number;
  /** Shown in errors (`CircuitOpenError`); the registry sets it to the key. */
  readonly name?: string;
}

export const DEFAULT_CIRCUIT_BREAKER = Object.freeze({
  failureThreshold: 5,
  resetTimeoutMs: 30_000,
  halfOpenMaxCalls: 1,
  successThreshold: 1,
});

export interface CircuitStateChange {
  readonly from: CircuitState;
  readonly to: CircuitState;
  /** Clock time at which the change was made (for open → half-open: when it was noticed). */
  readonly at: number;
}

export interface CircuitBreakerSnapshot {
  readonly name: string | null;
  readonly state: CircuitState;
  /** Consecutive failures while closed. */
  readonly failures: number;
  readonly openedAt: number | null;
  /** Milliseconds until an open circuit turns half-open; 0 otherwise. */
  readonly retryAfterMs: number;
  readonly halfOpenInFlight: number;
  readonly halfOpenSuccesses: number;
  /** Outcomes and failures in the failure-rate window, when one is configured. */
  readonly window: { readonly calls: number; readonly failures: number } | null;
  readonly totals: {
    readonly successes: number;
    readonly failures: number;
    readonly rejected: number;
  };
}

function invalid(message: string): OrchestratorError {
  return new OrchestratorError('InvalidInputError', `circuit breaker: ${message}`);
}

function positiveInt(value: number, what: string): number {
  if (!Number.isInteger(value) || value < 1) throw invalid(`${what} must be an integer >= 1`);
  return value;
}

/**
 * Outcomes are attributed to the state the breaker is in when they are recorded: a late result of
 * a call admitted while closed counts as a trial if it arrives while half-open, and is ignored
 * while open. Listeners must not throw (their errors are swallowed).
 */
export class CircuitBreaker {
  readonly name: string | undefined;
  private readonly failureThreshold: number;
  private readonly resetTimeoutMs: number;
  private readonly halfOpenMaxCalls: number;
  private readonly successThreshold: number;
  private readonly window: FailureRateWindow | undefined;

  private current: CircuitState = 'closed';
  private consecutiveFailures = 0;
  private openedAt: number | undefined;
  private trialsInFlight = 0;
  private trialSuccesses = 0;
  /** Ring buffer of the last outcomes (true = failure). */
  private outcomes: boolean[] = [];
  private outcomeIndex = 0;
  private windowFailures = 0;
  private totals = { successes: 0, failures: 0, rejected: 0 };
  private readonly listeners = new Set<(change: CircuitStateChange) => void>();

  constructor(
    private readonly clock: Clock,
    options: CircuitBreakerOptions = {},
  ) {
    const d = DEFAULT_CIRCUIT_BREAKER;
    this.name = options.name;
    this.failureThreshold = positiveInt(
      options.failureThreshold ?? d.failureThreshold,
      'failureThreshold',
    );
    this.halfOpenMaxCalls = positiveInt(
      options.halfOpenMaxCalls ?? d.halfOpenMaxCalls,
      'halfOpenMaxCalls',
    );
    this.successThreshold = positiveInt(
      options.successThreshold ?? d.successThreshold,
      'successThreshold',
    );
    this.resetTimeoutMs = options.resetTimeoutMs ?? d.resetTimeoutMs;
    if (!Number.isFinite(this.resetTimeoutMs) || this.resetTimeoutMs < 0) {
      throw invalid('resetTimeoutMs must be a finite number >= 0');
    }
    const w = options.failureRateWindow;
    if (w !== undefined) {
      positiveInt(w.windowSize, 'failureRateWindow.windowSize');
      if (!(w.failureRate > 0 && w.failureRate <= 1)) {
        throw invalid('failureRateWindow.failureRate must be in (0, 1]');
      }
      this.window = { windowSize: w.windowSize, failureRate: w.failureRate };
    }
  }

  /** The current state; an open circuit whose timeout has elapsed turns half-open on this read. */
  get state(): CircuitState {
    this.refresh();
    return this.current;
  }

  /** Asks to make a call. False when open, or half-open with every trial slot taken. */
  tryAcquire(): boolean {
    this.refresh();
    if (this.current === 'closed') return true;
    if (this.current === 'half-open' && this.trialsInFlight < this.halfOpenMaxCalls) {
      this.trialsInFlight++;
      return true;
    }
    this.totals.rejected++;
    return false;
  }

  recordSuccess(): void {
    this.refresh();
    this.totals.successes++;
    if (this.current === 'closed') {
      this.consecutiveFailures = 0;
      this.pushOutcome(false);
    } else if (this.current === 'half-open') {
      if (this.trialsInFlight > 0) this.trialsInFlight--;
      this.trialSuccesses++;
      if (this.trialSuccesses >= this.successThreshold) this.transition('closed');
    }
  }

  recordFailure(): void {
    this.refresh();
    this.totals.failures++;
    if (this.current === 'closed') {
      this.consecutiveFailures++;
      this.pushOutcome(true);
      if (this.consecutiveFailures >= this.failureThreshold || this.rateTripped()) {
        this.transition('open');
      }
    } else if (this.current === 'half-open') {
      this.transition('open');
    }
  }

  /** A call that neither succeeded nor failed (cancelled, or an error that says nothing about health). */
  release(): void {
    this.refresh();
    if (this.current === 'half-open' && this.trialsInFlight > 0) this.trialsInFlight--;
  }

  /** Milliseconds until an open circuit admits trial calls; 0 when not open. */
  retryAfterMs(): number {
    this.refresh();
    if (this.current !== 'open' || this.openedAt === undefined) return 0;
    return Math.max(0, this.openedAt + this.resetTimeoutMs - this.clock.now());
  }

  /** The error to throw when `tryAcquire()` said no. */
  openError(): CircuitOpenError {
    const wait = this.retryAfterMs();
    return new CircuitOpenError(this.name, wait, this.current);
  }

  /**
   * Runs `fn` through the breaker: throws CircuitOpenError when refused, records the outcome.
   * Errors for which `isFailure` says false are neutral (`release()`); by default every error
   * counts except cancellations (`AbortError`, code `Cancelled`).
   */
  async execute<T>(fn: () => T | Promise<T>, isFailure = defaultIsFailure): Promise<T> {
    if (!this.tryAcquire()) throw this.openError();
    let result: T;
    try {
      result = await fn();
    } catch (err) {
      if (isFailure(err)) this.recordFailure();
      else this.release();
      throw err;
    }
    this.recordSuccess();
    return result;
  }

  /** Called on every state change; returns a function that unsubscribes. */
  onStateChange(listener: (change: CircuitStateChange) => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  snapshot(): CircuitBreakerSnapshot {
    const retryAfter = this.retryAfterMs();
    return {
      name: this.name ?? null,
      state: this.current,
      failures: this.consecutiveFailures,
      openedAt: this.openedAt ?? null,
      retryAfterMs: retryAfter,
      halfOpenInFlight: this.trialsInFlight,
      halfOpenSuccesses: this.trialSuccesses,
      window:
        this.window === undefined
          ? null
          : { calls: this.outcomes.length, failures: this.windowFailures },
      totals: { ...this.totals },
    };
  }

  private refresh(): void {
    if (
      this.current === 'open' &&
      this.openedAt !== undefined &&
      this.clock.now() >= this.openedAt + this.resetTimeoutMs
    ) {
      this.transition('half-open');
    }
  }

  private pushOutcome(failure: boolean): void {
    const w = this.window;
    if (w === undefined) return;
    if (this.outcomes.length < w.windowSize) {
      this.outcomes.push(failure);
    } else {
      if (this.outcomes[this.outcomeIndex] === true) this.windowFailures--;
      this.outcomes[this.outcomeIndex] = failure;
      this.outcomeIndex = (this.outcomeIndex + 1) % w.windowSize;
    }
    if (failure) this.windowFailures++;
  }

  private rateTripped(): boolean {
    const w = this.window;
    if (w === undefined || this.outcomes.length < w.windowSize) return false;
    return this.windowFailures / w.windowSize >= w.failureRate;
  }

  private transition(to: CircuitState): void {
    const from = this.current;
    const at = this.clock.now();
    this.current = to;
    this.trialsInFlight = 0;
    this.trialSuccesses = 0;
    if (to === 'open') {
      this.openedAt = at;
    } else if (to === 'closed') {
      this.openedAt = undefined;
      this.consecutiveFailures = 0;
      this.outcomes = [];
      this.outcomeIndex = 0;
      this.windowFailures = 0;
    }
    const change: CircuitStateChange = { from, to, at };
    for (const listener of [...this.listeners]) {
      try {
        listener(change);
      } catch {
        // A listener's bug must not break the breaker's accounting.
      }
    }
  }
}

function defaultIsFailure(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return true;
  const { name, code } = err as { name?: unknown; code?: unknown };
  return name !== 'AbortError' && code !== 'Cancelled';
}
