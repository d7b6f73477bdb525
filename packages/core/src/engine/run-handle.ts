/** The handle of a run: wait for it, watch it, and control it (cancel, pause, resume, retry). */
import { OrchestratorError } from '../errors.js';
import type { EngineEvent, EventBus } from './bus.js';
import type { RunState, TaskRun } from './run.js';
import type { Scheduler } from './scheduler.js';
import { TERMINAL_RUN_STATES, type RunStatus } from './states.js';

export interface RunResult {
  readonly runId: string;
  readonly status: RunStatus;
  readonly outputs: Readonly<Record<string, unknown>>;
  readonly error?: { readonly code: string; readonly message: string };
  readonly tasks: readonly TaskRun[];
}

export interface RunHandle {
  readonly id: string;
  wait(): Promise<RunResult>;
  status(): RunStatus;
  result(): RunResult;
  cancel(reason?: string): void;
  pause(): void;
  resume(): void;
  /** Runs a failed, timed-out or cancelled run again, from `fromTask` (default: what did not complete). */
  retry(fromTask?: string): void;
  events(): AsyncIterableIterator<EngineEvent>;
}

export function snapshot(run: RunState): RunResult {
  return {
    runId: run.id,
    status: run.status,
    outputs: run.outputs ?? {},
    ...(run.error === undefined
      ? {}
      : { error: { code: run.error.code, message: run.error.message } }),
    tasks: run.tasks,
  };
}

/** The events of a run that ended before anyone listened: its final status. */
async function* finished(run: RunState): AsyncIterableIterator<EngineEvent> {
  await Promise.resolve();
  yield {
    type: 'run.status',
    runId: run.id,
    status: run.status,
    at: run.endedAt ?? run.createdAt,
    ...(run.error === undefined ? {} : { error: run.error }),
  };
}

export function createRunHandle(run: RunState, scheduler: Scheduler, bus: EventBus): RunHandle {
  const requireStatus = (allowed: readonly RunStatus[], what: string): void => {
    if (!allowed.includes(run.status)) {
      throw new OrchestratorError(
        'INVALID_RUN_STATE',
        `cannot ${what} run ${run.id}: it is ${run.status}`,
      );
    }
  };
  return {
    id: run.id,
    wait: async () => {
      await scheduler.whenDone(run);
      return snapshot(run);
    },
    status: () => run.status,
    result: () => snapshot(run),
    cancel: (reason = 'cancelled by request') => {
      if (TERMINAL_RUN_STATES.has(run.status)) return;
      scheduler.stopRun(run, 'cancelled', { code: 'Cancelled', message: reason });
    },
    pause: () => {
      requireStatus(['running'], 'pause');
      scheduler.pause(run);
    },
    resume: () => {
      requireStatus(['paused'], 'resume');
      scheduler.resume(run);
    },
    retry: (fromTask?: string) => {
      requireStatus(['failed', 'timed_out', 'cancelled'], 'retry');
      let from: number[];
      if (fromTask === undefined) {
        from = run.tasks.flatMap((t, i) => (t.status === 'completed' ? [] : [i]));
      } else {
        const task = run.plan.byId.get(fromTask);
        if (task === undefined)
          throw new OrchestratorError('UNKNOWN_TASK', `run ${run.id} has no task \`${fromTask}\``);
        from = [task.index];
      }
      scheduler.retry(run, from);
    },
    events: () => {
      if (TERMINAL_RUN_STATES.has(run.status)) return finished(run);
      return bus.stream(
        (e) => e.runId === run.id,
        (e) => e.type === 'run.status' && TERMINAL_RUN_STATES.has(e.status),
      );
    },
  };
}
