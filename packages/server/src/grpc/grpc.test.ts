/**
 * The gRPC transport against a real server on 127.0.0.1:0, over an in-test `OrchestratorApi`
 * backed by a real engine (the service's own tests cover the service; this covers the wire).
 */
import {
  Client,
  credentials,
  Metadata,
  status as Status,
  type ServiceError as GrpcError,
} from '@grpc/grpc-js';
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
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  allows,
  LOCAL_PRINCIPAL,
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
import { loadOrchestratorService, type MethodName } from './proto.js';
import { startGrpcServer, type GrpcServer } from './server.js';
import { GrpcCallError } from './status.js';

// ---- An in-test API over a real engine ----

const OPERATOR: Principal = { id: 'k-op', name: 'operator key', role: 'operator', via: 'api-key' };
const VIEWER: Principal = { id: 'k-view', name: 'viewer key', role: 'viewer', via: 'api-key' };
const KEYS = new Map([
  ['op-secret', OPERATOR],
  ['view-secret', VIEWER],
]);

const authenticator: Authenticator = {
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

const FINAL = new Set(['completed', 'failed', 'timed_out', 'cancelled']);

class EngineApi implements OrchestratorApi {
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

async function until(check: () => boolean, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** The error a promise rejects with. */
async function failure(promise: Promise<unknown>): Promise<GrpcCallError> {
  try {
    await promise;
  } catch (err) {
    expect(err).toBeInstanceOf(GrpcCallError);
    return err as GrpcCallError;
  }
  throw new Error('expected the call to fail');
}

// ---- Workflows ----

const greet = workflow('greet')
  .version('1.0.0')
  .input('who', 'string', { required: true })
  .task('hello', {
    executor: 'expression',
    inputs: { value: "${{ 'hello ' + workflow.inputs.who }}" },
  })
  .output('greeting', '${{ tasks.hello.outputs.result }}')
  .toYaml();

function gated(gate: string): string {
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

let api: EngineApi;
let server: GrpcServer;
let address: string;
let operator: GrpcClient;
let viewer: GrpcClient;

beforeAll(async () => {
  api = new EngineApi();
  server = await startGrpcServer({ api, authenticator, host: '127.0.0.1', port: 0 });
  address = `127.0.0.1:${server.port}`;
  operator = createGrpcClient(address, { apiKey: 'op-secret' });
  viewer = createGrpcClient(address, { token: 'view-secret' });
});

afterAll(async () => {
  operator.close();
  viewer.close();
  await server.close();
});

/** A call with a request exactly as given (what the typed client would never send). */
function raw(method: MethodName, request: object, key = 'op-secret'): Promise<object> {
  const definition = loadOrchestratorService()[method];
  const client = new Client(address, credentials.createInsecure());
  const metadata = new Metadata();
  metadata.set('x-api-key', key);
  return new Promise<object>((resolve, reject) => {
    client.makeUnaryRequest(
      definition.path,
      definition.requestSerialize,
      definition.responseDeserialize,
      request,
      metadata,
      (err, response) => {
        client.close();
        if (err !== null) reject(err);
        else resolve(response ?? {});
      },
    );
  });
}

async function rawFailure(promise: Promise<unknown>): Promise<GrpcError> {
  try {
    await promise;
  } catch (err) {
    return err as GrpcError;
  }
  throw new Error('expected the call to fail');
}

describe('gRPC transport', () => {
  it('executes a YAML definition and reports its status to completion', async () => {
    const started = await operator.execute({ definition: greet, inputs: { who: 'grpc' } });
    expect(started.id).toMatch(/\S/);
    expect(started.workflow).toEqual({ name: 'greet', version: '1.0.0' });
    expect(started.owner).toBe('k-op');
    await until(() => FINAL.has(api.engine.get(started.id)?.status() ?? ''));
    const detail = await viewer.status(started.id);
    expect(detail.status).toBe('completed');
    expect(detail.outputs).toEqual({ greeting: 'hello grpc' });
    expect(detail.tasks).toEqual([
      { id: 'hello', status: 'completed', attempts: 1, outputs: { result: 'hello grpc' } },
    ]);
    expect(detail.error).toBeUndefined();
    expect(detail.seq).toBeGreaterThan(0);
  });

  it('takes a chosen run id, and refuses it a second time with FAILED_PRECONDITION', async () => {
    const run = await operator.execute({
      definition: greet,
      inputs: { who: 'again' },
      runId: 'chosen-1',
    });
    expect(run.id).toBe('chosen-1');
    const err = await failure(
      operator.execute({ definition: greet, inputs: { who: 'x' }, runId: 'chosen-1' }),
    );
    expect(err.grpcCode).toBe(Status.FAILED_PRECONDITION);
    expect(err.kind).toBe('conflict');
    expect(err.code).toBe('RUN_EXISTS');
    expect(err.message).toContain('chosen-1');
  });

  it('answers an invalid definition with INVALID_ARGUMENT naming the problem', async () => {
    const bad = greet.replace('executor: expression', 'executor: no-such-executor');
    const err = await failure(operator.execute({ definition: bad, inputs: { who: 'x' } }));
    expect(err.grpcCode).toBe(Status.INVALID_ARGUMENT);
    expect(err.kind).toBe('invalid');
    expect(err.code).toBe('DEFINITION_INVALID');
    expect(err.message).toContain('no-such-executor');
    expect(err.details).toEqual({ diagnostics: [{ code: 'UNKNOWN_EXECUTOR' }] });
  });

  it('answers invalid inputs with INVALID_ARGUMENT, the hint in the trailers', async () => {
    const err = await failure(operator.execute({ definition: greet, inputs: { whom: 'x' } }));
    expect(err.grpcCode).toBe(Status.INVALID_ARGUMENT);
    expect(err.code).toBe('INVALID_INPUTS');
    expect(err.message).toContain('`whom` is not an input');
    expect(err.hint).toBe('check the inputs');
  });

  it('answers inputs_json that is not JSON, or not an object, with INVALID_ARGUMENT', async () => {
    const notJson = await rawFailure(
      raw('ExecuteWorkflow', { definition: greet, inputs_json: '{who: 1' }),
    );
    expect(notJson.code).toBe(Status.INVALID_ARGUMENT);
    expect(notJson.details).toMatch(/^inputs_json is not valid JSON: /);
    const notObject = await rawFailure(
      raw('ExecuteWorkflow', { definition: greet, inputs_json: '["grpc"]' }),
    );
    expect(notObject.code).toBe(Status.INVALID_ARGUMENT);
    expect(notObject.details).toBe(
      'inputs_json must be a JSON object of input values, got an array',
    );
    expect(notObject.metadata.get('error-code')).toEqual(['INVALID_REQUEST']);
  });

  it('requires a definition or a workflow, and the ids a method needs', async () => {
    const none = await rawFailure(raw('ExecuteWorkflow', { inputs_json: '{}' }));
    expect(none.code).toBe(Status.INVALID_ARGUMENT);
    expect(none.details).toMatch(/^one of definition .* or workflow .* is required$/);
    const noId = await rawFailure(raw('GetExecutionStatus', {}));
    expect(noId.code).toBe(Status.INVALID_ARGUMENT);
    expect(noId.details).toBe('execution_id is required');
    const noTask = await rawFailure(raw('ApproveTask', { execution_id: 'x' }));
    expect(noTask.details).toBe('task_id is required');
  });

  it('executes a registered workflow by reference', async () => {
    await api.engine.register(greet);
    const run = await operator.execute({ workflow: 'greet@1.0.0', inputs: { who: 'ref' } });
    expect(run.workflow).toEqual({ name: 'greet', version: '1.0.0' });
    const err = await failure(operator.execute({ workflow: 'nothing@9.9.9' }));
    expect(err.grpcCode).toBe(Status.NOT_FOUND);
    expect(err.code).toBe('WORKFLOW_NOT_FOUND');
  });

  it('answers an unknown execution with NOT_FOUND', async () => {
    const err = await failure(operator.status('no-such-run'));
    expect(err.grpcCode).toBe(Status.NOT_FOUND);
    expect(err.kind).toBe('not_found');
    expect(err.message).toBe('no run no-such-run');
    const cancel = await failure(operator.cancel('no-such-run'));
    expect(cancel.grpcCode).toBe(Status.NOT_FOUND);
  });

  it('lets a viewer read but not execute or cancel: PERMISSION_DENIED', async () => {
    const err = await failure(viewer.execute({ definition: greet, inputs: { who: 'x' } }));
    expect(err.grpcCode).toBe(Status.PERMISSION_DENIED);
    expect(err.kind).toBe('forbidden');
    expect(err.message).toBe('role viewer may not start runs');
    const run = await operator.execute({ definition: greet, inputs: { who: 'v' } });
    expect((await viewer.status(run.id)).id).toBe(run.id);
    expect((await failure(viewer.cancel(run.id))).grpcCode).toBe(Status.PERMISSION_DENIED);
  });

  it('answers missing or wrong credentials with UNAUTHENTICATED, on streams too', async () => {
    const anonymous = createGrpcClient(address);
    const wrong = createGrpcClient(address, { token: 'not-a-key' });
    try {
      const missing = await failure(anonymous.status('anything'));
      expect(missing.grpcCode).toBe(Status.UNAUTHENTICATED);
      expect(missing.message).toBe('credentials are required');
      const bad = await failure(wrong.list());
      expect(bad.grpcCode).toBe(Status.UNAUTHENTICATED);
      expect(bad.message).toBe('unknown API key');
      const stream = await failure(anonymous.events('anything')[Symbol.asyncIterator]().next());
      expect(stream.grpcCode).toBe(Status.UNAUTHENTICATED);
    } finally {
      anonymous.close();
      wrong.close();
    }
  });

  it('streams a run’s events to its end, and resumes after a seq', async () => {
    const run = await operator.execute({ definition: gated('stream') });
    const seen: RunEvent[] = [];
    const reading = (async () => {
      for await (const event of viewer.events(run.id)) seen.push(event);
    })();
    await api.open('stream');
    await reading;
    expect(seen.map((e) => e.id)).toEqual(seen.map((_, i) => String(i + 1)));
    expect(seen[0]).toEqual({ id: '1', type: 'run.status', data: { status: 'running' } });
    expect(seen.at(-1)).toEqual({
      id: String(seen.length),
      type: 'run.status',
      data: { status: 'completed' },
    });
    expect(seen.filter((e) => e.type === 'task.status').map((e) => e.data)).toContainEqual(
      expect.objectContaining({ taskId: 'wait', status: 'completed' }),
    );
    const detail = await operator.status(run.id);
    expect(detail.outputs).toEqual({ result: 'stream opened' });

    const resumed: RunEvent[] = [];
    for await (const event of viewer.events(run.id, { afterSeq: seen.length - 2 })) {
      resumed.push(event);
    }
    expect(resumed).toEqual(seen.slice(-2));
  });

  it('aborts the API’s event iterable when the client cancels the stream', async () => {
    const run = await operator.execute({ definition: gated('cancel-stream') });
    const controller = new AbortController();
    const seen: RunEvent[] = [];
    for await (const event of operator.events(run.id, { signal: controller.signal })) {
      seen.push(event);
      controller.abort();
    }
    expect(seen).toHaveLength(1);
    await until(() => api.aborted.includes(run.id));

    // Leaving the loop early cancels the call too.
    const early = await operator.execute({ definition: gated('break-stream') });
    const iterator = operator.events(early.id)[Symbol.asyncIterator]();
    expect((await iterator.next()).done).toBe(false);
    await iterator.return?.(); // what `break` does
    await until(() => api.aborted.includes(early.id));

    await operator.cancel(run.id, 'test over');
    await operator.cancel(early.id);
    expect((await operator.status(run.id)).error).toEqual({
      code: 'Cancelled',
      message: 'test over',
    });
  });

  it('controls runs: pause, resume, cancel; a wrong state is FAILED_PRECONDITION', async () => {
    const run = await operator.execute({ definition: gated('control') });
    expect((await operator.pause(run.id)).status).toBe('paused');
    const again = await failure(operator.pause(run.id));
    expect(again.grpcCode).toBe(Status.FAILED_PRECONDITION);
    expect(again.code).toBe('INVALID_RUN_STATE');
    expect(again.message).toContain('cannot pause run');
    expect((await operator.resume(run.id)).status).toBe('running');
    const cancelled = await operator.cancel(run.id);
    expect(cancelled.status).toBe('cancelled');
    expect(cancelled.error).toEqual({ code: 'Cancelled', message: 'cancelled by request' });
    expect((await operator.retry(run.id)).status).toBe('running');
    await operator.cancel(run.id);
    const decision = await failure(operator.approve(run.id, 'wait', 'ok'));
    expect(decision.grpcCode).toBe(Status.FAILED_PRECONDITION);
  });

  it('lists executions a page at a time', async () => {
    const first = await viewer.list({ limit: 2 });
    expect(first.runs).toHaveLength(2);
    expect(first.next).toBe('2');
    const second = await viewer.list({ limit: 2, cursor: first.next ?? '' });
    expect(second.runs[0]?.id).not.toBe(first.runs[0]?.id);
    const cancelled = await viewer.list({ status: ['cancelled'] });
    expect(cancelled.runs.length).toBeGreaterThan(0);
    expect(cancelled.runs.every((r) => r.status === 'cancelled')).toBe(true);
  });
});

describe('gRPC status mapping', () => {
  let stub: GrpcServer;
  let client: GrpcClient;
  let thrown: unknown;

  beforeAll(async () => {
    const base = new EngineApi();
    const api: OrchestratorApi = Object.assign(Object.create(base) as EngineApi, {
      get: async () => {
        await Promise.resolve();
        throw thrown;
      },
    });
    stub = await startGrpcServer({ api, authenticator, host: '127.0.0.1', port: 0 });
    client = createGrpcClient(`127.0.0.1:${stub.port}`, { apiKey: 'view-secret' });
  });

  afterAll(async () => {
    client.close();
    await stub.close();
  });

  const cases = [
    ['invalid', Status.INVALID_ARGUMENT],
    ['unauthenticated', Status.UNAUTHENTICATED],
    ['forbidden', Status.PERMISSION_DENIED],
    ['not_found', Status.NOT_FOUND],
    ['conflict', Status.FAILED_PRECONDITION],
    ['too_large', Status.RESOURCE_EXHAUSTED],
    ['unavailable', Status.UNAVAILABLE],
  ] as const;

  it.each(cases)('maps %s to its status code, with its message and code', async (kind, code) => {
    thrown = new ServiceError(kind, 'SOME_CODE', `the ${kind} problem`);
    const err = await failure(client.status('x'));
    expect(err.grpcCode).toBe(code);
    expect(err.kind).toBe(kind);
    expect(err.code).toBe('SOME_CODE');
    expect(err.message).toBe(`the ${kind} problem`);
  });

  it('answers anything else with INTERNAL and a generic message, never the error', async () => {
    for (const error of [
      new Error('connect ECONNREFUSED /var/secret/db.sock'),
      new ServiceError('internal', 'STORE_DOWN', 'the store at /var/secret failed'),
      'a string',
    ]) {
      thrown = error;
      const err = await failure(client.status('x'));
      expect(err.grpcCode).toBe(Status.INTERNAL);
      expect(err.message).toBe('internal error');
      expect(err.code).toBe('INTERNAL');
      expect(err.hint).toBeUndefined();
      expect(err.details).toBeUndefined();
    }
  });

  it('writes non-ASCII hints escaped, and details as JSON', async () => {
    thrown = new ServiceError('invalid', 'BAD', 'bad café', {
      hint: 'fix the café\nthen retry',
      details: { field: 'café' },
    });
    const err = await failure(client.status('x'));
    expect(err.message).toBe('bad café');
    expect(err.hint).toBe('fix the caf\\u00e9\\u000athen retry');
    expect(err.details).toEqual({ field: 'café' });
  });
});

describe('gRPC server lifecycle', () => {
  it('ends open event streams with UNAVAILABLE, so clients can resume', async () => {
    const api = new EngineApi();
    const local = await startGrpcServer({ api, authenticator, host: '127.0.0.1', port: 0 });
    const client = createGrpcClient(`127.0.0.1:${local.port}`, { apiKey: 'op-secret' });
    try {
      const run = await client.execute({ definition: gated('shutdown') });
      const seen: RunEvent[] = [];
      const reading = failure(
        (async () => {
          for await (const event of client.events(run.id)) seen.push(event);
        })(),
      );
      await until(() => seen.length > 0);
      await local.close({ graceMs: 2000 });
      const err = await reading;
      expect(err.grpcCode).toBe(Status.UNAVAILABLE);
      expect(err.message).toContain('after_seq');
      expect(api.aborted).toContain(run.id);
      api.engine.get(run.id)?.cancel();
    } finally {
      client.close();
      await local.close();
    }
  });

  it('refuses a non-loopback host when authentication is off', async () => {
    const open: Authenticator = {
      enabled: false,
      authenticate: () => Promise.resolve(LOCAL_PRINCIPAL),
    };
    await expect(
      startGrpcServer({ api: new EngineApi(), authenticator: open, host: '0.0.0.0', port: 0 }),
    ).rejects.toThrow(/refusing to listen on 0\.0\.0\.0 without authentication/);
    const local = await startGrpcServer({
      api: new EngineApi(),
      authenticator: open,
      host: '127.0.0.1',
      port: 0,
    });
    const client = createGrpcClient(`127.0.0.1:${local.port}`);
    try {
      expect((await client.list()).runs).toEqual([]);
    } finally {
      client.close();
      await local.close();
    }
  });

  it('refuses a client given both an API key and a token', () => {
    expect(() => createGrpcClient(address, { apiKey: 'a', token: 'b' })).toThrow(
      'give apiKey or token, not both',
    );
  });

  it('finds the .proto from the sources', () => {
    expect(Object.keys(loadOrchestratorService())).toContain('StreamExecutionEvents');
    expect(() => loadOrchestratorService('/nowhere/orchestrator.proto')).toThrow(
      /not found at \/nowhere\/orchestrator\.proto: pass protoPath/,
    );
  });
});
