/**
 * Backpressure on a queue's depth, with hysteresis: saturated once the depth reaches
 * `highWatermark`, and stays so until it has fallen to `lowWatermark`, so admission does not
 * flap around a single threshold.
 */
import { OrchestratorError } from '../errors.js';
import { abortReason } from './abort.js';

export const BACKPRESSURE_MODES = ['reject', 'wait'] as const;
export type BackpressureMode = (typeof BACKPRESSURE_MODES)[number];

export interface BackpressureOptions {
  /** Depth at which admission stops (> 0). */
  readonly highWatermark: number;
  /** Depth at or below which admission resumes (0 <= low <= high). */
  readonly lowWatermark: number;
  /** `reject`: `admit` throws BackpressureError when saturated; `wait`: it waits its turn. */
  readonly mode: BackpressureMode;
}

export interface BackpressureStats {
  readonly depth: number;
  readonly saturated: boolean;
  /** `admit` calls waiting (wait mode). */
  readonly waiting: number;
  readonly highWatermark: number;
  readonly lowWatermark: number;
  readonly mode: BackpressureMode;
  readonly admitted: number;
  readonly rejected: number;
}

interface Waiter {
  readonly n: number;
  readonly resolve: () => void;
  readonly detach: () => void;
}

/**
 * `admit(signal, n)` counts the admitted items into the depth itself (so that waiters woken
 * together cannot overshoot the high watermark); the caller `decrement`s when they leave the
 * queue. `increment` adds depth without asking (work that must not be refused, e.g. retries).
 */
export class Backpressure {
  readonly highWatermark: number;
  readonly lowWatermark: number;
  readonly mode: BackpressureMode;
  private depth = 0;
  private saturated = false;
  private readonly waiters: Waiter[] = [];
  private admitted = 0;
  private rejected = 0;

  constructor(options: BackpressureOptions) {
    const { highWatermark: high, lowWatermark: low, mode } = options;
    if (!(Number.isFinite(high) && high > 0 && Number.isFinite(low) && low >= 0 && low <= high)) {
      throw new OrchestratorError(
        'InvalidInputError',
        `backpressure watermarks must satisfy 0 <= low (${low}) <= high (${high}), high > 0`,
      );
    }
    if (!BACKPRESSURE_MODES.includes(mode)) {
      throw new OrchestratorError('InvalidInputError', `unknown backpressure mode "${mode}"`);
    }
    this.highWatermark = high;
    this.lowWatermark = low;
    this.mode = mode;
  }

  /** Whether `admit` would refuse or wait now. */
  get isSaturated(): boolean {
    return this.saturated;
  }

  get currentDepth(): number {
    return this.depth;
  }

  increment(n = 1): void {
    checkCount(n);
    this.depth += n;
    this.update();
  }

  /** Decreasing below zero throws: it is an accounting bug. */
  decrement(n = 1): void {
    checkCount(n);
    if (n > this.depth) {
      throw new OrchestratorError(
        'InternalError',
        `backpressure: decrementing depth ${this.depth} by ${n}`,
      );
    }
    this.depth -= n;
    this.update();
    this.wake();
  }

  /**
   * Admits `n` items (default 1) and adds them to the depth. Saturated: in reject mode throws a
   * BackpressureError; in wait mode waits, first come first served, until depth is back to the low
   * watermark. Aborting `signal` rejects with its reason and leaves the queue.
   */
  async admit(signal?: AbortSignal, n = 1): Promise<void> {
    checkCount(n);
    if (signal?.aborted === true) throw abortReason(signal);
    if (!this.saturated && this.waiters.length === 0) {
      this.accept(n);
      return;
    }
    if (this.mode === 'reject') {
      this.rejected++;
      throw new OrchestratorError(
        'BackpressureError',
        `queue is saturated: depth ${this.depth} reached the high watermark ${this.highWatermark} ` +
          `and admission resumes at ${this.lowWatermark}`,
        { retryable: true, hint: 'retry later, or raise the queue limit (high watermark)' },
      );
    }
    await new Promise<void>((resolve, reject) => {
      const onAbort = (): void => {
        const i = this.waiters.indexOf(waiter);
        if (i >= 0) this.waiters.splice(i, 1);
        reject(abortReason(signal as AbortSignal));
      };
      const waiter: Waiter = {
        n,
        resolve,
        detach: () => signal?.removeEventListener('abort', onAbort),
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiters.push(waiter);
    });
  }

  stats(): BackpressureStats {
    return {
      depth: this.depth,
      saturated: this.saturated,
      waiting: this.waiters.length,
      highWatermark: this.highWatermark,
      lowWatermark: this.lowWatermark,
      mode: this.mode,
      admitted: this.admitted,
      rejected: this.rejected,
    };
  }

  private accept(n: number): void {
    this.admitted++;
    this.depth += n;
    this.update();
  }

  private update(): void {
    if (this.depth >= this.highWatermark) this.saturated = true;
    else if (this.depth <= this.lowWatermark) this.saturated = false;
  }

  /** Lets waiters in, in order, while not saturated (each admission may saturate again). */
  private wake(): void {
    while (!this.saturated) {
      const head = this.waiters.shift();
      if (head === undefined) return;
      head.detach();
      this.accept(head.n);
      head.resolve();
    }
  }
}

function checkCount(n: number): void {
  if (!(Number.isFinite(n) && n >= 0)) {
    throw new OrchestratorError('InvalidInputError', `backpressure: invalid count ${n}`);
  }
}
