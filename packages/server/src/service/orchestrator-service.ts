/**
 * The service behind every transport: `OrchestratorApi` over an engine and its store. Each call
 * checks the caller's role, maps core errors to ServiceError kinds, and each mutating call leaves
 * one audit entry (who, what, when, outcome). Runs started here execute in this process.
 */
import {
  RunStatus,
  TERMINAL_RUN_STATES,
  type ControlCommand,
  type DefinitionSource,
  type Engine,
  type LogSink,
  type Plan,
  type RunRecord,
  type Store,
} from '@llm-orchestrator/core';
import {
  ServiceError,
  type DecisionRequest,
  type ListRequest,
  type OrchestratorApi,
  type Principal,
  type RunDetail,
  type RunEvent,
  type RunInfo,
  type StartRequest,
} from '../contract.js';
import { AuditedCalls, type Subject } from './audited-calls.js';
import { toServiceError } from './error-mapping.js';
import {
  checkDefinition,
  checkInputs,
  DEFAULT_INPUT_LIMITS,
  type InputLimits,
} from './input-limits.js';
import { runEvents } from './run-events.js';
import { cursorAfter, decodeCursor, runInfo, RunDetails } from './run-views.js';
import { checkControl, controlApplied, type ControlKind } from './run-control.js';

export interface OrchestratorServiceOptions {
  readonly engine: Engine;
  /** Default: the engine's store. */
  readonly store?: Store;
  readonly limits?: Partial<InputLimits>;
  readonly log?: LogSink;
  /** How often an event stream reads the journal (default 100 ms). */
  readonly eventPollMs?: number;
  /** How long a control call waits for the run's holder to take it (default 30 s). */
  readonly controlTimeoutMs?: number;
  /** How long `ready()` waits for the store (default 2 s). */
  readonly readyTimeoutMs?: number;
}

const RUN_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;
const STATUSES = new Set<string>(Object.values(RunStatus));

function notFound(runId: string): ServiceError {
  return new ServiceError('not_found', 'RUN_NOT_FOUND', `no run ${runId}`);
}

function invalid(code: string, message: string, hint?: string): ServiceError {
  return new ServiceError('invalid', code, message, hint === undefined ? {} : { hint });
}

export class OrchestratorService implements OrchestratorApi {
  readonly engine: Engine;
  readonly store: Store;
  private readonly limits: InputLimits;
  private readonly details: RunDetails;
  private readonly calls: AuditedCalls;
  private readonly closing = new AbortController();

  constructor(private readonly options: OrchestratorServiceOptions) {
    this.engine = options.engine;
    this.store = options.store ?? options.engine.store;
    this.limits = { ...DEFAULT_INPUT_LIMITS, ...options.limits };
    this.calls = new AuditedCalls(
      this.store,
      () => this.engine.clock.now(),
      options.log ?? (() => undefined),
    );
    this.details = new RunDetails(this.engine, this.store);
  }

  /** Ends every open event stream; `ready()` is false afterwards. */
  close(): void {
    this.closing.abort();
  }

  // ── runs ──────────────────────────────────────────────────────────────────────────────────────

  start(p: Principal, request: StartRequest): Promise<RunInfo> {
    const subject: Subject = { details: {} };
    if (request.runId !== undefined) subject.runId = request.runId;
    if (request.workflow !== undefined) subject.details.workflow = request.workflow;
    return this.calls.mutate(p, 'api.start', 'operate', subject, async () => {
      if ((request.definition === undefined) === (request.workflow === undefined)) {
        throw invalid(
          'INVALID_REQUEST',
          'give either `definition` (an inline workflow) or `workflow` (a registered name@version)',
        );
      }
      if (request.runId !== undefined && !RUN_ID.test(request.runId)) {
        throw invalid(
          'INVALID_RUN_ID',
          '`runId` must be 1-128 letters, digits, `.`, `_`, `:` or `-`, starting with a letter or digit',
        );
      }
      const inputs = checkInputs(request.inputs, this.limits);
      let plan: Plan;
      if (request.workflow === undefined) {
        checkDefinition(request.definition, this.limits);
        plan = this.engine.load(request.definition as DefinitionSource);
      } else {
        plan = await this.engine.registered(request.workflow);
      }
      subject.details.workflow = `${plan.name}@${plan.version}`;
      if (request.runId !== undefined && (await this.store.getRun(request.runId)) !== undefined) {
        throw new ServiceError('conflict', 'RUN_EXISTS', `a run with id ${request.runId} exists`);
      }
      const handle = this.engine.start(
        plan,
        inputs,
        request.runId === undefined ? {} : { runId: request.runId },
      );
      subject.runId = handle.id;
      // Answered once the run is durable, from the handle: no read of the store.
      await handle.created();
      const status = handle.status();
      return {
        id: handle.id,
        workflow: { name: handle.workflow.name, version: handle.workflow.version },
        // The status as of now: a short run may have ended already.
        status,
        createdAt: new Date(handle.createdAt).toISOString(),
        updatedAt: new Date(this.engine.clock.now()).toISOString(),
        // This process holds the run while it runs (on a durable store).
        ...(this.store.durable && !TERMINAL_RUN_STATES.has(status)
          ? { owner: this.engine.owner }
          : {}),
      };
    });
  }

