/** The handle of a run: wait for it, watch it, and control it (cancel, pause, resume, retry). */
import { OrchestratorError } from '../errors.js';
import type { ControlCommand } from '../store/port.js';
import type { Decision } from './approvals.js';
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
  /** The workflow's name and version. */
  readonly workflow: { readonly name: string; readonly version: string };
  /** When the run was created (ms since the epoch). */
  readonly createdAt: number;
  /**
   * Resolves once the run's creation is committed to the store (a crash from then on does not lose
   * the run); rejects with the store's error when it could not be written.
   */
  created(): Promise<void>;
  wait(): Promise<RunResult>;
  status(): RunStatus;
  result(): RunResult;
  cancel(reason?: string): void;
  pause(): void;
  resume(): void;
  /** Runs a finished run again, from `fromTask` (default: what did not complete). */
  retry(fromTask?: string): void;
  /** Lets a task waiting for approval run; throws `NOT_WAITING` if it is not waiting. */
  approve(taskId: string, decision?: Decision): void;
  /** Fails a task waiting for approval with `ApprovalRejected` (its fallback applies). */
  reject(taskId: string, decision?: Decision): void;
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

/** A class, so that a handle costs one object: its methods live on the prototype. */
class Handle implements RunHandle {
  constructor(
    private readonly run: RunState,
    private readonly scheduler: Scheduler,
    private readonly bus: EventBus,
  ) {}

  get id(): string {
    return this.run.id;
  }

  get workflow(): { readonly name: string; readonly version: string } {
    return this.run.plan;
  }

  get createdAt(): number {
    return this.run.createdAt;
  }

  created(): Promise<void> {
    return this.run.created;
  }

  async wait(): Promise<RunResult> {
    // A hook or listener may retry the run as it ends: wait for the end that sticks.
    do {
      await this.scheduler.whenDone(this.run);
      const lost = this.run.lost;
      if (lost !== undefined) {
        throw new OrchestratorError(
          lost.code,
          `run ${this.run.id} was given up by this process: ${lost.message}`,
          { hint: 'it continues from its journal on the next process that takes it over' },
        );
      }
    } while (!TERMINAL_RUN_STATES.has(this.run.status));
    return snapshot(this.run);
  }

  status(): RunStatus {
    return this.run.status;
  }

  result(): RunResult {
    return snapshot(this.run);
  }

  cancel(reason = 'cancelled by request'): void {
    if (TERMINAL_RUN_STATES.has(this.run.status)) return;
    this.scheduler.stopRun(this.run, 'cancelled', { code: 'Cancelled', message: reason });
  }

  pause(): void {
    this.require(['running', 'pending'], 'pause');
    this.scheduler.pause(this.run);
  }

  resume(): void {
    this.require(['paused'], 'resume');
    this.scheduler.resume(this.run);
  }

  retry(fromTask?: string): void {
    const run = this.run;
    this.require(['failed', 'timed_out', 'cancelled', 'completed'], 'retry');
    let from: number[];
    if (fromTask === undefined) {
      from = run.tasks.flatMap((t, i) => (t.status === 'completed' ? [] : [i]));
    } else {
      const task = run.plan.byId.get(fromTask);
      if (task === undefined) {
        throw new OrchestratorError('UNKNOWN_TASK', `run ${run.id} has no task \`${fromTask}\``);
      }
      from = [task.index];
    }
    this.scheduler.retry(run, from);
  }

  approve(taskId: string, decision: Decision = {}): void {
    this.scheduler.decide(this.run, taskId, 'approved', decision.actor, decision.comment);
  }

  reject(taskId: string, decision: Decision = {}): void {
    this.scheduler.decide(this.run, taskId, 'rejected', decision.actor, decision.comment);
  }

  events(): AsyncIterableIterator<EngineEvent> {
    const run = this.run;
    if (TERMINAL_RUN_STATES.has(run.status)) return finished(run);
    return this.bus.stream(
      (e) => e.runId === run.id,
      (e) => e.type === 'run.status' && TERMINAL_RUN_STATES.has(e.status),
    );
  }

  private require(allowed: readonly RunStatus[], what: string): void {
    if (!allowed.includes(this.run.status)) {
      throw new OrchestratorError(
        'INVALID_RUN_STATE',
        `cannot ${what} run ${this.run.id}: it is ${this.run.status}`,
      );
    }
  }
}

export function createRunHandle(run: RunState, scheduler: Scheduler, bus: EventBus): RunHandle {
  return new Handle(run, scheduler, bus);
}

/** Applies a control command to a run (a request from another process, or from `control`). */
export function applyCommand(handle: RunHandle, command: ControlCommand): void {
  switch (command.type) {
    case 'cancel':
      handle.cancel(command.reason);
      return;
    case 'pause':
      if (handle.status() === 'running' || handle.status() === 'pending') handle.pause();
      return;
    case 'resume':
      if (handle.status() === 'paused') handle.resume();
      return;
    case 'retry':
      handle.retry(command.fromTask);
      return;
    case 'approve':
    case 'reject': {
      const decision = {
        ...(command.actor === undefined ? {} : { actor: command.actor }),
        ...(command.comment === undefined ? {} : { comment: command.comment }),
      };
      if (command.type === 'approve') handle.approve(command.taskId, decision);
      else handle.reject(command.taskId, decision);
    }
  }
}
