/**
 * gRPC errors on the wire: invalid definitions, inputs and requests (INVALID_ARGUMENT, with the
 * code/hint/details trailers), NOT_FOUND, PERMISSION_DENIED and UNAUTHENTICATED, and how each
 * `ServiceError` kind maps to a status code (anything else: INTERNAL, with nothing leaked).
 */
import {
  Client,
  credentials,
  Metadata,
  status as Status,
  type ServiceError as GrpcError,
} from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ServiceError, type OrchestratorApi } from '../contract.js';
import { createGrpcClient, type GrpcClient } from './client.js';
import { authenticator, EngineApi, failure, greet, startGrpcFixture } from './grpc-test-helpers.js';
import { loadOrchestratorService, type MethodName } from './proto.js';
import { startGrpcServer, type GrpcServer } from './server.js';

let address: string;
let operator: GrpcClient;
let viewer: GrpcClient;
let close: () => Promise<void>;

beforeAll(async () => {
  ({ address, operator, viewer, close } = await startGrpcFixture());
});

afterAll(async () => {
  await close();
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