  async get(p: Principal, runId: string): Promise<RunDetail> {
    return this.calls.read(p, async () => {
      const detail = await this.details.of(runId);
      if (detail === undefined) throw notFound(runId);
      return detail;
    });
  }

  async list(p: Principal, request: ListRequest): Promise<{ runs: RunInfo[]; next?: string }> {
    return this.calls.read(p, async () => {
      const limit = request.limit ?? 50;
      if (!Number.isInteger(limit) || limit < 1 || limit > 500) {
        throw invalid('INVALID_LIMIT', '`limit` must be a whole number from 1 to 500');
      }
      const unknown = (request.status ?? []).filter((s) => !STATUSES.has(s));
      if (unknown.length > 0) {
        throw invalid(
          'INVALID_STATUS',
          `unknown run status ${unknown.join(', ')} (statuses: ${[...STATUSES].join(', ')})`,
        );
      }
      const cursor = request.cursor === undefined ? undefined : decodeCursor(request.cursor);
      if (request.cursor !== undefined && cursor === undefined) {
        throw invalid(
          'INVALID_CURSOR',
          '`cursor` is not a cursor of this list',
          'pass the `next` of the previous page as it is',
        );
      }
      const seen = new Set(cursor?.ids ?? []);
      const records = await this.store.listRuns({
        ...(request.status === undefined || request.status.length === 0
          ? {}
          : { status: request.status as RunStatus[] }),
        ...(request.workflow === undefined ? {} : { workflow: request.workflow }),
        limit: limit + seen.size + 1,
        ...(cursor === undefined ? {} : { createdBefore: cursor.t + 1 }),
      });
      const fresh = records.filter((r) => !seen.has(r.id));
      const page = fresh.slice(0, limit);
      const now = Date.now();
      return {
        runs: page.map((r) => runInfo(r, now)),
        ...(fresh.length > limit ? { next: cursorAfter(page, cursor) } : {}),
      };
    });
  }

  cancel(p: Principal, runId: string, reason?: string): Promise<RunInfo> {
    return this.control(p, 'cancel', runId, {
      type: 'cancel',
      reason: reason ?? `cancelled by ${p.name}`,
    });
  }

  pause(p: Principal, runId: string): Promise<RunInfo> {
    return this.control(p, 'pause', runId, { type: 'pause' });
  }

  resume(p: Principal, runId: string): Promise<RunInfo> {
    return this.control(p, 'resume', runId, { type: 'resume' });
  }

  retry(p: Principal, runId: string, fromTask?: string): Promise<RunInfo> {
    return this.control(p, 'retry', runId, {
      type: 'retry',
      ...(fromTask === undefined ? {} : { fromTask }),
    });
  }

  approve(p: Principal, runId: string, taskId: string, d: DecisionRequest): Promise<RunInfo> {
    return this.decide(p, 'approve', runId, taskId, d);
  }

  reject(p: Principal, runId: string, taskId: string, d: DecisionRequest): Promise<RunInfo> {
    return this.decide(p, 'reject', runId, taskId, d);
  }

  async *events(
    p: Principal,
    runId: string,
    afterSeq: number,
    signal: AbortSignal,
  ): AsyncGenerator<RunEvent, void, undefined> {
    try {
      this.calls.require(p, 'read', 'read events');
      if (!Number.isInteger(afterSeq) || afterSeq < 0) {
        throw invalid(
          'INVALID_EVENT_ID',
          'the event id to resume after must be a whole number ≥ 0',
        );
      }
      await this.record(runId);
      yield* runEvents(
        this.engine,
        this.store,
        runId,
        afterSeq,
        AbortSignal.any([signal, this.closing.signal]),
        this.options.eventPollMs === undefined ? {} : { pollMs: this.options.eventPollMs },
      );
    } catch (err) {
      throw toServiceError(err);
    }
  }

  // ── registry and dead letters ─────────────────────────────────────────────────────────────────

  registerWorkflow(
    p: Principal,
    definition: unknown,
  ): Promise<{ name: string; version: string; hash: string }> {
    const subject: Subject = { details: {} };
    return this.calls.mutate(p, 'api.register', 'admin', subject, async () => {
      checkDefinition(definition, this.limits);
      const v = await this.engine.register(definition as DefinitionSource);
      subject.details.workflow = `${v.name}@${v.version}`;
      return { name: v.name, version: v.version, hash: v.definition };
    });
  }

