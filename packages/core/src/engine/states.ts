/**
 * The run and task state machines (seed §8) as explicit transition tables. Every change of state
 * goes through `transitionRun` / `transitionTask`; an illegal transition is a bug and throws.
 */
import { OrchestratorError } from '../errors.js';

export const RunStatus = {
  Pending: 'pending',
  Running: 'running',
  Paused: 'paused',
  Completed: 'completed',
  Failed: 'failed',
  TimedOut: 'timed_out',
  Cancelled: 'cancelled',
} as const;
export type RunStatus = (typeof RunStatus)[keyof typeof RunStatus];

export const TaskStatus = {
  Pending: 'pending',
  Ready: 'ready',
  Running: 'running',
  Retrying: 'retrying',
  /** Held by a policy (`require-approval`) until someone approves or rejects it. */
  WaitingApproval: 'waiting_approval',
  Completed: 'completed',
  Failed: 'failed',
  TimedOut: 'timed_out',
  Skipped: 'skipped',
  Cancelled: 'cancelled',
} as const;
export type TaskStatus = (typeof TaskStatus)[keyof typeof TaskStatus];

const R = RunStatus;
const T = TaskStatus;

/** A finished run may be retried (from a task): it runs again, keeping the work before that task. */
export const RUN_TRANSITIONS: Readonly<Record<RunStatus, readonly RunStatus[]>> = {
  // A pending run (waiting for room, or for a worker) may be paused before it starts.
  [R.Pending]: [R.Running, R.Paused, R.Cancelled],
  [R.Running]: [R.Paused, R.Completed, R.Failed, R.TimedOut, R.Cancelled],
  // Work already in flight goes on while paused, and may fail the run (failFast).
  [R.Paused]: [R.Running, R.Cancelled, R.TimedOut, R.Failed],
  [R.Completed]: [R.Running],
  [R.Failed]: [R.Running],
  [R.TimedOut]: [R.Running],
  [R.Cancelled]: [R.Running],
};

/**
 * `retrying` is the wait between attempts. Terminal states go back to `pending` only when a run is
 * retried from a task (it and what follows it run again).
 */
export const TASK_TRANSITIONS: Readonly<Record<TaskStatus, readonly TaskStatus[]>> = {
  [T.Pending]: [T.Ready, T.Skipped, T.Cancelled],
  [T.Ready]: [T.Running, T.Skipped, T.Cancelled, T.Pending, T.WaitingApproval],
  // Approved: ready again; rejected: its refused attempt runs (and fails) at once.
  [T.WaitingApproval]: [T.Ready, T.Running, T.Cancelled, T.Pending],
  [T.Running]: [T.Completed, T.Failed, T.TimedOut, T.Retrying, T.Cancelled, T.Skipped],
  [T.Retrying]: [T.Running, T.Cancelled, T.Failed, T.TimedOut],
  [T.Completed]: [T.Pending],
  [T.Failed]: [T.Pending],
  [T.TimedOut]: [T.Pending],
  [T.Skipped]: [T.Pending],
  [T.Cancelled]: [T.Pending],
};

export const TERMINAL_RUN_STATES: ReadonlySet<RunStatus> = new Set([
  R.Completed,
  R.Failed,
  R.TimedOut,
  R.Cancelled,
]);

export const TERMINAL_TASK_STATES: ReadonlySet<TaskStatus> = new Set([
  T.Completed,
  T.Failed,
  T.TimedOut,
  T.Skipped,
  T.Cancelled,
]);

/** A transition the state machine does not allow: always a bug in the engine. */
export class IllegalTransitionError extends OrchestratorError {
  constructor(what: string, from: string, to: string) {
    super('ILLEGAL_TRANSITION', `illegal ${what} transition ${from} -> ${to}`);
  }
}

export function canTransitionRun(from: RunStatus, to: RunStatus): boolean {
  return RUN_TRANSITIONS[from].includes(to);
}

export function transitionRun(from: RunStatus, to: RunStatus): RunStatus {
  if (!canTransitionRun(from, to)) throw new IllegalTransitionError('run', from, to);
  return to;
}

const TASK_ALLOWED: ReadonlyMap<TaskStatus, ReadonlySet<TaskStatus>> = new Map(
  Object.entries(TASK_TRANSITIONS).map(([from, to]) => [from as TaskStatus, new Set(to)]),
);

export function canTransitionTask(from: TaskStatus, to: TaskStatus): boolean {
  return TASK_ALLOWED.get(from)?.has(to) === true;
}

export function transitionTask(from: TaskStatus, to: TaskStatus): TaskStatus {
  if (!canTransitionTask(from, to)) throw new IllegalTransitionError('task', from, to);
  return to;
}
