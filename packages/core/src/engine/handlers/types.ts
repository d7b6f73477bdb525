/** The types shared by the event handlers (`spec.events`): what they get and what they report. */
import type { Clock } from '../../clock.js';
import type { EVENT_NAMES } from '../../definition/schema.js';
import type { ExecutorRegistry } from '../../executors/registry.js';
import type { DeadLetterQueue, RetrySettings } from '../../resilience/index.js';
import type { LogSink } from '../attempt-context.js';

/** `onSuccess`, `onFailure`, `onTimeout` or `onCancel`. */
export type RunEventName = (typeof EVENT_NAMES)[number];

export type AlertSeverity = 'low' | 'medium' | 'high' | 'critical';

/** One alert raised by an `alert` handler, as handed to the {@link AlertSink}. */
export interface AlertEvent {
  runId: string;
  workflow: { name: string; version: string };
  event: RunEventName;
  /** `slack`, `email`, `pagerduty` or `log` (the default). */
  channel: string;
  severity: AlertSeverity;
  message: string;
  /** Clock time when raised. */
  at: number;
}

/** Delivers alerts (to Slack, a pager, a log...). A throw or rejection fails the handler only. */
export type AlertSink = (alert: AlertEvent) => void | Promise<void>;

export interface HandlerDeps {
  clock: Clock;
  log: LogSink;
  alertSink: AlertSink;
  deadLetters: DeadLetterQueue;
  executors: ExecutorRegistry;
  /** Default `globalThis.fetch` (read at call time). */
  fetch?: typeof fetch;
  /** Merged over {@link DEFAULT_WEBHOOK_RETRY}: 3 attempts, 500ms initial, ×2, at most 10s. */
  webhookRetry?: Partial<RetrySettings>;
  /** Timeout of each webhook attempt; default 10 000 ms. */
  webhookTimeoutMs?: number;
}

export interface ErrorSummary {
  code: string;
  message: string;
}

/** What the handlers know of the run that ended. Also the default webhook body (as JSON). */
export interface RunSummary {
  runId: string;
  workflow: { name: string; version: string };
  /** The workflow's `metadata.labels`. */
  labels?: Readonly<Record<string, string>>;
  /** The run's final status: `completed`, `failed`, `timed_out`, `cancelled`. */
  status: string;
  inputs: Record<string, unknown>;
  outputs: Record<string, unknown> | null;
  error: ErrorSummary | null;
  startedAt?: number;
  endedAt?: number;
  tasks: { id: string; status: string; attempts: number; error?: ErrorSummary }[];
}

/** The result of one handler, in handler order. `error` is the failure message when not ok. */
export interface HandlerOutcome {
  type: string;
  ok: boolean;
  error?: string;
}

/** Where a handler runs: what it is for, which handler of the list it is, and its dependencies. */
export interface HandlerCall {
  readonly event: RunEventName;
  /** 0-based position in the event's handler list. */
  readonly index: number;
  readonly summary: RunSummary;
  readonly context: Readonly<Record<string, unknown>>;
  readonly deps: HandlerDeps;
  readonly signal: AbortSignal | undefined;
}

/** `<runId>:<event>:<handler index>`: the same on every retry of a handler. */
export function handlerIdempotencyKey(call: HandlerCall): string {
  return `${call.summary.runId}:${call.event}:${call.index}`;
}
