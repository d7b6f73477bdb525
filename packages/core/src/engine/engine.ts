/**
 * The composition root: `createEngine(options)` turns user options into a running engine with
 * every default filled in. Nothing else in the engine reads environment variables or globals.
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { sleep, systemClock, type Clock } from '../clock.js';
import { OrchestratorError } from '../errors.js';
import { createBuiltinRegistry } from '../executors/index.js';
import type { ExecutorRegistry } from '../executors/registry.js';
import type { ExecuteFunction, Executor } from '../executors/types.js';
import { FAN_OUT_EXECUTOR } from '../definition/semantic/task-checks.js';
import {
  validateDefinition,
  validateSource,
  type ValidateOptions,
} from '../definition/validate.js';
import type { Resources } from '../definition/schema.js';
import {
  Backpressure,
  CircuitBreakerRegistry,
  MemoryDeadLetterQueue,
  RateLimiterRegistry,
  ResourcePool,
  resourceRequest,
  type BackpressureOptions,
  type CircuitBreakerOptions,
  type DeadLetter,
  type DeadLetterQueue,
  type RateLimit,
} from '../resilience/index.js';
import { Admissions } from './admission.js';
import {
  defaultAlertSink,
  runEventHandlers,
  type AlertSink,
  type HandlerDeps,
  type RunEventName,
} from './handlers/index.js';
import { LastGoodOutputs } from './fallbacks.js';
import type { LogSink } from './attempt-context.js';
import { EventBus, type EngineListener } from './bus.js';
import { MemoryStore } from '../store/memory-store.js';
import type { ControlCommand, ControlRequest, Store, WorkflowVersion } from '../store/port.js';
import { DefinitionSources, latestVersion } from './definitions.js';
import { Durability } from './durability.js';
import type { ErrorInfo, JournalEntry } from './journal.js';
import { loadJournal } from './snapshot.js';
import { planFromValidation, type Plan } from './plan.js';
import { RunState, type TaskRun } from './run.js';
import { resolveInputs } from './run-inputs.js';
import { createRunHandle, snapshot, type RunHandle, type RunResult } from './run-handle.js';
import { Scheduler, toErrorInfo, type SchedulerHooks } from './scheduler.js';

export type { RunHandle, RunResult } from './run-handle.js';
import { TERMINAL_RUN_STATES, type RunStatus } from './states.js';

export interface EngineOptions {
  readonly store?: Store;
  readonly clock?: Clock;
  /** Executors to use; the built-ins are registered when omitted. */
  readonly executors?: ExecutorRegistry;
  /** Attempts in flight at once across every run (default 256). */
  readonly maxConcurrentTasks?: number;
  /** Environment variables expressions may read: names, or prefixes ending in `*`. */
  readonly allowEnv?: readonly string[];
  /** Where allowed variables are read from (default `process.env`). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly secrets?: Readonly<Record<string, string>>;
  /** A circuit breaker per executor; `false` turns them off. */
  readonly circuitBreaker?: Partial<CircuitBreakerOptions> | false;
  /** What tasks may use at once: cpu cores, memory (bytes or `8Gi`), gpus. Unset: unlimited. */
  readonly capacity?: Resources;
  /** Token-bucket limits per executor name or per the `rateLimitKey` a task names. */
  readonly rateLimits?: Readonly<Record<string, RateLimit>>;
  /** Where failed tasks (with `failurePolicy.deadLetterQueue`) and dead-lettered runs go. */
  readonly deadLetters?: DeadLetterQueue;
  /**
   * Limits the runs in progress: at `highWatermark` a start is refused (`reject`, a
   * BackpressureError) or waits (`wait`, the run stays pending) until they are down to `lowWatermark`.
   */
  readonly backpressure?: BackpressureOptions;
  /**
   * How many finished runs the engine keeps (handles, results, and their journal in a store that
   * can forget). Older ones are dropped, so a long-lived engine's memory stays bounded. Default 1000.
   */
  readonly retainFinishedRuns?: number;
  /** Where `alert` event handlers send alerts; default: a structured log line. */
  readonly alertSink?: AlertSink;
  /** Webhook event handlers: retries, per-attempt timeout, and the fetch to use. */
  readonly webhooks?: Pick<HandlerDeps, 'webhookRetry' | 'webhookTimeoutMs' | 'fetch'>;
  readonly log?: LogSink;
  readonly hooks?: EngineHooks;
  readonly idGenerator?: () => string;
  /** For jitter; tests pass a seeded one. */
  readonly random?: () => number;
  /** This process's name in run leases (default `host:pid:random`). */
  readonly owner?: string;
  /**
   * How long a lease on a run lasts without renewal (default 15 s): after a crash, another process
   * takes the run over this long after the last heartbeat at most.
   */
  readonly leaseTtlMs?: number;
  /** How often leases are renewed (default a third of the TTL). */
  readonly heartbeatMs?: number;
  /** How often control requests from other processes are looked for (default 200 ms). */
  readonly controlPollMs?: number;
  /** A snapshot of a run every this many journal entries (default 1000). */
  readonly snapshotEvery?: number;
}

