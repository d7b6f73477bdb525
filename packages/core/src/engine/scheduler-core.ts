/**
 * The scheduler's run-level half: one priority queue of ready tasks for every run, an event-driven
 * pump (no polling), run start and end, and the bookkeeping that turns a settled task into ready
 * or skipped dependents. The attempt-level half (starting, finishing, retrying a task) is the
 * `Scheduler` in scheduler.ts, which extends this class.
 */
import type { Clock } from '../clock.js';
import { OrchestratorError } from '../errors.js';
import type { ExecutorRegistry } from '../executors/registry.js';
import {
  errorCode,
  PriorityQueue,
  type CircuitBreakerRegistry,
  type ResourceRequest,
} from '../resilience/index.js';
import { AttemptContext, type LogSink } from './attempt-context.js';
import type { EventBus } from './bus.js';
import type { ErrorInfo, JournalEntry } from './journal.js';
import { buildWorkflowOutputs } from './outputs.js';
import type { PlanTask } from './plan.js';
import { RunState } from './run.js';
import { TaskStatus, TERMINAL_RUN_STATES, transitionRun, type RunStatus } from './states.js';
import type { Admissions } from './admission.js';
import type { LastGoodOutputs } from './fallbacks.js';
import type { TaskGate } from './approvals.js';

export interface SchedulerHooks {
  onTaskStart?(run: RunState, taskId: string, attempt: number): void;
  onTaskComplete?(run: RunState, taskId: string): void;
  onRunComplete?(run: RunState): void;
  onRunRestart?(run: RunState): void;
}

export interface SchedulerOptions {
  readonly clock: Clock;
  readonly bus: EventBus;
  readonly executors: ExecutorRegistry;
  readonly breakers: CircuitBreakerRegistry | undefined;
  readonly maxConcurrentTasks: number;
  readonly log: LogSink;
  readonly hooks: SchedulerHooks;
  readonly random: () => number;
  readonly admissions: Admissions;
  readonly lastGood: LastGoodOutputs;
  /** Policies asked before a task's attempts (approvals.ts). */
  readonly gate: TaskGate | undefined;
  /** Called as a waiting task is approved or rejected here (the audit log). */
  readonly onDecision?: (
    run: RunState,
    taskId: string,
    decision: 'approved' | 'rejected',
    actor: string | undefined,
    comment: string | undefined,
  ) => void;
  /** Called once per task that failed for good (after retries and fallbacks). */
  readonly onTaskFailed?: (run: RunState, task: PlanTask, error: ErrorInfo) => void;
}

export interface QueueEntry {
  readonly run: RunState;
  readonly index: number;
  /** The run's epoch when queued: entries from before a stop or a retry are dropped. */
  readonly epoch: number;
}

/** Per-run scheduling state the RunState does not need to know about. */
export interface RunControl {
  readonly blocked: number[];
  readonly contexts: Map<number, AttemptContext>;
  readonly timers: Map<number, () => void>;
  readonly resources: Map<number, ResourceRequest>;
  /** Tasks whose join or condition failed to evaluate: their attempt fails with this error. */
  readonly doomed: Map<number, unknown>;
  /** Tasks whose next attempt runs their fallback executor, by that executor's name. */
  readonly alternates: Map<number, string>;
  cancelRunTimer: (() => void) | undefined;
  readonly waiters: (() => void)[];
}

export function toErrorInfo(err: unknown): ErrorInfo {
  const message = err instanceof Error ? err.message : String(err);
  const retryable = err instanceof OrchestratorError ? err.retryable : undefined;
  return { code: errorCode(err), message, ...(retryable === undefined ? {} : { retryable }) };
}

export abstract class SchedulerCore {
  protected readonly queue = new PriorityQueue<QueueEntry>();
  protected readonly controls = new Map<RunState, RunControl>();
  /** Ready tasks waiting for resources to be released. */
  protected parked: QueueEntry[] = [];
  protected inFlight = 0;
  protected pumping = false;
  protected pumpAgain = false;

  constructor(protected readonly o: SchedulerOptions) {}

