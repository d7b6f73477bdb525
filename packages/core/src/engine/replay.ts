/**
 * Rebuilds what the journal says about a run: its status, outputs, and each task's status,
 * attempts and outputs. Recovery folds the entries after the latest snapshot into that snapshot;
 * the engine's tests check that the fold always agrees with the live run (the journal is the truth).
 */
import type { ErrorInfo, JournalEntry } from './journal.js';
import type { ApprovalRecord, AttemptRecord } from './run.js';
import type { RunStatus, TaskStatus } from './states.js';

export interface ReplayedTask {
  status: TaskStatus;
  attempts: number;
  outputs: unknown;
  error: ErrorInfo | null;
  /** Each attempt: when it started and ended, and how it failed. */
  history: AttemptRecord[];
  fallback?: string;
  skipReason?: string;
  approval?: ApprovalRecord;
}

export interface ReplayedRun {
  workflow: { name: string; version: string } | undefined;
  definition: string | undefined;
  inputs: Readonly<Record<string, unknown>> | undefined;
  status: RunStatus;
  outputs: Readonly<Record<string, unknown>> | undefined;
  error: ErrorInfo | undefined;
  createdAt: number | undefined;
  startedAt: number | undefined;
  endedAt: number | undefined;
  tasks: Map<string, ReplayedTask>;
}

const ENDED: ReadonlySet<RunStatus> = new Set(['completed', 'failed', 'cancelled', 'timed_out']);

export function emptyReplay(): ReplayedRun {
  return {
    workflow: undefined,
    definition: undefined,
    inputs: undefined,
    status: 'pending',
    outputs: undefined,
    error: undefined,
    createdAt: undefined,
    startedAt: undefined,
    endedAt: undefined,
    tasks: new Map(),
  };
}

function task(run: ReplayedRun, id: string): ReplayedTask {
  let t = run.tasks.get(id);
  if (t === undefined) {
    t = { status: 'pending', attempts: 0, outputs: null, error: null, history: [] };
    run.tasks.set(id, t);
  }
  return t;
}

function endAttempt(t: ReplayedTask, at: number, error?: ErrorInfo): void {
  const last = t.history.at(-1);
  if (last === undefined || last.endedAt !== undefined) return;
  last.endedAt = at;
  last.durationMs = at - last.startedAt;
  if (error !== undefined) last.error = error;
}

/**
 * Folds journal entries, in order, into the run state they describe: from scratch, or continuing
 * `from` (a snapshot's state, which is changed in place).
 */
export function replayJournal(
  entries: readonly JournalEntry[],
  from: ReplayedRun = emptyReplay(),
): ReplayedRun {
  const run = from;
  for (const e of entries) {
    switch (e.type) {
      case 'run.created':
        run.workflow = e.workflow;
        run.definition = e.definition;
        run.inputs = e.inputs;
        run.createdAt = e.at;
        break;
      case 'run.status':
        run.status = e.status;
        run.error = e.error;
        if (e.status === 'running') {
          run.startedAt ??= e.at;
          // A run that runs again (a retry) has no outputs until it ends again.
          run.outputs = undefined;
          run.endedAt = undefined;
        }
        if (ENDED.has(e.status)) run.endedAt = e.at;
        break;
      case 'run.outputs':
        run.outputs = e.outputs;
        break;
      case 'task.started': {
        const t = task(run, e.taskId);
        t.status = 'running';
        t.attempts = e.attempt;
        t.history.push({ attempt: e.attempt, startedAt: e.at });
        break;
      }
      case 'task.completed': {
        const t = task(run, e.taskId);
        t.status = 'completed';
        t.outputs = e.output;
        t.error = null;
        endAttempt(t, e.at);
        if (e.fallback !== undefined) t.fallback = e.fallback;
        break;
      }
      case 'task.failed': {
        const t = task(run, e.taskId);
        t.status = e.status;
        t.error = e.error;
        endAttempt(t, e.at, e.error);
        break;
      }
      case 'task.skipped': {
        const t = task(run, e.taskId);
        t.status = 'skipped';
        t.skipReason = e.reason;
        break;
      }
      case 'task.cancelled': {
        const t = task(run, e.taskId);
        t.status = 'cancelled';
        endAttempt(t, e.at, { code: 'Cancelled', message: 'the run stopped' });
        break;
      }
      case 'task.waiting': {
        const t = task(run, e.taskId);
        t.status = 'waiting_approval';
        t.approval = {
          state: 'waiting',
          reason: e.reason,
          ...(e.details === undefined ? {} : { details: e.details }),
          at: e.at,
        };
        break;
      }
      case 'task.decided': {
        const t = task(run, e.taskId);
        // Ready to go: approved, it runs; rejected, its refused attempt fails it.
        t.status = 'pending';
        t.approval = {
          state: e.decision,
          reason: t.approval?.reason ?? '',
          ...(t.approval?.details === undefined ? {} : { details: t.approval.details }),
          ...(e.actor === undefined ? {} : { actor: e.actor }),
          ...(e.comment === undefined ? {} : { comment: e.comment }),
          at: e.at,
        };
        break;
      }
      case 'task.reset':
        run.tasks.set(e.taskId, {
          status: 'pending',
          attempts: 0,
          outputs: null,
          error: null,
          history: [],
        });
        break;
    }
  }
  return run;
}

/** A replayed run as JSON data (a snapshot's state), and back. */
export function replayToJson(run: ReplayedRun): unknown {
  return { ...run, tasks: Object.fromEntries(run.tasks) };
}

export function replayFromJson(state: unknown): ReplayedRun {
  const s = state as Omit<ReplayedRun, 'tasks'> & { tasks: Record<string, ReplayedTask> };
  return { ...emptyReplay(), ...s, tasks: new Map(Object.entries(s.tasks)) };
}
