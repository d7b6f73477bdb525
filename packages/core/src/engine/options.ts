/** What `createEngine` accepts, and what `start` and `run` take. */
import type { Clock } from '../clock.js';
import type { Resources } from '../definition/schema.js';
import type { ExecutorRegistry } from '../executors/registry.js';
import type {
  BackpressureOptions,
  CircuitBreakerOptions,
  DeadLetterQueue,
  RateLimit,
} from '../resilience/index.js';
import type { Store } from '../store/port.js';
import type { LogSink } from './attempt-context.js';
import type { AlertSink, HandlerDeps } from './handlers/index.js';
import type { TaskGate } from './approvals.js';
import type { Plan } from './plan.js';
import type { TaskRun } from './run.js';
import type { RunStatus } from './states.js';

export interface EngineOptions {
  readonly store?: Store;
  readonly clock?: Clock;
  /** Executors to use; the built-ins are registered when omitted. */
  readonly executors?: ExecutorRegistry;
  /** Attempts in flight at once across every run (default 256). */
  readonly maxConcurrentTasks?: number;
  /** Environment variables expressions may read: names, or prefixes ending in `*`. */
  readonly allowEnv?: readonly string[];
  /** Where allowed variables are read from (default `process.env`). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly secrets?: Readonly<Record<string, string>>;
  /** A circuit breaker per executor; `false` turns them off. */
  readonly circuitBreaker?: Partial<CircuitBreakerOptions> | false;
  /** What tasks may use at once: cpu cores, memory (bytes or `8Gi`), gpus. Unset: unlimited. */
  readonly capacity?: Resources;
  /** Token-bucket limits per executor name or per the `rateLimitKey` a task names. */
  readonly rateLimits?: Readonly<Record<string, RateLimit>>;
  /** Where failed tasks (with `failurePolicy.deadLetterQueue`) and dead-lettered runs go. */
  readonly deadLetters?: DeadLetterQueue;
  /**
   * Limits the runs in progress: at `highWatermark` a start is refused (`reject`, a
   * BackpressureError) or waits (`wait`, the run stays pending) until they are down to `lowWatermark`.
   */
  readonly backpressure?: BackpressureOptions;
  /**
   * How many finished runs the engine keeps (handles, results, and their journal in a store that
   * can forget). Older ones are dropped, so a long-lived engine's memory stays bounded. Default 1000.
   */
  readonly retainFinishedRuns?: number;
  /**
   * Asked before each task's first attempt: allow it, deny it (it fails, not retried), or hold it
   * until someone approves or rejects it (`engine.approve` / `reject`). See `approvals.ts`.
   */
  readonly taskGate?: TaskGate | undefined;
  /** Where `alert` event handlers send alerts; default: a structured log line. */
  readonly alertSink?: AlertSink;
  /** Webhook event handlers: retries, per-attempt timeout, and the fetch to use. */
  readonly webhooks?: Pick<HandlerDeps, 'webhookRetry' | 'webhookTimeoutMs' | 'fetch'>;
  readonly log?: LogSink;
  readonly hooks?: EngineHooks;
  /** Makes run ids; default `timeOrderedId` (UUID v7: later runs sort after earlier ones). */
  readonly idGenerator?: () => string;
  /** For jitter; tests pass a seeded one. */
  readonly random?: () => number;
  /** This process's name in run leases (default `host:pid:random`). */
  readonly owner?: string;
  /**
   * How long a lease on a run lasts without renewal (default 15 s): after a crash, another process
   * takes the run over this long after the last heartbeat at most.
   */
  readonly leaseTtlMs?: number;
  /** How often leases are renewed (default a third of the TTL). */
  readonly heartbeatMs?: number;
  /** How often control requests from other processes are looked for (default 200 ms). */
  readonly controlPollMs?: number;
  /**
   * A snapshot of a run after this many journal entries (default 1000) and at least
   * `snapshotIntervalMs` (default 5 s) after the last one: a snapshot costs time in proportion to
   * the run's size, so it is taken at most that often.
   */
  readonly snapshotEvery?: number;
  readonly snapshotIntervalMs?: number;
}

/** Integration hooks (seed §7.2). Errors they throw are logged, never fail a run. */
export interface EngineHooks {
  onTaskStart?(event: { runId: string; taskId: string; attempt: number }): void;
  onTaskComplete?(event: { runId: string; taskId: string; task: TaskRun }): void;
  onWorkflowComplete?(event: {
    runId: string;
    status: RunStatus;
    outputs: Record<string, unknown> | undefined;
  }): void;
}

/** What a definition may be given as: YAML/JSON text, a parsed document, or a compiled plan. */
export type DefinitionSource =
  string | Readonly<Record<string, unknown>> | readonly unknown[] | Plan;

export interface StartOptions {
  /** Pick a workflow when the definition holds several. */
  readonly workflow?: string;
  readonly runId?: string;
}