/** Integration hooks (seed §7.2). Errors they throw are logged, never fail a run. */
export interface EngineHooks {
  onTaskStart?(event: { runId: string; taskId: string; attempt: number }): void;
  onTaskComplete?(event: { runId: string; taskId: string; task: TaskRun }): void;
  onWorkflowComplete?(event: {
    runId: string;
    status: RunStatus;
    outputs: Record<string, unknown> | undefined;
  }): void;
}

/** What a definition may be given as: YAML/JSON text, a parsed document, or a compiled plan. */
export type DefinitionSource = string | Readonly<Record<string, unknown>> | Plan;

export interface StartOptions {
  /** Pick a workflow when the definition holds several. */
  readonly workflow?: string;
  readonly runId?: string;
}

const EVENT_OF: Partial<Record<RunStatus, RunEventName>> = {
  completed: 'onSuccess',
  failed: 'onFailure',
  timed_out: 'onTimeout',
  cancelled: 'onCancel',
};

function isPlan(value: unknown): value is Plan {
  return typeof value === 'object' && value !== null && 'tasks' in value && 'byId' in value;
}

function safely(log: LogSink, what: string, fn: () => void): void {
  try {
    fn();
  } catch (err) {
    log('error', `${what} failed`, { error: err instanceof Error ? err.message : String(err) });
  }
}

