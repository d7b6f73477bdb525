/**
 * The scheduler's attempt-level half (the run-level half is SchedulerCore): the life of each
 * attempt: admission, start, timeout, finish, then completion, a retry or a fallback. The work per
 * task is constant plus its edges, so a run costs O(tasks + edges).
 */
import { FAN_OUT_EXECUTOR } from '../definition/semantic/task-checks.js';
import { OrchestratorError } from '../errors.js';
import type { Executor, TaskEmission } from '../executors/types.js';
import {
  CircuitOpenError,
  DEFAULT_RETRY,
  isRetryable,
  nextDelayMs,
  shouldRetry,
  type CircuitBreaker,
} from '../resilience/index.js';
import { AttemptContext } from './attempt-context.js';
import { runFanOut } from './fan-out.js';
import { fallbackFor } from './fallbacks.js';
import type { ErrorInfo } from './journal.js';
import { mapOutputs } from './outputs.js';
import type { PlanTask } from './plan.js';
import type { RunState } from './run.js';
import { TaskStatus } from './states.js';
import { applyDecision, gateTask, waitForApproval } from './approvals.js';
import { SchedulerCore, toErrorInfo, type QueueEntry } from './scheduler-core.js';

export { toErrorInfo };
export type { SchedulerHooks, SchedulerOptions } from './scheduler-core.js';

/**
 * A breaker guards a dependency: only failures that say the dependency is unwell (retryable ones:
 * timeouts, server and network errors) count against it; a bad input does not.
 */
function recordOutcome(breaker: CircuitBreaker | undefined, err: unknown): void {
  if (breaker === undefined) return;
  if (err === undefined) breaker.recordSuccess();
  else if (isRetryable(DEFAULT_RETRY, err) && !(err instanceof CircuitOpenError))
    breaker.recordFailure();
  else breaker.release();
}

function isThenable(v: unknown): v is PromiseLike<unknown> {
  return (
    v !== null && typeof v === 'object' && typeof (v as { then?: unknown }).then === 'function'
  );
}

export class Scheduler extends SchedulerCore {
  /** Passes what executors emit (progress, streamed chunks) to the bus; one function for all. */
  private readonly relay = (runId: string, taskId: string, e: TaskEmission): void => {
    if (!this.o.bus.active) return;
    const at = this.o.clock.now();
    this.o.bus.emit(
      e.type === 'chunk'
        ? { type: 'task.chunk', runId, taskId, at, data: e.data }
        : {
            type: 'task.progress',
            runId,
            taskId,
            at,
            ...(e.progress === undefined ? {} : { progress: e.progress }),
            ...(e.message === undefined ? {} : { message: e.message }),
          },
    );
  };

  protected admitAndStart(entry: QueueEntry): void {
    const { run, index } = entry;
    const task = run.plan.tasks[index] as PlanTask;
    const doomed = this.control(run).doomed;
    if (doomed.has(index)) {
      const err = doomed.get(index);
      doomed.delete(index);
      this.startAttempt(run, index, err);
      return;
    }
    const gated = gateTask(run, task, this.o.gate, this.control(run).alternates.get(index));
    if (gated.kind === 'refuse') {
      this.startAttempt(run, index, gated.error);
      return;
    }
    if (gated.kind === 'hold') {
      this.hold(run, task, gated.reason, gated.details);
      return;
    }
    const admission = this.o.admissions.admit(task);
    switch (admission.kind) {
      case 'wait-resources':
        this.parked.push(entry);
        return;
      case 'wait-rate': {
        const timers = this.control(run).timers;
        timers.set(
          index,
          this.o.clock.setTimer(admission.ms, () => {
            timers.delete(index);
            this.requeue(run, index, entry.epoch);
            this.pump();
          }),
        );
        return;
      }
      case 'refuse':
        this.startAttempt(run, index, admission.error);
        return;
      case 'start':
        if (admission.resources !== undefined)
          this.control(run).resources.set(index, admission.resources);
        this.startAttempt(run, index);
    }
  }