  protected control(run: RunState): RunControl {
    let c = this.controls.get(run);
    if (c === undefined) {
      c = {
        blocked: [],
        contexts: new Map(),
        timers: new Map(),
        resources: new Map(),
        doomed: new Map(),
        alternates: new Map(),
        cancelRunTimer: undefined,
        waiters: [],
      };
      this.controls.set(run, c);
    }
    return c;
  }

  protected journal(run: RunState, entry: JournalEntry): void {
    run.journal(entry);
  }

  protected setRunStatus(run: RunState, to: RunStatus, error?: ErrorInfo): void {
    run.status = transitionRun(run.status, to);
    const at = this.o.clock.now();
    if (to === 'running' && run.startedAt === undefined) run.startedAt = at;
    if (TERMINAL_RUN_STATES.has(to)) run.endedAt = at;
    run.error = error;
    this.journal(run, {
      type: 'run.status',
      at,
      status: to,
      ...(error === undefined ? {} : { error }),
    });
    if (this.o.bus.active)
      this.o.bus.emit({
        type: 'run.status',
        runId: run.id,
        status: to,
        at,
        ...(error === undefined ? {} : { error }),
      });
  }

  protected emitTask(
    run: RunState,
    i: number,
    status: TaskStatus,
    extra: { error?: ErrorInfo; durationMs?: number } = {},
  ): void {
    if (!this.o.bus.active) return;
    const t = run.task(i);
    this.o.bus.emit({
      type: 'task.status',
      runId: run.id,
      taskId: t.id,
      status,
      attempt: t.attempts.length,
      at: this.o.clock.now(),
      ...extra,
    });
  }

  /** Starts a run: its root tasks become ready; the run timeout starts ticking. */
  startRun(run: RunState): void {
    this.setRunStatus(run, 'running');
    const c = this.control(run);
    this.armRunTimeout(run, c);
    this.consider(
      run,
      run.plan.roots.map((i) => run.plan.tasks[i] as PlanTask),
    );
    this.finishIfDone(run);
    this.pump();
  }

  /**
   * Continues a run restored from the store (after a crash, or taken over from another process):
   * tasks whose dependencies are settled become ready, the workflow timeout counts from the start.
   */
  resumeRun(run: RunState): void {
    if (run.status === 'pending') {
      this.startRun(run);
      return;
    }
    if (TERMINAL_RUN_STATES.has(run.status)) return;
    const c = this.control(run);
    const timeout = run.plan.timeoutMs;
    if (timeout !== undefined) {
      this.armRunTimeout(run, c, timeout - (this.o.clock.now() - (run.startedAt ?? run.createdAt)));
    }
    this.consider(
      run,
      run.plan.tasks.filter((t) => run.task(t.index).status === TaskStatus.Pending),
    );
    this.finishIfDone(run);
    this.pump();
  }

  /**
   * Gives a run up without writing anything: its lease was lost, its journal could not be written,
   * or the engine is closing. Attempts in flight are aborted; the run continues wherever its journal
   * is picked up next, and waiters hear `error`.
   */
  abandonRun(run: RunState, error: ErrorInfo): void {
    if (run.lost !== undefined || !this.controls.has(run)) {
      run.lost ??= error;
      return;
    }
    run.lost = error;
    run.epoch++;
    const c = this.control(run);
    const reason = new OrchestratorError(error.code, error.message);
    for (const [i, ctx] of c.contexts) {
      ctx.abort(reason);
      this.releaseResources(run, c, i);
      this.inFlight--;
      run.running--;
    }
    c.contexts.clear();
    for (const cancel of c.timers.values()) cancel();
    c.timers.clear();
    c.cancelRunTimer?.();
    this.controls.delete(run);
    for (const w of c.waiters.splice(0)) w();
    this.pump();
  }

  protected armRunTimeout(run: RunState, c: RunControl, ms = run.plan.timeoutMs): void {
    c.cancelRunTimer?.();
    c.cancelRunTimer = undefined;
    if (ms === undefined) return;
    c.cancelRunTimer = this.o.clock.setTimer(ms, () => {
      this.stopRun(run, 'timed_out', {
        code: 'TimeoutError',
        message: `the workflow ran longer than its timeout (${ms} ms)`,
      });
    });
  }

