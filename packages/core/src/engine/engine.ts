/**
 * The composition root: `createEngine(options)` turns user options into a running engine with
 * every default filled in. Nothing else in the engine reads environment variables or globals.
 */
import { randomUUID } from 'node:crypto';
import { timeOrderedId } from '../ids.js';
import { hostname } from 'node:os';
import { systemClock, type Clock } from '../clock.js';
import { OrchestratorError } from '../errors.js';
import { createBuiltinRegistry } from '../executors/index.js';
import type { ExecutorRegistry } from '../executors/registry.js';
import type { ExecuteFunction, Executor } from '../executors/types.js';
import { FAN_OUT_EXECUTOR } from '../definition/semantic/task-checks.js';
import {
  Backpressure,
  MemoryDeadLetterQueue,
  type DeadLetter,
  type DeadLetterQueue,
} from '../resilience/index.js';
import { defaultAlertSink } from './handlers/index.js';
import { AfterRun } from './after-run.js';
import { LocalRuns } from './local-runs.js';
import { LastGoodOutputs } from './fallbacks.js';
import { auditDecision, decideTask, type Decision, type DecisionDeps } from './approvals.js';
import { controlThroughStore } from './remote-control.js';
import type { LogSink } from './attempt-context.js';
import { EventBus, type EngineListener } from './bus.js';
import { MemoryStore } from '../store/memory-store.js';
import type { ControlCommand, ControlRequest, Store, WorkflowVersion } from '../store/port.js';
import { Definitions } from './definitions.js';
import { Durability } from './durability.js';
import type { ErrorInfo, JournalEntry } from './journal.js';
import { loadJournal } from './snapshot.js';
import type { Plan } from './plan.js';
import { RunState } from './run.js';
import { resolveInputs } from './run-inputs.js';
import {
  applyCommand,
  createRunHandle,
  snapshot,
  type RunHandle,
  type RunResult,
} from './run-handle.js';
import type { DefinitionSource, EngineOptions, StartOptions } from './options.js';
import { claimLoop, type WorkOptions } from './worker.js';
import { baseContext, schedulerLimits, taskDeadLetter, userHooks } from './wiring.js';
import { Scheduler, toErrorInfo, type SchedulerHooks } from './scheduler.js';

export type { RunHandle, RunResult } from './run-handle.js';
export type { DefinitionSource, EngineHooks, EngineOptions, StartOptions } from './options.js';
export type { WorkOptions } from './worker.js';
import { TERMINAL_RUN_STATES } from './states.js';

export class Engine {
  readonly executors: ExecutorRegistry;
  readonly store: Store;
  readonly clock: Clock;
  readonly deadLetters: DeadLetterQueue;
  private readonly backpressure: Backpressure | undefined;
  private readonly log: LogSink;
  private readonly bus: EventBus;
  private readonly scheduler: Scheduler;
  private readonly runs: LocalRuns;
  /** Runs counted by the backpressure: admitted and not yet finished. */
  private readonly inProgress = new Set<string>();
  private readonly afterRun: AfterRun;
  private readonly base: Readonly<Record<string, unknown>>;
  private readonly newId: () => string;
  private readonly durability: Durability;
  private readonly definitions: Definitions;
  private readonly workers = new Set<() => void>();
  private readonly lastGood: LastGoodOutputs;
  readonly owner: string;
  readonly leaseTtlMs: number;