  private hold(
    run: RunState,
    task: PlanTask,
    reason: string,
    details: Readonly<Record<string, unknown>> | undefined,
  ): void {
    this.journal(run, waitForApproval(run, task, reason, details, this.o.clock.now()));
    this.emitTask(run, task.index, TaskStatus.WaitingApproval);
  }

  /**
   * Approves or rejects a task waiting for approval: it goes back to the queue, and runs (approved)
   * or fails at once with `ApprovalRejected` (rejected). Throws `NOT_WAITING` for any other task.
   */
  decide(
    run: RunState,
    taskId: string,
    decision: 'approved' | 'rejected',
    actor: string | undefined,
    comment: string | undefined,
  ): void {
    const at = this.o.clock.now();
    const { task, entry } = applyDecision(run, taskId, { decision, actor, comment }, at);
    this.journal(run, entry);
    this.o.onDecision?.(run, taskId, decision, actor, comment);
    run.setStatus(task.index, TaskStatus.Ready);
    this.emitTask(run, task.index, TaskStatus.Ready);
    this.enqueue(run, task.index);
    this.pump();
  }

  private startAttempt(run: RunState, i: number, refusal?: unknown): void {
    const task = run.plan.tasks[i] as PlanTask;
    const now = this.o.clock.now();
    run.setStatus(i, TaskStatus.Running);
    const attempt = run.beginAttempt(i, now);
    this.inFlight++;
    run.running++;
    this.journal(run, { type: 'task.started', at: now, taskId: task.id, attempt });
    this.emitTask(run, i, TaskStatus.Running);
    this.o.hooks.onTaskStart?.(run, task.id, attempt);
    const ctx = this.contextFor(run, task, attempt);
    const c = this.control(run);
    c.contexts.set(i, ctx);
    const done = (ok: boolean, value: unknown): void => {
      this.finishAttempt(run, i, ctx, ok, value);
    };
    // The breaker hears of each attempt once: from its result, or from its timeout, first wins.
    let breaker: CircuitBreaker | undefined;
    const outcome = (err: unknown): void => {
      recordOutcome(breaker, err);
      breaker = undefined;
    };
    if (task.timeoutMs !== undefined) {
      const ms = task.timeoutMs;
      c.timers.set(
        i,
        this.o.clock.setTimer(ms, () => {
          const err = new OrchestratorError(
            'TimeoutError',
            `task \`${task.id}\` took longer than its timeout (${ms} ms)`,
            { retryable: true },
          );
          ctx.abort(err);
          outcome(err);
          done(false, err);
        }),
      );
    }
    let result: unknown;
    try {
      // eslint-disable-next-line @typescript-eslint/only-throw-error -- a refusal is an Error, or what a join/condition threw
      if (refusal !== undefined) throw refusal;
      const executor = this.executorFor(run, task);
      // The built-in fan-out is no dependency of its own: its items have their executor.
      const candidate =
        executor.name === FAN_OUT_EXECUTOR ? undefined : this.o.breakers?.get(executor.name);
      if (candidate !== undefined && !candidate.tryAcquire()) throw candidate.openError();
      breaker = candidate;
      const inputs = task.inputs(run.context);
      result =
        task.fanOut === undefined || this.control(run).alternates.has(i)
          ? executor.execute(inputs, ctx)
          : runFanOut(task, task.fanOut, run, ctx, this.o.executors);
    } catch (err) {
      outcome(err);
      done(false, err);
      return;
    }
    if (isThenable(result)) {
      result.then(
        (v) => {
          outcome(undefined);
          done(true, v);
        },
        (e: unknown) => {
          outcome(e);
          done(false, e);
        },
      );
    } else {
      outcome(undefined);
      done(true, result);
    }
  }

