/**
 * Small pieces the engine assembles: the base expression context, the scheduler's limits, run
 * summaries, dead letters, the user's hooks.
 */
import type { Clock } from '../clock.js';
import {
  CircuitBreakerRegistry,
  RateLimiterRegistry,
  ResourcePool,
  resourceRequest,
  type NewDeadLetter,
} from '../resilience/index.js';
import { Admissions } from './admission.js';
import type { LogSink } from './attempt-context.js';
import type { RunSummary } from './handlers/index.js';
import type { ErrorInfo } from './journal.js';
import type { EngineHooks, EngineOptions } from './options.js';
import type { PlanTask } from './plan.js';
import type { RunState } from './run.js';
import type { SchedulerHooks, SchedulerOptions } from './scheduler-core.js';

/** What every run's expressions see besides its own state: allowed env vars, secrets, system. */
export function baseContext(
  options: Pick<EngineOptions, 'env' | 'secrets'>,
  allow: readonly string[],
  now: number,
): Readonly<Record<string, unknown>> {
  const source = options.env ?? process.env;
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(source)) {
    if (
      v !== undefined &&
      allow.some((a) => (a.endsWith('*') ? k.startsWith(a.slice(0, -1)) : a === k))
    )
      env[k] = v;
  }
  return {
    env,
    secrets: { ...options.secrets },
    system: {
      timestamp: new Date(now).toISOString(),
      user: process.env.USER ?? 'unknown',
      environment: process.env.NODE_ENV ?? 'development',
    },
  };
}

/** The scheduler's limits from the engine options: breakers, concurrency, admissions, gate. */
export function schedulerLimits(
  options: EngineOptions,
  clock: Clock,
): Pick<SchedulerOptions, 'breakers' | 'maxConcurrentTasks' | 'random' | 'admissions' | 'gate'> {
  return {
    breakers:
      options.circuitBreaker === false
        ? undefined
        : new CircuitBreakerRegistry(clock, { defaults: options.circuitBreaker ?? {} }),
    maxConcurrentTasks: options.maxConcurrentTasks ?? 256,
    random: options.random ?? Math.random,
    admissions: new Admissions(
      options.capacity === undefined
        ? undefined
        : new ResourcePool(resourceRequest(options.capacity)),
      options.rateLimits === undefined
        ? undefined
        : new RateLimiterRegistry(clock, options.rateLimits),
    ),
    gate: options.taskGate,
  };
}

/** How a run ended, for its `events` handlers. */
export function runSummary(run: RunState): RunSummary {
  return {
    runId: run.id,
    workflow: { name: run.plan.name, version: run.plan.version },
    labels: run.plan.labels,
    status: run.status,
    inputs: { ...run.inputs },
    outputs: run.outputs ?? null,
    error: run.error === undefined ? null : { code: run.error.code, message: run.error.message },
    ...(run.startedAt === undefined ? {} : { startedAt: run.startedAt }),
    ...(run.endedAt === undefined ? {} : { endedAt: run.endedAt }),
    tasks: run.tasks.map((t) => ({
      id: t.id,
      status: t.status,
      attempts: t.attempts.length,
      ...(t.error === null ? {} : { error: { code: t.error.code, message: t.error.message } }),
    })),
  };
}

/** The dead letter of a task that failed for good. */
export function taskDeadLetter(run: RunState, task: PlanTask, error: ErrorInfo): NewDeadLetter {
  return {
    kind: 'task',
    runId: run.id,
    taskId: task.id,
    workflow: { name: run.plan.name, version: run.plan.version },
    inputs: run.inputs,
    error: { code: error.code, message: error.message },
    attempts: run.task(task.index).attempts.map((a) => ({
      attempt: a.attempt,
      startedAt: a.startedAt,
      endedAt: a.endedAt ?? a.startedAt,
      ...(a.error === undefined ? {} : { error: { code: a.error.code, message: a.error.message } }),
    })),
    queue: 'default',
  };
}

function safely(log: LogSink, what: string, fn: () => void): void {
  try {
    fn();
  } catch (err) {
    log('error', `${what} failed`, { error: err instanceof Error ? err.message : String(err) });
  }
}

/** The user's hooks as the scheduler calls them: a hook that throws is logged, never fatal. */
export function userHooks(
  h: EngineHooks,
  log: LogSink,
): Required<Pick<SchedulerHooks, 'onTaskStart' | 'onTaskComplete' | 'onRunComplete'>> {
  return {
    onTaskStart: (run, taskId, attempt) => {
      if (h.onTaskStart)
        safely(log, 'onTaskStart hook', () => h.onTaskStart?.({ runId: run.id, taskId, attempt }));
    },
    onTaskComplete: (run, taskId) => {
      if (h.onTaskComplete)
        safely(log, 'onTaskComplete hook', () =>
          h.onTaskComplete?.({
            runId: run.id,
            taskId,
            task: run.task(run.plan.byId.get(taskId)?.index ?? 0),
          }),
        );
    },
    onRunComplete: (run) => {
      if (h.onWorkflowComplete)
        safely(log, 'onWorkflowComplete hook', () =>
          h.onWorkflowComplete?.({ runId: run.id, status: run.status, outputs: run.outputs }),
        );
    },
  };
}
