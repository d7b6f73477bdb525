/**
 * What the gRPC tests share: an in-test `OrchestratorApi` over a real engine (`EngineApi`), API-key
 * authentication with an operator and a viewer key, the workflows the tests run, waiting and
 * failure helpers, and a server on 127.0.0.1:0 with an operator and a viewer client.
 */
import {
  createEngine,
  DefinitionError,
  formatDiagnostic,
  InvalidInputsError,
  MemoryStore,
  OrchestratorError,
  workflow,
  type Engine,
  type EngineEvent,
  type RunHandle,
} from '@llm-orchestrator/core';
import { expect } from 'vitest';
import {
  allows,
  ServiceError,
  type Authenticator,
  type OrchestratorApi,
  type Permission,
  type Principal,
  type RunDetail,
  type RunEvent,
  type RunInfo,
} from '../contract.js';
import { createGrpcClient, type GrpcClient } from './client.js';
import { startGrpcServer, type GrpcServer } from './server.js';
import { GrpcCallError } from './status.js';

// ---- An in-test API over a real engine ----

const OPERATOR: Principal = { id: 'k-op', name: 'operator key', role: 'operator', via: 'api-key' };
const VIEWER: Principal = { id: 'k-view', name: 'viewer key', role: 'viewer', via: 'api-key' };
const KEYS = new Map([
  ['op-secret', OPERATOR],
  ['view-secret', VIEWER],
]);

export const authenticator: Authenticator = {
  enabled: true,
  authenticate(headers) {
    const bearer = /^Bearer (.+)$/.exec(headers.authorization ?? '')?.[1];
    const key = headers['x-api-key'] ?? bearer;
    if (key === undefined) {
      return Promise.reject(
        new ServiceError('unauthenticated', 'UNAUTHENTICATED', 'credentials are required'),
      );
    }
    const principal = KEYS.get(key);
    if (principal === undefined) {
      return Promise.reject(
        new ServiceError('unauthenticated', 'UNAUTHENTICATED', 'unknown API key'),
      );
    }
    return Promise.resolve(principal);
  },
};

function need(p: Principal, permission: Permission, what: string): void {
  if (!allows(p.role, permission)) {
    throw new ServiceError('forbidden', 'FORBIDDEN', `role ${p.role} may not ${what}`);
  }
}

interface Tracked {
  readonly owner: string;
  readonly createdAt: string;
  updatedAt: string;
  readonly events: RunEvent[];
  readonly wake: Set<() => void>;
  ended: boolean;
}

export const FINAL = new Set(['completed', 'failed', 'timed_out', 'cancelled']);

export class EngineApi implements OrchestratorApi {
  readonly engine: Engine;
  readonly runs = new Map<string, Tracked>();
  /** Stream aborts seen by `events`, by run id. */
  readonly aborted: string[] = [];
  private readonly gates = new Map<string, () => void>();

  constructor() {
    this.engine = createEngine({ store: new MemoryStore() });
    this.engine.registerExecutor('test:gate', (inputs, ctx) => {
      const name = String(inputs.gate);
      return new Promise((resolve, reject) => {
        this.gates.set(name, () => {
          resolve({ result: `${name} opened` });
        });
        ctx.signal.addEventListener('abort', () => {
          reject(ctx.signal.reason as Error);
        });
      });
    });
    this.engine.on((e) => {
      this.record(e);
    });
  }

  /** Opens the gate a `test:gate` task waits on (once it waits). */
  async open(gate: string): Promise<void> {
    await until(() => this.gates.has(gate));
    this.gates.get(gate)?.();
  }

  private track(runId: string): Tracked {
    let t = this.runs.get(runId);
    if (t === undefined) {
      const now = new Date().toISOString();
      t = { owner: '', createdAt: now, updatedAt: now, events: [], wake: new Set(), ended: false };
      this.runs.set(runId, t);
    }
    return t;
  }

  private record(e: EngineEvent): void {
    const t = this.track(e.runId);
    const data: Record<string, unknown> = { ...e };
    delete data.type;
    delete data.runId;
    delete data.at;
    t.events.push({ id: String(t.events.length + 1), type: e.type, data });
    t.updatedAt = new Date().toISOString();
    if (e.type === 'run.status' && FINAL.has(e.status)) t.ended = true;
    for (const wake of t.wake) wake();
  }