  /** Decides tasks whose dependencies changed; skipped ones settle in turn (iteratively). */
  protected consider(run: RunState, tasks: readonly PlanTask[]): void {
    const work = [...tasks];
    const at = this.o.clock.now();
    // In order, so that ready tasks of equal priority start in the order they are written.
    for (let k = 0; k < work.length; k++) {
      const task = work[k] as PlanTask;
      if (run.task(task.index).status !== TaskStatus.Pending) continue;
      let decision: 'wait' | 'ready' | 'skip';
      let reason = 'a dependency did not succeed';
      try {
        // A task without dependencies is ready whatever its join says.
        decision = task.deps.length === 0 ? 'ready' : run.decide(task);
        if (decision === 'ready') {
          const failed = task.conditions.find(
            (c) => Boolean(c.template.evaluate(run.context)) === c.negate,
          );
          if (failed !== undefined) {
            decision = 'skip';
            reason = failed.negate ? 'its branch condition is true' : 'its condition is false';
          }
        }
      } catch (err) {
        // A join or condition that cannot be evaluated fails the task (through an attempt, so
        // that it is journalled, counted and reported like any other failure).
        this.control(run).doomed.set(task.index, err);
        decision = 'ready';
      }
      if (decision === 'wait') continue;
      if (decision === 'ready') {
        run.setStatus(task.index, TaskStatus.Ready);
        this.enqueue(run, task.index);
      } else {
        run.setStatus(task.index, TaskStatus.Skipped);
        run.task(task.index).skipReason = reason;
        this.journal(run, { type: 'task.skipped', at, taskId: task.id, reason });
        this.emitTask(run, task.index, TaskStatus.Skipped);
        for (const d of run.settle(task.index)) work.push(d);
      }
    }
  }

  /** Starts queued tasks while there is room. Re-entrant calls only ask for another round. */
  pump(): void {
    if (this.pumping) {
      this.pumpAgain = true;
      return;
    }
    this.pumping = true;
    try {
      do {
        this.pumpAgain = false;
        while (this.inFlight < this.o.maxConcurrentTasks) {
          const entry = this.queue.pop();
          if (entry === undefined) break;
          const { run, index } = entry;
          if (entry.epoch !== run.epoch) continue; // queued before the run stopped or restarted
          const status = run.task(index).status;
          if (status !== 'ready' && status !== 'retrying') continue;
          if (run.status === 'paused' || run.running >= run.plan.maxParallel) {
            this.control(run).blocked.push(index);
            continue;
          }
          if (run.status !== 'running') continue;
          this.admitAndStart(entry);
        }
      } while (this.pumpAgain);
    } finally {
      this.pumping = false;
    }
  }

  /** Puts a ready task of a live run in the queue, stamped with the run's epoch. */
  protected enqueue(run: RunState, index: number): void {
    const task = run.plan.tasks[index] as PlanTask;
    this.queue.push({ run, index, epoch: run.epoch }, run.plan.priority * 1000 + task.priority);
  }

  protected requeue(run: RunState, index: number, epoch = run.epoch): void {
    if (TERMINAL_RUN_STATES.has(run.status) || epoch !== run.epoch) return;
    this.enqueue(run, index);
  }

  /** Gives back what an attempt held, and lets parked tasks try again. */
  protected releaseResources(run: RunState, c: RunControl, i: number): void {
    const held = c.resources.get(i);
    if (held === undefined) return;
    c.resources.delete(i);
    this.o.admissions.release(held);
    const parked = this.parked;
    this.parked = [];
    for (const p of parked) this.requeue(p.run, p.index, p.epoch);
  }

  protected finishIfDone(run: RunState): void {
    if (run.remaining > 0 || run.status !== 'running') return;
    // A task left cancelled (a retry from a later task after a cancellation) did not succeed either.
    const failed = run.tasks.find(
      (t) =>
        t.status === TaskStatus.Failed ||
        t.status === TaskStatus.TimedOut ||
        t.status === TaskStatus.Cancelled,
    );
    let outputs: Record<string, unknown> = {};
    let error: ErrorInfo | undefined;
    try {
      outputs = buildWorkflowOutputs(run.plan.outputs, run.context);
    } catch (err) {
      error = { code: 'OutputError', message: `workflow outputs: ${toErrorInfo(err).message}` };
    }
    if (failed !== undefined && error === undefined) {
      error = {
        code: failed.error?.code ?? 'TaskFailed',
        message: `task \`${failed.id}\` failed: ${failed.error?.message ?? ''}`,
      };
    }
    run.outputs = outputs;
    this.journal(run, { type: 'run.outputs', at: this.o.clock.now(), outputs });
    this.end(run, error === undefined ? 'completed' : 'failed', error);
  }

