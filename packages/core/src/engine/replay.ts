/**
 * Rebuilds what the journal says about a run: its status, outputs, and each task's status,
 * attempts and outputs. The durable stores resume runs from this; the engine's tests check that it
 * always agrees with the live run (the journal is the truth).
 */
import type { ErrorInfo, JournalEntry } from './journal.js';
import type { RunStatus, TaskStatus } from './states.js';

export interface ReplayedTask {
  status: TaskStatus;
  attempts: number;
  outputs: unknown;
  error: ErrorInfo | null;
}

export interface ReplayedRun {
  workflow: { name: string; version: string } | undefined;
  inputs: Readonly<Record<string, unknown>> | undefined;
  status: RunStatus;
  outputs: Readonly<Record<string, unknown>> | undefined;
  error: ErrorInfo | undefined;
  tasks: Map<string, ReplayedTask>;
}

function task(run: ReplayedRun, id: string): ReplayedTask {
  let t = run.tasks.get(id);
  if (t === undefined) {
    t = { status: 'pending', attempts: 0, outputs: null, error: null };
    run.tasks.set(id, t);
  }
  return t;
}

/** Folds journal entries, in order, into the run state they describe. */
export function replayJournal(entries: readonly JournalEntry[]): ReplayedRun {
  const run: ReplayedRun = {
    workflow: undefined,
    inputs: undefined,
    status: 'pending',
    outputs: undefined,
    error: undefined,
    tasks: new Map(),
  };
  for (const e of entries) {
    switch (e.type) {
      case 'run.created':
        run.workflow = e.workflow;
        run.inputs = e.inputs;
        break;
      case 'run.status':
        run.status = e.status;
        run.error = e.error;
        // A run that runs again (a retry) has no outputs until it ends again.
        if (e.status === 'running') run.outputs = undefined;
        break;
      case 'run.outputs':
        run.outputs = e.outputs;
        break;
      case 'task.started': {
        const t = task(run, e.taskId);
        t.status = 'running';
        t.attempts = e.attempt;
        break;
      }
      case 'task.completed': {
        const t = task(run, e.taskId);
        t.status = 'completed';
        t.outputs = e.output;
        t.error = null;
        break;
      }
      case 'task.failed': {
        const t = task(run, e.taskId);
        t.status = e.status;
        t.error = e.error;
        break;
      }
      case 'task.skipped':
        task(run, e.taskId).status = 'skipped';
        break;
      case 'task.cancelled':
        task(run, e.taskId).status = 'cancelled';
        break;
      case 'task.reset':
        run.tasks.set(e.taskId, { status: 'pending', attempts: 0, outputs: null, error: null });
        break;
    }
  }
  return run;
}
