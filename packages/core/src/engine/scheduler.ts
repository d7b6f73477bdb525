/**
 * The scheduler: one priority queue of ready tasks for every run, an event-driven pump (no
 * polling), and the life of each attempt: start, timeout, finish, retry or fallback. A task becomes
 * ready when its dependencies settle (RunState.decide); the work per task is constant plus its
 * edges, so a run costs O(tasks + edges).
 */
import type { Clock } from '../clock.js';
import { OrchestratorError } from '../errors.js';
import type { ExecutorRegistry } from '../executors/registry.js';
import type { Executor, TaskEmission } from '../executors/types.js';
import {
  CircuitOpenError,
  DEFAULT_RETRY,
  errorCode,
  isRetryable,
  nextDelayMs,
  PriorityQueue,
  shouldRetry,
  type CircuitBreaker,
  type CircuitBreakerRegistry,
  type ResourceRequest,
} from '../resilience/index.js';
import { AttemptContext, type LogSink } from './attempt-context.js';
import type { EventBus } from './bus.js';
import type { ErrorInfo, JournalEntry, Store } from './journal.js';
import { buildWorkflowOutputs, mapOutputs } from './outputs.js';
import type { PlanTask } from './plan.js';
import { RunState } from './run.js';
import { TaskStatus, TERMINAL_RUN_STATES, transitionRun, type RunStatus } from './states.js';
import { runFanOut } from './fan-out.js';
import type { Admissions } from './admission.js';
import { fallbackFor, type LastGoodOutputs } from './fallbacks.js';

export interface SchedulerHooks {
  onTaskStart?(run: RunState, taskId: string, attempt: number): void;
  onTaskComplete?(run: RunState, taskId: string): void;
  onRunComplete?(run: RunState): void;
}

export interface SchedulerOptions {
  readonly clock: Clock;
  readonly store: Store;
  readonly bus: EventBus;
  readonly executors: ExecutorRegistry;
  readonly breakers: CircuitBreakerRegistry | undefined;
  readonly maxConcurrentTasks: number;
  readonly log: LogSink;
  readonly hooks: SchedulerHooks;
  readonly random: () => number;
  readonly admissions: Admissions;
  readonly lastGood: LastGoodOutputs;
  /** Called once per task that failed for good (after retries and fallbacks). */
  readonly onTaskFailed?: (run: RunState, task: PlanTask, error: ErrorInfo) => void;
}

interface QueueEntry {
  readonly run: RunState;
  readonly index: number;
}

/** Per-run scheduling state the RunState does not need to know about. */
interface RunControl {
  readonly blocked: number[];
  readonly contexts: Map<number, AttemptContext>;
  readonly timers: Map<number, () => void>;
  readonly resources: Map<number, ResourceRequest>;
  cancelRunTimer: (() => void) | undefined;
  readonly waiters: (() => void)[];
}

export function toErrorInfo(err: unknown): ErrorInfo {
  const message = err instanceof Error ? err.message : String(err);
  const retryable = err instanceof OrchestratorError ? err.retryable : undefined;
  return { code: errorCode(err), message, ...(retryable === undefined ? {} : { retryable }) };
}

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

export class Scheduler {
  private readonly queue = new PriorityQueue<QueueEntry>();
  private readonly controls = new Map<RunState, RunControl>();
  /** Ready tasks waiting for resources to be released. */
  private parked: QueueEntry[] = [];
  private inFlight = 0;
  private pumping = false;
  private pumpAgain = false;

  constructor(private readonly o: SchedulerOptions) {}

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

  get queued(): number {
    return this.queue.size;
  }

  get active(): number {
    return this.inFlight;
  }

  private control(run: RunState): RunControl {
    let c = this.controls.get(run);
    if (c === undefined) {
      c = {
        blocked: [],
        contexts: new Map(),
        timers: new Map(),
        resources: new Map(),
        cancelRunTimer: undefined,
        waiters: [],
      };
      this.controls.set(run, c);
    }
    return c;
  }

  private journal(run: RunState, entry: JournalEntry): void {
    void this.o.store.append(run.id, [entry]);
  }