  private contextFor(run: RunState, task: PlanTask, attempt: number): AttemptContext {
    const config = task.definition.config ?? {};
    return new AttemptContext(
      run.id,
      run.plan,
      task.id,
      attempt,
      this.o.clock,
      config,
      this.o.log,
      this.relay,
    );
  }

  private executorFor(run: RunState, task: PlanTask): Executor {
    const alternate = this.control(run).alternates.get(task.index);
    const name = alternate ?? task.executor ?? (task.fanOut === undefined ? '' : FAN_OUT_EXECUTOR);
    if (task.fanOut !== undefined && alternate === undefined) return { name, execute: () => null };
    const executor = this.o.executors.get(name);
    if (executor === undefined) {
      throw new OrchestratorError(
        'UNKNOWN_EXECUTOR',
        `no executor named \`${name}\` is registered`,
        {
          hint: `register it with engine.registerExecutor('${name}', fn); registered: ${this.o.executors.names().slice(0, 12).join(', ')}`,
        },
      );
    }
    return executor;
  }

  private finishAttempt(
    run: RunState,
    i: number,
    ctx: AttemptContext,
    ok: boolean,
    value: unknown,
  ): void {
    const c = this.controls.get(run);
    // A stale completion: the attempt timed out, or its run was cancelled or ended, before.
    if (c === undefined || c.contexts.get(i) !== ctx) return;
    c.contexts.delete(i);
    c.timers.get(i)?.();
    c.timers.delete(i);
    this.releaseResources(run, c, i);
    this.inFlight--;
    run.running--;
    const task = run.plan.tasks[i] as PlanTask;
    const now = this.o.clock.now();
    const started = run.task(i).attempts.at(-1)?.startedAt ?? now;
    if (ok) {
      let outputs: Record<string, unknown> | undefined;
      try {
        outputs = mapOutputs(task.id, task.executor ?? 'fan-out', value, task.outputs);
      } catch (err) {
        this.failAttempt(run, task, ctx.attempt, err, started, now, false);
      }
      if (outputs !== undefined) {
        const viaFallback = c.alternates.delete(i) ? 'executor' : undefined;
        this.complete(run, task, ctx.attempt, outputs, now, started, viaFallback);
      }
    } else {
      this.failAttempt(run, task, ctx.attempt, value, started, now, true);
    }
    if (c.blocked.length > 0 && run.status === 'running') {
      for (const b of c.blocked.splice(0)) this.enqueue(run, b);
    }
    this.finishIfDone(run);
    this.pump();
  }

  private complete(
    run: RunState,
    task: PlanTask,
    attempt: number,
    outputs: Record<string, unknown>,
    now: number,
    started: number,
    fallback?: string,
  ): void {
    const i = task.index;
    run.endAttempt(i, now);
    run.setOutputs(i, outputs);
    run.setStatus(i, TaskStatus.Completed);
    if (fallback !== undefined) run.task(i).fallback = fallback;
    this.journal(run, {
      type: 'task.completed',
      at: now,
      taskId: task.id,
      attempt,
      output: outputs,
      ...(fallback === undefined ? {} : { fallback }),
    });
    run.task(i).outputSeq = run.seq;
    if (fallback === undefined && task.fallback?.strategy === 'cached')
      this.o.lastGood.remember(run.plan.name, task.id, outputs, now);
    this.emitTask(run, i, TaskStatus.Completed, { durationMs: now - started });
    this.o.hooks.onTaskComplete?.(run, task.id);
    if (run.status === 'running' || run.status === 'paused') this.consider(run, run.settle(i));
  }

