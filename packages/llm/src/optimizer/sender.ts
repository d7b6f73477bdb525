/**
 * Sends performance metrics to LLM-Auto-Optimizer (seed §7.3): metrics are buffered and POSTed in
 * batches, as `{ "metrics": [...] }` JSON, to `<url>/v1/metrics`, every `flushIntervalMs` and on
 * `flush()` / `close()`. A batch whose POST fails (network error, timeout, any status other than
 * 2xx) goes back to the front of the buffer and is tried again at the next flush; the buffer is
 * bounded (10 × `maxBatch`): beyond that the oldest metrics are dropped, with a warning. The API
 * key is sent as a bearer token and never logged. The timer is `unref()`'d: a sender never keeps
 * the process alive, so call `close()` before exiting to send what is left.
 */
import type { LogSink } from '@llm-orchestrator/core';

/** One metric as the optimizer receives it (what `llm-auto-optimizer:metric-collector` sends). */
export interface OptimizerMetric {
  readonly run_id: string;
  readonly workflow: string;
  readonly workflow_version: string;
  readonly labels: Readonly<Record<string, string>>;
  /** The task measured. */
  readonly task_id: string;
  /** The collector task that sent the metric. */
  readonly collector_task_id: string;
  /** ISO 8601 (UTC). */
  readonly timestamp: string;
  readonly provider: string;
  readonly model: string;
  /** 0..1, or null when no quality was measured. */
  readonly quality_score: number | null;
  /** USD as given to the collector (whether or not it was recorded in the usage log). */
  readonly cost_usd: number | null;
  readonly input_tokens: number | null;
  readonly output_tokens: number | null;
  readonly latency_ms: number | null;
  /** The collector's `metrics` input, as given (an evaluator's metrics, say). */
  readonly custom: Readonly<Record<string, unknown>>;
  /** The collector's `context` input. */
  readonly context: Readonly<Record<string, unknown>>;
}

export interface OptimizerSenderOptions {
  /** The optimizer's base URL; metrics go to `<url>/v1/metrics`. */
  readonly url: string;
  /** Sent as `Authorization: Bearer <apiKey>`; never logged. */
  readonly apiKey?: string;
  /** How often buffered metrics are sent (default 5000 ms). */
  readonly flushIntervalMs?: number;
  /** At most this many metrics per POST (default 500). The buffer keeps at most 10 × this. */
  readonly maxBatch?: number;
  /** How long one POST may take (default 5000 ms). */
  readonly timeoutMs?: number;
  /** The `fetch` to use (default: the global one). */
  readonly fetch?: typeof fetch;
  /** Where failures and dropped metrics are reported (default: nowhere). */
  readonly log?: LogSink;
}

export interface OptimizerSender {
  /** Buffers a metric for the next flush. After `close()`, the metric is dropped with a warning. */
  push(metric: OptimizerMetric): void;
  /**
   * Sends everything buffered, batch by batch, until the buffer is empty (true) or a POST fails
   * (false: that batch and the rest stay buffered). Never rejects. Flushes do not overlap: one
   * asked for while another is under way runs after it.
   */
  flush(): Promise<boolean>;
  /** Stops the timer and flushes one last time; later calls return the same promise. */
  close(): Promise<boolean>;
  /** How many metrics are waiting to be sent. */
  readonly pending: number;
}

const DEFAULT_FLUSH_INTERVAL_MS = 5000;
const DEFAULT_MAX_BATCH = 500;
const DEFAULT_TIMEOUT_MS = 5000;
/** The buffer keeps at most this many batches' worth of metrics. */
const BUFFERED_BATCHES = 10;

function positiveInteger(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 1) {
    throw new RangeError(`optimizer sender: ${name} must be a whole number ≥ 1; got ${value}`);
  }
  return value;
}

/** `<url>/v1/metrics`, from an http(s) base URL (with or without a trailing slash). */
function metricsEndpoint(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new RangeError(`optimizer sender: url must be an http(s) URL; got "${url}"`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new RangeError(`optimizer sender: url must be an http(s) URL; got "${url}"`);
  }
  return `${url.replace(/\/+$/, '')}/v1/metrics`;
}