  private handle(runId: string): RunHandle {
    const h = this.engine.get(runId);
    if (h === undefined) throw new ServiceError('not_found', 'RUN_NOT_FOUND', `no run ${runId}`);
    return h;
  }

  private info(h: RunHandle): RunInfo {
    const r = h.result();
    const t = this.track(h.id);
    return {
      id: h.id,
      workflow: h.workflow,
      status: r.status,
      createdAt: t.createdAt,
      updatedAt: t.updatedAt,
      ...(t.owner === '' ? {} : { owner: t.owner }),
      ...(r.error === undefined ? {} : { error: r.error }),
    };
  }

  private control(runId: string, act: (h: RunHandle) => void): RunInfo {
    const h = this.handle(runId);
    try {
      act(h);
    } catch (err) {
      if (err instanceof OrchestratorError && err.code === 'INVALID_RUN_STATE') {
        throw new ServiceError('conflict', err.code, err.message);
      }
      throw err;
    }
    return this.info(h);
  }

  async start(p: Principal, request: Parameters<OrchestratorApi['start']>[1]): Promise<RunInfo> {
    need(p, 'operate', 'start runs');
    let source;
    if (request.workflow !== undefined) {
      try {
        source = await this.engine.registered(request.workflow);
      } catch (err) {
        throw new ServiceError('not_found', 'WORKFLOW_NOT_FOUND', (err as Error).message);
      }
    } else {
      source = request.definition as string;
    }
    try {
      const h = this.engine.start(source, request.inputs ?? {}, {
        ...(request.runId === undefined ? {} : { runId: request.runId }),
      });
      const t = this.track(h.id);
      this.runs.set(h.id, { ...t, owner: p.id });
      return this.info(h);
    } catch (err) {
      if (err instanceof DefinitionError) {
        throw new ServiceError(
          'invalid',
          err.code,
          `invalid workflow definition: ${err.diagnostics.map(formatDiagnostic).join('; ')}`,
          { details: { diagnostics: err.diagnostics.map((d) => ({ code: d.code })) } },
        );
      }
      if (err instanceof InvalidInputsError) {
        throw new ServiceError('invalid', err.code, err.message, { hint: 'check the inputs' });
      }
      if (err instanceof OrchestratorError && err.code === 'RUN_EXISTS') {
        throw new ServiceError('conflict', err.code, err.message);
      }
      throw err;
    }
  }

  get(p: Principal, runId: string): Promise<RunDetail> {
    need(p, 'read', 'read runs');
    const h = this.handle(runId);
    const r = h.result();
    return Promise.resolve({
      ...this.info(h),
      inputs: {},
      ...(Object.keys(r.outputs).length === 0 ? {} : { outputs: r.outputs }),
      tasks: r.tasks.map((task) => ({
        id: task.id,
        status: task.status,
        attempts: task.attempts.length,
        ...(task.outputs === null ? {} : { outputs: task.outputs }),
        ...(task.error === null ? {} : { error: task.error }),
      })),
      seq: this.track(runId).events.length,
    });
  }

  list(p: Principal, request: Parameters<OrchestratorApi['list']>[1]) {
    need(p, 'read', 'read runs');
    const all = this.engine
      .list()
      .filter((r) => request.status === undefined || request.status.includes(r.status))
      .map((r) => this.info(this.handle(r.runId)));
    const from = request.cursor === undefined ? 0 : Number(request.cursor);
    const limit = request.limit ?? 50;
    const runs = all.slice(from, from + limit);
    const next = from + limit < all.length ? String(from + limit) : undefined;
    return Promise.resolve(next === undefined ? { runs } : { runs, next });
  }

  cancel(p: Principal, runId: string, reason?: string): Promise<RunInfo> {
    need(p, 'operate', 'cancel runs');
    return Promise.resolve(
      this.control(runId, (h) => {
        h.cancel(reason);
      }),
    );
  }

  pause(p: Principal, runId: string): Promise<RunInfo> {
    need(p, 'operate', 'pause runs');
    return Promise.resolve(
      this.control(runId, (h) => {
        h.pause();
      }),
    );
  }

  resume(p: Principal, runId: string): Promise<RunInfo> {
    need(p, 'operate', 'resume runs');
    return Promise.resolve(
      this.control(runId, (h) => {
        h.resume();
      }),
    );
  }