  constructor(options: EngineOptions = {}) {
    const log: LogSink = options.log ?? (() => undefined);
    this.clock = options.clock ?? systemClock;
    this.store = options.store ?? new MemoryStore();
    this.executors = options.executors ?? createBuiltinRegistry();
    if (!this.executors.has(FAN_OUT_EXECUTOR)) {
      // Fan-out tasks are run by the scheduler itself; the name is registered so they validate.
      this.executors.register(FAN_OUT_EXECUTOR, () => {
        throw new OrchestratorError(
          'INTERNAL',
          'fan-out tasks are run by the engine, not called directly',
        );
      });
    }
    this.bus = new EventBus((err) => {
      log('error', 'an event listener threw', { error: String(err) });
    });
    this.newId = options.idGenerator ?? timeOrderedId;
    this.log = log;
    this.owner =
      options.owner ?? `${hostname()}:${String(process.pid)}:${randomUUID().slice(0, 8)}`;
    this.leaseTtlMs = options.leaseTtlMs ?? 15_000;
    this.lastGood = new LastGoodOutputs(
      this.store.durable ? this.store.cache : undefined,
      (err, failed) => {
        log('warn', `the cached fallback outputs could not be ${failed}`, {
          error: err instanceof Error ? err.message : String(err),
        });
      },
    );
    this.durability = new Durability({
      store: this.store,
      clock: this.clock,
      log,
      owner: this.owner,
      leaseTtlMs: this.leaseTtlMs,
      heartbeatMs: options.heartbeatMs ?? Math.max(1, Math.floor(this.leaseTtlMs / 3)),
      pollMs: options.controlPollMs ?? 200,
      snapshotEvery: options.snapshotEvery ?? 1000,
      snapshotIntervalMs: options.snapshotIntervalMs ?? 5000,
      snapshotOutputLimit: 64 * 1024,
      onLost: (runId, error) => {
        this.giveUp(runId, error);
      },
      onControl: (request) => {
        this.applyControl(request);
      },
    });
    this.deadLetters =
      options.deadLetters ??
      (this.store.durable ? this.store.deadLetters : new MemoryDeadLetterQueue(this.clock));
    this.runs = new LocalRuns(this.store, options.retainFinishedRuns ?? 1000);
    this.afterRun = new AfterRun(
      {
        clock: this.clock,
        log,
        alertSink: options.alertSink ?? defaultAlertSink(log),
        deadLetters: this.deadLetters,
        executors: this.executors,
        ...options.webhooks,
      },
      log,
    );
    this.backpressure =
      options.backpressure === undefined ? undefined : new Backpressure(options.backpressure);
    const allow = options.allowEnv ?? [];
    this.base = baseContext(options, allow, this.clock.now());
    this.definitions = new Definitions(this.store, this.clock, {
      executors: this.executors,
      allowEnv: allow,
      ...(options.secrets === undefined ? {} : { secrets: Object.keys(options.secrets) }),
    });
    const user = userHooks(options.hooks ?? {}, log);
    const hooks: SchedulerHooks = {
      onTaskStart: user.onTaskStart,
      onTaskComplete: user.onTaskComplete,
      onRunRestart: (run) => {
        this.durability.reclaim(run);
        // A retried run is work in progress again; it is never refused.
        if (this.backpressure !== undefined && !this.inProgress.has(run.id)) {
          this.inProgress.add(run.id);
          this.backpressure.increment();
        }
      },
      onRunComplete: (run) => {
        this.durability.ended(run);
        this.afterRun.ended(run);
        this.runs.retire(run.id);
        if (this.inProgress.delete(run.id)) this.backpressure?.decrement();
        user.onRunComplete(run);
      },
    };
    this.scheduler = new Scheduler({
      clock: this.clock,
      bus: this.bus,
      executors: this.executors,
      log,
      hooks,
      ...schedulerLimits(options, this.clock),
      lastGood: this.lastGood,
      onDecision: auditDecision(this.store, this.clock, log),
      onTaskFailed: (run, task, error) => {
        if (run.plan.deadLetter) this.afterRun.deadLetter(taskDeadLetter(run, task, error));
      },
    });
  }

  /** Registers an executor under `name`; returns the engine for chaining. */
  registerExecutor(name: string, executor: ExecuteFunction | Executor): this {
    this.executors.register(name, executor);
    return this;
  }

  /** Validates and compiles a definition (cached per object). Throws DefinitionError when invalid. */
  load(definition: DefinitionSource, workflow?: string): Plan {
    return this.definitions.load(definition, workflow);
  }

  /**
   * Registers a definition in the store's registry as `name@version` (from its metadata). Versions
   * are immutable: the same version with another definition is refused (VERSION_EXISTS).
   */
  register(definition: DefinitionSource, workflow?: string): Promise<WorkflowVersion> {
    return this.definitions.register(definition, workflow);
  }

  /** The plan of a registered workflow: `name@version`, or `name` for its highest version. */
  registered(ref: string): Promise<Plan> {
    return this.definitions.registered(ref);
  }

  /** Starts a run and returns at once with its handle. */
  start(
    definition: DefinitionSource,
    inputs: Readonly<Record<string, unknown>> = {},
    options: StartOptions = {},
  ): RunHandle {
    const plan = this.load(definition, options.workflow);
    const resolved = resolveInputs(plan.inputs, inputs, this.base);
    const id = options.runId ?? this.newId();
    if (this.runs.has(id))
      throw new OrchestratorError('RUN_EXISTS', `a run with id ${id} already exists`);
    const bp = this.backpressure;
    if (bp !== undefined && bp.isSaturated && bp.stats().mode === 'reject') {
      throw new OrchestratorError(
        'BackpressureError',
        `the engine has ${bp.currentDepth} runs in progress: at its high watermark`,
        { retryable: true, hint: 'retry later, or raise backpressure.highWatermark' },
      );
    }
    const now = this.clock.now();
    const run = new RunState(id, plan, resolved, this.base, now, this.write);
    this.runs.set(run);
    // What the plan's `cached` fallbacks may serve, loaded while the run starts.
    void this.lastGood.preload(plan, now);
    const { hash, definition: stored } = this.definitions.of(plan);
    this.durability.putDefinition(hash, stored);
    this.durability.create(run, {
      type: 'run.created',
      at: now,
      workflow: { name: plan.name, version: plan.version },
      inputs: resolved,
      definition: hash,
    });
    if (bp === undefined) {
      this.scheduler.startRun(run);
    } else {
      // Started at once when there is room; otherwise the run stays pending until there is
      // (wait mode), or is cancelled with the BackpressureError (reject mode).
      bp.admit().then(
        () => {
          if (run.status === 'pending') {
            this.inProgress.add(run.id);
            this.scheduler.startRun(run);
          } else {
            bp.decrement();
          }
        },
        (err: unknown) => {
          this.scheduler.stopRun(run, 'cancelled', toErrorInfo(err));
        },
      );
    }
    return createRunHandle(run, this.scheduler, this.bus);
  }