  /** Ends a run before its tasks are done: failure, cancellation or timeout. */
  stopRun(run: RunState, to: 'failed' | 'cancelled' | 'timed_out', error: ErrorInfo): void {
    if (TERMINAL_RUN_STATES.has(run.status)) return;
    run.epoch++; // what is queued or waiting for this run is void from here
    const c = this.control(run);
    const now = this.o.clock.now();
    const reason = new OrchestratorError(error.code, error.message);
    for (const [i, ctx] of c.contexts) {
      ctx.abort(reason);
      this.releaseResources(run, c, i);
      c.timers.get(i)?.();
      this.inFlight--;
      run.running--;
      run.endAttempt(i, now, { code: 'Cancelled', message: error.message });
    }
    c.contexts.clear();
    for (const cancel of c.timers.values()) cancel();
    c.timers.clear();
    c.blocked.length = 0;
    for (const t of run.plan.tasks) {
      const s = run.task(t.index).status;
      if (
        s === 'pending' ||
        s === 'ready' ||
        s === 'running' ||
        s === 'retrying' ||
        s === 'waiting_approval'
      ) {
        run.setStatus(t.index, TaskStatus.Cancelled);
        this.journal(run, { type: 'task.cancelled', at: now, taskId: t.id });
        this.emitTask(run, t.index, TaskStatus.Cancelled);
      }
    }
    this.end(run, to, error);
    this.pump();
  }

  protected end(run: RunState, to: RunStatus, error: ErrorInfo | undefined): void {
    const c = this.control(run);
    c.cancelRunTimer?.();
    c.cancelRunTimer = undefined;
    // Nothing of the run is in flight any more. The control goes before listeners and hooks
    // hear of the end, so that one of them retrying the run starts with a fresh one.
    this.controls.delete(run);
    const waiters = c.waiters.splice(0);
    (run.context.workflow as Record<string, unknown>).outputs = run.outputs ?? null;
    (run.context.workflow as Record<string, unknown>).error = error ?? null;
    this.setRunStatus(run, to, error);
    this.o.hooks.onRunComplete?.(run);
    for (const w of waiters) w();
  }

  /** Resolves when the run reaches a terminal state, or this process gives it up. */
  whenDone(run: RunState): Promise<void> {
    if (TERMINAL_RUN_STATES.has(run.status) || run.lost !== undefined) return Promise.resolve();
    return new Promise((resolve) => this.control(run).waiters.push(resolve));
  }

  pause(run: RunState): void {
    this.setRunStatus(run, 'paused');
  }

  resume(run: RunState): void {
    // A run paused before it started starts now.
    const fresh = run.startedAt === undefined;
    this.setRunStatus(run, 'running');
    const c = this.control(run);
    if (fresh) {
      this.armRunTimeout(run, c);
      this.consider(
        run,
        run.plan.roots.map((i) => run.plan.tasks[i] as PlanTask),
      );
    }
    for (const b of c.blocked.splice(0)) this.enqueue(run, b);
    this.finishIfDone(run);
    this.pump();
  }

  /** Runs a finished run again from `from` (task indexes), keeping the outputs upstream of them. */
  retry(run: RunState, from: readonly number[]): void {
    run.epoch++;
    const reset = run.resetFrom(from, this.o.clock.now());
    run.outputs = undefined;
    this.o.hooks.onRunRestart?.(run);
    this.setRunStatus(run, 'running');
    this.armRunTimeout(run, this.control(run));
    this.consider(
      run,
      reset.map((i) => run.plan.tasks[i] as PlanTask),
    );
    this.finishIfDone(run);
    this.pump();
  }

  /** Admits a popped task (resources, rate limits) and starts its attempt, or parks it. */
  protected abstract admitAndStart(entry: QueueEntry): void;
}