export class Engine {
  readonly executors: ExecutorRegistry;
  readonly store: Store;
  readonly clock: Clock;
  readonly deadLetters: DeadLetterQueue;
  private readonly backpressure: Backpressure | undefined;
  private readonly log: LogSink;
  private readonly bus: EventBus;
  private readonly scheduler: Scheduler;
  private readonly runs = new Map<string, RunState>();
  /** Finished run ids, oldest first (a Set keeps insertion order). */
  private readonly finished = new Set<string>();
  /** Runs counted by the backpressure: admitted and not yet finished. */
  private readonly inProgress = new Set<string>();
  private readonly handlerDeps: HandlerDeps;
  private readonly pendingHandlers = new Set<Promise<unknown>>();
  private readonly retain: number;
  private readonly plans = new WeakMap<object, Plan>();
  private readonly base: Readonly<Record<string, unknown>>;
  private readonly validateOptions: ValidateOptions;
  private readonly newId: () => string;
  private readonly durability: Durability;
  private readonly sources = new DefinitionSources();
  private readonly plansByHash = new Map<string, Plan>();
  private readonly workers = new Set<() => void>();
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
    this.newId = options.idGenerator ?? randomUUID;
    this.log = log;
    this.owner =
      options.owner ?? `${hostname()}:${String(process.pid)}:${randomUUID().slice(0, 8)}`;
    this.leaseTtlMs = options.leaseTtlMs ?? 15_000;
    this.durability = new Durability({
      store: this.store,
      clock: this.clock,
      log,
      owner: this.owner,
      leaseTtlMs: this.leaseTtlMs,
      heartbeatMs: options.heartbeatMs ?? Math.max(1, Math.floor(this.leaseTtlMs / 3)),
      pollMs: options.controlPollMs ?? 200,
      snapshotEvery: options.snapshotEvery ?? 1000,
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
    this.retain = options.retainFinishedRuns ?? 1000;
    this.handlerDeps = {
      clock: this.clock,
      log,
      alertSink: options.alertSink ?? defaultAlertSink(log),
      deadLetters: this.deadLetters,
      executors: this.executors,
      ...options.webhooks,
    };
    this.backpressure =
      options.backpressure === undefined ? undefined : new Backpressure(options.backpressure);
    const allow = options.allowEnv ?? [];
    const source = options.env ?? process.env;
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(source)) {
      if (
        v !== undefined &&
        allow.some((a) => (a.endsWith('*') ? k.startsWith(a.slice(0, -1)) : a === k))
      )
        env[k] = v;
    }
    this.base = {
      env,
      secrets: { ...options.secrets },
      system: {
        timestamp: new Date(this.clock.now()).toISOString(),
        user: process.env.USER ?? 'unknown',
        environment: process.env.NODE_ENV ?? 'development',
      },
    };
    this.validateOptions = {
      executors: this.executors,
      allowEnv: allow,
      ...(options.secrets === undefined ? {} : { secrets: Object.keys(options.secrets) }),
    };
    const h = options.hooks ?? {};
    const hooks: SchedulerHooks = {
      onTaskStart: (run, taskId, attempt) => {
        if (h.onTaskStart)
          safely(log, 'onTaskStart hook', () =>
            h.onTaskStart?.({ runId: run.id, taskId, attempt }),
          );
      },
      onTaskComplete: (run, taskId) => {
        if (h.onTaskComplete)
          safely(log, 'onTaskComplete hook', () =>
            h.onTaskComplete?.({
              runId: run.id,
              taskId,
              task: run.task(run.plan.byId.get(taskId)?.index ?? 0),
            }),
          );
      },
      onRunRestart: (run) => {
        this.durability.hold(run);
        // A retried run is work in progress again; it is never refused.
        if (this.backpressure !== undefined && !this.inProgress.has(run.id)) {
          this.inProgress.add(run.id);
          this.backpressure.increment();
        }
      },
      onRunComplete: (run) => {
        this.durability.ended(run);
        this.runEventHandlers(run);
        this.retire(run.id);
        if (this.inProgress.delete(run.id)) this.backpressure?.decrement();
        if (h.onWorkflowComplete)
          safely(log, 'onWorkflowComplete hook', () =>
            h.onWorkflowComplete?.({ runId: run.id, status: run.status, outputs: run.outputs }),
          );
      },
    };
    this.scheduler = new Scheduler({
      clock: this.clock,
      bus: this.bus,
      executors: this.executors,
      breakers:
        options.circuitBreaker === false
          ? undefined
          : new CircuitBreakerRegistry(this.clock, { defaults: options.circuitBreaker ?? {} }),
      maxConcurrentTasks: options.maxConcurrentTasks ?? 256,
      log,
      hooks,
      random: options.random ?? Math.random,
      admissions: new Admissions(
        options.capacity === undefined
          ? undefined
          : new ResourcePool(resourceRequest(options.capacity)),
        options.rateLimits === undefined
          ? undefined
          : new RateLimiterRegistry(this.clock, options.rateLimits),
      ),
      lastGood: new LastGoodOutputs(),
      onTaskFailed: (run, task, error) => {
        if (!run.plan.deadLetter) return;
        this.deadLetter({
          kind: 'task',
          runId: run.id,
          taskId: task.id,
          workflow: { name: run.plan.name, version: run.plan.version },
          inputs: run.inputs,
          error: { code: error.code, message: error.message },
          attempts: run.task(task.index).attempts.map((a) => ({
            attempt: a.attempt,
            startedAt: a.startedAt,
            endedAt: a.endedAt ?? a.startedAt,
            ...(a.error === undefined
              ? {}
              : { error: { code: a.error.code, message: a.error.message } }),
          })),
          queue: 'default',
        });
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
    if (isPlan(definition)) return definition;
    if (typeof definition === 'string') {
      const plan = planFromValidation(validateSource(definition, this.validateOptions), workflow);
      this.sources.remember(plan, definition);
      return plan;
    }
    const cached = this.plans.get(definition);
    if (cached !== undefined && (workflow === undefined || cached.name === workflow)) return cached;
    const plan = planFromValidation(validateDefinition(definition, this.validateOptions), workflow);
    this.plans.set(definition, plan);
    this.sources.remember(plan, definition);
    return plan;
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
    this.runs.set(id, run);
    const { hash, definition: stored } = this.sources.of(plan);
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
    const { hash, definition: stored } = this.sources.of(plan);
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

  /**
   * Registers a definition in the store's registry as `name@version` (from its metadata). Versions
   * are immutable: the same version with another definition is refused (VERSION_EXISTS).
   */
  async register(definition: DefinitionSource, workflow?: string): Promise<WorkflowVersion> {
    const plan = this.load(definition, workflow);
    const { hash, definition: stored } = this.sources.of(plan);
    await this.store.putDefinition(hash, stored);
    const version: WorkflowVersion = {
      name: plan.name,
      version: plan.version,
      definition: hash,
      registeredAt: this.clock.now(),
    };
    await this.store.registerWorkflow(version);
    return version;
  }

  /** The plan of a registered workflow: `name@version`, or `name` for its highest version. */
  async registered(ref: string): Promise<Plan> {
    const at = ref.lastIndexOf('@');
    const name = at > 0 ? ref.slice(0, at) : ref;
    const wanted = at > 0 ? ref.slice(at + 1) : undefined;
    const versions = await this.store.listWorkflows(name);
    const found =
      wanted === undefined ? latestVersion(versions) : versions.find((v) => v.version === wanted);
    if (found === undefined) {
      const known = versions.map((v) => v.version).join(', ');
      throw new OrchestratorError(
        'WORKFLOW_NOT_FOUND',
        `no registered workflow ${ref}${known === '' ? '' : ` (versions of ${name}: ${known})`}`,
        { hint: 'register it with `llm-orchestrator workflows register <file>`' },
      );
    }
    return this.planFor(found.definition);
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
    try {
      const plan = await this.planFor(record.definition);
      const loaded = await loadJournal(store, runId);
      run = new RunState(runId, plan, record.inputs, this.base, record.createdAt, this.write);
      run.restore(loaded.replayed, loaded.seq);
      this.runs.set(runId, run);
      this.durability.hold(run, loaded.seq - loaded.entriesRead);
      for (const request of await store.takeControls(this.owner)) this.applyControl(request);
    } catch (err) {
      this.durability.release(runId);
      await store.releaseLease(runId, this.owner);
      throw err;
    }
    if (TERMINAL_RUN_STATES.has(run.status)) this.durability.ended(run);
    else this.scheduler.resumeRun(run);
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
      this.applyTo(local, command);
      return local;
    }
    const store = this.store;
    const request = await store.requestControl(runId, command, this.clock.now());
    const deadline = this.clock.now() + timeoutMs;
    for (;;) {
      const pending = await store.pendingControls(runId);
      if (!pending.some((p) => p.id === request.id)) return undefined;
      const record = await store.getRun(runId);
      if (record?.owner === undefined || (record.leaseExpiresAt ?? 0) <= this.clock.now()) {
        try {
          return await this.attach(runId);
        } catch (err) {
          if (!(err instanceof OrchestratorError && err.code === 'RUN_HELD')) throw err;
        }
      }
      if (this.clock.now() >= deadline) {
        throw new OrchestratorError(
          'CONTROL_TIMEOUT',
          `run ${runId}'s holder ${record?.owner ?? '?'} did not take the ${command.type} request in ${String(timeoutMs)} ms`,
          {
            retryable: true,
            hint: 'the request stays queued; the holder applies it when it polls',
          },
        );
      }
      await sleep(this.clock, 100);
    }
  }

  /**
   * Executes runs from the store, the way a service does: claims runs that no live process holds
   * (new ones left by `--detach`, and those whose holder died), up to `maxRuns` at once. Returns a
   * function that stops claiming.
   */
  work(
    options: { pollMs?: number; maxRuns?: number; onError?: (err: unknown) => void } = {},
  ): () => void {
    const pollMs = options.pollMs ?? 500;
    const maxRuns = options.maxRuns ?? 100;
    let stopped = false;
    let cancel: (() => void) | undefined;
    const active = (): number => {
      let n = 0;
      for (const id of this.durability.held) {
        const run = this.runs.get(id);
        if (run !== undefined && !TERMINAL_RUN_STATES.has(run.status)) n++;
      }
      return n;
    };
    const poll = async (): Promise<void> => {
      const room = maxRuns - active();
      if (room <= 0) return;
      const now = this.clock.now();
      const ids = await this.store.claimRuns(this.owner, now, this.leaseTtlMs, room);
      for (const id of ids) {
        try {
          await this.attach(id);
        } catch (err) {
          this.log('error', 'taking a run over failed', { runId: id, error: String(err) });
          options.onError?.(err);
        }
      }
    };
    const loop = (): void => {
      if (stopped) return;
      poll()
        .catch((err: unknown) => {
          this.log('error', 'claiming runs failed', { error: String(err) });
          options.onError?.(err);
        })
        .finally(() => {
          if (!stopped) cancel = this.clock.setTimer(pollMs, loop);
        });
    };
    this.durability.keepPolling = true;
    loop();
    const stop = (): void => {
      stopped = true;
      cancel?.();
      this.workers.delete(stop);
      if (this.workers.size === 0) this.durability.keepPolling = false;
    };
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
      this.applyTo(handle, request.command);
    } catch (err) {
      this.log('warn', 'a control request could not be applied', {
        runId: request.runId,
        command: request.command.type,
        error: String(err),
      });
    }
  }

  private applyTo(handle: RunHandle, command: ControlCommand): void {
    switch (command.type) {
      case 'cancel':
        handle.cancel(command.reason);
        return;
      case 'pause':
        if (handle.status() === 'running') handle.pause();
        return;
      case 'resume':
        if (handle.status() === 'paused') handle.resume();
        return;
      case 'retry':
        handle.retry(command.fromTask);
    }
  }

  /** The plan of a stored definition, compiled once per hash. */
  private async planFor(hash: string): Promise<Plan> {
    let plan = this.plansByHash.get(hash);
    if (plan === undefined) {
      const stored = await this.store.getDefinition(hash);
      if (stored === undefined) {
        throw new OrchestratorError('DEFINITION_NOT_FOUND', `no definition ${hash} in the store`);
      }
      plan =
        typeof stored.source === 'string'
          ? planFromValidation(validateSource(stored.source, this.validateOptions), stored.workflow)
          : planFromValidation(
              validateDefinition(stored.source, this.validateOptions),
              stored.workflow,
            );
      this.sources.remember(plan, stored.source);
      this.plansByHash.set(hash, plan);
    }
    return plan;
  }

  /** The workflow's `events` handlers for how the run ended; they run after it, in the background. */
  private runEventHandlers(run: RunState): void {
    const event: RunEventName | undefined = EVENT_OF[run.status];
    const handlers = event === undefined ? undefined : run.plan.events[event];
    if (event === undefined || handlers === undefined || handlers.length === 0) return;
    const summary = {
      runId: run.id,
      workflow: { name: run.plan.name, version: run.plan.version },
      status: run.status,
      inputs: { ...run.inputs },
      outputs: run.outputs ?? null,
      error: run.error === undefined ? null : { code: run.error.code, message: run.error.message },
      ...(run.startedAt === undefined ? {} : { startedAt: run.startedAt }),
      ...(run.endedAt === undefined ? {} : { endedAt: run.endedAt }),
      tasks: run.tasks.map((t) => ({
        id: t.id,
        status: t.status,
        attempts: t.attempts.length,
        ...(t.error === null ? {} : { error: { code: t.error.code, message: t.error.message } }),
      })),
    };
    const pending = runEventHandlers(event, handlers, summary, run.context, this.handlerDeps);
    this.pendingHandlers.add(pending);
    void pending.finally(() => this.pendingHandlers.delete(pending));
  }

  /** Waits until the event handlers of finished runs are done (call before the process exits). */
  async idle(): Promise<void> {
    while (this.pendingHandlers.size > 0) await Promise.all([...this.pendingHandlers]);
  }

  private readonly write = (run: RunState, entry: JournalEntry): void => {
    this.durability.write(run, entry);
  };

  /** Keeps the last `retainFinishedRuns` finished runs; forgets older ones. */
  private retire(runId: string): void {
    if (this.finished.has(runId)) return; // a retried run finishing again
    this.finished.add(runId);
    while (this.finished.size > this.retain) {
      const old = this.finished.values().next().value;
      if (old === undefined) break;
      this.finished.delete(old);
      const run = this.runs.get(old);
      if (run !== undefined && TERMINAL_RUN_STATES.has(run.status)) {
        this.runs.delete(old);
        if (!this.store.durable) void this.store.deleteRun(old);
      }
    }
  }

  private deadLetter(entry: Parameters<DeadLetterQueue['add']>[0]): void {
    this.deadLetters.add(entry).catch((err: unknown) => {
      this.log('error', 'adding a dead letter failed', { runId: entry.runId, error: String(err) });
    });
  }

  /** Every engine event, as they happen. */
  on(listener: EngineListener): () => void {
    return this.bus.on(listener);
  }
}

export function createEngine(options: EngineOptions = {}): Engine {
  return new Engine(options);
}