/** The endpoint for messages: without user name, password, query or fragment. */
function describeEndpoint(endpoint: string): string {
  const u = new URL(endpoint);
  return `${u.protocol}//${u.host}${u.pathname}`;
}

function reason(err: unknown): string {
  if (err instanceof Error) {
    if (err.name === 'TimeoutError' || err.name === 'AbortError') return 'timed out';
    const cause = (err as { cause?: unknown }).cause;
    return cause instanceof Error ? `${err.message}: ${cause.message}` : err.message;
  }
  return String(err);
}

export function createOptimizerSender(options: OptimizerSenderOptions): OptimizerSender {
  const endpoint = metricsEndpoint(options.url);
  const where = describeEndpoint(endpoint);
  const flushIntervalMs = positiveInteger(
    options.flushIntervalMs,
    DEFAULT_FLUSH_INTERVAL_MS,
    'flushIntervalMs',
  );
  const maxBatch = positiveInteger(options.maxBatch, DEFAULT_MAX_BATCH, 'maxBatch');
  const timeoutMs = positiveInteger(options.timeoutMs, DEFAULT_TIMEOUT_MS, 'timeoutMs');
  const capacity = BUFFERED_BATCHES * maxBatch;
  const doFetch = options.fetch ?? fetch;
  const log: LogSink = options.log ?? (() => undefined);
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (options.apiKey !== undefined && options.apiKey !== '') {
    headers.authorization = `Bearer ${options.apiKey}`;
  }

  let buffer: OptimizerMetric[] = [];
  let flushing: Promise<boolean> | undefined;
  let closing: Promise<boolean> | undefined;

  /** Drops the oldest metrics beyond the capacity. */
  function bound(): void {
    const excess = buffer.length - capacity;
    if (excess <= 0) return;
    buffer = buffer.slice(excess);
    log('warn', 'optimizer metrics dropped: the buffer is full', {
      dropped: excess,
      capacity,
      endpoint: where,
    });
  }

  /** POSTs one batch; true when the optimizer took it (2xx). */
  async function post(batch: readonly OptimizerMetric[]): Promise<boolean> {
    try {
      const response = await doFetch(endpoint, {
        method: 'POST',
        headers,
        body: JSON.stringify({ metrics: batch }),
        signal: AbortSignal.timeout(timeoutMs),
      });
      // The body is not needed; reading it frees the connection.
      await response.arrayBuffer().catch(() => undefined);
      if (response.ok) return true;
      log('warn', 'optimizer metrics not accepted; they are kept for the next flush', {
        status: response.status,
        metrics: batch.length,
        endpoint: where,
      });
      return false;
    } catch (err) {
      log('warn', 'sending optimizer metrics failed; they are kept for the next flush', {
        error: reason(err),
        metrics: batch.length,
        endpoint: where,
      });
      return false;
    }
  }

  async function sendAll(): Promise<boolean> {
    while (buffer.length > 0) {
      const batch = buffer.slice(0, maxBatch);
      buffer = buffer.slice(batch.length);
      if (!(await post(batch))) {
        // Back to the front, ahead of what was pushed meanwhile; the oldest go first if full.
        buffer = [...batch, ...buffer];
        bound();
        return false;
      }
      log('debug', 'optimizer metrics sent', { metrics: batch.length, endpoint: where });
    }
    return true;
  }

  function flush(): Promise<boolean> {
    const previous = flushing ?? Promise.resolve(true);
    const next = previous.then(sendAll, sendAll);
    flushing = next;
    void next.finally(() => {
      if (flushing === next) flushing = undefined;
    });
    return next;
  }

  const timer = setInterval(() => {
    // A flush still under way (a slow optimizer) is not queued behind.
    if (flushing === undefined && buffer.length > 0) void flush();
  }, flushIntervalMs);
  timer.unref();

  return {
    push(metric) {
      if (closing !== undefined) {
        log('warn', 'optimizer metric dropped: the sender is closed', { endpoint: where });
        return;
      }
      buffer.push(metric);
      bound();
    },
    flush,
    close() {
      if (closing === undefined) {
        clearInterval(timer);
        closing = flush();
      }
      return closing;
    },
    get pending() {
      return buffer.length;
    },
  };
}