  listWorkflows(
    p: Principal,
    name?: string,
  ): Promise<{ name: string; version: string; hash: string; registeredAt: string }[]> {
    return this.calls.read(p, async () =>
      (await this.store.listWorkflows(name)).map((v) => ({
        name: v.name,
        version: v.version,
        hash: v.definition,
        registeredAt: new Date(v.registeredAt).toISOString(),
      })),
    );
  }

  listDeadLetters(p: Principal): Promise<unknown[]> {
    return this.calls.read(p, async () =>
      (await this.engine.deadLetters.list()).map((d) => ({
        ...d,
        createdAt: new Date(d.createdAt).toISOString(),
      })),
    );
  }

  retryDeadLetter(p: Principal, id: string): Promise<RunInfo> {
    const subject: Subject = { details: { deadLetter: id } };
    return this.calls.mutate(p, 'api.dlq.retry', 'operate', subject, async () => {
      const entry = await this.engine.deadLetters.get(id);
      if (entry === undefined) {
        throw new ServiceError('not_found', 'NOT_FOUND', `no dead letter ${id}`);
      }
      subject.runId = entry.runId;
      const handle = await this.engine.retryDeadLetter(id);
      await this.store.flush();
      return runInfo(await this.record(handle.id));
    });
  }

  purgeDeadLetters(p: Principal): Promise<{ purged: number }> {
    const subject: Subject = { details: {} };
    return this.calls.mutate(p, 'api.dlq.purge', 'admin', subject, async () => {
      const purged = await this.engine.deadLetters.purge();
      subject.details.purged = purged;
      return { purged };
    });
  }

  async ready(): Promise<boolean> {
    if (this.closing.signal.aborted) return false;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => {
        resolve(false);
      }, this.options.readyTimeoutMs ?? 2000);
    });
    const probe = (async () => {
      await this.store.getRun('readiness-probe');
      return true;
    })().catch(() => false);
    try {
      return await Promise.race([probe, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  // ── internals ─────────────────────────────────────────────────────────────────────────────────

  private async record(runId: string): Promise<RunRecord> {
    const record = await this.store.getRun(runId);
    if (record === undefined) throw notFound(runId);
    return record;
  }

  private control(
    p: Principal,
    kind: ControlKind,
    runId: string,
    command: ControlCommand,
  ): Promise<RunInfo> {
    const subject: Subject = {
      runId,
      details: command.type === 'cancel' ? { reason: command.reason } : {},
    };
    if (command.type === 'retry' && command.fromTask !== undefined)
      subject.taskId = command.fromTask;
    return this.calls.mutate(p, `api.${kind}`, 'operate', subject, async () => {
      const record = await this.record(runId);
      if (checkControl(kind, record)) return runInfo(record);
      if (command.type === 'retry' && command.fromTask !== undefined) {
        const tasks = await this.details.orders.of(record.definition);
        if (tasks !== undefined && !tasks.includes(command.fromTask)) {
          throw invalid(
            'UNKNOWN_TASK',
            `run ${runId} has no task \`${command.fromTask}\` (tasks: ${tasks.join(', ')})`,
          );
        }
      }
      await this.engine.control(runId, command, this.options.controlTimeoutMs ?? 30_000);
      return runInfo(await this.settled(record, kind));
    });
  }

  private decide(
    p: Principal,
    kind: 'approve' | 'reject',
    runId: string,
    taskId: string,
    d: DecisionRequest,
  ): Promise<RunInfo> {
    const subject: Subject = {
      runId,
      taskId,
      details: d.comment === undefined ? {} : { comment: d.comment },
    };
    return this.calls.mutate(p, `api.${kind}`, 'operate', subject, async () => {
      const record = await this.record(runId);
      if (TERMINAL_RUN_STATES.has(record.status)) {
        throw new ServiceError(
          'conflict',
          'INVALID_RUN_STATE',
          `run ${runId} has ended (${record.status})`,
        );
      }
      const decision = {
        actor: p.name,
        ...(d.comment === undefined ? {} : { comment: d.comment }),
      };
      if (kind === 'approve') await this.engine.approve(runId, taskId, decision);
      else await this.engine.reject(runId, taskId, decision);
      await this.store.flush();
      return runInfo(await this.record(runId));
    });
  }

  /** The run once the store shows the control applied (or after a few seconds, as it is then). */
  private async settled(before: RunRecord, kind: ControlKind): Promise<RunRecord> {
    const deadline = Date.now() + 5000;
    for (;;) {
      await this.store.flush();
      const record = await this.record(before.id);
      if (controlApplied(kind, before, record) || Date.now() >= deadline) return record;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}