  private failAttempt(
    run: RunState,
    task: PlanTask,
    attempt: number,
    err: unknown,
    started: number,
    now: number,
    mayRetry: boolean,
  ): void {
    const i = task.index;
    const info = toErrorInfo(err);
    run.endAttempt(i, now, info);
    run.setError(i, info);
    const live = run.status === 'running' || run.status === 'paused';
    const c = this.control(run);
    const alternate = c.alternates.get(i);
    if (alternate !== undefined) {
      // The fallback executor failed too: that is the end of this task.
      c.alternates.delete(i);
      const primary = run.task(i).attempts.at(-2)?.error;
      const message = `${primary?.message ?? 'failed'}; the fallback executor ${alternate} failed too: ${info.message}`;
      this.failFinally(run, task, attempt, { code: info.code, message }, started, now, live);
      return;
    }
    if (live && mayRetry && shouldRetry(task.retry, attempt, err)) {
      this.scheduleAttempt(
        run,
        task,
        attempt,
        info,
        nextDelayMs(task.retry, attempt, err, this.o.random),
        started,
        now,
      );
      return;
    }
    if (live) {
      let outcome;
      try {
        outcome = fallbackFor(task, run, info, this.o.lastGood, now);
      } catch (fallbackError) {
        const why = toErrorInfo(fallbackError).message;
        const message = `${info.message}; its fallback failed too: ${why}`;
        this.failFinally(run, task, attempt, { code: info.code, message }, started, now, live);
        return;
      }
      if (outcome.kind === 'outputs') {
        this.complete(run, task, attempt, outcome.outputs, now, started, outcome.via);
        return;
      }
      if (outcome.kind === 'skip') {
        run.setStatus(i, TaskStatus.Skipped);
        run.task(i).skipReason = outcome.reason;
        this.journal(run, {
          type: 'task.skipped',
          at: now,
          taskId: task.id,
          reason: outcome.reason,
        });
        this.emitTask(run, i, TaskStatus.Skipped, { error: info });
        this.consider(run, run.settle(i));
        return;
      }
      if (outcome.kind === 'executor') {
        // One more attempt, with the alternative executor: the same timeout, limits and breaker.
        c.alternates.set(i, outcome.executor);
        this.scheduleAttempt(run, task, attempt, info, 0, started, now);
        return;
      }
    }
    this.failFinally(run, task, attempt, info, started, now, live);
  }

  private failFinally(
    run: RunState,
    task: PlanTask,
    attempt: number,
    info: ErrorInfo,
    started: number,
    now: number,
    live: boolean,
  ): void {
    const i = task.index;
    const final = info.code === 'TimeoutError' ? TaskStatus.TimedOut : TaskStatus.Failed;
    run.setError(i, info);
    run.setStatus(i, final);
    this.journal(run, {
      type: 'task.failed',
      at: now,
      taskId: task.id,
      attempt,
      error: info,
      status: final,
    });
    this.emitTask(run, i, final, { error: info, durationMs: now - started });
    this.o.hooks.onTaskComplete?.(run, task.id);
    this.o.onTaskFailed?.(run, task, info);
    if (!live) return;
    if (run.plan.failFast) {
      this.stopRun(run, 'failed', {
        code: info.code,
        message: `task \`${task.id}\` failed: ${info.message}`,
      });
      return;
    }
    this.consider(run, run.settle(i));
  }

  /** Puts a failed task back in the queue after `delay` (a retry, or its fallback executor). */
  private scheduleAttempt(
    run: RunState,
    task: PlanTask,
    attempt: number,
    info: ErrorInfo,
    delay: number,
    started: number,
    now: number,
  ): void {
    const i = task.index;
    run.setStatus(i, TaskStatus.Retrying);
    this.journal(run, {
      type: 'task.failed',
      at: now,
      taskId: task.id,
      attempt,
      error: info,
      retryAt: now + delay,
      status: 'retrying',
    });
    this.emitTask(run, i, TaskStatus.Retrying, { error: info, durationMs: now - started });
    const c = this.control(run);
    c.timers.set(
      i,
      this.o.clock.setTimer(delay, () => {
        c.timers.delete(i);
        if (run.task(i).status !== TaskStatus.Retrying) return;
        this.requeue(run, i);
        this.pump();
      }),
    );
  }
}
