/** Small pieces the engine assembles: the base expression context, run summaries, dead letters. */
import type { NewDeadLetter } from '../resilience/index.js';
import type { RunSummary } from './handlers/index.js';
import type { ErrorInfo } from './journal.js';
import type { EngineOptions } from './options.js';
import type { PlanTask } from './plan.js';
import type { RunState } from './run.js';

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