  private setRunStatus(run: RunState, to: RunStatus, error?: ErrorInfo): void {
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

  private emitTask(
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

  private armRunTimeout(run: RunState, c: RunControl): void {
    const ms = run.plan.timeoutMs;
    if (ms === undefined) return;
    c.cancelRunTimer = this.o.clock.setTimer(ms, () => {
      this.stopRun(run, 'timed_out', {
        code: 'TimeoutError',
        message: `the workflow ran longer than its timeout (${ms} ms)`,
      });
    });
  }

  /** Decides tasks whose dependencies changed; skipped ones settle in turn (iteratively). */
  private consider(run: RunState, tasks: readonly PlanTask[]): void {
    const work = [...tasks];
    const at = this.o.clock.now();
    // In order, so that ready tasks of equal priority start in the order they are written.
    for (let k = 0; k < work.length; k++) {
      const task = work[k] as PlanTask;
      if (run.task(task.index).status !== TaskStatus.Pending) continue;
      // A task without dependencies is ready whatever its join says.
      const decision = task.deps.length === 0 ? 'ready' : run.decide(task);
      if (decision === 'wait') continue;
      let reason = 'a dependency did not succeed';
      let ready = decision === 'ready';
      if (ready) {
        const failed = task.conditions.find(
          (c) => Boolean(c.template.evaluate(run.context)) === c.negate,
        );
        if (failed !== undefined) {
          ready = false;
          reason = failed.negate ? 'its branch condition is true' : 'its condition is false';
        }
      }
      if (ready) {
        run.setStatus(task.index, TaskStatus.Ready);
        this.queue.push({ run, index: task.index }, run.plan.priority * 1000 + task.priority);
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

  private admitAndStart(entry: QueueEntry): void {
    const { run, index } = entry;
    const task = run.plan.tasks[index] as PlanTask;
    const admission = this.o.admissions.admit(task);
    switch (admission.kind) {
      case 'wait-resources':
        this.parked.push(entry);
        return;
      case 'wait-rate':
        this.o.clock.setTimer(admission.ms, () => {
          this.requeue(run, index);
          this.pump();
        });
        return;
      case 'refuse':
        this.startAttempt(run, index, admission.error);
        return;
      case 'start':
        if (admission.resources !== undefined)
          this.control(run).resources.set(index, admission.resources);
        this.startAttempt(run, index);
    }
  }

  private requeue(run: RunState, index: number): void {
    if (TERMINAL_RUN_STATES.has(run.status)) return;
    this.queue.push(
      { run, index },
      run.plan.priority * 1000 + (run.plan.tasks[index] as PlanTask).priority,
    );
  }

  /** Gives back what an attempt held, and lets parked tasks try again. */
  private releaseResources(run: RunState, c: RunControl, i: number): void {
    const held = c.resources.get(i);
    if (held === undefined) return;
    c.resources.delete(i);
    this.o.admissions.release(held);
    const parked = this.parked;
    this.parked = [];
    for (const p of parked) this.requeue(p.run, p.index);
  }

  private startAttempt(run: RunState, i: number, refusal?: OrchestratorError): void {
    const task = run.plan.tasks[i] as PlanTask;
    const now = this.o.clock.now();
    run.setStatus(i, TaskStatus.Running);
    const attempt = run.beginAttempt(i, now);
    this.inFlight++;
    run.running++;
    this.journal(run, { type: 'task.started', at: now, taskId: task.id, attempt });
    this.emitTask(run, i, TaskStatus.Running);
    this.o.hooks.onTaskStart?.(run, task.id, attempt);
    const ctx = new AttemptContext(
      run.id,
      task.id,
      attempt,
      this.o.clock,
      task.definition.config ?? {},
      this.o.log,
      this.relay,
    );
    const c = this.control(run);
    c.contexts.set(i, ctx);
    const done = (ok: boolean, value: unknown): void => {
      this.finishAttempt(run, i, ctx, ok, value);
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
          done(false, err);
        }),
      );
    }
    let result: unknown;
    let breaker: CircuitBreaker | undefined;
    try {
      if (refusal !== undefined) throw refusal;
      const executor = this.executorFor(task);
      const candidate = this.o.breakers?.get(executor.name);
      if (candidate !== undefined && !candidate.tryAcquire()) throw candidate.openError();
      breaker = candidate;
      const inputs = task.inputs(run.context);
      result =
        task.fanOut === undefined
          ? executor.execute(inputs, ctx)
          : runFanOut(task, task.fanOut, run, ctx, this.o.executors);
    } catch (err) {
      recordOutcome(breaker, err);
      done(false, err);
      return;
    }
    if (isThenable(result)) {
      result.then(
        (v) => {
          recordOutcome(breaker, undefined);
          done(true, v);
        },
        (e: unknown) => {
          recordOutcome(breaker, e);
          done(false, e);
        },
      );
    } else {
      recordOutcome(breaker, undefined);
      done(true, result);
    }
  }

  private executorFor(task: PlanTask): Executor {
    const name = task.executor ?? (task.fanOut === undefined ? '' : 'orchestrator:fan-out');
    if (task.fanOut !== undefined) return { name, execute: () => null };
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
    const c = this.control(run);
    if (c.contexts.get(i) !== ctx) return; // a stale completion: timed out or cancelled before
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
      if (outputs !== undefined) this.complete(run, task, ctx.attempt, outputs, now, started);
    } else {
      this.failAttempt(run, task, ctx.attempt, value, started, now, true);
    }
    if (c.blocked.length > 0 && run.status === 'running') {
      for (const b of c.blocked.splice(0))
        this.queue.push(
          { run, index: b },
          run.plan.priority * 1000 + (run.plan.tasks[b] as PlanTask).priority,
        );
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
    this.journal(run, {
      type: 'task.completed',
      at: now,
      taskId: task.id,
      attempt,
      output: outputs,
      ...(fallback === undefined ? {} : { fallback }),
    });
    if (fallback !== undefined) run.task(i).fallback = fallback;
    else if (task.fallback?.strategy === 'cached')
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
    if (live && mayRetry && shouldRetry(task.retry, attempt, err)) {
      const delay = nextDelayMs(task.retry, attempt, err, this.o.random);
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
          this.queue.push({ run, index: i }, run.plan.priority * 1000 + task.priority);
          this.pump();
        }),
      );
      return;
    }
    if (live) {
      const outcome = fallbackFor(task, run.plan.name, info, this.o.lastGood, now);
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
      if (outcome.kind === 'executor' && mayRetry) {
        this.runAlternative(run, task, attempt, outcome.executor, info, started);
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

  /** The `executor` fallback: one call of the alternative executor with the same inputs. */
  private runAlternative(
    run: RunState,
    task: PlanTask,
    attempt: number,
    name: string,
    primary: ErrorInfo,
    started: number,
  ): void {
    const i = task.index;
    const settle = (ok: boolean, value: unknown): void => {
      if (run.task(i).status !== TaskStatus.Running || TERMINAL_RUN_STATES.has(run.status)) return;
      const now = this.o.clock.now();
      if (ok) {
        try {
          this.complete(
            run,
            task,
            attempt,
            mapOutputs(task.id, name, value, task.outputs),
            now,
            started,
            'executor',
          );
        } catch (err) {
          ok = false;
          value = err;
        }
      }
      if (!ok) {
        const alt = toErrorInfo(value);
        this.failFinally(
          run,
          task,
          attempt,
          {
            code: primary.code,
            message: `${primary.message}; the fallback executor ${name} failed too: ${alt.message}`,
          },
          started,
          now,
          true,
        );
      }
      this.finishIfDone(run);
      this.pump();
    };
    try {
      const executor = this.o.executors.get(name);
      if (executor === undefined)
        throw new OrchestratorError(
          'UNKNOWN_EXECUTOR',
          `no executor named \`${name}\` is registered`,
        );
      const ctx = new AttemptContext(
        run.id,
        task.id,
        attempt,
        this.o.clock,
        task.definition.config ?? {},
        this.o.log,
        this.relay,
      );
      const result = executor.execute(task.inputs(run.context), ctx);
      if (isThenable(result)) {
        result.then(
          (v) => {
            settle(true, v);
          },
          (e: unknown) => {
            settle(false, e);
          },
        );
      } else {
        settle(true, result);
      }
    } catch (err) {
      settle(false, err);
    }
  }

  private finishIfDone(run: RunState): void {
    if (run.remaining > 0 || run.status !== 'running') return;
    const failed = run.tasks.find(
      (t) => t.status === TaskStatus.Failed || t.status === TaskStatus.TimedOut,
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
      if (s === 'pending' || s === 'ready' || s === 'running' || s === 'retrying') {
        run.setStatus(t.index, TaskStatus.Cancelled);
        this.journal(run, { type: 'task.cancelled', at: now, taskId: t.id });
        this.emitTask(run, t.index, TaskStatus.Cancelled);
      }
    }
    this.end(run, to, error);
    this.pump();
  }

  private end(run: RunState, to: RunStatus, error: ErrorInfo | undefined): void {
    const c = this.control(run);
    c.cancelRunTimer?.();
    c.cancelRunTimer = undefined;
    (run.context.workflow as Record<string, unknown>).outputs = run.outputs ?? null;
    (run.context.workflow as Record<string, unknown>).error = error ?? null;
    this.setRunStatus(run, to, error);
    this.o.hooks.onRunComplete?.(run);
    for (const w of c.waiters.splice(0)) w();
  }

  /** Resolves when the run reaches a terminal state. */
  whenDone(run: RunState): Promise<void> {
    if (TERMINAL_RUN_STATES.has(run.status)) return Promise.resolve();
    return new Promise((resolve) => this.control(run).waiters.push(resolve));
  }

  pause(run: RunState): void {
    this.setRunStatus(run, 'paused');
  }

  resume(run: RunState): void {
    this.setRunStatus(run, 'running');
    const c = this.control(run);
    for (const b of c.blocked.splice(0))
      this.queue.push(
        { run, index: b },
        run.plan.priority * 1000 + (run.plan.tasks[b] as PlanTask).priority,
      );
    this.finishIfDone(run);
    this.pump();
  }

  /** Runs a finished run again from `from` (task indexes), keeping the outputs upstream of them. */
  retry(run: RunState, from: readonly number[]): void {
    const reset = run.resetFrom(from, this.o.clock.now());
    run.outputs = undefined;
    this.setRunStatus(run, 'running');
    this.armRunTimeout(run, this.control(run));
    this.consider(
      run,
      reset.map((i) => run.plan.tasks[i] as PlanTask),
    );
    this.finishIfDone(run);
    this.pump();
  }
}
