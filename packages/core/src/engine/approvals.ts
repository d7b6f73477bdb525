/**
 * Policy gates and approvals (seed §7.4): before a task's first attempt, an engine's `taskGate`
 * may allow it, deny it (the attempt fails at once, not retried), or hold it for approval. A held
 * task waits, journalled (`task.waiting`), across restarts, until someone approves it (it runs) or
 * rejects it (it fails with `ApprovalRejected`, and its fallback, if any, applies).
 */
import type { Clock } from '../clock.js';
import { OrchestratorError } from '../errors.js';
import type { ControlCommand, Store } from '../store/port.js';
import type { LogSink } from './attempt-context.js';
import type { JournalEntry } from './journal.js';
import type { PlanTask } from './plan.js';
import type { RunHandle } from './run-handle.js';
import type { ApprovalRecord, RunState } from './run.js';
import { loadJournal } from './snapshot.js';
import { TaskStatus, TERMINAL_RUN_STATES } from './states.js';

/** What a gate is asked about: the task about to run, with its inputs resolved. */
export interface GateRequest {
  readonly runId: string;
  readonly workflow: { readonly name: string; readonly version: string };
  readonly labels: Readonly<Record<string, string>>;
  readonly taskId: string;
  readonly executor: string;
  readonly inputs: Readonly<Record<string, unknown>>;
}

export type GateDecision =
  | { readonly kind: 'allow' }
  | { readonly kind: 'deny'; readonly code?: string; readonly message: string }
  | {
      readonly kind: 'require-approval';
      readonly reason: string;
      readonly details?: Readonly<Record<string, unknown>>;
    };

/** Synchronous, so that tasks no policy concerns pay nothing but the call. */
export type TaskGate = (request: GateRequest) => GateDecision;

export type Gated =
  | { readonly kind: 'start' }
  /** The attempt starts and fails at once with this error. */
  | { readonly kind: 'refuse'; readonly error: OrchestratorError }
  | {
      readonly kind: 'hold';
      readonly reason: string;
      readonly details?: Readonly<Record<string, unknown>>;
    };

export function rejectionError(taskId: string, approval: ApprovalRecord): OrchestratorError {
  const by = approval.actor === undefined ? '' : ` by ${approval.actor}`;
  const why = approval.comment === undefined ? '' : `: ${approval.comment}`;
  return new OrchestratorError(
    'ApprovalRejected',
    `task \`${taskId}\` was rejected${by}${why} (it needed approval: ${approval.reason})`,
    { retryable: false },
  );
}

/**
 * What to do with a task about to start an attempt. The gate is asked before every attempt (a
 * denial stays a denial), except once the task was approved; an attempt of its fallback executor
 * is asked about that executor, and cannot wait for an approval (it is refused instead).
 */
export function gateTask(
  run: RunState,
  task: PlanTask,
  gate: TaskGate | undefined,
  alternate: string | undefined,
): Gated {
  const t = run.task(task.index);
  if (alternate === undefined && t.approval?.state === 'rejected') {
    return { kind: 'refuse', error: rejectionError(task.id, t.approval) };
  }
  if (gate === undefined || (alternate === undefined && t.approval?.state === 'approved')) {
    return { kind: 'start' };
  }
  let inputs: Record<string, unknown>;
  try {
    inputs = task.inputs(run.context);
  } catch {
    return { kind: 'start' }; // the attempt fails with the same error, where it is reported
  }
  const decision = gate({
    runId: run.id,
    workflow: { name: run.plan.name, version: run.plan.version },
    labels: run.plan.labels,
    taskId: task.id,
    executor: alternate ?? task.executor ?? '',
    inputs,
  });
  switch (decision.kind) {
    case 'allow':
      return { kind: 'start' };
    case 'deny':
      return {
        kind: 'refuse',
        error: new OrchestratorError(decision.code ?? 'PolicyDenied', decision.message, {
          retryable: false,
        }),
      };
    case 'require-approval':
      if (alternate !== undefined) {
        return {
          kind: 'refuse',
          error: new OrchestratorError(
            'PolicyDenied',
            `task \`${task.id}\`: its fallback executor ${alternate} needs approval (${decision.reason}), which a fallback cannot wait for`,
            { retryable: false },
          ),
        };
      }
      return {
        kind: 'hold',
        reason: decision.reason,
        ...(decision.details === undefined ? {} : { details: decision.details }),
      };
  }
}

/** The error for approving or rejecting a task that is not waiting. */
export function notWaiting(runId: string, taskId: string, status: string): OrchestratorError {
  return new OrchestratorError(
    'NOT_WAITING',
    `task \`${taskId}\` of run ${runId} is not waiting for approval (it is ${status})`,
  );
}

