/**
 * Retry policy arithmetic: merging the language's `retryPolicy` blocks, deciding whether an error
 * is worth another attempt, and how long to wait before it. Pure functions; the engine owns the
 * loop (and waits with `sleep(clock, ...)`).
 */
import type { RetryPolicy } from '../definition/schema.js';
import { parseDuration } from '../definition/units.js';
import { OrchestratorError } from '../errors.js';

export interface RetrySettings {
  /** Total attempts including the first; 1 means no retry. */
  readonly maxAttempts: number;
  readonly initialIntervalMs: number;
  readonly backoffMultiplier: number;
  /** Cap of the computed backoff, jitter included. */
  readonly maxIntervalMs: number;
  /** 0..1: the delay is spread uniformly over `[d·(1−jitter), d·(1+jitter)]`, then capped. */
  readonly jitter: number;
  /** When set, only errors whose code or name is listed are retried; undefined: the default rule. */
  readonly retryableErrors: readonly string[] | undefined;
}

/**
 * No retry unless a policy asks for it (`maxAttempts: 1`); when it does, backoff starts at 1s and
 * doubles up to 60s, without jitter.
 */
export const DEFAULT_RETRY: RetrySettings = Object.freeze({
  maxAttempts: 1,
  initialIntervalMs: 1000,
  backoffMultiplier: 2,
  maxIntervalMs: 60_000,
  jitter: 0,
  retryableErrors: undefined,
});

/** `jitter: true` in a workflow means ±20%. */
export const DEFAULT_JITTER = 0.2;

/** A rate limit's `retryAfterMs` is honoured up to this many times `maxIntervalMs`. */
export const RETRY_AFTER_CAP_FACTOR = 10;

/**
 * Errors that no policy retries, even when listed in `retryableErrors`: retrying cannot help
 * (bad credentials, a prompt that does not fit, invalid input) or must not happen (cancellation).
 */
export const NON_RETRYABLE_ERRORS: ReadonlySet<string> = new Set([
  'AuthError',
  'ContextLengthError',
  'InvalidInputError',
  'ValidationError',
  'Cancelled',
  // Decisions, not failures: trying again would only ask the same question.
  'PolicyDenied',
  'ApprovalRejected',
  'BudgetExceededError',
]);

/**
 * Merges policies field by field, later arguments winning (pass the workflow's default first, then
 * the task's). A `retryableErrors` list replaces an earlier one, it is not concatenated. Unparsable
 * durations (already reported by the validator) leave the earlier value in place.
 */
export function resolveRetrySettings(...policies: (RetryPolicy | undefined)[]): RetrySettings {
  let s: RetrySettings = DEFAULT_RETRY;
  for (const p of policies) {
    if (p === undefined) continue;
    s = {
      maxAttempts: p.maxAttempts ?? s.maxAttempts,
      initialIntervalMs: parseDuration(p.initialInterval) ?? s.initialIntervalMs,
      backoffMultiplier: p.backoffMultiplier ?? s.backoffMultiplier,
      maxIntervalMs: parseDuration(p.maxInterval) ?? s.maxIntervalMs,
      jitter: p.jitter === undefined ? s.jitter : jitterFraction(p.jitter),
      retryableErrors:
        p.retryableErrors === undefined ? s.retryableErrors : Object.freeze([...p.retryableErrors]),
    };
  }
  return Object.freeze(s);
}

function jitterFraction(jitter: boolean | number): number {
  if (jitter === true) return DEFAULT_JITTER;
  if (jitter === false) return 0;
  return clamp(jitter, 0, 1);
}

function clamp(x: number, lo: number, hi: number): number {
  return Number.isNaN(x) ? lo : Math.min(hi, Math.max(lo, x));
}

function stringProp(value: unknown, key: string): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const v = (value as Record<string, unknown>)[key];
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/** `.code` when it is a non-empty string, else `.name` (`TimeoutError`, `AbortError`), else `Error`. */
export function errorCode(err: unknown): string {
  return stringProp(err, 'code') ?? stringProp(err, 'name') ?? 'Error';
}

/** The identifiers a `retryableErrors` entry may match: the code and the name. */
function errorIds(err: unknown): string[] {
  const ids = [errorCode(err)];
  const name = stringProp(err, 'name');
  if (name !== undefined && name !== ids[0]) ids.push(name);
  return ids;
}

/**
 * Whether another attempt could succeed. Never for {@link NON_RETRYABLE_ERRORS}. With a
 * `retryableErrors` list: exactly the errors whose code or name is listed. Without one: an
 * OrchestratorError says so itself (`retryable`); any other throw (user code, network) is retried.
 */
export function isRetryable(settings: RetrySettings, err: unknown): boolean {
  const ids = errorIds(err);
  if (ids.some((id) => NON_RETRYABLE_ERRORS.has(id))) return false;
  if (settings.retryableErrors !== undefined) {
    const listed = settings.retryableErrors;
    return ids.some((id) => listed.includes(id));
  }
  if (err instanceof OrchestratorError) return err.retryable;
  return true;
}

/** A non-negative finite `retryAfterMs` carried by the error (rate limits, open circuits). */
export function retryAfterMs(err: unknown): number | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const v = (err as Record<string, unknown>).retryAfterMs;
  return typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : undefined;
}

/**
 * Milliseconds to wait after attempt `failedAttempt` (1-based) failed: `initial × multiplier^(n−1)`
 * capped at `maxIntervalMs`, spread by jitter and capped again, never negative. An error's
 * `retryAfterMs` raises the delay to at least that much, up to `RETRY_AFTER_CAP_FACTOR × max`.
 * The result may be fractional.
 */
export function nextDelayMs(
  settings: RetrySettings,
  failedAttempt: number,
  err?: unknown,
  random: () => number = Math.random,
): number {
  const max = Math.max(0, settings.maxIntervalMs);
  const exponent = Math.max(0, Math.floor(failedAttempt) - 1);
  const raw = Math.max(0, settings.initialIntervalMs) * settings.backoffMultiplier ** exponent;
  let delay = Number.isNaN(raw) ? 0 : Math.min(raw, max);
  const j = clamp(settings.jitter, 0, 1);
  if (j > 0) {
    const factor = 1 - j + 2 * j * clamp(random(), 0, 1);
    delay = Math.min(max, Math.max(0, delay * factor));
  }
  const after = retryAfterMs(err);
  if (after !== undefined) delay = Math.max(delay, Math.min(after, RETRY_AFTER_CAP_FACTOR * max));
  return delay;
}

/** Attempts are left after `failedAttempt` (1-based) and the error is retryable. */
export function shouldRetry(settings: RetrySettings, failedAttempt: number, err: unknown): boolean {
  return failedAttempt < settings.maxAttempts && isRetryable(settings, err);
}