  /**
   * Creates a run in the store without executing it here: a worker (`work()`, `llm-orchestrator
   * worker`) picks it up. Resolves with the run id once the run is durable.
   */
  async submit(
    definition: DefinitionSource,
    inputs: Readonly<Record<string, unknown>> = {},
    options: StartOptions = {},
  ): Promise<string> {
    const plan = this.load(definition, options.workflow);
    const resolved = resolveInputs(plan.inputs, inputs, this.base);
    const id = options.runId ?? this.newId();
    const { hash, definition: stored } = this.definitions.of(plan);
    await this.store.putDefinition(hash, stored);
    await this.store.createRun(id, {
      type: 'run.created',
      at: this.clock.now(),
      workflow: { name: plan.name, version: plan.version },
      inputs: resolved,
      definition: hash,
    });
    await this.store.flush();
    return id;
  }

  /** Runs a workflow and waits for its result. */
  async run(
    definition: DefinitionSource,
    inputs: Readonly<Record<string, unknown>> = {},
    options: StartOptions = {},
  ): Promise<RunResult> {
    return this.start(definition, inputs, options).wait();
  }

  /** The handle of a run started by this engine. */
  get(runId: string): RunHandle | undefined {
    const run = this.runs.get(runId);
    return run === undefined ? undefined : createRunHandle(run, this.scheduler, this.bus);
  }

  list(): RunResult[] {
    return [...this.runs.values()].map(snapshot);
  }

  /** Retries what a dead letter holds (the run, from the task for a task entry) and removes it. */
  async retryDeadLetter(id: string): Promise<RunHandle> {
    const entry: DeadLetter | undefined = await this.deadLetters.get(id);
    if (entry === undefined) throw new OrchestratorError('NOT_FOUND', `no dead letter ${id}`);
    const handle = this.get(entry.runId) ?? (await this.attach(entry.runId));
    handle.retry(entry.taskId);
    await this.deadLetters.remove(id);
    return handle;
  }

  /**
   * Takes a run over from the store and continues it here: after a crash, from another process, or
   * to control a run no process holds. Completed tasks keep their outputs; tasks that were running
   * run again with the same idempotency key. Pending control requests are applied first. Throws
   * RUN_HELD while another live process holds the run, RUN_NOT_FOUND for an unknown run.
   */
  async attach(runId: string): Promise<RunHandle> {
    const local = this.runs.get(runId);
    if (local !== undefined && local.lost === undefined && this.durability.held.has(runId)) {
      return createRunHandle(local, this.scheduler, this.bus);
    }
    const store = this.store;
    const record = await store.getRun(runId);
    if (record === undefined) throw new OrchestratorError('RUN_NOT_FOUND', `no run ${runId}`);
    if (!(await store.claimRun(runId, this.owner, this.clock.now(), this.leaseTtlMs))) {
      throw new OrchestratorError('RUN_HELD', `run ${runId} is held by ${record.owner ?? '?'}`, {
        retryable: true,
        hint: 'its holder is alive; control it with a request, or wait for its lease to expire',
      });
    }
    let run: RunState;
    let restarted = false;
    try {
      const plan = await this.definitions.planFor(record.definition);
      await this.lastGood.preload(plan, this.clock.now());
      const loaded = await loadJournal(store, runId);
      run = new RunState(runId, plan, record.inputs, this.base, record.createdAt, this.write);
      run.restore(loaded.replayed, loaded.seq);
      this.runs.set(run);
      this.durability.hold(run, loaded.seq - loaded.entriesRead);
      const epoch = run.epoch;
      for (const request of await store.takeControls(this.owner)) this.applyControl(request);
      // A retry among the requests restarted the run already.
      restarted = run.epoch !== epoch;
    } catch (err) {
      this.durability.release(runId);
      await store.releaseLease(runId, this.owner);
      throw err;
    }
    if (TERMINAL_RUN_STATES.has(run.status)) this.durability.ended(run);
    else if (!restarted) this.scheduler.resumeRun(run);
    return createRunHandle(run, this.scheduler, this.bus);
  }