  retry(p: Principal, runId: string, fromTask?: string): Promise<RunInfo> {
    need(p, 'operate', 'retry runs');
    return Promise.resolve(
      this.control(runId, (h) => {
        h.retry(fromTask);
      }),
    );
  }

  approve(): Promise<RunInfo> {
    return Promise.reject(new ServiceError('conflict', 'NOT_WAITING', 'no task waits'));
  }

  reject(): Promise<RunInfo> {
    return Promise.reject(new ServiceError('conflict', 'NOT_WAITING', 'no task waits'));
  }

  async *events(
    p: Principal,
    runId: string,
    afterSeq: number,
    signal: AbortSignal,
  ): AsyncIterable<RunEvent> {
    need(p, 'read', 'read runs');
    this.handle(runId);
    const t = this.track(runId);
    let next = afterSeq;
    try {
      for (;;) {
        while (next < t.events.length) {
          const event = t.events[next++];
          if (event !== undefined) yield event;
        }
        if (t.ended || signal.aborted) return;
        await new Promise<void>((resolve) => {
          const done = (): void => {
            t.wake.delete(done);
            signal.removeEventListener('abort', done);
            resolve();
          };
          t.wake.add(done);
          signal.addEventListener('abort', done, { once: true });
        });
      }
    } finally {
      if (signal.aborted) this.aborted.push(runId);
    }
  }

  registerWorkflow(): never {
    throw new ServiceError('unavailable', 'NOT_HERE', 'not in this test');
  }

  listWorkflows(): never {
    throw new ServiceError('unavailable', 'NOT_HERE', 'not in this test');
  }

  listDeadLetters(): never {
    throw new ServiceError('unavailable', 'NOT_HERE', 'not in this test');
  }

  retryDeadLetter(): never {
    throw new ServiceError('unavailable', 'NOT_HERE', 'not in this test');
  }

  purgeDeadLetters(): never {
    throw new ServiceError('unavailable', 'NOT_HERE', 'not in this test');
  }

  ready(): Promise<boolean> {
    return Promise.resolve(true);
  }
}

export async function until(check: () => boolean, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** The error a promise rejects with (a `GrpcCallError`, or the test fails). */
export async function failure(promise: Promise<unknown>): Promise<GrpcCallError> {
  try {
    await promise;
  } catch (err) {
    expect(err).toBeInstanceOf(GrpcCallError);
    return err as GrpcCallError;
  }
  throw new Error('expected the call to fail');
}

// ---- Workflows ----

export const greet = workflow('greet')
  .version('1.0.0')
  .input('who', 'string', { required: true })
  .task('hello', {
    executor: 'expression',
    inputs: { value: "${{ 'hello ' + workflow.inputs.who }}" },
  })
  .output('greeting', '${{ tasks.hello.outputs.result }}')
  .toYaml();

export function gated(gate: string): string {
  return JSON.stringify(
    workflow('gated')
      .task('wait', { executor: 'test:gate', inputs: { gate } })
      .task('after', {
        executor: 'expression',
        dependsOn: ['wait'],
        inputs: { value: '${{ tasks.wait.outputs.result }}' },
      })
      .output('result', '${{ tasks.after.outputs.result }}')
      .build(),
  );
}

// ---- Servers and clients ----

export interface GrpcFixture {
  readonly api: EngineApi;
  readonly server: GrpcServer;
  /** `127.0.0.1:<port>`. */
  readonly address: string;
  /** Sends the operator key as `x-api-key`. */
  readonly operator: GrpcClient;
  /** Sends the viewer key as `authorization: Bearer`. */
  readonly viewer: GrpcClient;
  /** Closes both clients, then the server. */
  readonly close: () => Promise<void>;
}

/** A server over a fresh `EngineApi` on 127.0.0.1:0, and an operator and a viewer client of it. */
export async function startGrpcFixture(): Promise<GrpcFixture> {
  const api = new EngineApi();
  const server = await startGrpcServer({ api, authenticator, host: '127.0.0.1', port: 0 });
  const address = `127.0.0.1:${server.port}`;
  const operator = createGrpcClient(address, { apiKey: 'op-secret' });
  const viewer = createGrpcClient(address, { token: 'view-secret' });
  return {
    api,
    server,
    address,
    operator,
    viewer,
    close: async () => {
      operator.close();
      viewer.close();
      await server.close();
    },
  };
}