/** Puts the task in `waiting_approval`; gives the `task.waiting` entry to journal. */
export function waitForApproval(
  run: RunState,
  task: PlanTask,
  reason: string,
  details: Readonly<Record<string, unknown>> | undefined,
  at: number,
): JournalEntry {
  run.setStatus(task.index, TaskStatus.WaitingApproval);
  run.task(task.index).approval = {
    state: 'waiting',
    reason,
    ...(details === undefined ? {} : { details }),
    at,
  };
  return {
    type: 'task.waiting',
    at,
    taskId: task.id,
    reason,
    ...(details === undefined ? {} : { details }),
  };
}

/**
 * Records a decision on a task waiting for approval (`UNKNOWN_TASK`, `NOT_WAITING` otherwise);
 * gives the task and the `task.decided` entry to journal. The caller puts the task back in the queue.
 */
export function applyDecision(
  run: RunState,
  taskId: string,
  d: {
    readonly decision: 'approved' | 'rejected';
    readonly actor: string | undefined;
    readonly comment: string | undefined;
  },
  at: number,
): { task: PlanTask; entry: JournalEntry } {
  const task = run.plan.byId.get(taskId);
  if (task === undefined) {
    throw new OrchestratorError('UNKNOWN_TASK', `run ${run.id} has no task \`${taskId}\``);
  }
  const t = run.task(task.index);
  if (t.status !== TaskStatus.WaitingApproval || TERMINAL_RUN_STATES.has(run.status)) {
    throw notWaiting(
      run.id,
      taskId,
      TERMINAL_RUN_STATES.has(run.status) ? `in a ${run.status} run` : t.status,
    );
  }
  const { decision, actor, comment } = d;
  t.approval = {
    state: decision,
    reason: t.approval?.reason ?? '',
    ...(t.approval?.details === undefined ? {} : { details: t.approval.details }),
    ...(actor === undefined ? {} : { actor }),
    ...(comment === undefined ? {} : { comment }),
    at,
  };
  return {
    task,
    entry: {
      type: 'task.decided',
      at,
      taskId,
      decision,
      ...(actor === undefined ? {} : { actor }),
      ...(comment === undefined ? {} : { comment }),
    },
  };
}

/** Who decides, and what they say (kept in the journal and the audit log). */
export interface Decision {
  readonly actor?: string;
  readonly comment?: string;
}

/** What `decideTask` needs of the engine. */
export interface DecisionDeps {
  readonly store: Store;
  local(runId: string): RunHandle | undefined;
  control(runId: string, command: ControlCommand): Promise<RunHandle | undefined>;
}

/**
 * Approves or rejects a waiting task wherever its run runs: at once when this process holds the
 * run, else through the store to its holder (checked against the journal first, so that a task
 * that is not waiting is refused here with `NOT_WAITING`). The process that applies the decision
 * writes it to the audit log.
 * Resolves with the local handle when the run runs here now (taken over: no live process held
 * it), or undefined when its holder took the decision.
 */
export async function decideTask(
  deps: DecisionDeps,
  runId: string,
  taskId: string,
  type: 'approve' | 'reject',
  decision: Decision,
): Promise<RunHandle | undefined> {
  const local = deps.local(runId);
  const waiting = local?.result().tasks.find((t) => t.id === taskId);
  if (waiting === undefined || waiting.status !== 'waiting_approval') {
    const { replayed } = await loadJournal(deps.store, runId);
    const t = replayed.tasks.get(taskId);
    if (replayed.workflow === undefined) {
      throw new OrchestratorError('RUN_NOT_FOUND', `no run ${runId}`);
    }
    if (t?.status !== 'waiting_approval' || TERMINAL_RUN_STATES.has(replayed.status)) {
      throw notWaiting(runId, taskId, t === undefined ? 'not started' : t.status);
    }
  }
  const handle = await deps.control(runId, {
    type,
    taskId,
    ...(decision.actor === undefined ? {} : { actor: decision.actor }),
    ...(decision.comment === undefined ? {} : { comment: decision.comment }),
  });
  return handle;
}

/** Writes each decision applied here to the store's audit log (a failed write is logged). */
export function auditDecision(
  store: Store,
  clock: Clock,
  log: LogSink,
): (
  run: RunState,
  taskId: string,
  decision: 'approved' | 'rejected',
  actor: string | undefined,
  comment: string | undefined,
) => void {
  return (run, taskId, decision, actor, comment) => {
    store.audit
      .append({
        at: clock.now(),
        actor: actor ?? 'unknown',
        action: decision === 'approved' ? 'task.approve' : 'task.reject',
        runId: run.id,
        taskId,
        outcome: decision,
        details: comment === undefined ? {} : { comment },
      })
      .catch((err: unknown) => {
        log('error', 'the audit log could not be written', {
          runId: run.id,
          taskId,
          error: err instanceof Error ? err.message : String(err),
        });
      });
  };
}