  /**
   * Cancels, pauses, resumes or retries a run wherever it runs. A run this process holds is
   * controlled at once; otherwise the request goes through the store to its holder, and when no
   * live process holds the run, this one takes it over (`attach`) and applies it. Resolves with the
   * local handle when the run now runs here, or undefined when its holder took the request.
   */
  async control(
    runId: string,
    command: ControlCommand,
    timeoutMs = 30_000,
  ): Promise<RunHandle | undefined> {
    const local = this.get(runId);
    if (
      (local !== undefined && this.durability.held.has(runId)) ||
      (local !== undefined && !this.store.durable)
    ) {
      applyCommand(local, command);
      return local;
    }
    return controlThroughStore(
      { store: this.store, clock: this.clock, attach: (id) => this.attach(id) },
      runId,
      command,
      timeoutMs,
    );
  }

  /**
   * Lets a task waiting for approval run, wherever its run runs (audit-logged). Resolves with the
   * handle when the run now runs here (no live process held it), else undefined.
   */
  approve(runId: string, taskId: string, decision: Decision = {}): Promise<RunHandle | undefined> {
    return decideTask(this.decisionDeps(), runId, taskId, 'approve', decision);
  }

  /** Fails a task waiting for approval with `ApprovalRejected`, wherever its run runs. */
  reject(runId: string, taskId: string, decision: Decision = {}): Promise<RunHandle | undefined> {
    return decideTask(this.decisionDeps(), runId, taskId, 'reject', decision);
  }

  private decisionDeps(): DecisionDeps {
    return {
      store: this.store,
      local: (id) => this.get(id),
      control: (id, command) => this.control(id, command),
    };
  }

  /**
   * Executes runs from the store, the way a service does: claims runs that no live process holds
   * (new ones left by `--detach`, and those whose holder died), up to `maxRuns` at once. Returns a
   * function that stops claiming.
   */
  work(options: WorkOptions = {}): () => void {
    const stop = claimLoop(
      {
        clock: this.clock,
        log: this.log,
        active: () => {
          let n = 0;
          for (const id of this.durability.held) if (this.runs.active(id)) n++;
          return n;
        },
        claim: (room) => this.store.claimRuns(this.owner, this.clock.now(), this.leaseTtlMs, room),
        attach: (id) => this.attach(id),
      },
      options,
      () => {
        this.workers.delete(stop);
        if (this.workers.size === 0) this.durability.keepPolling = false;
      },
    );
    this.durability.keepPolling = true;
    this.workers.add(stop);
    return stop;
  }

  /**
   * Stops the engine: no more claims, runs in progress here are given up (their attempts aborted,
   * nothing more journalled), the store is flushed and every lease released, so that another
   * process can continue those runs at once. The store itself stays open.
   */
  async close(): Promise<void> {
    for (const stop of [...this.workers]) stop();
    for (const id of [...this.durability.held]) {
      const run = this.runs.get(id);
      if (run !== undefined && !TERMINAL_RUN_STATES.has(run.status)) {
        this.scheduler.abandonRun(run, { code: 'ENGINE_CLOSED', message: 'the engine was closed' });
      }
    }
    await this.durability.close();
    await this.idle();
  }

  /** A held run must be given up: its lease is gone or its journal could not be written. */
  private giveUp(runId: string, error: ErrorInfo): void {
    const run = this.runs.get(runId);
    if (run === undefined || TERMINAL_RUN_STATES.has(run.status)) return;
    this.log('error', 'giving a run up', { runId, code: error.code, error: error.message });
    this.durability.release(runId);
    this.scheduler.abandonRun(run, error);
  }

  private applyControl(request: ControlRequest): void {
    const handle = this.get(request.runId);
    if (handle === undefined) return;
    try {
      applyCommand(handle, request.command);
    } catch (err) {
      this.log('warn', 'a control request could not be applied', {
        runId: request.runId,
        command: request.command.type,
        error: String(err),
      });
    }
  }

  /** Waits until the event handlers of finished runs are done (call before the process exits). */
  idle(): Promise<void> {
    return this.afterRun.idle();
  }

  private readonly write = (run: RunState, entry: JournalEntry): void => {
    this.durability.write(run, entry);
  };

  /** Every engine event, as they happen. */
  on(listener: EngineListener): () => void {
    return this.bus.on(listener);
  }
}

export function createEngine(options: EngineOptions = {}): Engine {
  return new Engine(options);
}
